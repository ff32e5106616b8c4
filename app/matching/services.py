"""Matching funds (配捐): grants from the ``[[matching]]`` rules, posted as receivables and settled.

How much is matched
-------------------
A rule turns the *matched base* of a project into a *matched total* with rate brackets:
a fixed rate is one bracket, a range is one bracket at the rate staff chose for the project
(``choose_rate``), tiers are marginal brackets like tax brackets (the first ¥10,000 raised at
10%, the next ¥20,000 at 20% …; above the last ``up_to`` nothing, unless the last tier is
open-ended). The base is the sum of the project's designated, not reversed gifts to eligible
funds, each counted only up to what is left of the donor's cap for that project and day
(``cap_per_donor_per_day``: only the first N yuan one donor gives one project per day count;
gifts are taken in the order they were recorded).

Rounding: ``matched_total(base) = floor(Σ part_of_base_in_bracket × percent / 100)`` in fen,
computed from the *running* base. A gift's grant (paid as received) is
``matched_total(base before + its part) − matched_total(base before)``, so the grants of a
project always add up to ``floor(rate × base)`` exactly: fractions of a fen are dropped once
per rule and project, never once per gift. Nothing is ever divided across posting lines (a
grant is one receivable line and one income line of the same amount; a settlement has one
line per project with that project's exact open grants), so no remainder line is needed.

Limits, applied in this order to each grant: the project cap (net matching of the rule for
the project), then the rule's budget for the year (the gift's date's year; for paid at close
the closing date's year). A grant that would overrun is cut to what is left; once nothing is
left, matching stops and ``matching_summary`` says so. The budget row of the rule and year is
locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers) before the base,
caps and budget are read, and its update is conditional (``used + grant ≤ budget``), so two
concurrent gifts cannot together go over the budget or the project cap.

When
----
``paid = "as_received"``: each gift designated to a project while it is *fundraising* gets
its grant in the same transaction (``match_donation``, called by ``record_donation``).
``paid = "at_close"``: one grant per rule when staff start the work (``match_at_close``,
called by the project workflow), from everything raised by then. Gifts arriving after the
fundraising closed are not matched by either. A range rule matches nothing until its rate
is chosen; the rate can be changed until the first grant under it for that project.

Ledger
------
A grant: debit the body's receivable ``receivable:<fund>:matching-<rule key>``, credit the
fund's income ``income:<fund>:matching``, dated with the gift (or the close). Settlement
(the body paid): debit each project's restricted account (``restricted:<fund>:project-<n>``),
credit the receivable. Reversing a matched gift takes its matching back: its grant's entry is
reversed and a negative *correction* grant records it (an open grant and its correction are
closed together; if the body had already paid, the correction is open and settling it moves
the money out of the project's restricted account back to the body). For paid-at-close the
project's base is recounted without the gift and the close grant is corrected downwards.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.audit import services as audit
from app.extensions import db
from app.funds import ledger
from app.funds.ledger import Line
from app.funds.models import (
    CATEGORY_INCOME,
    CATEGORY_RECEIVABLE,
    Donation,
    DonationDesignation,
    Fund,
    JournalEntry,
    LedgerAccount,
)
from app.matching.models import (
    KIND_CLOSE,
    KIND_CORRECTION,
    KIND_DONATION,
    MatchingBudget,
    MatchingGrant,
    MatchingRate,
)
from app.matching.tenant_section import PAID_AS_RECEIVED, PAID_AT_CLOSE, stored_rules
from app.projects.models import APPROVED, FUNDRAISING, IN_PROGRESS, Project

RATE_CHOICE_STATES = (APPROVED, FUNDRAISING)


class MatchingError(ValueError):
    """A matching rule refused the request; the message is for the user."""


# --- rules -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One ``[[matching]]`` table, amounts in fen."""

    key: str
    body: str
    fund_key: str
    budget_per_year_fen: int
    paid: str
    rate_percent: int | None = None
    rate_min: int | None = None
    rate_max: int | None = None
    tiers: tuple[tuple[int | None, int], ...] = ()  # (up_to_fen or None, percent)
    cap_per_project_fen: int | None = None
    cap_per_donor_per_day_fen: int | None = None
    categories: tuple[str, ...] = ()
    funds: tuple[str, ...] = ()

    @property
    def scheme(self) -> str:
        return "tiers" if self.tiers else ("range" if self.rate_min is not None else "fixed")

    @classmethod
    def from_settings(cls, raw: dict) -> "Rule":
        def fen(name):
            return raw[name] * 100 if raw.get(name) is not None else None

        tiers = tuple((tier["up_to_yuan"] * 100 if tier.get("up_to_yuan") is not None else None, tier["rate_percent"])
                      for tier in raw.get("tiers") or ())
        return cls(key=raw["key"], body=raw["body"], fund_key=raw["fund"], budget_per_year_fen=fen("budget_per_year_yuan"),
                   paid=raw.get("paid", PAID_AS_RECEIVED), rate_percent=raw.get("rate_percent"),
                   rate_min=raw.get("rate_percent_min"), rate_max=raw.get("rate_percent_max"), tiers=tiers,
                   cap_per_project_fen=fen("cap_per_project_yuan"),
                   cap_per_donor_per_day_fen=fen("cap_per_donor_per_day_yuan"),
                   categories=tuple(raw.get("eligible_categories") or ()), funds=tuple(raw.get("eligible_funds") or ()))


