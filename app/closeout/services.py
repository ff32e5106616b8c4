"""Close-out (结项): what the project achieved, its evaluation, and its leftover restricted money.

When the work is done staff start the close-out (``in_progress → closing``), enter the actual
value of every target of the approved plan, the beneficiaries and the evaluation scores
(``[closeout] criteria``), then close the project (``closing → closed``). Closing is refused
while anything is unfinished, and every problem is listed at once: a spending request still
open, matching a body has not paid yet, a target without an actual value, a missing score, and
leftover money with nowhere to go.

Matching at close: a grant is a receivable until the body pays, and paying moves the money
into the project's restricted account. A closed (or cancelled) project must not receive money
it can no longer spend or return, so both closing and cancelling wait until every grant of
the project is settled (recorded at Matching).

Leftover restricted money (专款专用的结余): whatever the project's restricted accounts still
hold when it closes — or when it is cancelled from any open state — moves by the tenant's
``[closeout] leftover`` rule, one journal entry per fund, the whole balance in one line each
(no division, so no rounding):

* ``fund``: debit the fund's general money ``fund_cash:<fund>``, credit
  ``restricted:<fund>:project-<n>``;
* ``project``: debit ``restricted:<fund>:project-<m>`` of the project staff choose (raising money
  or in progress, with a budget line paid from that fund), credit ``restricted:<fund>:project-<n>``.
  The transfer is the notice the donors of project n see on its public page and on the trace of
  their receipt.

The fund's allocation (money the plan takes from the fund's general money) never left the fund,
so what a project did not use of it simply stays there; nothing is posted for it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import services as audit
from app.closeout.models import OCCASION_CANCEL, OCCASION_CLOSE, Closeout, LeftoverTransfer
from app.closeout.tenant_section import LEFTOVER_PROJECT, criteria, leftover_rule
from app.core.money import format_yuan
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_CASH, ProjectAccount
from app.projects import plan as plan_module
from app.projects import workflow
from app.projects.models import ACCEPTS_DONATIONS_STATES, CLOSED, CLOSING, Project, ProjectUpdate
from app.spending import money
from app.tenancy.services import in_tenant_language, tenant_zone

MAX_SCORE = 100
MAX_BENEFICIARIES = 10_000_000
MAX_REPORT_PHOTOS = 6
LEFTOVER_ENTRY_KIND = "project_leftover"


class CloseoutError(ValueError):
    """The close-out could not be saved; the message is for the user."""


def get_closeout(project: Project) -> Closeout | None:
    return db.session.scalar(select(Closeout).where(Closeout.project_id == project.id))


def targets(project: Project) -> list[dict]:
    """The approved plan's targets (what the actual values are entered against)."""
    return list(money.approved_plan(project)["targets"])


# --- entering the close-out -------------------------------------------------------------------

@dataclass
class ActualInput:
    actual: str
    note: str = ""


@dataclass
class CloseoutInput:
    summary: str
    actuals: list[ActualInput]
    beneficiaries: int | None
    beneficiaries_note: str
    survey_responses: int | None
    scores: dict[str, int | None]  # criterion key -> score 0–100 (None: not scored yet)
    evaluation_note: str


