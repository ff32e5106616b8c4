"""What a community publishes (信息公开): balances, income by month, donations, statements, traces.

Everything here reads the current tenant's scoped rows and returns plain view objects
holding only public facts, so a template cannot print a phone number or a receipt code by
accident. Monthly figures come from ``LedgerMonthTotal`` (one row per account and month),
never from summing the posting history.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.core.money import format_yuan
from app.disclosure.charts import Bar, Series, stacked_bars
from app.extensions import db
from app.funds import ledger
from app.funds import services as funds
from app.funds.models import (
    CATEGORY_CASH,
    CATEGORY_IN_KIND,
    CATEGORY_INCOME,
    CATEGORY_RECEIVABLE,
    CATEGORY_RESTRICTED,
    SOURCES,
    Fund,
    JournalEntry,
    LedgerAccount,
    LedgerMonthTotal,
    Posting,
)

SOURCE_LABELS = {
    "donation_person": _l("Donations from individuals"),
    "donation_company": _l("Donations from companies"),
    "donation_shop": _l("Donations from shops"),
    "donation_co_building_unit": _l("Donations from co-building units"),
    "donation_party_member": _l("Donations from party members"),
    "donation_resident": _l("Donations from residents"),
    "in_kind": _l("Donations in kind"),
    "matching": _l("Matching funds"),
    "levy": _l("Partner levy"),
    "charity_sale": _l("Charity sales"),
    "event": _l("Charity events"),
    "other": _l("Other income"),
}
# One colour per source, in SOURCES order (distinguishable, and legible in greyscale print).
SOURCE_COLORS = dict(zip(SOURCES, ("#c2410c", "#1d4ed8", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207",
                                   "#db2777", "#4d7c0f", "#475569", "#9a3412", "#64748b"), strict=True))
MONEY_CATEGORIES = (CATEGORY_CASH, CATEGORY_RESTRICTED, CATEGORY_RECEIVABLE)
CHART_MONTHS = 12
MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")
EARLIEST_YEAR = 1900


def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


# --- months ------------------------------------------------------------------------------

def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def recent_months(today: date, count: int = CHART_MONTHS) -> list[date]:
    """The first days of the last ``count`` months, oldest first, ending with this month."""
    this_month = today.replace(day=1)
    return [add_months(this_month, offset) for offset in range(1 - count, 1)]


def parse_month(text: str, today: date) -> date | None:
    """``2026-11`` as its first day; None for garbage, a 13th month or a month that has not begun."""
    match = MONTH_PATTERN.fullmatch(text or "")
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < EARLIEST_YEAR:
        return None
    first = date(year, month, 1)
    return first if first <= today.replace(day=1) else None


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_label(month: date, skeleton: str = "yMMMM") -> str:
    """``2026年11月`` / ``November 2026`` in the current language."""
    return format_skeleton(skeleton, month, locale=get_locale())


# --- balances ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FundBalance:
    key: str
    name: str
    purposes: tuple[str, ...]
    balance_fen: int  # money that can be spent: cash + restricted
    restricted_fen: int
    in_kind_fen: int


def fund_balances() -> list[FundBalance]:
    """Each fund's current balances (cached on the accounts; no sums over history)."""
    return [FundBalance(key=fund.key, name=fund.name, purposes=tuple(fund.purposes or ()),
                        balance_fen=ledger.spendable_fen(amounts), restricted_fen=amounts.get(CATEGORY_RESTRICTED, 0),
                        in_kind_fen=amounts.get(CATEGORY_IN_KIND, 0))
            for fund, amounts in ledger.fund_balances()]


# --- income by month ---------------------------------------------------------------------