def rules(tenant) -> list[Rule]:
    return [Rule.from_settings(raw) for raw in stored_rules(tenant)]


def get_rule(tenant, key: str) -> Rule | None:
    return next((rule for rule in rules(tenant) if rule.key == key), None)


# --- arithmetic (pure) -------------------------------------------------------------------------

Brackets = list[tuple[int | None, int]]


def matched_total(brackets: Brackets, base_fen: int) -> int:
    """Matching for ``base_fen`` raised: marginal brackets, floored to the fen once on the total."""
    numerator, lower = 0, 0
    for up_to, percent in brackets:
        upper = base_fen if up_to is None else min(base_fen, up_to)
        if upper > lower:
            numerator += (upper - lower) * percent
        if up_to is None or base_fen <= up_to:
            break
        lower = up_to
    return numerator // 100


@dataclass(frozen=True)
class Gift:
    id: int
    donor_id: int
    received_on: date
    amount_fen: int


def matchable_amounts(gifts: list[Gift], cap_per_donor_per_day_fen: int | None) -> dict[int, int]:
    """How much of each gift counts (gifts in recorded order): at most the cap per donor, project and day."""
    given: dict[tuple[int, date], int] = defaultdict(int)
    counted = {}
    for gift in gifts:
        if cap_per_donor_per_day_fen is None:
            counted[gift.id] = gift.amount_fen
            continue
        day = (gift.donor_id, gift.received_on)
        counted[gift.id] = max(0, min(gift.amount_fen, cap_per_donor_per_day_fen - given[day]))
        given[day] += gift.amount_fen
    return counted


def grant_for_gift(brackets: Brackets, base_before_fen: int, counted_fen: int) -> int:
    """The matching one gift adds to the project's running total."""
    return matched_total(brackets, base_before_fen + counted_fen) - matched_total(brackets, base_before_fen)


# --- what applies to a project -----------------------------------------------------------------

def project_categories(project: Project) -> set[str]:
    """Categories of the needs the project answers (as approved by the council, else as linked now)."""
    version = project.approved_version
    if version is not None and (version.plan or {}).get("needs"):
        return {need.get("category") for need in version.plan["needs"] if need.get("category")}
    return {need.category for need in project.needs}


def applies_to(rule: Rule, project: Project) -> bool:
    return not rule.categories or bool(set(rule.categories) & project_categories(project))


def chosen_rate(rule_key: str, project: Project) -> MatchingRate | None:
    return db.session.scalar(select(MatchingRate).where(MatchingRate.rule_key == rule_key,
                                                        MatchingRate.project_id == project.id))


def brackets_for(rule: Rule, project: Project) -> Brackets | None:
    """The brackets the rule uses for this project; None while a range rule's rate is not chosen."""
    if rule.scheme == "tiers":
        return list(rule.tiers)
    if rule.scheme == "fixed":
        return [(None, rule.rate_percent)]
    rate = chosen_rate(rule.key, project)
    return [(None, rate.rate_percent)] if rate is not None else None


