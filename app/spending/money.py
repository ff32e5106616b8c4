"""The money side of spending: what a project may still spend, paying a request, and what was spent.

A payment debits the project's expense account in the line's fund
(``expense:<fund>:project-<n>``) and credits, in this order, the project's restricted
account in that fund (money designated to it and matching settled into it) and then the
fund's general money up to what the approved plan allocates from that fund. Both credits
are guarded by the ledger's conditional updates, and the project row is locked first, so
two payments at once cannot spend the same allocation twice.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.money import format_yuan
from app.extensions import db
from app.funds import ledger
from app.funds.models import (
    CATEGORY_CASH,
    CATEGORY_EXPENSE,
    Donation,
    DonationDesignation,
    Fund,
    LedgerAccount,
)
from app.matching.models import MatchingGrant
from app.projects import plan as plan_module
from app.projects.models import Project
from app.spending.models import PAID, SpendingRequest


class SpendingError(ValueError):
    """A request or payment was refused; the message is for the user."""


@dataclass(frozen=True)
class BudgetLine:
    key: str
    item: str
    fund_key: str
    budget_fen: int


def approved_plan(project: Project) -> dict:
    version = project.approved_version
    return plan_module.normalised(version.plan if version is not None else project.plan)


def budget_lines(project: Project) -> list[BudgetLine]:
    """The approved plan's budget lines (what spending is measured against)."""
    return [BudgetLine(key=str(line.get("key") or ""), item=str(line.get("item") or ""),
                       fund_key=str(line.get("fund") or ""),
                       budget_fen=plan_module.line_total_fen(line.get("quantity"), line.get("unit_price_fen")))
            for line in approved_plan(project)["budget"]]


def allocated_fen(project: Project, fund_key: str) -> int:
    """What the approved plan takes from ``fund_key``'s general money."""
    return sum(int(item.get("amount_fen") or 0) for item in approved_plan(project)["funding"]["allocations"]
               if item.get("fund") == fund_key)


def _paid(project: Project):
    return select(SpendingRequest).where(SpendingRequest.project_id == project.id, SpendingRequest.status == PAID)


def paid_requests(project: Project) -> list[SpendingRequest]:
    return list(db.session.scalars(_paid(project).order_by(SpendingRequest.paid_on, SpendingRequest.id)))


def spent_per_line(project: Project) -> dict[str, int]:
    """Paid amounts by budget line key."""
    query = (select(SpendingRequest.line_key, func.sum(SpendingRequest.amount_fen))
             .where(SpendingRequest.project_id == project.id, SpendingRequest.status == PAID)
             .group_by(SpendingRequest.line_key))
    return {key: int(total) for key, total in db.session.execute(query)}


def allocation_used_fen(project: Project, fund: Fund) -> int:
    query = (select(func.coalesce(func.sum(SpendingRequest.allocation_fen), 0))
             .where(SpendingRequest.project_id == project.id, SpendingRequest.fund_id == fund.id,
                    SpendingRequest.status == PAID))
    return int(db.session.scalar(query) or 0)


def restricted_balance_fen(project: Project, fund: Fund) -> int:
    return ledger.project_account(fund, project).balance_fen


def available_fen(project: Project, fund: Fund) -> int:
    """Money the project can still pay from ``fund``: its restricted balance plus the allocation left,
    but never more than the fund's general money holds."""
    allocation_left = max(allocated_fen(project, fund.key) - allocation_used_fen(project, fund), 0)
    cash = ledger.fund_account(fund, CATEGORY_CASH).balance_fen
    return restricted_balance_fen(project, fund) + min(allocation_left, max(cash, 0))


def expense_account(fund: Fund, project: Project) -> LedgerAccount:
    code = f"{CATEGORY_EXPENSE}:{fund.key}:project-{project.number}"
    account = db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if account is None:
        account = LedgerAccount(tenant_id=fund.tenant_id, code=code, name=f"{fund.name}·{project.title}·支出",
                                category=CATEGORY_EXPENSE, fund_id=fund.id, balance_fen=0)
        db.session.add(account)
        db.session.flush()
    return account


def lock_project(project: Project) -> None:
    """Serialise money decisions on one project (PostgreSQL row lock; SQLite writers already are)."""
    db.session.execute(select(Project.id).where(Project.id == project.id).with_for_update())


def post_payment(request: SpendingRequest, *, paid_on: date, actor) -> None:
    """Post the payment of ``request`` (restricted money first, then the allocation) and mark it paid."""
    project, fund = request.project, request.fund
    lock_project(project)
    restricted = ledger.project_account(fund, project)
    db.session.refresh(restricted, ["balance_fen"])
    from_restricted = min(request.amount_fen, max(restricted.balance_fen, 0))
    from_allocation = request.amount_fen - from_restricted
    allocation_left = allocated_fen(project, fund.key) - allocation_used_fen(project, fund)
    if from_allocation > allocation_left:
        raise SpendingError(_l("Not enough money: the project has %(restricted)s of restricted money and "
                               "%(allocation)s left of its allocation from %(fund)s, but the request is for "
                               "%(amount)s.", restricted=format_yuan(from_restricted),
                               allocation=format_yuan(max(allocation_left, 0)), fund=fund.name,
                               amount=format_yuan(request.amount_fen)))
    lines = [ledger.Line(expense_account(fund, project), request.amount_fen)]
    if from_restricted:
        lines.append(ledger.Line(restricted, -from_restricted))
    if from_allocation:
        lines.append(ledger.Line(ledger.fund_account(fund, CATEGORY_CASH), -from_allocation))
    try:
        entry = ledger.post_entry(tenant_id=request.tenant_id, occurred_on=paid_on, kind="project_payment",
                                  memo=f"项目#{project.number} 支出申请#{request.number} {request.payee}",
                                  lines=lines, actor=actor)
    except ledger.InsufficientFunds as error:
        raise SpendingError(str(error)) from error
    request.status, request.paid_on, request.paid_entry = PAID, paid_on, entry
    request.paid_by_id = actor.id if actor is not None else None
    request.restricted_fen, request.allocation_fen = from_restricted, from_allocation
    db.session.flush()