def save_closeout(project: Project, data: CloseoutInput, *, actor) -> Closeout:
    """Store what staff entered (blanks allowed: closing lists what is still missing)."""
    if project.status != CLOSING:
        raise CloseoutError(_l("The close-out is written while the project is closing."))
    planned = targets(project)
    if len(data.actuals) != len(planned):
        raise CloseoutError(_l("The plan has %(count)s targets; reload the page and enter each one.",
                               count=len(planned)))
    current = criteria(project.tenant)
    if set(data.scores) != {item["key"] for item in current}:
        raise CloseoutError(_l("The evaluation criteria have changed; reload the page."))
    for entry in data.actuals:
        if entry.actual.strip() and plan_module.decimal_or_none(entry.actual) is None:
            raise CloseoutError(_l("Enter each actual value as a number, e.g. 120 or 2.5."))
    if data.beneficiaries is not None and not 0 <= data.beneficiaries <= MAX_BENEFICIARIES:
        raise CloseoutError(_l("The number of beneficiaries must be from 0 to %(max)s.", max=MAX_BENEFICIARIES))
    if data.survey_responses is not None and not 0 <= data.survey_responses <= MAX_BENEFICIARIES:
        raise CloseoutError(_l("The number of survey responses must be from 0 to %(max)s.", max=MAX_BENEFICIARIES))
    if any(score is not None and not 0 <= score <= MAX_SCORE for score in data.scores.values()):
        raise CloseoutError(_l("Every score is a whole number from 0 to %(max)s.", max=MAX_SCORE))
    closeout = get_closeout(project)
    if closeout is None:
        closeout = Closeout(tenant_id=project.tenant_id, project_id=project.id, actuals=[], scores=[])
        db.session.add(closeout)
    before = _values(closeout)
    closeout.summary = (data.summary or "").strip()[:5000]
    closeout.actuals = [{"name": str(target.get("name") or ""), "unit": str(target.get("unit") or ""),
                         "target": str(target.get("target") or ""), "actual": entry.actual.strip()[:20],
                         "note": (entry.note or "").strip()[:200]}
                        for target, entry in zip(planned, data.actuals, strict=True)]
    closeout.beneficiaries = data.beneficiaries
    closeout.beneficiaries_note = (data.beneficiaries_note or "").strip()[:300]
    closeout.survey_responses = data.survey_responses
    closeout.scores = [{"key": item["key"], "name": in_tenant_language(project.tenant, item["name"]),
                        "weight": item["weight"], "score": data.scores[item["key"]]} for item in current]
    closeout.evaluation_note = (data.evaluation_note or "").strip()[:5000]
    closeout.updated_at, closeout.updated_by_id = utcnow(), actor.id if actor else None
    db.session.flush()
    changed_before, changed_after = audit.changed_values(before, _values(closeout))
    if changed_after:
        audit.record("closeout.saved", actor=actor, obj=project, before=changed_before or None, after=changed_after)
    return closeout


def _values(closeout: Closeout) -> dict:
    return {"summary": closeout.summary or "", "actuals": [row.get("actual") for row in closeout.actuals or []],
            "beneficiaries": closeout.beneficiaries, "beneficiaries_note": closeout.beneficiaries_note or "",
            "survey_responses": closeout.survey_responses,
            "scores": {row["key"]: row["score"] for row in closeout.scores or []},
            "evaluation_note": closeout.evaluation_note or ""}


# --- what blocks closing or cancelling --------------------------------------------------------

def open_spending_problems(project: Project) -> list:
    from app.spending.models import OPEN_STATES, SpendingRequest

    numbers = list(db.session.scalars(select(SpendingRequest.number).where(
        SpendingRequest.project_id == project.id, SpendingRequest.status.in_(OPEN_STATES))
        .order_by(SpendingRequest.number)))
    if not numbers:
        return []
    return [_l("%(count)s spending request(s) are still open (%(numbers)s): pay, reject or withdraw them first.",
               count=len(numbers), numbers=", ".join(f"#{number}" for number in numbers))]


def open_matching_problems(project: Project) -> list:
    from app.matching.models import MatchingGrant

    rows = db.session.execute(select(MatchingGrant.body, func.sum(MatchingGrant.amount_fen))
                              .where(MatchingGrant.project_id == project.id, MatchingGrant.settled_on.is_(None))
                              .group_by(MatchingGrant.body).order_by(MatchingGrant.body)).all()
    return [_l("%(body)s has not paid %(amount)s of matching yet: record its payment at Matching first.",
               body=body, amount=format_yuan(int(total))) for body, total in rows if total]


def report_problems(project: Project) -> list:
    """What the close-out still lacks: an actual per target, the beneficiaries, a score per criterion."""
    closeout = get_closeout(project)
    if closeout is None:
        return [_l("Write the close-out: the actual value of each target, the beneficiaries and the evaluation.")]
    problems = []
    entered = closeout.actuals or []
    for index, target in enumerate(targets(project)):
        actual = entered[index].get("actual") if index < len(entered) else ""
        if not actual:
            problems.append(_l("Target “%(name)s” has no actual value.", name=target.get("name") or index + 1))
    if closeout.beneficiaries is None:
        problems.append(_l("Enter the number of beneficiaries."))
    scored = {row["key"]: row for row in closeout.scores or []}
    for item in criteria(project.tenant):
        if scored.get(item["key"], {}).get("score") is None:
            problems.append(_l("Enter the score for “%(name)s”.", name=item["name"]))
    return problems


@dataclass(frozen=True)
class Holding:
    """Restricted money the project holds in one fund."""

    fund: object
    account: object
    balance_fen: int