def _gifts(rule: Rule, project: Project, through_id: int | None = None) -> list[Gift]:
    """The project's designated gifts that count for the rule, in recorded order."""
    query = (select(Donation.id, Donation.donor_id, Donation.received_on, Donation.amount_fen)
             .join(DonationDesignation, DonationDesignation.donation_id == Donation.id)
             .where(DonationDesignation.project_id == project.id, Donation.reversal_entry_id.is_(None))
             .order_by(Donation.id))
    if rule.funds:
        query = query.join(Fund, Fund.id == Donation.fund_id).where(Fund.key.in_(rule.funds))
    if through_id is not None:
        query = query.where(Donation.id <= through_id)
    return [Gift(*row) for row in db.session.execute(query)]


# --- the ledger side ---------------------------------------------------------------------------

def receivable_code(rule_key: str, fund: Fund) -> str:
    return f"{CATEGORY_RECEIVABLE}:{fund.key}:matching-{rule_key}"


def receivable_account(rule_key: str, body: str, fund: Fund) -> LedgerAccount:
    """What ``body`` owes under the rule, in ``fund`` (made on first use)."""
    code = receivable_code(rule_key, fund)
    account = db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if account is None:
        account = LedgerAccount(tenant_id=fund.tenant_id, code=code, name=f"{fund.name}·应收配捐·{body}"[:150],
                                category=CATEGORY_RECEIVABLE, fund_id=fund.id, balance_fen=0)
        db.session.add(account)
        db.session.flush()
    return account


def _lock_budget(tenant_id: int, rule_key: str, year: int) -> MatchingBudget:
    """The rule's budget row for the year, created if missing, locked until the transaction ends."""
    connection = db.session.connection()
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = MatchingBudget.__table__
    connection.execute(dialect_insert(table).values(tenant_id=tenant_id, rule_key=rule_key, year=year, used_fen=0)
                       .on_conflict_do_nothing(index_elements=[table.c.tenant_id, table.c.rule_key, table.c.year]))
    return db.session.scalars(select(MatchingBudget).where(MatchingBudget.rule_key == rule_key,
                                                           MatchingBudget.year == year)
                              .with_for_update().execution_options(populate_existing=True)).one()


def _use_budget(row: MatchingBudget, amount_fen: int, budget_fen: int | None) -> None:
    """Add to the year's use; a grant may not take it past the budget (checked in the UPDATE itself)."""
    statement = (update(MatchingBudget).where(MatchingBudget.id == row.id)
                 .values(used_fen=MatchingBudget.used_fen + amount_fen).execution_options(synchronize_session=False))
    if amount_fen > 0 and budget_fen is not None:
        statement = statement.where(MatchingBudget.used_fen + amount_fen <= budget_fen)
    if db.session.execute(statement).rowcount != 1:
        raise MatchingError(_l("The matching budget is used up."))
    db.session.expire(row, ["used_fen"])


def net_matched_fen(rule_key: str, project: Project) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(MatchingGrant.amount_fen), 0)).where(
        MatchingGrant.rule_key == rule_key, MatchingGrant.project_id == project.id)) or 0)


def _fund(rule: Rule) -> Fund | None:
    return db.session.scalar(select(Fund).where(Fund.key == rule.fund_key))


def _limit(rule: Rule, project: Project, budget: MatchingBudget, wanted_fen: int) -> int:
    """``wanted_fen`` cut to what the project cap and the year's budget still allow."""
    amount = wanted_fen
    if rule.cap_per_project_fen is not None:
        amount = min(amount, rule.cap_per_project_fen - net_matched_fen(rule.key, project))
    return max(0, min(amount, rule.budget_per_year_fen - budget.used_fen))