def income_by_month(first: date | None = None, last: date | None = None, *, by_fund: bool = False) -> dict:
    """Net income (credits less reversals) per (month, source), or per (month, fund key, source)."""
    net = func.sum(LedgerMonthTotal.credit_fen - LedgerMonthTotal.debit_fen)
    keys = [LedgerMonthTotal.month, *([Fund.key] if by_fund else []), LedgerAccount.source]
    query = (select(*keys, net).join(LedgerMonthTotal.account).where(LedgerAccount.category == CATEGORY_INCOME)
             .group_by(*keys))
    if by_fund:
        query = query.join(Fund, LedgerAccount.fund_id == Fund.id)
    if first is not None:
        query = query.where(LedgerMonthTotal.month >= first)
    if last is not None:
        query = query.where(LedgerMonthTotal.month <= last)
    return {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(query) if row[-1]}


@dataclass(frozen=True)
class MonthIncome:
    month: date
    by_source: dict[str, int]

    @property
    def total_fen(self) -> int:
        return sum(self.by_source.values())


def income_months(today: date, count: int = CHART_MONTHS) -> tuple[list[MonthIncome], list[str]]:
    """The last ``count`` months' income by source, and the sources that appear in them (SOURCES order)."""
    months = recent_months(today, count)
    totals = income_by_month(months[0], months[-1])
    sources = [source for source in SOURCES if any(key[1] == source for key in totals)]
    return [MonthIncome(month, {source: totals.get((month, source), 0) for source in sources}) for month in months], sources


def income_chart(months: list[MonthIncome], sources: list[str], *, chart_id: str = "income-chart",
                 width: int = 420, plot_height: int = 180, font_size: int = 14) -> Markup:
    """The stacked bar chart of ``income_months``: one bar per month, one colour per source.

    The year is written under January and under the first bar (unless a January follows at once).
    """
    bars = [Bar(key=month_key(item.month), label=month_label(item.month, "MMM"),
                sublabel=month_label(item.month, "y") if item.month.month == 1 or (
                    index == 0 and item.month.month != 12) else "")
            for index, item in enumerate(months)]
    series = [Series(key=source, label=source_label(source), color=SOURCE_COLORS[source],
                     values=tuple(item.by_source.get(source, 0) for item in months)) for source in sources]
    return stacked_bars(bars, series, title=_("Income by source and month"), axis_label=_("Yuan"),
                        empty_text=_("No income in these months."), amount_text=format_yuan, chart_id=chart_id,
                        width=width, plot_height=plot_height, font_size=font_size)


# --- donations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicDonation:
    """What the public may know about a gift: never the phone number, reference or receipt code."""

    donor_name: str | None  # None when the donor asked to stay anonymous
    amount_fen: int
    received_on: date
    fund_name: str
    restricted: bool
    in_kind: bool


def _public(donation) -> PublicDonation:
    return PublicDonation(donor_name=None if donation.anonymous else donation.donor.name,
                          amount_fen=donation.amount_fen, received_on=donation.received_on,
                          fund_name=donation.fund.name, restricted=donation.restricted,
                          in_kind=donation.channel == "in_kind")


def public_donations_query():
    """Donations that count (reversed ones left out), newest first."""
    return funds.donations_query(public=True)


def latest_donations(limit: int = 10) -> list[PublicDonation]:
    return [_public(donation) for donation in db.session.scalars(public_donations_query().limit(limit))]


def public_page(page):
    """A ``core.pagination.Page`` of donations turned into public view objects."""
    page.items = [_public(donation) for donation in page.items]
    return page


# --- monthly statement (公示表) -------------------------------------------------------------

