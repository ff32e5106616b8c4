"""The double-entry ledger: balance, immutability, reversals, overdrafts, verification."""

import pytest
from sqlalchemy import select, text

from app.accounts.models import User
from app.extensions import db
from app.funds import ledger, services
from app.funds.ledger import InsufficientFunds, LedgerError, Line
from app.funds.models import (
    CATEGORY_CASH,
    CATEGORY_INCOME,
    JournalEntry,
    LedgerAccount,
    LedgerImmutableError,
    Posting,
)
from app.funds.services import DonationInput, FundError
from app.funds.verify import verify
from app.tenancy.scoping import tenant_scope
from tests.funds_world import TODAY, fund, make_funds_world


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(english_world):
    return english_world


def give(amount_fen, *, fund_key="charity", **extra):
    values = {"donor_name": "爱心商户王记", "donor_type": "shop", "channel": "cash", "fund": fund(fund_key),
              "received_on": TODAY, "amount_fen": amount_fen} | extra
    return services.record_donation(DonationInput(**values), actor=None, today=TODAY)[0]


def balances():
    return {f.key: b for f, b in ledger.fund_balances()}


def test_post_entry_moves_cached_balances(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        give(500_000)
        assert balances()["charity"][CATEGORY_CASH] == 500_000
        income = ledger.fund_account(fund("charity"), CATEGORY_INCOME, "donation_shop")
        assert income.balance_fen == -500_000
        assert verify(world.tenant.id) == []


@pytest.mark.parametrize(("amounts", "message"), [
    ([100, -99], "equal"), ([100], "two lines"), ([0, 0], "non-zero"), ([100.0, -100.0], "whole"),
])
def test_unbalanced_or_bad_entries_are_refused(app, world, amounts, message):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        cash = ledger.fund_account(fund("charity"), CATEGORY_CASH)
        income = ledger.fund_account(fund("charity"), CATEGORY_INCOME, "other")
        accounts = [cash, income]
        with pytest.raises(LedgerError, match=message):
            ledger.post_entry(tenant_id=world.tenant.id, occurred_on=TODAY, kind="test", memo="",
                              lines=[Line(accounts[i], amount) for i, amount in enumerate(amounts)], actor=None)
        assert db.session.scalar(select(db.func.count()).select_from(JournalEntry)) == 0


def test_entries_are_immutable_in_the_orm(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        donation = give(10_000)
        db.session.commit()
        entry = donation.entry
        entry.memo = "改写历史"
        with pytest.raises(LedgerImmutableError):
            db.session.flush()
        db.session.rollback()
        posting = db.session.scalars(select(Posting)).first()
        db.session.delete(posting)
        with pytest.raises(LedgerImmutableError):
            db.session.flush()


@pytest.mark.parametrize("statement", [
    "UPDATE postings SET amount_fen = amount_fen * 2",
    "DELETE FROM postings",
    "UPDATE journal_entries SET memo = 'x'",
    "DELETE FROM journal_entries",
])
def test_entries_are_immutable_in_the_database(app, world, statement):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        give(10_000)
        db.session.commit()
    with app.app_context():
        with pytest.raises(Exception, match="immutable"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_reversal_restores_balances_and_links(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        donation = give(120_000)
        services.reverse_donation(donation, reason="重复录入", actor=None, today=TODAY)
        assert balances()["charity"][CATEGORY_CASH] == 0
        reversal = db.session.scalar(select(JournalEntry).where(JournalEntry.reverses_id == donation.entry_id))
        assert reversal.reason == "重复录入"
        assert sorted(p.amount_fen for p in reversal.postings) == [-120_000, 120_000]
        with pytest.raises(FundError):
            services.reverse_donation(donation, reason="再来一次", actor=None, today=TODAY)
        with pytest.raises(LedgerError):
            ledger.reverse_entry(reversal, reason="冲销冲销", actor=None, occurred_on=TODAY)
        with pytest.raises(LedgerError):
            ledger.reverse_entry(donation.entry, reason="", actor=None, occurred_on=TODAY)
        assert verify(world.tenant.id) == []


def test_transfer_between_funds_and_overdraft_refused(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        give(300_000)
        services.transfer(source=fund("charity"), target=fund("development"), amount_fen=100_000,
                          reason="年度调拨", actor=None, occurred_on=TODAY)
        assert balances()["charity"][CATEGORY_CASH] == 200_000
        assert balances()["development"][CATEGORY_CASH] == 100_000
        with pytest.raises(InsufficientFunds):
            services.transfer(source=fund("development"), target=fund("charity"), amount_fen=100_001,
                              reason="超额", actor=None, occurred_on=TODAY)
        for bad in ({"amount_fen": 0, "reason": "x"}, {"amount_fen": 10, "reason": " "}):
            with pytest.raises(FundError):
                services.transfer(source=fund("charity"), target=fund("development"), actor=None,
                                  occurred_on=TODAY, **bad)
        with pytest.raises(FundError):
            services.transfer(source=fund("charity"), target=fund("charity"), amount_fen=1, reason="x",
                              actor=None, occurred_on=TODAY)


def test_reversing_spent_money_is_refused(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        donation = give(50_000)
        services.transfer(source=fund("charity"), target=fund("development"), amount_fen=50_000,
                          reason="全部调拨", actor=None, occurred_on=TODAY)
        with pytest.raises(InsufficientFunds):
            services.reverse_donation(donation, reason="录错", actor=None, today=TODAY)


def test_verify_reports_stale_cached_balance(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        give(10_000)
        db.session.execute(text("UPDATE ledger_accounts SET balance_fen = balance_fen + 1 WHERE code = 'fund_cash:charity'"))
        problems = [str(v) for v in verify(world.tenant.id)]
        assert any("cached 10001, postings 10000" in p for p in problems), problems


def test_verify_reports_restricted_money_in_a_fund_that_refuses_it(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        development = fund("development")
        ledger.ensure_fund_accounts(development)
        restricted = ledger.fund_account(development, "restricted")
        income = ledger.fund_account(development, CATEGORY_INCOME, "other")
        ledger.post_entry(tenant_id=world.tenant.id, occurred_on=TODAY, kind="test", memo="绕过服务",
                          lines=[Line(restricted, 100), Line(income, -100)], actor=None)
        assert any("restricted money" in v.check for v in verify(world.tenant.id))


def test_ledger_verify_command(app, world):
    runner = app.test_cli_runner()
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        give(10_000)
        db.session.commit()
    ok = runner.invoke(args=["ledger", "verify", "--tenant", world.tenant.slug])
    assert ok.exit_code == 0 and "Ledger OK" in ok.output
    with app.app_context():
        db.session.execute(text("UPDATE ledger_accounts SET balance_fen = 7 WHERE code = 'fund_cash:charity'"))
        db.session.commit()
    failed = runner.invoke(args=["ledger", "verify"])
    assert failed.exit_code == 1
    assert "cached balance equals postings" in failed.output and "fund_cash:charity" in failed.output


def test_accounts_of_another_tenant_cannot_be_posted(app, factory, world):
    other = make_funds_world(app, factory, name="别的社区")
    with app.app_context():
        with tenant_scope(db.session, other.tenant.id):
            foreign = ledger.fund_account(fund("charity"), CATEGORY_CASH)
        with tenant_scope(db.session, world.tenant.id):
            income = ledger.fund_account(fund("charity"), CATEGORY_INCOME, "other")
            with pytest.raises(LedgerError):
                ledger.post_entry(tenant_id=world.tenant.id, occurred_on=TODAY, kind="test", memo="",
                                  lines=[Line(foreign, 100), Line(income, -100)], actor=None)
            assert db.session.scalar(select(LedgerAccount).where(LedgerAccount.id == foreign.id)) is None
            assert db.session.get(User, world.staff.id) is not None


def test_month_totals_follow_postings_and_verify_checks_them(app, world):
    from datetime import date

    from app.funds.models import LedgerMonthTotal

    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        give(10_000, received_on=date(2026, 10, 5))
        give(2_500, received_on=date(2026, 10, 30))
        give(700, received_on=date(2026, 11, 1))
        cash = ledger.fund_account(fund("charity"), CATEGORY_CASH)
        months = {row.month.isoformat(): (row.debit_fen, row.credit_fen) for row in db.session.scalars(
            select(LedgerMonthTotal).where(LedgerMonthTotal.account_id == cash.id))}
        assert months == {"2026-10-01": (12_500, 0), "2026-11-01": (700, 0)}
        assert verify(world.tenant.id) == []
        db.session.execute(text("UPDATE ledger_month_totals SET debit_fen = debit_fen + 1"))
        assert any(v.check == "month totals equal postings" for v in verify(world.tenant.id))