def _post_grant(*, rule_key: str, body: str, fund: Fund, project: Project, amount_fen: int, kind: str, year: int,
                occurred_on: date, actor, base_fen: int = 0, brackets: Brackets = (), donation: Donation | None = None,
                through_id: int | None = None, corrects: MatchingGrant | None = None, entry: JournalEntry | None = None,
                recorded_on: date | None = None) -> MatchingGrant:
    if entry is None:
        memo = f"配捐 {body} → 项目 #{project.number}" + (f"（捐赠 #{donation.number}）" if donation is not None else "")
        if kind == KIND_CORRECTION:
            memo = f"配捐更正 {body} → 项目 #{project.number}"
        entry = ledger.post_entry(
            tenant_id=project.tenant_id, occurred_on=occurred_on, kind="matching", memo=memo, actor=actor,
            lines=[Line(receivable_account(rule_key, body, fund), amount_fen),
                   Line(ledger.fund_account(fund, CATEGORY_INCOME, "matching"), -amount_fen)])
    grant = MatchingGrant(tenant_id=project.tenant_id, rule_key=rule_key, body=body, kind=kind, fund_id=fund.id,
                          project_id=project.id, donation_id=donation.id if donation is not None else None,
                          corrects_id=corrects.id if corrects is not None else None, through_donation_id=through_id,
                          year=year, occurred_on=occurred_on, base_fen=base_fen,
                          brackets=[list(bracket) for bracket in brackets], amount_fen=amount_fen, entry_id=entry.id,
                          created_by_id=actor.id if actor is not None else None)
    db.session.add(grant)
    db.session.flush()
    audit.record("matching.granted" if kind != KIND_CORRECTION else "matching.corrected", actor=actor, obj=grant,
                 after={"rule": rule_key, "project": project.number, "amount_fen": amount_fen, "year": year,
                        "base_fen": base_fen, **({"donation": donation.number} if donation is not None else {}),
                        **({"corrects": corrects.number} if corrects is not None else {}),
                        **({"recorded_on": recorded_on.isoformat()} if recorded_on is not None else {})})
    return grant


# --- matching gifts as they arrive ---------------------------------------------------------------

def match_donation(donation: Donation, *, today: date, actor) -> list[MatchingGrant]:
    """Grant matching for a gift just designated to a fundraising project (same transaction).

    ``today`` is the day it was recorded (audit only); the grant is dated with the gift and
    counts against the budget of the gift's year.
    """
    project = donation.project
    if project is None or project.status != FUNDRAISING:
        return []
    grants = []
    for rule in rules(project.tenant):
        if rule.paid != PAID_AS_RECEIVED or not applies_to(rule, project):
            continue
        if rule.funds and donation.fund.key not in rule.funds:
            continue
        brackets, fund = brackets_for(rule, project), _fund(rule)
        if brackets is None or fund is None:
            continue
        budget = _lock_budget(project.tenant_id, rule.key, donation.received_on.year)
        gifts = _gifts(rule, project)
        counted = matchable_amounts(gifts, rule.cap_per_donor_per_day_fen)
        base_before = sum(amount for gift_id, amount in counted.items() if gift_id < donation.id)
        share = counted.get(donation.id, 0)
        amount = _limit(rule, project, budget, grant_for_gift(brackets, base_before, share))
        if amount <= 0:
            continue
        _use_budget(budget, amount, rule.budget_per_year_fen)
        grants.append(_post_grant(rule_key=rule.key, body=rule.body, fund=fund, project=project, amount_fen=amount,
                                  kind=KIND_DONATION, year=donation.received_on.year,
                                  occurred_on=donation.received_on, actor=actor, base_fen=share, brackets=brackets,
                                  donation=donation, through_id=donation.id, recorded_on=today))
    return grants


def match_at_close(project: Project, today: date, actor) -> list[MatchingGrant]:
    """When the work starts after fundraising: one grant per ``at_close`` rule from everything raised."""
    if project.status != IN_PROGRESS:
        return []
    grants = []
    for rule in rules(project.tenant):
        if rule.paid != PAID_AT_CLOSE or not applies_to(rule, project):
            continue
        brackets, fund = brackets_for(rule, project), _fund(rule)
        if brackets is None or fund is None:
            continue
        budget = _lock_budget(project.tenant_id, rule.key, today.year)
        done = db.session.scalar(select(MatchingGrant.id).where(MatchingGrant.rule_key == rule.key,
                                                                MatchingGrant.project_id == project.id,
                                                                MatchingGrant.kind == KIND_CLOSE))
        gifts = _gifts(rule, project)
        if done is not None or not gifts:
            continue
        base = sum(matchable_amounts(gifts, rule.cap_per_donor_per_day_fen).values())
        amount = _limit(rule, project, budget, matched_total(brackets, base))
        if amount <= 0:
            continue
        _use_budget(budget, amount, rule.budget_per_year_fen)
        grants.append(_post_grant(rule_key=rule.key, body=rule.body, fund=fund, project=project, amount_fen=amount,
                                  kind=KIND_CLOSE, year=today.year, occurred_on=today, actor=actor, base_fen=base,
                                  brackets=brackets, through_id=gifts[-1].id))
    return grants