@dataclass
class FundStatement:
    """One fund's month: opening, income by source, transfers, spending, closing (money), and goods in kind."""

    key: str
    name: str
    opening_fen: int = 0
    income: dict[str, int] = field(default_factory=dict)
    transfers_in: dict[str, int] = field(default_factory=dict)  # counterpart fund name -> fen
    transfers_out: dict[str, int] = field(default_factory=dict)
    closing_fen: int = 0
    restricted_fen: int = 0
    receivable_fen: int = 0
    in_kind_opening_fen: int = 0
    in_kind_received_fen: int = 0
    in_kind_closing_fen: int = 0

    @property
    def income_fen(self) -> int:
        return sum(self.income.values())

    @property
    def transfers_in_fen(self) -> int:
        return sum(self.transfers_in.values())

    @property
    def transfers_out_fen(self) -> int:
        return sum(self.transfers_out.values())

    @property
    def spending_fen(self) -> int:
        """Money that left the fund other than by a transfer or a corrected income (expenses, payments)."""
        return (self.opening_fen + self.income_fen + self.transfers_in_fen - self.transfers_out_fen
                - self.closing_fen)

    @property
    def in_kind_used_fen(self) -> int:
        return self.in_kind_opening_fen + self.in_kind_received_fen - self.in_kind_closing_fen

    @property
    def has_in_kind(self) -> bool:
        return bool(self.in_kind_opening_fen or self.in_kind_received_fen or self.in_kind_closing_fen)


@dataclass(frozen=True)
class Row:
    """A line of the statement table: one amount per fund, then the total."""

    kind: str  # opening, income, income_total, transfers_in, transfers_out, spending, closing, ...
    values: tuple[int, ...]
    total: int
    source: str | None = None

    @property
    def emphasis(self) -> bool:
        return self.kind in ("opening", "income_total", "closing", "in_kind_closing")


@dataclass
class Statement:
    month: date
    complete: bool  # False while the month is still running
    funds: list[FundStatement]
    total: FundStatement
    sources: list[str]  # income sources (money) that appear this month, SOURCES order

    @property
    def has_in_kind(self) -> bool:
        return self.total.has_in_kind

    @property
    def has_transfers(self) -> bool:
        return any(fund.transfers_in or fund.transfers_out for fund in self.funds)

    def transfers(self) -> list[tuple[str, str, int]]:
        """Each movement between funds this month as (from, to, fen)."""
        return [(other, item.name, amount) for item in self.funds for other, amount in item.transfers_in.items()]

    def rows(self) -> list[Row]:
        """The table's lines in print order; optional ones only when they carry an amount."""

        def row(kind, value, source=None):
            return Row(kind, tuple(value(item) for item in self.funds), value(self.total), source)

        rows = [row("opening", lambda item: item.opening_fen)]
        rows += [row("income", lambda item, source=source: item.income.get(source, 0), source)
                 for source in self.sources]
        rows.append(row("income_total", lambda item: item.income_fen))
        if self.has_transfers:
            rows += [row("transfers_in", lambda item: item.transfers_in_fen),
                     row("transfers_out", lambda item: item.transfers_out_fen)]
        rows += [row("spending", lambda item: item.spending_fen), row("closing", lambda item: item.closing_fen)]
        if self.total.restricted_fen:
            rows.append(row("restricted", lambda item: item.restricted_fen))
        if self.total.receivable_fen:
            rows.append(row("receivable", lambda item: item.receivable_fen))
        if self.has_in_kind:
            rows += [row("in_kind_opening", lambda item: item.in_kind_opening_fen),
                     row("in_kind_received", lambda item: item.in_kind_received_fen),
                     row("in_kind_used", lambda item: item.in_kind_used_fen),
                     row("in_kind_closing", lambda item: item.in_kind_closing_fen)]
        return rows


