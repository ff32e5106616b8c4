"""The double-entry ledger: post balanced, immutable entries; reverse them; read balances.

Every entry's postings sum to zero. Cached account balances are updated in the same
transaction with one atomic ``UPDATE`` per account; for money that can be spent (cash,
restricted, in kind) the update is conditional (``balance + amount >= 0``), so concurrent
transfers cannot overdraw a fund on PostgreSQL, and on SQLite writers hold the database
lock from the start of the transaction (``BEGIN IMMEDIATE``).
"""

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.audit import services as audit
from app.extensions import db
from app.funds.models import (
    CATEGORY_CASH,
    CATEGORY_IN_KIND,
    CATEGORY_INCOME,
    CATEGORY_RECEIVABLE,
    CATEGORY_RESTRICTED,
    NON_NEGATIVE_CATEGORIES,
    SOURCES,
    Fund,
    JournalEntry,
    LedgerAccount,
    LedgerMonthTotal,
    Posting,
)

MAX_LINE_FEN = 10**15  # far below BIGINT, so balances and month totals can never overflow


class LedgerError(ValueError):
    """The ledger refused an entry; the message is for the user."""


class InsufficientFunds(LedgerError):
    pass


@dataclass(frozen=True)
class Line:
    account: LedgerAccount
    amount_fen: int


def account_code(category: str, fund_key: str | None, source: str | None = None) -> str:
    parts = [category, fund_key or "", source or ""]
    return ":".join(part for part in parts if part)


def ensure_fund_accounts(fund: Fund) -> None:
    """Create the fund's accounts (money, restricted, in kind, receivable, income by source)."""
    wanted = [(CATEGORY_CASH, None, f"{fund.name}·货币资金"),
              (CATEGORY_RESTRICTED, None, f"{fund.name}·限定用途资金"),
              (CATEGORY_IN_KIND, None, f"{fund.name}·实物"),
              (CATEGORY_RECEIVABLE, None, f"{fund.name}·应收款")]
    wanted += [(CATEGORY_INCOME, source, f"{fund.name}·收入·{source}") for source in SOURCES]
    existing = set(db.session.scalars(select(LedgerAccount.code).where(LedgerAccount.fund_id == fund.id)))
    for category, source, name in wanted:
        code = account_code(category, fund.key, source)
        if code not in existing:
            db.session.add(LedgerAccount(tenant_id=fund.tenant_id, code=code, name=name, category=category,
                                         fund_id=fund.id, source=source, balance_fen=0))
    db.session.flush()


def project_account(fund: Fund, project) -> LedgerAccount:
    """The project's own restricted account in ``fund`` (made on first use): designated money sits here."""
    from app.funds.models import ProjectAccount

    link = db.session.scalar(select(ProjectAccount).where(ProjectAccount.project_id == project.id,
                                                          ProjectAccount.fund_id == fund.id))
    if link is not None:
        return link.account
    account = LedgerAccount(tenant_id=fund.tenant_id, code=f"{CATEGORY_RESTRICTED}:{fund.key}:project-{project.number}",
                            name=f"{fund.name}·{project.title}·专款", category=CATEGORY_RESTRICTED, fund_id=fund.id,
                            balance_fen=0)
    db.session.add(account)
    db.session.flush()
    db.session.add(ProjectAccount(tenant_id=fund.tenant_id, project_id=project.id, fund_id=fund.id,
                                  account_id=account.id))
    db.session.flush()
    return account


def fund_account(fund: Fund, category: str, source: str | None = None) -> LedgerAccount:
    account = db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == account_code(category, fund.key, source)))
    if account is None:
        ensure_fund_accounts(fund)
        account = db.session.scalar(
            select(LedgerAccount).where(LedgerAccount.code == account_code(category, fund.key, source)))
    return account


def post_entry(*, tenant_id: int, occurred_on: date, kind: str, memo: str, lines: list[Line], actor,
               idempotency_key: str | None = None, reverses: JournalEntry | None = None,
               reason: str = "") -> JournalEntry:
    """Post a balanced entry and move the cached balances, or refuse it whole."""
    if len(lines) < 2:
        raise LedgerError(_l("An entry needs at least two lines."))
    if any(not isinstance(line.amount_fen, int) or line.amount_fen == 0 for line in lines):
        raise LedgerError(_l("Every line needs a whole, non-zero amount in fen."))
    if any(abs(line.amount_fen) > MAX_LINE_FEN for line in lines):
        raise LedgerError(_l("The amount is too large."))
    if sum(line.amount_fen for line in lines) != 0:
        raise LedgerError(_l("Debits and credits must be equal."))
    if any(line.account.tenant_id != tenant_id for line in lines):
        raise LedgerError(_l("All accounts must belong to this community."))
    entry = JournalEntry(tenant_id=tenant_id, occurred_on=occurred_on, kind=kind, memo=memo[:300],
                         reverses_id=reverses.id if reverses is not None else None, reason=reason[:300],
                         idempotency_key=idempotency_key, created_by_id=actor.id if actor is not None else None)
    db.session.add(entry)
    db.session.flush()
    for line in lines:
        _move_balance(line.account, line.amount_fen)
        _add_to_month(tenant_id, line.account.id, occurred_on, line.amount_fen)
        db.session.add(Posting(tenant_id=tenant_id, entry_id=entry.id, account_id=line.account.id,
                               amount_fen=line.amount_fen))
    db.session.flush()
    audit.record("ledger.entry_posted" if reverses is None else "ledger.entry_reversed", actor=actor, obj=entry,
                 after={"kind": kind, "memo": memo, "lines": [(line.account.code, line.amount_fen) for line in lines],
                        "reason": reason or None})
    return entry


_batch: ContextVar[dict | None] = ContextVar("ledger_batch", default=None)