# --- reversed gifts ----------------------------------------------------------------------------

def unmatch_donation(donation: Donation, *, today: date, actor) -> list[MatchingGrant]:
    """A matched gift was reversed: take its matching back (same transaction as the reversal)."""
    corrections = []
    own = db.session.scalars(select(MatchingGrant).where(MatchingGrant.donation_id == donation.id,
                                                         MatchingGrant.kind == KIND_DONATION)
                             .order_by(MatchingGrant.id)).all()
    for grant in own:
        if _corrections_of(grant):
            continue
        budget = _lock_budget(grant.tenant_id, grant.rule_key, grant.year)
        reversal = ledger.reverse_entry(grant.entry, reason=f"捐赠 #{donation.number} 已冲销", actor=actor,
                                        occurred_on=today)
        correction = _post_grant(rule_key=grant.rule_key, body=grant.body, fund=grant.fund, project=grant.project,
                                 amount_fen=-grant.amount_fen, kind=KIND_CORRECTION, year=grant.year,
                                 occurred_on=today, actor=actor, donation=donation, corrects=grant, entry=reversal)
        _use_budget(budget, -grant.amount_fen, None)
        if grant.is_open:  # never paid: both are simply closed, nothing to settle
            grant.settled_on = correction.settled_on = today
        corrections.append(correction)
    if donation.project is not None:
        corrections += _recount_close_grants(donation, today=today, actor=actor)
    db.session.flush()
    return corrections


def _corrections_of(grant: MatchingGrant) -> list[MatchingGrant]:
    return list(db.session.scalars(select(MatchingGrant).where(MatchingGrant.corrects_id == grant.id)))


def _recount_close_grants(donation: Donation, *, today: date, actor) -> list[MatchingGrant]:
    """Close grants that counted the gift: recount their base without it and correct downwards."""
    project = donation.project
    corrections = []
    closes = db.session.scalars(select(MatchingGrant).where(MatchingGrant.project_id == project.id,
                                                            MatchingGrant.kind == KIND_CLOSE,
                                                            MatchingGrant.through_donation_id >= donation.id)).all()
    for grant in closes:
        rule = get_rule(project.tenant, grant.rule_key)
        cap_per_donor = rule.cap_per_donor_per_day_fen if rule is not None else None
        eligible = rule if rule is not None else Rule(grant.rule_key, grant.body, grant.fund.key, 0, PAID_AT_CLOSE)
        budget = _lock_budget(grant.tenant_id, grant.rule_key, grant.year)
        base = sum(matchable_amounts(_gifts(eligible, project, grant.through_donation_id), cap_per_donor).values())
        target = matched_total([tuple(bracket) for bracket in grant.brackets], base)
        if rule is not None and rule.cap_per_project_fen is not None:
            target = min(target, rule.cap_per_project_fen)
        current = grant.amount_fen + sum(c.amount_fen for c in _corrections_of(grant))
        if target >= current:
            continue
        corrections.append(_post_grant(rule_key=grant.rule_key, body=grant.body, fund=grant.fund, project=project,
                                       amount_fen=target - current, kind=KIND_CORRECTION, year=grant.year,
                                       occurred_on=today, actor=actor, base_fen=base, brackets=grant.brackets,
                                       donation=donation, corrects=grant))
        _use_budget(budget, target - current, None)
    return corrections


# --- the rate of a range rule ------------------------------------------------------------------