def holdings(project: Project, *, fresh: bool = False) -> list[Holding]:
    """The project's restricted accounts that hold money, by fund (``fresh``: reread the balances)."""
    found = []
    for link in db.session.scalars(select(ProjectAccount).where(ProjectAccount.project_id == project.id)
                                   .order_by(ProjectAccount.fund_id)):
        if fresh:
            db.session.refresh(link.account, ["balance_fen"])
        if link.account.balance_fen > 0:
            found.append(Holding(link.fund, link.account, link.account.balance_fen))
    return found


def leftover_fen(project: Project) -> int:
    return sum(holding.balance_fen for holding in holdings(project))


def cancel_needs_receiver(project: Project) -> bool:
    """Cancelling must name the project that receives the leftover (the ``project`` rule, money left)."""
    return leftover_rule(project.tenant) == LEFTOVER_PROJECT and leftover_fen(project) > 0


def receiving_candidates(project: Project) -> list[Project]:
    """Projects that may receive the leftover: raising money or in progress, not this one."""
    return list(db.session.scalars(select(Project).where(Project.status.in_(ACCEPTS_DONATIONS_STATES),
                                                         Project.id != project.id).order_by(Project.number)))


def leftover_problems(project: Project, to: Project | None, found: list[Holding] | None = None) -> list:
    """Whether the leftover can go where the tenant's rule sends it."""
    found = holdings(project) if found is None else found
    if not found or leftover_rule(project.tenant) != LEFTOVER_PROJECT:
        return []
    total = format_yuan(sum(holding.balance_fen for holding in found))
    if to is None:
        return [_l("This community moves leftover money to another project: choose the project that receives "
                   "the %(amount)s left.", amount=total)]
    if to.id == project.id:
        return [_l("A project cannot receive its own leftover; choose another project.")]
    if to.status not in ACCEPTS_DONATIONS_STATES:
        return [_l("Project #%(number)s is “%(state)s”; only a project raising money or in progress can receive "
                   "the leftover.", number=to.number, state=workflow.STATE_LABELS.get(to.status, to.status))]
    funds_used = {line.fund_key for line in money.budget_lines(to)}
    return [_l("Project #%(number)s has no budget line paid from %(fund)s, so it could not spend the %(amount)s.",
               number=to.number, fund=holding.fund.name, amount=format_yuan(holding.balance_fen))
            for holding in found if holding.fund.key not in funds_used]


def unfinished(project: Project) -> list:
    """What is still to do before the project can close, whatever happens to its leftover."""
    return open_spending_problems(project) + open_matching_problems(project) + report_problems(project)


def close_problems(project: Project, to: Project | None) -> list:
    """Everything that keeps the project from closing (the ``close`` guard)."""
    return unfinished(project) + leftover_problems(project, to)


def cancel_problems(project: Project, to: Project | None) -> list:
    """What keeps a project from being cancelled (its unspent money must be able to go back)."""
    return open_spending_problems(project) + open_matching_problems(project) + leftover_problems(project, to)


# --- moving the leftover ----------------------------------------------------------------------

def lock_projects(*projects: Project | None, reread: bool = True) -> None:
    """Row locks in id order (payments lock the project too), so two closes cannot deadlock; then the
    states are read again (``reread``), as another close may have committed while this one waited."""
    for project in sorted({p.id: p for p in projects if p is not None}.values(), key=lambda p: p.id):
        money.lock_project(project)
        if reread:
            db.session.refresh(project, ["status"])


