"""The project workflow as one table: (state, action) → next state, who may, and what must hold.

``fire`` is the only code that changes ``Project.status``. It checks the actor's roles
against the transition's permission, runs the guard (which lists every problem), writes
the timeline event and the audit entry. Side effects of an action (freezing a version,
opening a review) are done by the service that calls ``fire``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from app.accounts.permissions import allowed
from app.audit import services as audit
from app.core.timeutil import utcnow
from app.extensions import db
from app.projects.models import (
    APPROVED,
    CANCELLED,
    CLOSED,
    CLOSING,
    DRAFT,
    FUNDRAISING,
    IN_PROGRESS,
    IN_REVIEW,
    REJECTED,
    SUBMITTED,
    Project,
    ProjectEvent,
)
from app.tenancy.services import in_tenant_language


class WorkflowError(Exception):
    """A transition that may not happen; ``problems`` are shown to the user."""

    def __init__(self, problems: list, *, forbidden: bool = False) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = list(problems)
        self.forbidden = forbidden


@dataclass(frozen=True)
class Context:
    """What a guard may look at besides the project."""

    today: date
    fund_names: dict[str, str] = field(default_factory=dict)
    council_size: int = 0
    quorum: int = 0
    goal_fen: int = 0  # the approved plan's crowdfunding goal
    raised_fen: int = 0  # designated donations so far
    leftover_to: Project | None = None  # close, cancel: the project receiving the leftover ([closeout] rule)


Guard = Callable[[Project, Context], list]


def _plan_is_complete(project: Project, context: Context) -> list:
    from app.projects import plan

    return plan.validate(project.plan, context.fund_names)


def _council_can_decide(project: Project, context: Context) -> list:
    if context.council_size < context.quorum:
        return [_l("The council has %(size)s members with an account but a decision needs %(quorum)s votes. "
                   "Invite council members first.", size=context.council_size, quorum=context.quorum)]
    return []


def _ready_to_raise(project: Project, context: Context) -> list:
    problems = _notice_over_and_objections_answered(project, context)
    if context.goal_fen <= 0:
        problems.append(_l("The approved plan has no crowdfunding goal; start the work instead."))
    return problems


def _ready_without_fundraising(project: Project, context: Context) -> list:
    problems = _notice_over_and_objections_answered(project, context)
    if context.goal_fen > 0:
        problems.append(_l("The approved plan has a crowdfunding goal; start fundraising first."))
    return problems


def _fundraising_over(project: Project, context: Context) -> list:
    ends_on = project.fundraising_ends_on
    if context.raised_fen >= context.goal_fen or (ends_on is not None and context.today > ends_on):
        return []
    return [_l("Fundraising runs until %(date)s and the goal is not reached yet.",
               date=ends_on.isoformat() if ends_on else "—")]


def _ready_to_close(project: Project, context: Context) -> list:
    from app.closeout.services import close_problems

    return close_problems(project, context.leftover_to)


def _leftover_can_go_back(project: Project, context: Context) -> list:
    from app.closeout.services import cancel_problems

    return cancel_problems(project, context.leftover_to)


def _notice_over_and_objections_answered(project: Project, context: Context) -> list:
    problems = []
    if project.notice_ends_on is not None and context.today <= project.notice_ends_on:
        problems.append(_l("The public notice runs until %(date)s.", date=project.notice_ends_on.isoformat()))
    unanswered = sum(1 for objection in project.objections if not objection.answered_at)
    if unanswered:
        problems.append(_l("%(count)s objection(s) from the public notice still need an answer.", count=unanswered))
    return problems


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    permission: str
    guard: Guard | None = None
    needs_note: bool = False
    manual: bool = True  # offered as a button; False: done by another service (the council's decision)


OPEN_STATES = (DRAFT, SUBMITTED, IN_REVIEW, APPROVED, REJECTED, FUNDRAISING, IN_PROGRESS, CLOSING)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (DRAFT,), SUBMITTED, "projects.submit", _plan_is_complete),
    Transition("withdraw", (SUBMITTED,), DRAFT, "projects.submit"),
    Transition("start_review", (SUBMITTED,), IN_REVIEW, "projects.review", _council_can_decide),
    Transition("approve", (IN_REVIEW,), APPROVED, "projects.decide", manual=False),
    Transition("reject", (IN_REVIEW,), REJECTED, "projects.decide", needs_note=True, manual=False),
    Transition("revise", (REJECTED,), DRAFT, "projects.edit"),
    Transition("amend", (APPROVED,), DRAFT, "projects.edit", needs_note=True),
    Transition("start_fundraising", (APPROVED,), FUNDRAISING, "projects.start", _ready_to_raise),
    Transition("start_work", (APPROVED,), IN_PROGRESS, "projects.start", _ready_without_fundraising),
    Transition("start_work", (FUNDRAISING,), IN_PROGRESS, "projects.start", _fundraising_over),
    Transition("start_closeout", (IN_PROGRESS,), CLOSING, "projects.close"),
    Transition("reopen", (CLOSING,), IN_PROGRESS, "projects.close", needs_note=True),
    Transition("close", (CLOSING,), CLOSED, "projects.close", _ready_to_close, manual=False),  # the close-out page
    Transition("cancel", OPEN_STATES, CANCELLED, "projects.cancel", _leftover_can_go_back, needs_note=True),
)

ACTION_LABELS = {
    "create": _l("Created"),
    "submit": _l("Submit for review"),
    "withdraw": _l("Withdraw"),
    "start_review": _l("Send to the council"),
    "approve": _l("Approved by the council"),
    "reject": _l("Rejected by the council"),
    "revise": _l("Revise the plan"),
    "amend": _l("Amend the approved plan"),
    "start_fundraising": _l("Start fundraising"),
    "start_work": _l("Start the work"),
    "start_closeout": _l("Start the close-out"),
    "reopen": _l("Reopen the work"),
    "close": _l("Close the project"),
    "cancel": _l("Cancel the project"),
}
STATE_LABELS = {
    DRAFT: _l("Draft"),
    SUBMITTED: _l("Submitted"),
    IN_REVIEW: _l("In review"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Rejected"),
    FUNDRAISING: _l("Fundraising"),
    IN_PROGRESS: _l("In progress"),
    CLOSING: _l("Closing out"),
    CLOSED: _l("Closed out"),  # not "Closed": that msgid is the council's "closed on" column
    CANCELLED: _l("Cancelled"),
}


def find(status: str, action: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action and status in t.sources), None)


def available(project: Project, roles: frozenset[str], *, platform_admin: bool = False) -> list[Transition]:
    """The buttons to offer: manual transitions from the current state the roles allow."""
    return [t for t in TRANSITIONS if t.manual and project.status in t.sources
            and allowed(t.permission, roles, platform_admin=platform_admin)]


def fire(project: Project, action: str, *, actor, roles: frozenset[str], context: Context, note: str = "",
         platform_admin: bool = False) -> ProjectEvent:
    transition = find(project.status, action)
    if transition is None:
        raise WorkflowError([_l("A project that is “%(state)s” cannot do “%(action)s”.",
                                state=STATE_LABELS.get(project.status, project.status),
                                action=ACTION_LABELS.get(action, action))])
    if not allowed(transition.permission, roles, platform_admin=platform_admin):
        raise WorkflowError([_l("Your role may not do this.")], forbidden=True)
    note = in_tenant_language(project.tenant, note).strip()
    if transition.needs_note and not note:
        raise WorkflowError([_l("Give a reason.")])
    problems = transition.guard(project, context) if transition.guard else []
    if problems:
        raise WorkflowError(problems)
    before = project.status
    project.status = transition.target
    project.updated_at = utcnow()
    event = ProjectEvent(tenant_id=project.tenant_id, project=project, action=action, from_status=before,
                         to_status=transition.target, note=note[:2000], actor_id=actor.id if actor else None)
    db.session.add(event)
    audit.record(f"project.{action}", actor=actor, obj=project, before={"status": before},
                 after={"status": transition.target, **({"note": note} if note else {})})
    return event