def choose_rate(project: Project, rule_key: str, rate_percent: int, *, actor) -> MatchingRate:
    """Staff choose the rate within the rule's range for an approved or fundraising project."""
    rule = get_rule(project.tenant, rule_key)
    if rule is None or rule.scheme != "range":
        raise MatchingError(_l("Choose a matching rule with a range of rates."))
    if project.status not in RATE_CHOICE_STATES:
        raise MatchingError(_l("The rate is chosen for an approved project or while it raises money."))
    if not applies_to(rule, project):
        raise MatchingError(_l("%(body)s does not match projects of this kind.", body=rule.body))
    if not rule.rate_min <= rate_percent <= rule.rate_max:
        raise MatchingError(_l("The rate must be from %(low)s%% to %(high)s%%.", low=rule.rate_min, high=rule.rate_max))
    existing = chosen_rate(rule_key, project)
    if existing is not None and existing.rate_percent == rate_percent:
        return existing
    if db.session.scalar(select(MatchingGrant.id).where(MatchingGrant.rule_key == rule_key,
                                                        MatchingGrant.project_id == project.id).limit(1)):
        raise MatchingError(_l("Gifts were already matched at %(rate)s%%; the rate can no longer change.",
                               rate=existing.rate_percent if existing else "—"))
    before = {"rate_percent": existing.rate_percent} if existing else None
    if existing is None:
        existing = MatchingRate(tenant_id=project.tenant_id, rule_key=rule_key, project_id=project.id,
                                rate_percent=rate_percent, chosen_by_id=actor.id if actor else None)
        db.session.add(existing)
    existing.rate_percent, existing.chosen_by_id = rate_percent, actor.id if actor else None
    db.session.flush()
    audit.record("matching.rate_chosen", actor=actor, obj=project, before=before,
                 after={"rule": rule_key, "rate_percent": rate_percent})
    return existing


# --- settlement ---------------------------------------------------------------------------------

def settle(grants: list[MatchingGrant], *, settled_on: date, today: date, note: str = "", actor) -> list[JournalEntry]:
    """The body paid: move the open grants' money into each project's restricted account.

    One entry per fund: a debit per project (its open grants' net) and the credit to the
    receivable. Corrections count negative, so a correction of an already paid grant moves the
    money out of the project's restricted account back to the body.
    """
    grants = [grant for grant in grants if grant.is_open]
    if not grants:
        raise MatchingError(_l("Nothing is waiting to be paid."))
    if settled_on > today:
        raise MatchingError(_l("The date cannot be in the future."))
    latest = max(grant.occurred_on for grant in grants)
    if settled_on < latest:
        raise MatchingError(_l("Date the payment on or after %(date)s, the date of the latest grant it pays.",
                               date=latest.isoformat()))
    entries = []
    by_account: dict[tuple[int, str], list[MatchingGrant]] = defaultdict(list)
    for grant in grants:
        by_account[(grant.fund_id, grant.rule_key)].append(grant)
    for (_fund_id, rule_key), group in by_account.items():
        fund, body = group[0].fund, group[0].body
        per_project: dict[int, int] = defaultdict(int)
        projects = {}
        for grant in group:
            per_project[grant.project_id] += grant.amount_fen
            projects[grant.project_id] = grant.project
        lines = [Line(ledger.project_account(fund, projects[project_id]), amount)
                 for project_id, amount in sorted(per_project.items()) if amount]
        total = sum(per_project.values())
        if total:
            lines.append(Line(receivable_account(rule_key, body, fund), -total))
        entry = None
        if len(lines) >= 2:
            entry = ledger.post_entry(tenant_id=fund.tenant_id, occurred_on=settled_on, kind="matching_settlement",
                                      memo=f"配捐到账 {body}" + (f" {note.strip()}" if note.strip() else ""),
                                      lines=lines, actor=actor)
            entries.append(entry)
        for grant in group:
            grant.settled_on, grant.settled_by_id, grant.note = settled_on, actor.id if actor else None, note.strip()[:300]
            grant.settlement_entry_id = entry.id if entry is not None else None
        audit.record("matching.settled", actor=actor, obj=group[0], after={
            "rule": rule_key, "grants": [grant.number for grant in group], "amount_fen": total,
            "settled_on": settled_on.isoformat(), **({"note": note.strip()} if note.strip() else {})})
    db.session.flush()
    return entries