def return_leftover(project: Project, *, occasion: str, to: Project | None, message: str, actor,
                    today: date) -> list[LeftoverTransfer]:
    """Move every restricted balance the project holds by the tenant's rule (one entry per fund).

    The project's own state was just changed by the transition; only the receiver's is read again.
    """
    lock_projects(project, to, reread=False)
    if to is not None and to.id != project.id:
        db.session.refresh(to, ["status"])
    found = holdings(project, fresh=True)
    problems = leftover_problems(project, to, found)
    if problems:
        raise workflow.WorkflowError(problems)
    to_project = to if found and leftover_rule(project.tenant) == LEFTOVER_PROJECT else None
    message = (message or "").strip()[:2000]
    transfers = []
    for holding in found:
        fund, amount = holding.fund, holding.balance_fen
        if to_project is None:
            target = ledger.fund_account(fund, CATEGORY_CASH)
            memo = f"项目#{project.number}{'结项' if occasion == OCCASION_CLOSE else '取消'}，结余退回{fund.name}"
        else:
            target = ledger.project_account(fund, to_project)
            memo = (f"项目#{project.number}{'结项' if occasion == OCCASION_CLOSE else '取消'}，"
                    f"结余转入项目#{to_project.number}")
        entry = ledger.post_entry(tenant_id=project.tenant_id, occurred_on=today, kind=LEFTOVER_ENTRY_KIND, memo=memo,
                                  lines=[ledger.Line(target, amount), ledger.Line(holding.account, -amount)],
                                  actor=actor)
        transfer = LeftoverTransfer(tenant_id=project.tenant_id, project_id=project.id, fund_id=fund.id,
                                    to_project_id=to_project.id if to_project else None, amount_fen=amount,
                                    occasion=occasion, entry_id=entry.id, message=message,
                                    created_by_id=actor.id if actor else None)
        db.session.add(transfer)
        transfers.append(transfer)
    db.session.flush()
    if transfers:
        audit.record("closeout.leftover", actor=actor, obj=project, after={
            "occasion": occasion, "to_project": to_project.number if to_project else None,
            "amounts": {holding.fund.key: holding.balance_fen for holding in found},
            **({"message": message} if message else {})})
    return transfers


def close(project: Project, *, to: Project | None, message: str, actor, roles: frozenset[str], today: date,
          platform_admin: bool = False) -> Closeout:
    """Close the project: the guard lists every problem; then the leftover moves by the rule."""
    from app.projects.services import workflow_context

    lock_projects(project, to)
    context = workflow_context(project, today, leftover_to=to)
    workflow.fire(project, "close", actor=actor, roles=roles, context=context, platform_admin=platform_admin)
    closeout = get_closeout(project)
    closeout.closed_at, closeout.closed_by_id = utcnow(), actor.id if actor else None
    closeout.leftover_rule = leftover_rule(project.tenant)
    return_leftover(project, occasion=OCCASION_CLOSE, to=to, message=message, actor=actor, today=today)
    return closeout


def cancel(project: Project, *, to: Project | None, note: str, actor, roles: frozenset[str], today: date,
           platform_admin: bool = False) -> None:
    """Cancel naming the project that receives the leftover (the ``project`` rule); the reason is the notice."""
    from app.projects.services import transition

    lock_projects(project, to)
    transition(project, "cancel", actor=actor, roles=roles, today=today, note=note, platform_admin=platform_admin,
               leftover_to=to)


def cancel_leftover(project: Project, *, to: Project | None, note: str, actor, today: date) -> None:
    """The cancel transition's side effect (called by ``projects.services.transition``)."""
    return_leftover(project, occasion=OCCASION_CANCEL, to=to, message=in_tenant_language(project.tenant, note),
                    actor=actor, today=today)


# --- reading ----------------------------------------------------------------------------------

def transfers_out(project: Project) -> list[LeftoverTransfer]:
    return list(db.session.scalars(select(LeftoverTransfer).where(LeftoverTransfer.project_id == project.id)
                                   .order_by(LeftoverTransfer.id)))


def transfers_in(project: Project) -> list[LeftoverTransfer]:
    return list(db.session.scalars(select(LeftoverTransfer).where(LeftoverTransfer.to_project_id == project.id)
                                   .order_by(LeftoverTransfer.id)))


def returned_fen(project: Project) -> int:
    """Restricted money that left the project at close or cancel (to the fund or another project)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(LeftoverTransfer.amount_fen), 0))
                                 .where(LeftoverTransfer.project_id == project.id)) or 0)


def received_fen(project: Project) -> int:
    """Leftover money other projects passed to this one."""
    return int(db.session.scalar(select(func.coalesce(func.sum(LeftoverTransfer.amount_fen), 0))
                                 .where(LeftoverTransfer.to_project_id == project.id)) or 0)


def percent(part: Decimal | int, whole: Decimal | int) -> int | None:
    """``part`` as a whole percent of ``whole``, rounded half up; None when there is no whole."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TargetRow:
    name: str
    unit: str
    baseline: str
    target: str
    actual: str
    note: str

    @property
    def completion_percent(self) -> int | None:
        target, actual = plan_module.decimal_or_none(self.target), plan_module.decimal_or_none(self.actual)
        return percent(actual, target) if target and actual is not None else None


