"""Close-out checks for ``ledger verify``: leftover transfers match their entries; cancelled projects hold nothing.

``closeout_consistent`` has the signature of the checks in ``app.funds.verify.CHECKS`` (a tenant
id or None for all; yields :class:`~app.funds.verify.Violation`). Closed projects holding no
restricted money is checked by ``app.spending.verify``.
"""

from collections import defaultdict

from sqlalchemy import func, select

from app.closeout.models import LeftoverTransfer
from app.extensions import db
from app.funds.models import CATEGORY_CASH, LedgerAccount, Posting, ProjectAccount
from app.funds.verify import Violation
from app.projects.models import CANCELLED, CLOSED, Project
from app.tenancy.scoping import all_tenants


def closeout_consistent(tenant_id):
    with all_tenants(db.session):
        yield from _transfers_match_entries(tenant_id)
        yield from _finished_projects_hold_nothing(tenant_id)


def _only(query, column, tenant_id):
    return query if tenant_id is None else query.where(column == tenant_id)


def _transfers_match_entries(tenant_id):
    """A transfer's entry credits the project's restricted account in the fund with the amount and debits
    the fund's general money (back to the fund) or the receiving project's restricted account."""
    transfers = db.session.scalars(_only(select(LeftoverTransfer), LeftoverTransfer.tenant_id, tenant_id)
                                   .order_by(LeftoverTransfer.id)).all()
    if not transfers:
        return
    posted: dict[int, dict[int, int]] = defaultdict(dict)
    for entry_id, account_id, total in db.session.execute(
            _only(select(Posting.entry_id, Posting.account_id, func.sum(Posting.amount_fen))
                  .where(Posting.entry_id.in_([transfer.entry_id for transfer in transfers])), Posting.tenant_id,
                  tenant_id).group_by(Posting.entry_id, Posting.account_id)):
        posted[entry_id][account_id] = int(total)
    restricted = {(project_id, fund_id): account_id for project_id, fund_id, account_id in db.session.execute(
        _only(select(ProjectAccount.project_id, ProjectAccount.fund_id, ProjectAccount.account_id),
              ProjectAccount.tenant_id, tenant_id))}
    cash = {(tenant, fund_id): account_id for account_id, tenant, fund_id in db.session.execute(
        _only(select(LedgerAccount.id, LedgerAccount.tenant_id, LedgerAccount.fund_id)
              .where(LedgerAccount.category == CATEGORY_CASH), LedgerAccount.tenant_id, tenant_id))}
    for transfer in transfers:
        target = (cash.get((transfer.tenant_id, transfer.fund_id)) if transfer.to_project_id is None
                  else restricted.get((transfer.to_project_id, transfer.fund_id)))
        expected = {restricted.get((transfer.project_id, transfer.fund_id)): -transfer.amount_fen,
                    target: transfer.amount_fen}
        if posted.get(transfer.entry_id, {}) != expected:
            yield Violation(transfer.tenant_id, "leftover transfers match their entries",
                            f"the transfer of {transfer.amount_fen} fen from project id {transfer.project_id} is "
                            f"posted as {sorted(posted.get(transfer.entry_id, {}).values())}")


def _finished_projects_hold_nothing(tenant_id):
    """A closed or cancelled project's restricted money went back or on at its close-out: nothing is left."""
    query = (select(Project.tenant_id, Project.number, Project.status, LedgerAccount.code, LedgerAccount.balance_fen)
             .join(ProjectAccount, ProjectAccount.project_id == Project.id)
             .join(LedgerAccount, LedgerAccount.id == ProjectAccount.account_id)
             .where(Project.status.in_((CLOSED, CANCELLED)), LedgerAccount.balance_fen != 0)
             .order_by(Project.tenant_id, Project.number, LedgerAccount.code))
    for tenant, number, status, code, balance in db.session.execute(_only(query, Project.tenant_id, tenant_id)):
        yield Violation(tenant, f"{status} projects hold no restricted money",
                        f"project #{number} is {status} but {code} holds {balance} fen")