def open_grants(rule_key: str) -> list[MatchingGrant]:
    return list(db.session.scalars(select(MatchingGrant).where(MatchingGrant.rule_key == rule_key,
                                                               MatchingGrant.settled_on.is_(None))
                                   .order_by(MatchingGrant.id)))


# --- reading -----------------------------------------------------------------------------------

def get_grant(number: int) -> MatchingGrant | None:
    return db.session.scalar(select(MatchingGrant).where(MatchingGrant.number == number))


def grants_query(*, rule_key: str = "", project: Project | None = None):
    query = select(MatchingGrant).order_by(MatchingGrant.id.desc())
    if rule_key:
        query = query.where(MatchingGrant.rule_key == rule_key)
    if project is not None:
        query = query.where(MatchingGrant.project_id == project.id)
    return query


def budget_used_fen(rule_key: str, year: int) -> int:
    return int(db.session.scalar(select(MatchingBudget.used_fen).where(MatchingBudget.rule_key == rule_key,
                                                                       MatchingBudget.year == year)) or 0)


def open_fen(rule_key: str) -> int:
    """What the body still owes under the rule (negative: it is owed money back)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(MatchingGrant.amount_fen), 0)).where(
        MatchingGrant.rule_key == rule_key, MatchingGrant.settled_on.is_(None))) or 0)


@dataclass(frozen=True)
class RuleOverview:
    rule: Rule
    year: int
    used_fen: int
    open_fen: int
    open_count: int
    fund_name: str

    @property
    def left_fen(self) -> int:
        return max(0, self.rule.budget_per_year_fen - self.used_fen)

    @property
    def percent_used(self) -> int:
        return min(100, self.used_fen * 100 // self.rule.budget_per_year_fen) if self.rule.budget_per_year_fen else 100


def overview(tenant, today: date) -> list[RuleOverview]:
    fund_names = {fund.key: fund.name for fund in db.session.scalars(select(Fund))}
    counts = dict(db.session.execute(select(MatchingGrant.rule_key, func.count(MatchingGrant.id))
                                     .where(MatchingGrant.settled_on.is_(None)).group_by(MatchingGrant.rule_key)).all())
    return [RuleOverview(rule, today.year, budget_used_fen(rule.key, today.year), open_fen(rule.key),
                         counts.get(rule.key, 0), fund_names.get(rule.fund_key, rule.fund_key))
            for rule in rules(tenant)]


STATUS_MATCHING = "matching"  # gifts are being matched
STATUS_AT_CLOSE = "at_close"  # matched when fundraising closes
STATUS_RATE_PENDING = "rate_pending"  # a range rule whose rate is not chosen yet
STATUS_EXHAUSTED = "exhausted"  # the body's budget for the year is used up: matching has stopped
STATUS_CAPPED = "capped"  # the project reached the rule's cap per project
STATUS_DONE = "done"  # fundraising is over


@dataclass(frozen=True)
class MatchingLine:
    """One matching body on a project's page: what it matched and whether it still matches."""

    rule_key: str
    body: str
    matched_fen: int  # net grants so far (receivable or paid)
    expected_fen: int  # paid at close, still fundraising: what it would add if fundraising closed today
    status: str
    rate_label: str

    @property
    def exhausted(self) -> bool:
        return self.status == STATUS_EXHAUSTED

    @property
    def message(self) -> str:
        return str(STATUS_MESSAGES[self.status] % {"body": self.body})


STATUS_MESSAGES = {
    STATUS_MATCHING: _l("%(body)s matches gifts as they arrive."),
    STATUS_AT_CLOSE: _l("%(body)s adds its matching when fundraising closes."),
    STATUS_RATE_PENDING: _l("%(body)s will match this project once its rate is set."),
    STATUS_EXHAUSTED: _l("%(body)s has used up this year's matching budget; matching has stopped."),
    STATUS_CAPPED: _l("%(body)s has matched the most it gives one project."),
    STATUS_DONE: _l("%(body)s matched this project."),
}