def month_statement(month: date, today: date) -> Statement:
    """The statement of ``month`` for every fund, from month totals (bounded by months, not postings)."""
    fund_rows = funds.funds()
    accounts = {row.id: row for row in db.session.execute(
        select(LedgerAccount.id, LedgerAccount.fund_id, LedgerAccount.category, LedgerAccount.source)
        .where(LedgerAccount.fund_id.is_not(None)))}
    before = dict(db.session.execute(
        select(LedgerMonthTotal.account_id, func.sum(LedgerMonthTotal.debit_fen - LedgerMonthTotal.credit_fen))
        .where(LedgerMonthTotal.month < month).group_by(LedgerMonthTotal.account_id)).all())
    during = {account_id: int(debit) - int(credit) for account_id, debit, credit in db.session.execute(
        select(LedgerMonthTotal.account_id, LedgerMonthTotal.debit_fen, LedgerMonthTotal.credit_fen)
        .where(LedgerMonthTotal.month == month))}
    statements = {fund.id: FundStatement(key=fund.key, name=fund.name) for fund in fund_rows}
    for account_id, account in accounts.items():
        item = statements.get(account.fund_id)
        if item is None:
            continue
        opening, change = int(before.get(account_id) or 0), during.get(account_id, 0)
        if account.category in MONEY_CATEGORIES:
            item.opening_fen += opening
            item.closing_fen += opening + change
            if account.category == CATEGORY_RESTRICTED:
                item.restricted_fen += opening + change
            elif account.category == CATEGORY_RECEIVABLE:
                item.receivable_fen += opening + change
        elif account.category == CATEGORY_IN_KIND:
            item.in_kind_opening_fen += opening
            item.in_kind_closing_fen += opening + change
        elif account.category == CATEGORY_INCOME and change:
            if account.source == "in_kind":
                item.in_kind_received_fen -= change
            else:
                item.income[account.source] = item.income.get(account.source, 0) - change
    _add_transfers(statements, {fund.id: fund.name for fund in fund_rows}, month)
    ordered = [statements[fund.id] for fund in fund_rows]
    sources = [source for source in SOURCES if any(item.income.get(source) for item in ordered)]
    return Statement(month=month, complete=add_months(month, 1) <= today, funds=ordered,
                     total=_sum_statements(ordered), sources=sources)


def _add_transfers(statements: dict[int, FundStatement], names: dict[int, str], month: date) -> None:
    """调入/调出: the money postings of this month's transfers between funds (and their reversals)."""
    reversed_entry = aliased(JournalEntry)
    rows = db.session.execute(
        select(JournalEntry.id, LedgerAccount.fund_id, Posting.amount_fen)
        .join(Posting.entry).join(Posting.account)
        .outerjoin(reversed_entry, JournalEntry.reverses_id == reversed_entry.id)
        .where(JournalEntry.occurred_on >= month, JournalEntry.occurred_on < add_months(month, 1),
               or_(JournalEntry.kind == "transfer", reversed_entry.kind == "transfer"),
               LedgerAccount.category.in_(MONEY_CATEGORIES))
        .order_by(JournalEntry.id, Posting.id)).all()
    entries: dict[int, list[tuple[int, int]]] = {}
    for entry_id, fund_id, amount in rows:
        entries.setdefault(entry_id, []).append((fund_id, amount))
    for postings in entries.values():
        for fund_id, amount in postings:
            others = [other for other, other_amount in postings if (other_amount > 0) != (amount > 0)]
            counterpart = "、".join(dict.fromkeys(names.get(other, "?") for other in others))
            item = statements.get(fund_id)
            if item is None:
                continue
            bucket = item.transfers_in if amount > 0 else item.transfers_out
            bucket[counterpart] = bucket.get(counterpart, 0) + abs(amount)


def _sum_statements(items: list[FundStatement]) -> FundStatement:
    total = FundStatement(key="", name="")
    for item in items:
        for name in ("opening_fen", "closing_fen", "restricted_fen", "receivable_fen", "in_kind_opening_fen",
                     "in_kind_received_fen", "in_kind_closing_fen"):
            setattr(total, name, getattr(total, name) + getattr(item, name))
        for source, amount in item.income.items():
            total.income[source] = total.income.get(source, 0) + amount
    # Between funds every 调入 is another fund's 调出: the total shows the sums, not counterparts.
    for target, amount in ((total.transfers_in, sum(item.transfers_in_fen for item in items)),
                           (total.transfers_out, sum(item.transfers_out_fen for item in items))):
        if amount:
            target[""] = amount
    return total


# --- trace a donation by its receipt code -------------------------------------------------

