"""``ledger verify``: every ledger invariant, checked from the rows themselves (the nightly check)."""

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.funds.models import (
    CATEGORY_RESTRICTED,
    Donation,
    Fund,
    JournalEntry,
    LedgerAccount,
    LedgerMonthTotal,
    Posting,
)
from app.tenancy.scoping import all_tenants


@dataclass
class Violation:
    tenant_id: int | None
    check: str
    detail: str

    def __str__(self) -> str:
        return f"tenant {self.tenant_id}: {self.check}: {self.detail}"


def verify(tenant_id: int | None = None) -> list[Violation]:
    """All violations, for one tenant or every tenant."""
    with all_tenants(db.session):
        return [violation for check in CHECKS for violation in check(tenant_id)]


def _only(query, column, tenant_id):
    return query if tenant_id is None else query.where(column == tenant_id)


def unbalanced_entries(tenant_id):
    query = (select(JournalEntry.tenant_id, JournalEntry.number, func.coalesce(func.sum(Posting.amount_fen), 0),
                    func.count(Posting.id))
             .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
             .group_by(JournalEntry.id, JournalEntry.tenant_id, JournalEntry.number))
    for tenant, number, total, count in db.session.execute(_only(query, JournalEntry.tenant_id, tenant_id)):
        if total != 0:
            yield Violation(tenant, "entry sums to zero", f"entry #{number} sums to {total} fen")
        if count < 2:
            yield Violation(tenant, "entry has two or more postings", f"entry #{number} has {count}")


def cross_tenant_postings(tenant_id):
    entry, account = aliased(JournalEntry), aliased(LedgerAccount)
    query = (select(Posting.id, Posting.tenant_id, entry.tenant_id, account.tenant_id)
             .join(entry, Posting.entry_id == entry.id).join(account, Posting.account_id == account.id)
             .where((Posting.tenant_id != entry.tenant_id) | (Posting.tenant_id != account.tenant_id)))
    for posting_id, own, of_entry, of_account in db.session.execute(_only(query, Posting.tenant_id, tenant_id)):
        yield Violation(own, "no orphan or foreign postings",
                        f"posting {posting_id} belongs to tenant {own}, its entry to {of_entry}, its account to {of_account}")


def foreign_reversals(tenant_id):
    original = aliased(JournalEntry)
    query = (select(JournalEntry.tenant_id, JournalEntry.number, original.tenant_id)
             .join(original, JournalEntry.reverses_id == original.id)
             .where(JournalEntry.tenant_id != original.tenant_id))
    for tenant, number, other in db.session.execute(_only(query, JournalEntry.tenant_id, tenant_id)):
        yield Violation(tenant, "reversals stay in their tenant", f"entry #{number} reverses an entry of tenant {other}")


def stale_balances(tenant_id):
    sums = _only(select(Posting.account_id, func.sum(Posting.amount_fen).label("total")), Posting.tenant_id, tenant_id)
    sums = sums.group_by(Posting.account_id).subquery()
    query = (select(LedgerAccount.tenant_id, LedgerAccount.code, LedgerAccount.balance_fen,
                    func.coalesce(sums.c.total, 0))
             .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
             .where(LedgerAccount.balance_fen != func.coalesce(sums.c.total, 0)))
    for tenant, code, cached, actual in db.session.execute(_only(query, LedgerAccount.tenant_id, tenant_id)):
        yield Violation(tenant, "cached balance equals postings", f"{code}: cached {cached}, postings {actual}")


def duplicate_receipt_codes(tenant_id):
    query = (select(Donation.receipt_code, func.count()).group_by(Donation.receipt_code)
             .having(func.count() > 1))
    for code, count in db.session.execute(query):
        yield Violation(None, "receipt codes unique", f"{code} is used {count} times")


def restricted_money_in_wrong_fund(tenant_id):
    query = (select(LedgerAccount.tenant_id, Fund.name, LedgerAccount.balance_fen)
             .join(Fund, LedgerAccount.fund_id == Fund.id)
             .where(LedgerAccount.category == CATEGORY_RESTRICTED, Fund.accepts_restricted.is_(False),
                    LedgerAccount.balance_fen != 0))
    for tenant, fund, balance in db.session.execute(_only(query, LedgerAccount.tenant_id, tenant_id)):
        yield Violation(tenant, "restricted money only where allowed", f"{fund} holds {balance} fen of restricted money")


def donations_match_entries(tenant_id):
    query = (select(Donation.tenant_id, Donation.number, Donation.amount_fen, JournalEntry.tenant_id,
                    func.max(Posting.amount_fen))
             .join(JournalEntry, Donation.entry_id == JournalEntry.id)
             .join(Posting, Posting.entry_id == JournalEntry.id)
             .group_by(Donation.id, Donation.tenant_id, Donation.number, Donation.amount_fen, JournalEntry.tenant_id))
    for tenant, number, amount, entry_tenant, debit in db.session.execute(_only(query, Donation.tenant_id, tenant_id)):
        if entry_tenant != tenant or debit != amount:
            yield Violation(tenant, "donations match their entries",
                            f"donation #{number} of {amount} fen is booked as {debit} fen in tenant {entry_tenant}")


def stale_month_totals(tenant_id):
    month = func.date(func.strftime("%Y-%m-01", JournalEntry.occurred_on)) if db.engine.dialect.name == "sqlite" \
        else func.date_trunc("month", JournalEntry.occurred_on).cast(LedgerMonthTotal.month.type)
    sums = (select(Posting.account_id, month.label("month"),
                   func.sum(case((Posting.amount_fen > 0, Posting.amount_fen), else_=0)).label("debit"),
                   func.sum(case((Posting.amount_fen < 0, -Posting.amount_fen), else_=0)).label("credit"))
            .join(JournalEntry, Posting.entry_id == JournalEntry.id)
            .group_by(Posting.account_id, month))
    actual = {(account, str(when)[:10]): (debit, credit) for account, when, debit, credit in
              db.session.execute(_only(sums, Posting.tenant_id, tenant_id))}
    cached_query = select(LedgerMonthTotal.tenant_id, LedgerMonthTotal.account_id, LedgerMonthTotal.month,
                          LedgerMonthTotal.debit_fen, LedgerMonthTotal.credit_fen)
    cached = {(account, str(when)[:10]): (tenant, debit, credit) for tenant, account, when, debit, credit in
              db.session.execute(_only(cached_query, LedgerMonthTotal.tenant_id, tenant_id))}
    for key in sorted(set(actual) | set(cached), key=str):
        debit, credit = actual.get(key, (0, 0))
        tenant, cached_debit, cached_credit = cached.get(key, (tenant_id, 0, 0))
        if (debit, credit) != (cached_debit, cached_credit):
            yield Violation(tenant, "month totals equal postings",
                            f"account {key[0]} {key[1]}: cached {cached_debit}/{cached_credit}, postings {debit}/{credit}")


def _matching_within_rules(tenant_id):
    from app.matching.verify import matching_within_rules

    return matching_within_rules(tenant_id)


def _spending_within_means(tenant_id):
    from app.spending.verify import spending_within_means

    return spending_within_means(tenant_id)


def _closeout_consistent(tenant_id):
    from app.closeout.verify import closeout_consistent

    return closeout_consistent(tenant_id)


CHECKS = (unbalanced_entries, cross_tenant_postings, foreign_reversals, stale_balances, duplicate_receipt_codes,
          restricted_money_in_wrong_fund, donations_match_entries, stale_month_totals, _matching_within_rules,
          _spending_within_means, _closeout_consistent)
