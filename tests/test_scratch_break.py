from collections import Counter

import pytest
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy import update

from app.extensions import db
from app.funds import ledger, services
from app.funds.models import LedgerAccount
from tests.test_ledger_properties import SETTINGS, LedgerMachine


def unguarded(account, amount_fen):
    statement = (update(LedgerAccount).where(LedgerAccount.id == account.id)
                 .values(balance_fen=LedgerAccount.balance_fen + amount_fen)
                 .execution_options(synchronize_session=False))
    db.session.execute(statement)
    db.session.expire(account, ["balance_fen"])


def no_month(*args):
    pass


original_reverse = services.reverse_donation


def forgetful_reverse(donation, **kw):
    result = original_reverse(donation, **kw)
    donation.reversal_entry_id = None
    db.session.flush()
    return result


@pytest.mark.parametrize("target,name,broken", [
    (ledger, "_move_balance", unguarded),
    (ledger, "_add_to_month", no_month),
    (services, "reverse_donation", forgetful_reverse),
])
def test_broken(make_app, monkeypatch, target, name, broken):
    monkeypatch.setattr(target, name, broken)
    app = make_app()
    run_state_machine_as_test(lambda: LedgerMachine(app, Counter()), settings=SETTINGS)
