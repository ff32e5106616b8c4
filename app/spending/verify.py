"""Spending checks for ``ledger verify``: payments match their entries, no project spends beyond its means.

That closed and cancelled projects hold no restricted money is checked with the close-out (``app.closeout.verify``).

``spending_within_means`` has the signature of the checks in ``app.funds.verify.CHECKS``
(a tenant id or None for all; yields :class:`~app.funds.verify.Violation`). What a project
received and paid is read through ``spending.money.project_money``, the figures its public
page and open data show.
"""

from collections import defaultdict

from sqlalchemy import func, select

from app.extensions import db
from app.funds.models import CATEGORY_CASH, CATEGORY_EXPENSE, LedgerAccount, Posting, ProjectAccount
from app.funds.verify import Violation
from app.projects.models import Project
from app.spending.models import PAID, SpendingRequest
from app.spending.money import allocated_fen, project_money
from app.tenancy.scoping import all_tenants


def spending_within_means(tenant_id):
    with all_tenants(db.session):
        yield from _payments_match_entries(tenant_id)
        yield from _projects_within_their_money(tenant_id)


def _only(query, column, tenant_id):
    return query if tenant_id is None else query.where(column == tenant_id)


def _payments_match_entries(tenant_id):
    """A paid request's entry debits the project's expense account with its amount and credits the
    restricted account and the fund's cash with exactly its ``restricted_fen`` and ``allocation_fen``."""
    requests = db.session.scalars(_only(select(SpendingRequest).where(SpendingRequest.status == PAID),
                                        SpendingRequest.tenant_id, tenant_id).order_by(SpendingRequest.id)).all()
    if not requests:
        return
    posted: dict[int, dict[int, int]] = defaultdict(dict)
    for request_id, account_id, total in db.session.execute(
            _only(select(SpendingRequest.id, Posting.account_id, func.sum(Posting.amount_fen))
                  .join(Posting, Posting.entry_id == SpendingRequest.paid_entry_id)
                  .where(SpendingRequest.status == PAID), SpendingRequest.tenant_id, tenant_id)
            .group_by(SpendingRequest.id, Posting.account_id)):
        posted[request_id][account_id] = int(total)
    accounts = {(tenant, code): account_id for account_id, tenant, code in db.session.execute(
        _only(select(LedgerAccount.id, LedgerAccount.tenant_id, LedgerAccount.code)
              .where(LedgerAccount.category.in_((CATEGORY_CASH, CATEGORY_EXPENSE))), LedgerAccount.tenant_id,
              tenant_id))}
    restricted = {(project_id, fund_id): account_id for project_id, fund_id, account_id in db.session.execute(
        _only(select(ProjectAccount.project_id, ProjectAccount.fund_id, ProjectAccount.account_id),
              ProjectAccount.tenant_id, tenant_id))}
    codes = dict(db.session.execute(_only(select(LedgerAccount.id, LedgerAccount.code), LedgerAccount.tenant_id,
                                          tenant_id)).all())
    for request in requests:
        fund, project = request.fund, request.project
        expected = {accounts.get((request.tenant_id, f"{CATEGORY_EXPENSE}:{fund.key}:project-{project.number}")):
                    request.amount_fen}
        if request.restricted_fen:
            expected[restricted.get((project.id, fund.id))] = -request.restricted_fen
        if request.allocation_fen:
            expected[accounts.get((request.tenant_id, f"{CATEGORY_CASH}:{fund.key}"))] = -request.allocation_fen
        actual = posted.get(request.id, {})
        if request.restricted_fen + request.allocation_fen != request.amount_fen or expected != actual:
            yield Violation(request.tenant_id, "payments match their entries",
                            f"request #{request.number} of {request.amount_fen} fen ({request.restricted_fen} "
                            f"restricted + {request.allocation_fen} allocation) is posted as "
                            f"[{_shown(actual, codes) or 'nothing'}], expected [{_shown(expected, codes)}]")


def _shown(lines: dict, codes: dict) -> str:
    return ", ".join(f"{codes.get(account, '?')} {amount}" for account, amount in lines.items())


def _projects_within_their_money(tenant_id):
    """Per project and fund: paid from restricted money at most what came into the restricted account,
    paid from the fund's general money at most what the approved plan allocates from it."""
    paying = _only(select(SpendingRequest.project_id).where(SpendingRequest.status == PAID), SpendingRequest.tenant_id,
                   tenant_id).distinct()
    for project in db.session.scalars(select(Project).where(Project.id.in_(paying)).order_by(Project.id)):
        for item in project_money(project).funds:
            allocation = allocated_fen(project, item.fund_key)
            if item.restricted_paid_fen > item.restricted_in_fen:
                yield Violation(project.tenant_id, "project spending within its restricted money and allocation",
                                f"project #{project.number} paid {item.restricted_paid_fen} fen from its restricted "
                                f"money in {item.fund_key}, which received {item.restricted_in_fen} fen")
            if item.allocation_paid_fen > allocation:
                yield Violation(project.tenant_id, "project spending within its restricted money and allocation",
                                f"project #{project.number} paid {item.allocation_paid_fen} fen from {item.fund_key}'s "
                                f"general money, the plan allocates {allocation} fen")