def rate_label(rule: Rule, project: Project | None = None) -> str:
    if rule.scheme == "fixed":
        return f"{rule.rate_percent}%"
    if rule.scheme == "range":
        rate = chosen_rate(rule.key, project) if project is not None else None
        return f"{rate.rate_percent}%" if rate is not None else f"{rule.rate_min}%–{rule.rate_max}%"
    lower, parts = 0, []
    for up_to, percent in rule.tiers:
        parts.append(f"¥{lower // 100:,}–{'' if up_to is None else f'¥{up_to // 100:,}'} {percent}%")
        lower = up_to or lower
    return "；".join(parts)


def matching_summary(project: Project, today: date | None = None) -> list[MatchingLine]:
    """Each body matching (or able to match) the project, for its public page and progress bar."""
    from app.tenancy.services import local_today

    today = today or local_today(project.tenant)
    lines = []
    for rule in rules(project.tenant):
        matched = net_matched_fen(rule.key, project)
        if not matched and (not applies_to(rule, project) or project.status not in RATE_CHOICE_STATES):
            continue
        lines.append(_line(rule, project, matched, today))
    return lines


def _line(rule: Rule, project: Project, matched: int, today: date) -> MatchingLine:
    brackets = brackets_for(rule, project)
    left = rule.budget_per_year_fen - budget_used_fen(rule.key, today.year)
    closed = db.session.scalar(select(MatchingGrant.id).where(MatchingGrant.rule_key == rule.key,
                                                              MatchingGrant.project_id == project.id,
                                                              MatchingGrant.kind == KIND_CLOSE).limit(1))
    expected = 0
    raising = project.status in RATE_CHOICE_STATES
    if not raising or closed is not None:
        status = STATUS_DONE
    elif brackets is None:
        status = STATUS_RATE_PENDING
    elif left <= 0:
        status = STATUS_EXHAUSTED
    elif rule.cap_per_project_fen is not None and matched >= rule.cap_per_project_fen:
        status = STATUS_CAPPED
    elif rule.paid == PAID_AT_CLOSE:
        status = STATUS_AT_CLOSE
        base = sum(matchable_amounts(_gifts(rule, project), rule.cap_per_donor_per_day_fen).values())
        expected = matched_total(brackets, base)
        if rule.cap_per_project_fen is not None:
            expected = min(expected, rule.cap_per_project_fen)
        expected = min(expected, left)
    else:
        status = STATUS_MATCHING
    return MatchingLine(rule.key, rule.body, matched, expected, status, rate_label(rule, project))


def matched_fen(project: Project) -> int:
    """All matching granted to the project (net of corrections), for "raised + matched"."""
    return int(db.session.scalar(select(func.coalesce(func.sum(MatchingGrant.amount_fen), 0)).where(
        MatchingGrant.project_id == project.id)) or 0)


def grants_exist(rule_key: str) -> bool:
    return db.session.scalar(select(MatchingGrant.id).where(MatchingGrant.rule_key == rule_key).limit(1)) is not None


def project_grants(project: Project) -> list[MatchingGrant]:
    return list(db.session.scalars(grants_query(project=project)))


def range_rules_for(project: Project) -> list[Rule]:
    """Range rules that apply to the project (their rate is chosen per project)."""
    return [rule for rule in rules(project.tenant) if rule.scheme == "range" and applies_to(rule, project)]


@dataclass(frozen=True)
class ProjectToMatch:
    project: Project
    rates_missing: list[str]  # bodies of range rules whose rate is not chosen yet
    matched_fen: int


def projects_to_match(tenant) -> list[ProjectToMatch]:
    """Approved and fundraising projects some rule applies to (staff set rates and follow matching here)."""
    all_rules = rules(tenant)
    if not all_rules:
        return []
    found = []
    for project in db.session.scalars(select(Project).where(Project.status.in_(RATE_CHOICE_STATES))
                                      .order_by(Project.number.desc())):
        applying = [rule for rule in all_rules if applies_to(rule, project)]
        if applying:
            missing = [rule.body for rule in applying if rule.scheme == "range" and chosen_rate(rule.key, project) is None]
            found.append(ProjectToMatch(project, missing, matched_fen(project)))
    return found
