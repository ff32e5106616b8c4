"""Matching checks for ``ledger verify``: budgets and caps kept, counters and receivables agree with the grants.

``matching_within_rules`` has the signature of the checks in ``app.funds.verify.CHECKS``
(a tenant id or None for all; yields :class:`~app.funds.verify.Violation`).
"""

from collections import defaultdict

from sqlalchemy import func, select

from app.extensions import db
from app.funds.models import Donation, Fund, LedgerAccount
from app.funds.verify import Violation
from app.matching.models import KIND_DONATION, MatchingBudget, MatchingGrant
from app.matching.services import rules
from app.tenancy.models import Tenant
from app.tenancy.scoping import all_tenants


def matching_within_rules(tenant_id):
    with all_tenants(db.session):
        query = select(Tenant).order_by(Tenant.id)
        for tenant in db.session.scalars(query if tenant_id is None else query.where(Tenant.id == tenant_id)):
            yield from _tenant_violations(tenant)


def _tenant_violations(tenant):
    by_key = {rule.key: rule for rule in rules(tenant)}
    grants = select(MatchingGrant).where(MatchingGrant.tenant_id == tenant.id)
    granted = defaultdict(int)
    for key, year, total in db.session.execute(
            select(MatchingGrant.rule_key, MatchingGrant.year, func.sum(MatchingGrant.amount_fen))
            .where(MatchingGrant.tenant_id == tenant.id).group_by(MatchingGrant.rule_key, MatchingGrant.year)):
        granted[(key, year)] = int(total)
    counters = {(row.rule_key, row.year): row.used_fen for row in db.session.scalars(
        select(MatchingBudget).where(MatchingBudget.tenant_id == tenant.id))}
    for key, year in sorted(set(granted) | set(counters)):
        used, total = counters.get((key, year), 0), granted.get((key, year), 0)
        if used != total:
            yield Violation(tenant.id, "matching budget counters equal grants",
                            f"rule {key} {year}: counter {used} fen, grants {total} fen")
        rule = by_key.get(key)
        if rule is not None and total > rule.budget_per_year_fen:
            yield Violation(tenant.id, "matching within each rule's budget",
                            f"rule {key} {year}: {total} fen granted, budget {rule.budget_per_year_fen} fen")
    for key, project_id, total in db.session.execute(
            select(MatchingGrant.rule_key, MatchingGrant.project_id, func.sum(MatchingGrant.amount_fen))
            .where(MatchingGrant.tenant_id == tenant.id).group_by(MatchingGrant.rule_key, MatchingGrant.project_id)):
        rule = by_key.get(key)
        if total < 0 or (rule is not None and rule.cap_per_project_fen is not None and total > rule.cap_per_project_fen):
            yield Violation(tenant.id, "matching within each rule's cap per project",
                            f"rule {key} project id {project_id}: {total} fen")
    for grant in db.session.scalars(grants.where(MatchingGrant.kind == KIND_DONATION)):
        if grant.base_fen > grant.donation.amount_fen:
            yield Violation(tenant.id, "matching within each rule's cap per donor and day",
                            f"grant #{grant.number} matched {grant.base_fen} fen of gift #{grant.donation.number}")
    yield from _donor_days(tenant, by_key)
    yield from _receivables(tenant)


def _donor_days(tenant, by_key):
    """The gifts one donor gave one project on one day (not reversed) are matched up to the rule's cap together."""
    for key, project_id, donor_id, day, total in db.session.execute(
            select(MatchingGrant.rule_key, MatchingGrant.project_id, Donation.donor_id, Donation.received_on,
                   func.sum(MatchingGrant.base_fen))
            .join(Donation, Donation.id == MatchingGrant.donation_id)
            .where(MatchingGrant.tenant_id == tenant.id, MatchingGrant.kind == KIND_DONATION,
                   Donation.reversal_entry_id.is_(None))
            .group_by(MatchingGrant.rule_key, MatchingGrant.project_id, Donation.donor_id, Donation.received_on)):
        rule = by_key.get(key)
        cap = rule.cap_per_donor_per_day_fen if rule is not None else None
        if cap is not None and total > cap:
            yield Violation(tenant.id, "matching within each rule's cap per donor and day",
                            f"rule {key} project id {project_id}: donor id {donor_id} on {day} matched on "
                            f"{total} fen, cap {cap} fen")


def _receivables(tenant):
    """Each body's receivable holds exactly its grants that no settlement entry has paid."""
    unpaid = defaultdict(int)
    for key, fund_key, total in db.session.execute(
            select(MatchingGrant.rule_key, Fund.key, func.sum(MatchingGrant.amount_fen))
            .join(Fund, Fund.id == MatchingGrant.fund_id)
            .where(MatchingGrant.tenant_id == tenant.id, MatchingGrant.settlement_entry_id.is_(None))
            .group_by(MatchingGrant.rule_key, Fund.key)):
        unpaid[f"receivable:{fund_key}:matching-{key}"] = int(total)
    balances = dict(db.session.execute(select(LedgerAccount.code, LedgerAccount.balance_fen).where(
        LedgerAccount.tenant_id == tenant.id, LedgerAccount.code.like("receivable:%:matching-%"))).all())
    for code in sorted(set(unpaid) | set(balances)):
        if unpaid.get(code, 0) != balances.get(code, 0):
            yield Violation(tenant.id, "matching receivables equal unpaid grants",
                            f"{code}: balance {balances.get(code, 0)} fen, unpaid grants {unpaid.get(code, 0)} fen")