@dataclass(frozen=True)
class ScoreRow:
    key: str
    name: str
    weight: int
    score: int | None

    @property
    def weighted_hundredths(self) -> int | None:
        """score × weight / 100, kept exact as hundredths of a point (score × weight)."""
        return self.score * self.weight if self.score is not None else None


def percent_text(part: int, whole: int) -> str:
    value = percent(part, whole)
    return "—" if value is None else f"{value}%"


def points(hundredths: int | None) -> str:
    """Hundredths of a point as text: 8750 → ``87.50`` (exact, no rounding)."""
    return "—" if hundredths is None else f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True)
class Photo:
    update_id: int
    index: int
    key: str


@dataclass
class Report:
    """Everything the close-out page and the close-out report PDF show, computed once."""

    project: Project
    closeout: Closeout | None
    targets: list[TargetRow]
    money: "money.ProjectMoney"
    spent_restricted_fen: int
    spent_allocation_fen: int
    scores: list[ScoreRow]
    transfers_out: list[LeftoverTransfer]
    transfers_in: list[LeftoverTransfer]
    holdings: list[Holding]
    photos: list[Photo]
    rule: str

    @property
    def is_closed(self) -> bool:
        return self.project.status == CLOSED

    @property
    def leftover_fen(self) -> int:
        return sum(holding.balance_fen for holding in self.holdings)

    @property
    def budget_total_fen(self) -> int:
        return sum(line.budget_fen for line in self.money.lines)

    @property
    def variance_total_fen(self) -> int:
        """All spending (lines the approved budget no longer has included) minus the budget."""
        return self.money.spent_fen - self.budget_total_fen

    @property
    def unused_allocation_fen(self) -> int:
        return max(self.money.allocated_fen - self.spent_allocation_fen, 0)

    @property
    def total_score_hundredths(self) -> int | None:
        """Σ score × weight / 100 as hundredths of a point; None until every criterion is scored."""
        if not self.scores or any(row.score is None for row in self.scores):
            return None
        return sum(row.weighted_hundredths for row in self.scores)

    @property
    def closed_on(self) -> date | None:
        """The day the project closed, in the community's timezone."""
        if self.closeout is None or self.closeout.closed_at is None:
            return None
        return to_local(self.closeout.closed_at, tenant_zone(self.project.tenant)).date()


def report(project: Project) -> Report:
    """The close-out of ``project`` with every figure from ``app.spending.money.project_money``."""
    closeout = get_closeout(project)
    entered = closeout.actuals if closeout is not None else []
    rows = []
    for index, target in enumerate(targets(project)):
        row = entered[index] if index < len(entered) else {}
        rows.append(TargetRow(str(target.get("name") or ""), str(target.get("unit") or ""),
                              str(target.get("baseline") or ""), str(target.get("target") or ""),
                              str(row.get("actual") or ""), str(row.get("note") or "")))
    if closeout is not None and closeout.closed_at is not None:  # scored by the criteria of its day, kept as they were
        scores = [ScoreRow(row["key"], row["name"], row["weight"], row.get("score")) for row in closeout.scores]
    else:  # still closing: today's criteria, with what was already scored under the same keys
        saved = {row["key"]: row.get("score") for row in (closeout.scores if closeout is not None else None) or []}
        scores = [ScoreRow(item["key"], item["name"], item["weight"], saved.get(item["key"]))
                  for item in criteria(project.tenant)]
    project_money = money.project_money(project)
    return Report(project=project, closeout=closeout, targets=rows, money=project_money,
                  spent_restricted_fen=sum(fund.restricted_paid_fen for fund in project_money.funds),
                  spent_allocation_fen=sum(fund.allocation_paid_fen for fund in project_money.funds), scores=scores,
                  transfers_out=transfers_out(project), transfers_in=transfers_in(project),
                  holdings=holdings(project), photos=photos(project), rule=leftover_rule(project.tenant))


def photos(project: Project, limit: int = MAX_REPORT_PHOTOS) -> list[Photo]:
    """The newest progress photos of the project (for the report)."""
    found = []
    for update in db.session.scalars(select(ProjectUpdate).where(ProjectUpdate.project_id == project.id)
                                     .order_by(ProjectUpdate.created_at.desc(), ProjectUpdate.id.desc())):
        for index, key in enumerate(update.photo_keys or []):
            found.append(Photo(update.id, index, key))
            if len(found) >= limit:
                return found
    return found