@contextmanager
def batched_balances():
    """Add up balance and month-total changes and write them once at the end (bulk imports).

    Only changes that cannot overdraw are deferred; anything that takes money out of a
    spendable account first writes what is pending, then runs its guarded update at once.
    """
    if _batch.get() is not None:
        yield
        return
    state = {"balances": defaultdict(int), "months": defaultdict(lambda: [0, 0]), "accounts": {}}
    token = _batch.set(state)
    try:
        yield
        _write_batch(state)
    finally:
        _batch.reset(token)


@contextmanager
def batch_checkpoint():
    """Undo the pending batched changes of a block whose database work is rolled back."""
    state = _batch.get()
    saved = None
    if state is not None:
        saved = (dict(state["balances"]), {key: list(value) for key, value in state["months"].items()},
                 dict(state["accounts"]))
    try:
        yield
    except BaseException:
        if state is not None:
            balances, months, accounts = saved
            state["balances"].clear()
            state["balances"].update(balances)
            state["months"].clear()
            state["months"].update(months)
            state["accounts"].clear()
            state["accounts"].update(accounts)
        raise


def _write_batch(state: dict) -> None:
    for account_id, amount_fen in state["balances"].items():
        if amount_fen:
            db.session.execute(update(LedgerAccount).where(LedgerAccount.id == account_id)
                               .values(balance_fen=LedgerAccount.balance_fen + amount_fen)
                               .execution_options(synchronize_session=False))
    for (tenant_id, account_id, month), (debit, credit) in state["months"].items():
        _upsert_month(tenant_id, account_id, month, debit, credit)
    for account in state["accounts"].values():
        db.session.expire(account, ["balance_fen"])
    for key in state:
        state[key].clear()


def _move_balance(account: LedgerAccount, amount_fen: int) -> None:
    batch = _batch.get()
    if batch is not None:
        if amount_fen > 0 or account.category not in NON_NEGATIVE_CATEGORIES:
            batch["balances"][account.id] += amount_fen
            batch["accounts"][account.id] = account
            return
        _write_batch(batch)
    statement = (update(LedgerAccount).where(LedgerAccount.id == account.id)
                 .values(balance_fen=LedgerAccount.balance_fen + amount_fen)
                 .execution_options(synchronize_session=False))
    if account.category in NON_NEGATIVE_CATEGORIES and amount_fen < 0:
        statement = statement.where(LedgerAccount.balance_fen + amount_fen >= 0)
    if db.session.execute(statement).rowcount != 1:
        raise InsufficientFunds(_l("Not enough money in %(account)s.", account=account.name))
    db.session.expire(account, ["balance_fen"])


def _add_to_month(tenant_id: int, account_id: int, occurred_on: date, amount_fen: int) -> None:
    """Add one posting to its account's month total with one atomic upsert."""
    debit, credit = max(amount_fen, 0), max(-amount_fen, 0)
    batch = _batch.get()
    if batch is not None:
        pending = batch["months"][(tenant_id, account_id, occurred_on.replace(day=1))]
        pending[0] += debit
        pending[1] += credit
        return
    _upsert_month(tenant_id, account_id, occurred_on.replace(day=1), debit, credit)


def _upsert_month(tenant_id: int, account_id: int, month: date, debit: int, credit: int) -> None:
    connection = db.session.connection()
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = LedgerMonthTotal.__table__
    statement = dialect_insert(table).values(tenant_id=tenant_id, account_id=account_id,
                                             month=month, debit_fen=debit, credit_fen=credit)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.month],
        set_={"debit_fen": table.c.debit_fen + debit, "credit_fen": table.c.credit_fen + credit},
    )
    connection.execute(statement)


def reverse_entry(entry: JournalEntry, *, reason: str, actor, occurred_on: date) -> JournalEntry:
    """Post the mirror image of ``entry``, linked to it, with a reason."""
    if not reason.strip():
        raise LedgerError(_l("Give a reason for the reversal."))
    if entry.reverses_id is not None:
        raise LedgerError(_l("A reversal cannot itself be reversed; post a new entry instead."))
    if db.session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == entry.id)) is not None:
        raise LedgerError(_l("This entry has already been reversed."))
    lines = [Line(posting.account, -posting.amount_fen) for posting in entry.postings]
    return post_entry(tenant_id=entry.tenant_id, occurred_on=occurred_on, kind="reversal",
                      memo=f"冲销 #{entry.number} {entry.memo}", lines=lines, actor=actor, reverses=entry,
                      reason=reason.strip())


def fund_balances() -> list[tuple[Fund, dict[str, int]]]:
    """Each fund of the current tenant with its balances by category (cached, no sums over history)."""
    funds = db.session.scalars(select(Fund).order_by(Fund.position, Fund.id)).all()
    rows = db.session.execute(select(LedgerAccount.fund_id, LedgerAccount.category, LedgerAccount.balance_fen)
                              .where(LedgerAccount.fund_id.is_not(None))).all()
    totals: dict[int, dict[str, int]] = {fund.id: {} for fund in funds}
    for fund_id, category, balance in rows:
        bucket = totals.setdefault(fund_id, {})
        bucket[category] = bucket.get(category, 0) + balance
    return [(fund, totals[fund.id]) for fund in funds]


def latest_movement(account: LedgerAccount) -> date | None:
    """The date of the latest entry that touched ``account`` (indexed by account, entry)."""
    return db.session.scalar(select(func.max(JournalEntry.occurred_on)).join(Posting, Posting.entry_id == JournalEntry.id)
                             .where(Posting.account_id == account.id))


def spendable_fen(balances: dict[str, int]) -> int:
    return balances.get(CATEGORY_CASH, 0) + balances.get(CATEGORY_RESTRICTED, 0)