@dataclass(frozen=True)
class LineMoney:
    key: str
    item: str
    fund_key: str
    budget_fen: int
    spent_fen: int

    @property
    def variance_fen(self) -> int:
        """Spent minus budget: negative is under budget."""
        return self.spent_fen - self.budget_fen


@dataclass(frozen=True)
class FundMoney:
    """A project's money in one fund: what came into its restricted account there, and where payments took from.

    ``restricted_in_fen`` is the gifts designated to the project in this fund (net of reversals)
    plus the matching settled into its restricted account (corrections count negative) plus the
    leftover other projects passed on to it at their close-out; it does not go down when the
    account pays or when money leaves it at close-out.
    """

    fund_key: str
    restricted_in_fen: int
    restricted_paid: dict[str, int]  # budget line key -> fen paid from the restricted account
    allocation_paid_fen: int  # paid from the fund's general money (the plan's allocation)

    @property
    def restricted_paid_fen(self) -> int:
        return sum(self.restricted_paid.values())


@dataclass(frozen=True)
class ProjectMoney:
    """One project's money as every page, PDF and open-data file shows it (one source, so they agree)."""

    goal_fen: int
    raised_fen: int  # designated gifts, net of reversals
    matched_fen: int  # matching granted, net of corrections
    allocated_fen: int  # from the funds' general money, per the approved plan
    spent_fen: int
    lines: tuple[LineMoney, ...]
    funds: tuple[FundMoney, ...] = ()  # by fund key
    returned_fen: int = 0  # restricted leftover that left at close or cancel (app.closeout)
    received_fen: int = 0  # leftover other projects passed to this one

    @property
    def other_spent_fen(self) -> int:
        """Spent on line keys the approved budget no longer has."""
        return self.spent_fen - sum(line.spent_fen for line in self.lines)

    def fund(self, key: str) -> FundMoney | None:
        return next((item for item in self.funds if item.fund_key == key), None)


def fund_money(project: Project) -> tuple[FundMoney, ...]:
    """The project's money per fund (see :class:`FundMoney`), sorted by fund key."""
    from app.closeout.models import LeftoverTransfer

    received: dict[str, int] = defaultdict(int)
    designated = (select(Fund.key, func.sum(Donation.amount_fen)).join(Fund, Donation.fund_id == Fund.id)
                  .join(DonationDesignation, DonationDesignation.donation_id == Donation.id)
                  .where(DonationDesignation.project_id == project.id, Donation.reversal_entry_id.is_(None))
                  .group_by(Fund.key))
    settled = (select(Fund.key, func.sum(MatchingGrant.amount_fen)).join(Fund, MatchingGrant.fund_id == Fund.id)
               .where(MatchingGrant.project_id == project.id, MatchingGrant.settlement_entry_id.is_not(None))
               .group_by(Fund.key))
    passed_on = (select(Fund.key, func.sum(LeftoverTransfer.amount_fen)).join(Fund, LeftoverTransfer.fund_id == Fund.id)
                 .where(LeftoverTransfer.to_project_id == project.id).group_by(Fund.key))
    for query in (designated, settled, passed_on):
        for key, total in db.session.execute(query):
            received[key] += int(total)
    restricted: dict[str, dict[str, int]] = defaultdict(dict)
    allocation: dict[str, int] = defaultdict(int)
    for key, line_key, from_restricted, from_allocation in db.session.execute(
            select(Fund.key, SpendingRequest.line_key, func.sum(SpendingRequest.restricted_fen),
                   func.sum(SpendingRequest.allocation_fen))
            .join(Fund, SpendingRequest.fund_id == Fund.id)
            .where(SpendingRequest.project_id == project.id, SpendingRequest.status == PAID)
            .group_by(Fund.key, SpendingRequest.line_key)):
        if from_restricted:
            restricted[key][line_key] = int(from_restricted)
        allocation[key] += int(from_allocation)
    return tuple(FundMoney(key, received.get(key, 0), dict(restricted.get(key, {})), allocation.get(key, 0))
                 for key in sorted(set(received) | set(restricted) | set(allocation)))


def project_money(project: Project) -> ProjectMoney:
    from app.closeout import services as closeout
    from app.matching.services import matched_fen
    from app.projects.services import crowdfunding_goal_fen, raised_fen

    spent = spent_per_line(project)
    lines = [LineMoney(line.key, line.item, line.fund_key, line.budget_fen, spent.get(line.key, 0))
             for line in budget_lines(project)]
    allocated = sum(int(item.get("amount_fen") or 0) for item in approved_plan(project)["funding"]["allocations"])
    return ProjectMoney(goal_fen=crowdfunding_goal_fen(project), raised_fen=raised_fen(project),
                        matched_fen=matched_fen(project), allocated_fen=allocated, spent_fen=sum(spent.values()),
                        lines=tuple(lines), funds=fund_money(project), returned_fen=closeout.returned_fen(project),
                        received_fen=closeout.received_fen(project))