def proportional_shares(gift_fen: int, pool_fen: int, paid_per_line: dict[str, int]) -> dict[str, int]:
    """A designated gift's part of what the project's restricted money paid for each budget line.

    Restricted money is pooled: every fen that came into the project's restricted account in
    the gift's fund (``pool_fen``, ``spending.money.FundMoney.restricted_in_fen``: the gifts
    designated to the project in that fund net of reversals, the matching settled into the
    account and any leftover other projects passed on to it) paid for each line in the same
    proportion, whenever it arrived. So the gift's share of a line is
    ``floor(gift_fen × paid_per_line[line] / pool_fen)`` — rounded down to the fen on each
    line, so the shares never add up to more than the gift; the rest of the gift (money not
    spent yet, and the fractions of a fen dropped) is ``gift_fen − Σ shares``. Other funds'
    restricted accounts and the funds' general money (the plan's allocation) are not counted:
    the gift is not in them.
    """
    if pool_fen <= 0:
        return dict.fromkeys(paid_per_line, 0)
    return {key: gift_fen * paid // pool_fen for key, paid in paid_per_line.items()}


@dataclass(frozen=True)
class LineShare:
    """One budget line a designated gift helped pay for."""

    item: str
    paid_fen: int  # what the project's restricted money in the gift's fund paid for the line
    share_fen: int  # the gift's part of it (``proportional_shares``)


@dataclass(frozen=True)
class PublicPayment:
    """A paid spending request as the public may see it (payee and purpose, nothing else about them)."""

    paid_on: date
    payee: str
    purpose: str
    item: str
    amount_fen: int
    restricted_fen: int  # of which from the project's restricted money


@dataclass(frozen=True)
class GiftShare:
    """Where a designated gift went inside its project, in proportion."""

    fund_name: str
    pool_fen: int  # all money that came into the project's restricted account in the gift's fund
    lines: tuple[LineShare, ...]
    unspent_fen: int
    payments: tuple[PublicPayment, ...]


@dataclass(frozen=True)
class FundProjectSpending:
    """What a fund's general money paid for one published project."""

    project: object
    paid_fen: int


@dataclass(frozen=True)
class Trace:
    """Where a donation went, as its donor may see it (no name, phone or reference)."""

    received_on: date
    amount_fen: int
    in_kind: bool
    restricted: bool
    reversed: bool
    fund: FundBalance
    project: object | None = None  # the published project the gift was designated to
    project_raised_fen: int = 0
    project_matched_fen: int = 0
    project_closed: bool = False
    share: GiftShare | None = None  # a designated gift that counts: what it paid for
    general_spending: tuple[FundProjectSpending, ...] = ()  # an unrestricted gift of money: the fund's projects
    notice_project: object | None = None  # the gift's project, also when cancelled: where its leftover went


def trace(code: str) -> Trace | None:
    """The donation with this receipt code in the current community, or None (also for another community's code)."""
    donation = funds.donation_for_receipt(code)
    if donation is None:
        return None
    from app.projects.models import CANCELLED, CLOSED, PUBLISHED_STATES
    from app.spending.money import project_money

    balance = next((item for item in fund_balances() if item.key == donation.fund.key), None)
    project = donation.project if donation.project is not None and donation.project.status in PUBLISHED_STATES \
        else None
    money = project_money(project) if project is not None else None
    counts = not donation.is_reversed
    general = counts and not donation.restricted and donation.channel != "in_kind"
    return Trace(received_on=donation.received_on, amount_fen=donation.amount_fen,
                 in_kind=donation.channel == "in_kind", restricted=donation.restricted,
                 reversed=donation.is_reversed, fund=balance, project=project,
                 project_raised_fen=money.raised_fen if money is not None else 0,
                 project_matched_fen=money.matched_fen if money is not None else 0,
                 project_closed=project is not None and project.status == CLOSED,
                 share=gift_share(donation, project, money) if money is not None and counts else None,
                 general_spending=general_money_spending(donation.fund) if general else (),
                 notice_project=donation.project if donation.project is not None
                 and donation.project.status in (*PUBLISHED_STATES, CANCELLED) else None)


def gift_share(donation, project, money) -> GiftShare:
    """What ``donation`` (designated to ``project``, whose ``project_money`` is ``money``) paid for."""
    from app.spending.money import paid_requests

    fund_money = money.fund(donation.fund.key)
    paid = fund_money.restricted_paid if fund_money is not None else {}
    pool = fund_money.restricted_in_fen if fund_money is not None else 0
    payments = [request for request in paid_requests(project) if request.fund_id == donation.fund_id]
    names = {line.key: line.item for line in money.lines}
    for request in payments:
        names.setdefault(request.line_key, request.line_item or request.line_key)
    budget_keys = [line.key for line in money.lines]
    order = budget_keys + sorted(key for key in paid if key not in budget_keys)
    shares = proportional_shares(donation.amount_fen, pool, paid)
    lines = tuple(LineShare(names.get(key, key), paid[key], shares[key]) for key in order if paid.get(key))
    return GiftShare(fund_name=donation.fund.name, pool_fen=pool, lines=lines,
                     unspent_fen=max(donation.amount_fen - sum(line.share_fen for line in lines), 0),
                     payments=tuple(PublicPayment(request.paid_on, request.payee, request.purpose,
                                                  names.get(request.line_key, request.line_key), request.amount_fen,
                                                  request.restricted_fen)
                                    for request in payments if request.restricted_fen))


def general_money_spending(fund) -> tuple[FundProjectSpending, ...]:
    """What ``fund``'s general money paid for each published project (figures from ``project_money``)."""
    from app.projects.models import PUBLISHED_STATES, Project
    from app.spending.models import PAID, SpendingRequest
    from app.spending.money import project_money

    paid_for = (select(SpendingRequest.project_id)
                .where(SpendingRequest.fund_id == fund.id, SpendingRequest.status == PAID,
                       SpendingRequest.allocation_fen > 0).distinct())
    projects = db.session.scalars(select(Project).where(Project.id.in_(paid_for),
                                                        Project.status.in_(PUBLISHED_STATES))
                                  .order_by(Project.number))
    found = []
    for project in projects:
        fund_money = project_money(project).fund(fund.key)
        if fund_money is not None and fund_money.allocation_paid_fen:
            found.append(FundProjectSpending(project, fund_money.allocation_paid_fen))
    return tuple(found)


# --- open data ---------------------------------------------------------------------------

def open_data(tenant) -> dict:
    """Aggregates anyone may reuse: fund balances, monthly income by fund and source, and published projects, in fen."""
    return {
        "community": {"name": tenant.name, "slug": tenant.slug},
        "currency": "CNY",
        "unit": "fen",
        "funds": [{"key": item.key, "name": item.name, "balance_fen": item.balance_fen,
                   "restricted_fen": item.restricted_fen, "in_kind_fen": item.in_kind_fen}
                  for item in fund_balances()],
        "monthly_totals": [{"month": month_key(month), "fund": fund_key, "source": source, "amount_fen": amount}
                           for (month, fund_key, source), amount in sorted(income_by_month(by_fund=True).items())],
        "projects": open_projects(),
    }


def open_projects() -> list[dict]:
    """Each published project's money (from ``project_money``, like its public page), by number."""
    from app.projects.models import Project
    from app.projects.services import published_query
    from app.spending.money import project_money

    rows = []
    for project in db.session.scalars(published_query().order_by(None).order_by(Project.number)):
        money = project_money(project)
        rows.append({"number": project.number, "title": project.title, "status": project.status,
                     "goal_fen": money.goal_fen, "raised_fen": money.raised_fen, "matched_fen": money.matched_fen,
                     "allocated_fen": money.allocated_fen, "received_fen": money.received_fen,
                     "spent_fen": money.spent_fen, "returned_fen": money.returned_fen})
    return rows
