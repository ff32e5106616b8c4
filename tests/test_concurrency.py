"""Concurrent transfers out of one fund never overdraw it (real commits, real threads).

On PostgreSQL the conditional balance update serialises the competing writers on the
account row; on SQLite every write transaction takes the lock up front (BEGIN IMMEDIATE).
"""

import threading

from app.extensions import db
from app.funds import ledger, services
from app.funds.ledger import InsufficientFunds
from app.funds.models import CATEGORY_CASH
from app.funds.services import DonationInput
from app.funds.verify import verify
from app.tenancy.scoping import tenant_scope
from tests.conftest import (
    Factory,
)
from tests.funds_world import TODAY, fund, make_funds_world

THREADS = 8
ATTEMPTS_PER_THREAD = 5
START_FEN = 100_000
TRANSFER_FEN = 7_000


def test_concurrent_transfers_never_overdraw(committed_app):
    app = committed_app
    world = make_funds_world(app, Factory(app))
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        services.record_donation(DonationInput(donor_name="普阳街道共建单位", donor_type="co_building_unit",
                                               channel="cash", fund=fund("charity"), received_on=TODAY,
                                               amount_fen=START_FEN), actor=None, today=TODAY)
        db.session.commit()

    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker():
        start.wait()
        for _ in range(ATTEMPTS_PER_THREAD):
            with app.app_context(), tenant_scope(db.session, world.tenant.id):
                try:
                    services.transfer(source=fund("charity"), target=fund("development"), amount_fen=TRANSFER_FEN,
                                      reason="并发调拨", actor=None, occurred_on=TODAY)
                    db.session.commit()
                    result = "ok"
                except InsufficientFunds:
                    db.session.rollback()
                    result = "refused"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    succeeded = outcomes.count("ok")
    assert len(outcomes) == THREADS * ATTEMPTS_PER_THREAD
    assert succeeded == START_FEN // TRANSFER_FEN
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        balances = {f.key: b for f, b in ledger.fund_balances()}
        assert balances["charity"][CATEGORY_CASH] == START_FEN - succeeded * TRANSFER_FEN >= 0
        assert balances["development"][CATEGORY_CASH] == succeeded * TRANSFER_FEN
        assert verify(world.tenant.id) == []
