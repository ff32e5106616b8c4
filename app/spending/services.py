"""Spending requests (支出申请): submit against a budget line, approve by the tenant's rules, pay.

The workflow is the table :data:`STEPS`, ``(state, action, route) → state`` with the
permission each step needs; :func:`act` is the only code that changes a request's status.
Who approves depends on the amount (``[approval]``, see ``tenant_section.py``): up to the
staff limit one member of staff; up to the finance limit finance alone; above that finance
checks it and the council votes (``[council]`` quorum and majority). Nobody approves,
checks or votes on their own request.

A request is refused, with every reason listed, when the project is not in progress, the
line would go over its budget plus the tolerance, the project has not enough money in the
line's fund (its restricted money plus what is left of its allocation, less what other open
requests already claim), or the line's fund may not be spent on the request's purpose.
Submitting, approving and paying lock the project row first, so two requests at once
cannot together claim the same money (PostgreSQL; SQLite writers are serialised).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.accounts.models import ROLE_COUNCIL
from app.accounts.permissions import allowed
from app.audit import services as audit
from app.core import images, storage
from app.core.money import format_yuan
from app.core.timeutil import utcnow
from app.extensions import db
from app.funds.models import Fund
from app.projects.models import CLOSING, IN_PROGRESS, Project
from app.spending import money
from app.spending.models import (
    APPROVED,
    IN_VOTE,
    OPEN_STATES,
    PAID,
    REJECTED,
    REVERSED,
    ROUTE_COUNCIL,
    ROUTE_FINANCE,
    ROUTE_STAFF,
    ROUTES,
    SUBMITTED,
    WITHDRAWN,
    SpendingAttachment,
    SpendingEvent,
    SpendingRequest,
    SpendingVote,
)
from app.spending.money import SpendingError
from app.spending.tenant_section import approval_rules
from app.tenancy.services import in_tenant_language


class Forbidden(SpendingError):
    """The actor's role may not take this step (answered 403)."""


class Refused(SpendingError):
    """Every reason a request or a step cannot go ahead, one message each."""

    def __init__(self, problems: list) -> None:
        self.problems = [str(problem) for problem in problems]
        super().__init__("；".join(self.problems))


def problems_of(error: SpendingError) -> list[str]:
    return getattr(error, "problems", None) or [str(error)]


STATE_LABELS = {
    SUBMITTED: _l("Waiting for approval"),
    IN_VOTE: _l("Council vote"),
    APPROVED: _l("Approved, waiting for payment"),
    PAID: _l("Paid"),
    REJECTED: _l("Rejected"),
    WITHDRAWN: _l("Withdrawn"),
    REVERSED: _l("Payment reversed"),
}
ROUTE_LABELS = {
    ROUTE_STAFF: _l("Staff approve"),
    ROUTE_FINANCE: _l("Finance approves"),
    ROUTE_COUNCIL: _l("Finance checks, the council votes"),
}
BUTTON_LABELS = {
    "approve": _l("Approve the request"),
    "check": _l("Approve the request"),
    "open_vote": _l("Checked: put it to the council's vote"),
    "reject": _l("Reject the request"),
    "pay": _l("Pay and post to the ledger"),
    "withdraw": _l("Withdraw"),
    "reverse": _l("Reverse the payment"),
}
EVENT_LABELS = {
    "submit": _l("Submitted"),
    "approve": _l("Approved by staff"),
    "check": _l("Approved by finance"),
    "open_vote": _l("Checked by finance; the council votes"),
    "reject": _l("Rejected"),
    "council_approve": _l("Approved by the council"),
    "council_reject": _l("Rejected by the council"),
    "no_quorum": _l("No quorum; the vote goes on"),
    "pay": _l("Paid"),
    "withdraw": _l("Withdrawn"),
    "reverse": _l("Payment reversed"),
    "attach": _l("Files added"),
}


# --- the workflow table ------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str
    permission: str
    routes: tuple[str, ...] = ROUTES
    needs_note: bool = False
    not_by_requester: bool = True
    manual: bool = True  # offered as a button; False: the council's vote decides

    @property
    def event_action(self) -> str:
        """What the timeline calls it: finance's check of a large request opens the council's vote."""
        return "open_vote" if self.action == "check" and self.target == IN_VOTE else self.action


STEPS: tuple[Step, ...] = (
    Step("approve", (SUBMITTED,), APPROVED, "spending.approve", routes=(ROUTE_STAFF,)),
    Step("check", (SUBMITTED,), APPROVED, "spending.check", routes=(ROUTE_FINANCE,)),
    Step("check", (SUBMITTED,), IN_VOTE, "spending.check", routes=(ROUTE_COUNCIL,)),
    Step("reject", (SUBMITTED,), REJECTED, "spending.approve", needs_note=True),
    Step("reject", (APPROVED,), REJECTED, "spending.pay", needs_note=True, not_by_requester=False),
    Step("council_approve", (IN_VOTE,), APPROVED, "spending.vote", manual=False, not_by_requester=False),
    Step("council_reject", (IN_VOTE,), REJECTED, "spending.vote", manual=False, not_by_requester=False),
    Step("pay", (APPROVED,), PAID, "spending.pay", not_by_requester=False),
    Step("withdraw", OPEN_STATES, WITHDRAWN, "spending.request", needs_note=True, not_by_requester=False),
    Step("reverse", (PAID,), REVERSED, "spending.pay", needs_note=True, not_by_requester=False),
)
# New requests need a project in progress; what was asked for may still be approved, paid or reversed while
# the project is closing (the last invoices arrive then), never once it is closed.
SPENDING_STATES = (IN_PROGRESS, CLOSING)


def find_step(request: SpendingRequest, action: str) -> Step | None:
    return next((step for step in STEPS if step.action == action and request.status in step.sources
                 and request.route in step.routes), None)


def available_steps(request: SpendingRequest, actor, roles: frozenset[str], *, platform_admin: bool = False
                    ) -> list[Step]:
    """The buttons to offer ``actor`` (their own request offers no approval)."""
    return [step for step in STEPS if step.manual and request.status in step.sources and request.route in step.routes
            and allowed(step.permission, roles, platform_admin=platform_admin)
            and not (step.not_by_requester and actor is not None and actor.id == request.requested_by_id)]


def _record_event(request: SpendingRequest, action: str, before: str, *, actor, note: str = "") -> None:
    db.session.add(SpendingEvent(tenant_id=request.tenant_id, request=request, action=action, from_status=before,
                                 to_status=request.status, note=note[:2000], actor_id=actor.id if actor else None))
    request.updated_at = utcnow()
    audit.record(f"spending.{action}", actor=actor, obj=request, before={"status": before},
                 after={"status": request.status, **({"note": note} if note else {})})


def act(request: SpendingRequest, action: str, *, actor, roles: frozenset[str], today: date, note: str = "",
        platform_admin: bool = False, paid_on: date | None = None) -> None:
    """Take one manual step of the workflow (approve, check, reject, pay, withdraw)."""
    step = find_step(request, action)
    if step is None or not step.manual:
        raise SpendingError(_l("A request that is “%(state)s” cannot do “%(action)s”.",
                               state=STATE_LABELS.get(request.status, request.status),
                               action=BUTTON_LABELS.get(action, action)))
    if not allowed(step.permission, roles, platform_admin=platform_admin):
        raise Forbidden(_l("Your role may not do this."))
    if step.not_by_requester and actor is not None and actor.id == request.requested_by_id:
        raise SpendingError(_l("Nobody approves their own request: someone else must do this."))
    note = in_tenant_language(request.project.tenant, note).strip()
    if step.needs_note and not note:
        raise SpendingError(_l("Give a reason."))
    money.lock_project(request.project)
    db.session.refresh(request, ["status"])
    if find_step(request, action) is not step:
        raise SpendingError(_l("Someone else changed this request just now; look at it again."))
    before = request.status
    if action in ("approve", "check"):
        _raise_problems(check_request(request.project, request.line_key, request.amount_fen, request.category,
                                      excluding=request, project_states=SPENDING_STATES))
        if step.target == IN_VOTE:
            _open_vote(request, today)
    elif action == "pay":
        _pay(request, paid_on=paid_on or today, today=today, actor=actor)
    elif action == "reverse":
        _reverse_payment(request, reason=note, today=today, actor=actor)
    request.status = step.target
    _record_event(request, step.event_action, before, actor=actor, note=note)


def _raise_problems(problems: list) -> None:
    if problems:
        raise Refused(problems)


# --- what may be asked for ----------------------------------------------------------------------

@dataclass(frozen=True)
class LineStatus:
    """A budget line as spending sees it: what was approved, what is paid and claimed, what is left."""

    key: str
    item: str
    fund_key: str
    budget_fen: int
    allowed_fen: int  # the budget plus the tolerance
    spent_fen: int
    committed_fen: int  # open requests not paid yet

    @property
    def left_fen(self) -> int:
        return max(self.allowed_fen - self.spent_fen - self.committed_fen, 0)


def _open_requests(project: Project, *, excluding: SpendingRequest | None = None):
    query = select(SpendingRequest).where(SpendingRequest.project_id == project.id,
                                          SpendingRequest.status.in_(OPEN_STATES))
    if excluding is not None and excluding.id is not None:
        query = query.where(SpendingRequest.id != excluding.id)
    return query


def committed_fen(project: Project, *, line_key: str | None = None, fund: Fund | None = None,
                  excluding: SpendingRequest | None = None) -> int:
    """What open (not yet paid) requests claim, on one line or from one fund."""
    query = _open_requests(project, excluding=excluding).with_only_columns(
        func.coalesce(func.sum(SpendingRequest.amount_fen), 0))
    if line_key is not None:
        query = query.where(SpendingRequest.line_key == line_key)
    if fund is not None:
        query = query.where(SpendingRequest.fund_id == fund.id)
    return int(db.session.scalar(query) or 0)


def allowed_on_line_fen(budget_fen: int, tolerance_percent: int) -> int:
    """The most a line may spend: its budget plus the tolerance, rounded down to the fen."""
    return budget_fen + budget_fen * tolerance_percent // 100


def line_statuses(project: Project) -> list[LineStatus]:
    tolerance = approval_rules(project.tenant)["line_tolerance_percent"]
    spent = money.spent_per_line(project)
    committed: dict[str, int] = dict(db.session.execute(
        _open_requests(project).with_only_columns(SpendingRequest.line_key, func.sum(SpendingRequest.amount_fen))
        .group_by(SpendingRequest.line_key)).all())
    return [LineStatus(line.key, line.item, line.fund_key, line.budget_fen,
                       allowed_on_line_fen(line.budget_fen, tolerance), spent.get(line.key, 0),
                       int(committed.get(line.key) or 0))
            for line in money.budget_lines(project)]


def purposes(tenant) -> list[str]:
    """What money may be spent on: the community's purposes (使用范围), else those its funds declare."""
    from app.funds.tenant_section import TENANT_PURPOSES_SETTING

    declared = list((tenant.settings or {}).get(TENANT_PURPOSES_SETTING) or [])
    of_funds = [purpose for fund in db.session.scalars(select(Fund).order_by(Fund.position, Fund.id))
                for purpose in fund.purposes or ()]
    return list(dict.fromkeys(declared + of_funds))


def fund_by_key(key: str) -> Fund | None:
    return db.session.scalar(select(Fund).where(Fund.key == key))


def check_request(project: Project, line_key: str, amount_fen: int, category: str, *,
                  excluding: SpendingRequest | None = None, count_claims: bool = True,
                  project_states: tuple[str, ...] = (IN_PROGRESS,)) -> list:
    """Every reason a request for ``amount_fen`` on ``line_key`` cannot go ahead (empty: it can).

    Submitting and approving count what other open requests already claim; paying
    (``count_claims=False``) asks only whether the money is there now, first paid first served.
    """
    from app.projects.workflow import STATE_LABELS as PROJECT_STATE_LABELS

    problems: list = []
    if project.status not in project_states:
        problems.append(_l("Money can only be spent on a project in progress; project #%(number)s is “%(state)s”.",
                           number=project.number,
                           state=PROJECT_STATE_LABELS.get(project.status, project.status)))
    line = next((line for line in money.budget_lines(project) if line.key == line_key), None)
    if line is None:
        return problems + [_l("The approved plan has no such budget line.")]
    fund = fund_by_key(line.fund_key)
    if fund is None:
        return problems + [_l("The line's fund “%(fund)s” does not exist.", fund=line.fund_key)]
    if amount_fen <= 0:
        problems.append(_l("The amount must be more than zero."))
    if fund.purposes and category not in fund.purposes:
        problems.append(_l("“%(fund)s” may only be spent on %(purposes)s; “%(category)s” is not one of its purposes.",
                           fund=fund.name, purposes="、".join(fund.purposes), category=category or "—"))
    tolerance = approval_rules(project.tenant)["line_tolerance_percent"]
    allowed_fen = allowed_on_line_fen(line.budget_fen, tolerance)
    used = money.spent_per_line(project).get(line.key, 0) + (
        committed_fen(project, line_key=line.key, excluding=excluding) if count_claims else 0)
    if used + amount_fen > allowed_fen:
        problems.append(_l("“%(item)s” has a budget of %(budget)s (%(allowed)s with the %(tolerance)s%% tolerance); "
                           "%(used)s is spent or asked for already, so at most %(left)s can be asked for.",
                           item=line.item, budget=format_yuan(line.budget_fen), allowed=format_yuan(allowed_fen),
                           tolerance=tolerance, used=format_yuan(used),
                           left=format_yuan(max(allowed_fen - used, 0))))
    available = money.available_fen(project, fund)
    claimed = committed_fen(project, fund=fund, excluding=excluding) if count_claims else 0
    if amount_fen > available - claimed:
        problems.append(_l("Not enough money: the project can pay %(available)s from “%(fund)s” (its restricted money "
                           "and what is left of its allocation), of which open requests already claim %(claimed)s.",
                           available=format_yuan(available), fund=fund.name, claimed=format_yuan(claimed))
                        if count_claims else
                        _l("Not enough money: the project can pay %(available)s from “%(fund)s” now (its restricted "
                           "money and what is left of its allocation).", available=format_yuan(available),
                           fund=fund.name))
    return problems


def route_for(tenant, amount_fen: int) -> str:
    rules = approval_rules(tenant)
    if amount_fen <= rules["staff_limit_yuan"] * 100:
        return ROUTE_STAFF
    if amount_fen <= rules["finance_limit_yuan"] * 100:
        return ROUTE_FINANCE
    return ROUTE_COUNCIL


# --- submitting ---------------------------------------------------------------------------------

@dataclass
class RequestInput:
    line_key: str
    amount_fen: int
    payee: str
    category: str
    purpose: str


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
INVOICE_IMAGE_LIMITS = {"max_bytes": MAX_FILE_BYTES, "max_pixels": 50_000_000, "max_side": 2400}


def submit_request(project: Project, data: RequestInput, *, files: list[Upload], actor, upload_root) -> SpendingRequest:
    """A new request against a line of the approved plan, with its invoices; refused with every reason."""
    payee, purpose, category = data.payee.strip()[:100], data.purpose.strip()[:2000], data.category.strip()[:40]
    problems = [] if payee else [_l("Say who is paid.")]
    if not purpose:
        problems.append(_l("Say what the money is for."))
    prepared = _prepared_files(files, tenant_id=project.tenant_id, already=0)
    money.lock_project(project)
    problems += check_request(project, data.line_key, data.amount_fen, category)
    _raise_problems(problems)
    line = next(line for line in money.budget_lines(project) if line.key == data.line_key)
    request = SpendingRequest(tenant_id=project.tenant_id, project_id=project.id, line_key=line.key,
                              line_item=line.item[:200], fund_id=fund_by_key(line.fund_key).id,
                              amount_fen=data.amount_fen, payee=payee, category=category, purpose=purpose,
                              status=SUBMITTED, route=route_for(project.tenant, data.amount_fen),
                              requested_by_id=actor.id if actor else None)
    db.session.add(request)
    db.session.flush()
    _store_files(request, prepared, actor=actor, upload_root=upload_root)
    db.session.add(SpendingEvent(tenant_id=request.tenant_id, request=request, action="submit", from_status="",
                                 to_status=SUBMITTED, actor_id=actor.id if actor else None))
    audit.record("spending.submit", actor=actor, obj=request,
                 after={"project": project.number, "line": line.key, "amount_fen": request.amount_fen,
                        "payee": payee, "category": category, "route": request.route, "files": len(prepared)})
    return request


# --- invoices and receipts ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Prepared:
    filename: str
    data: bytes
    content_type: str
    suffix: str
    key: str


INVOICE_KIND = "invoice"


def _prepared_files(files: list[Upload], *, tenant_id: int, already: int) -> list[_Prepared]:
    """Check every file (JPEG/PNG re-encoded clean, PDF by its header and trailer); refuse all on one bad file.

    An invoice pays once: the same file attached to an open or paid request of the community is refused
    (a rejected, withdrawn or reversed request gives its invoices back).
    """
    files = [item for item in files if item.filename or item.data]
    if already + len(files) > MAX_FILES:
        raise SpendingError(_l("At most %(count)s files per request.", count=MAX_FILES))
    prepared: list[_Prepared] = []
    for item in files:
        name = (item.filename or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
        if len(item.data) > MAX_FILE_BYTES:
            raise SpendingError(_l("“%(name)s” is larger than %(size)s MB.", name=name,
                                   size=MAX_FILE_BYTES // (1024 * 1024)))
        if item.data.startswith(b"%PDF-"):
            if b"%%EOF" not in item.data[-2048:]:
                raise SpendingError(_l("“%(name)s” is not a complete PDF file.", name=name))
            data, content_type, suffix = item.data, "application/pdf", ".pdf"
        else:
            try:
                data = images.reencode(item.data, output="JPEG", **INVOICE_IMAGE_LIMITS)
            except images.ImageRejected as error:
                raise SpendingError(_l("“%(name)s”: only JPEG or PNG photos and PDF files are accepted (%(reason)s)",
                                       name=name, reason=str(error))) from error
            content_type, suffix = "image/jpeg", ".jpg"
        key = storage.key_for(tenant_id, INVOICE_KIND, data, suffix=suffix)
        if any(other.key == key for other in prepared):
            raise SpendingError(_l("“%(name)s” is chosen twice.", name=name))
        attached = db.session.scalar(select(SpendingAttachment).join(SpendingAttachment.request)
                                     .where(SpendingAttachment.storage_key == key,
                                            SpendingRequest.status.in_((*OPEN_STATES, PAID))).limit(1))
        if attached is not None:
            raise SpendingError(_l("“%(name)s” is already attached to request #%(number)s: an invoice is paid once.",
                                   name=name, number=attached.request.number))
        prepared.append(_Prepared(name, data, content_type, suffix, key))
    return prepared


def _store_files(request: SpendingRequest, prepared: list[_Prepared], *, actor, upload_root) -> list:
    rows = []
    for item in prepared:
        key = storage.save(upload_root, request.tenant_id, INVOICE_KIND, item.data, suffix=item.suffix)
        row = SpendingAttachment(tenant_id=request.tenant_id, request=request, storage_key=key,
                                 filename=item.filename, content_type=item.content_type, size_bytes=len(item.data),
                                 uploaded_by_id=actor.id if actor else None)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


ATTACH_STATES = (SUBMITTED, IN_VOTE, APPROVED, PAID)


def add_files(request: SpendingRequest, files: list[Upload], *, actor, upload_root) -> list:
    """More invoices or the payment receipt, while the request is open or after it was paid."""
    if request.status not in ATTACH_STATES:
        raise SpendingError(_l("Files cannot be added to a request that is “%(state)s”.",
                               state=STATE_LABELS.get(request.status, request.status)))
    prepared = _prepared_files(files, tenant_id=request.tenant_id, already=len(request.attachments))
    if not prepared:
        raise SpendingError(_l("Choose a file."))
    rows = _store_files(request, prepared, actor=actor, upload_root=upload_root)
    before = request.status
    _record_event(request, "attach", before, actor=actor, note="、".join(row.filename for row in rows))
    return rows


def get_attachment(request: SpendingRequest, attachment_id: int) -> SpendingAttachment | None:
    return db.session.scalar(select(SpendingAttachment).where(SpendingAttachment.request_id == request.id,
                                                              SpendingAttachment.id == attachment_id))


def attachment_path(attachment: SpendingAttachment, upload_root):
    return storage.path_for(upload_root, attachment.tenant_id, attachment.storage_key)


# --- the council's vote -------------------------------------------------------------------------

def vote_roster(tenant, request: SpendingRequest) -> list[int]:
    """Council members with an account, except the requester."""
    from app.council.services import roster_ids

    return [user_id for user_id in roster_ids(tenant) if user_id != request.requested_by_id]


def _open_vote(request: SpendingRequest, today: date) -> None:
    from app.council.tenant_section import council_rules

    council = council_rules(request.project.tenant)
    days = approval_rules(request.project.tenant)["vote_days"]
    roster = vote_roster(request.project.tenant, request)
    if len(roster) < council["quorum"]:
        raise SpendingError(_l("%(size)s council members may vote on this request but a decision needs %(quorum)s "
                               "votes. Invite council members first.", size=len(roster), quorum=council["quorum"]))
    request.vote_roster = roster
    request.vote_rules = {"quorum": council["quorum"], "majority": council["majority"], "vote_days": days}
    request.vote_due_on = today + timedelta(days=days)


def _lock(request: SpendingRequest) -> None:
    """Votes and closing take the request's row lock (PostgreSQL; SQLite writers are serialised), then reread it."""
    db.session.execute(select(SpendingRequest.id).where(SpendingRequest.id == request.id).with_for_update())
    db.session.refresh(request)
    db.session.expire(request, ["votes"])


def vote_of(request: SpendingRequest, user) -> SpendingVote | None:
    return next((vote for vote in request.votes if vote.voter_id == user.id), None)


def tally_of(request: SpendingRequest):
    from app.council import services as council

    if request.tally:
        return council.Tally(**{key: request.tally[key] for key in ("approve", "reject", "abstain", "roster",
                                                                     "quorum", "majority", "outcome")})
    rules = request.vote_rules or {}
    return council.decide([vote.choice for vote in request.votes], roster=len(request.vote_roster or []),
                          quorum=rules.get("quorum", 0), majority=rules.get("majority", "simple"))


def cast_vote(request: SpendingRequest, *, voter, choice: str, comment: str, today: date) -> SpendingVote:
    """Record or change a council member's vote; the last member's vote closes it."""
    from app.council.models import CHOICES, REJECT

    if choice not in CHOICES:
        raise SpendingError(_l("Choose approve, reject or abstain."))
    _lock(request)
    if request.status != IN_VOTE:
        raise SpendingError(_l("The vote on this request is closed."))
    if voter.id not in (request.vote_roster or []):
        raise SpendingError(_l("Only the council members called to this vote may vote; nobody votes on their own "
                               "request."))
    comment = (comment or "").strip()[:2000]
    if choice == REJECT and not comment:
        raise SpendingError(_l("Say why you reject the request."))
    vote = vote_of(request, voter)
    before = {"choice": vote.choice, "comment": vote.comment} if vote else None
    if vote is None:
        vote = SpendingVote(tenant_id=request.tenant_id, request=request, voter_id=voter.id, choice=choice,
                            comment=comment)
        db.session.add(vote)
    else:
        vote.choice, vote.comment, vote.changed_at = choice, comment, utcnow()
    db.session.flush()
    audit.record("spending.vote", actor=voter, obj=request, before=before, after={"choice": choice,
                                                                                 "comment": comment})
    if {v.voter_id for v in request.votes} >= set(request.vote_roster):
        _close_vote(request, actor=voter, today=today)
    return vote


def close_vote(request: SpendingRequest, *, actor, today: date) -> None:
    """Staff close a vote whose period is over."""
    _lock(request)
    if request.status != IN_VOTE:
        raise SpendingError(_l("The vote on this request is closed."))
    everyone = {vote.voter_id for vote in request.votes} >= set(request.vote_roster or [])
    if today <= request.vote_due_on and not everyone:
        raise SpendingError(_l("The vote runs until %(date)s and not every member has voted yet.",
                               date=request.vote_due_on.isoformat()))
    _close_vote(request, actor=actor, today=today)


def _close_vote(request: SpendingRequest, *, actor, today: date) -> None:
    """Decide by the frozen rules; without a quorum the vote stays open for another period."""
    from app.council.models import OUTCOME_APPROVED, OUTCOME_NO_QUORUM

    tally = tally_of(request)
    tenant = request.project.tenant
    summary = in_tenant_language(tenant, _l("%(approve)s approve, %(reject)s reject, %(abstain)s abstain.",
                                            approve=tally.approve, reject=tally.reject, abstain=tally.abstain))
    if tally.outcome == OUTCOME_NO_QUORUM:
        request.vote_due_on = max(today, request.vote_due_on) + timedelta(days=request.vote_rules["vote_days"])
        _record_event(request, "no_quorum", IN_VOTE, actor=actor, note=in_tenant_language(
            tenant, _l("%(summary)s A decision needs %(quorum)s votes; the vote stays open until %(date)s.",
                       summary=summary, quorum=tally.quorum, date=request.vote_due_on.isoformat())))
        return
    request.tally = tally.as_dict()
    comments = "；".join(f"{vote.voter.name}：{vote.comment.rstrip('。；;. ')}" for vote in request.votes
                        if vote.comment)
    action = "council_approve" if tally.outcome == OUTCOME_APPROVED else "council_reject"
    request.status = APPROVED if tally.outcome == OUTCOME_APPROVED else REJECTED
    _record_event(request, action, IN_VOTE, actor=actor, note=f"{summary} {comments}".strip())


def votes_waiting_for(user) -> int:
    """Open votes on which ``user`` sits and has not voted yet."""
    rows = db.session.scalars(select(SpendingRequest).where(SpendingRequest.status == IN_VOTE)).all()
    return sum(1 for row in rows if user.id in (row.vote_roster or [])
               and all(vote.voter_id != user.id for vote in row.votes))


# --- paying -------------------------------------------------------------------------------------

def _pay(request: SpendingRequest, *, paid_on: date, today: date, actor) -> None:
    problems = check_request(request.project, request.line_key, request.amount_fen, request.category,
                             excluding=request, count_claims=False, project_states=SPENDING_STATES)
    if not request.attachments:
        problems.append(_l("Attach the invoice or receipt before paying."))
    if paid_on > today:
        problems.append(_l("The payment date cannot be in the future."))
    if paid_on < request.created_at.date() - timedelta(days=1):
        problems.append(_l("The payment date cannot be before the request was made."))
    _raise_problems(problems)
    money.post_payment(request, paid_on=paid_on, actor=actor)


def _reverse_payment(request: SpendingRequest, *, reason: str, today: date, actor) -> None:
    """A mistaken payment (wrong amount, payee or date): its entry is reversed, the money is back where it came from.

    The request keeps what it recorded; a corrected payment is a new request.
    """
    from app.funds import ledger
    from app.projects.workflow import STATE_LABELS as PROJECT_STATE_LABELS

    project = request.project
    if project.status not in SPENDING_STATES:
        raise SpendingError(_l("The payment of a project that is “%(state)s” cannot be reversed: its money was "
                               "accounted for at close.",
                               state=PROJECT_STATE_LABELS.get(project.status, project.status)))
    try:
        ledger.reverse_entry(request.paid_entry, reason=reason, actor=actor, occurred_on=today)
    except ledger.LedgerError as error:
        raise SpendingError(str(error)) from error


# --- reading ------------------------------------------------------------------------------------

def get_request(number: int) -> SpendingRequest | None:
    return db.session.scalar(select(SpendingRequest).where(SpendingRequest.number == number))


def requests_query(*, status: str = "", project: Project | None = None, search: str = ""):
    query = select(SpendingRequest).order_by(SpendingRequest.number.desc())
    if status == "open":
        query = query.where(SpendingRequest.status.in_(OPEN_STATES))
    elif status:
        query = query.where(SpendingRequest.status == status)
    if project is not None:
        query = query.where(SpendingRequest.project_id == project.id)
    if search:
        pattern = f"%{search}%"
        query = query.where(or_(SpendingRequest.payee.ilike(pattern), SpendingRequest.purpose.ilike(pattern),
                                SpendingRequest.line_item.ilike(pattern)))
    return query


def counts_by_status() -> dict[str, int]:
    return dict(db.session.execute(select(SpendingRequest.status, func.count(SpendingRequest.id))
                                   .group_by(SpendingRequest.status)).all())


def project_requests(project: Project) -> list[SpendingRequest]:
    return list(db.session.scalars(requests_query(project=project)))


def projects_in_progress() -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.status == IN_PROGRESS).order_by(Project.number)))


@dataclass(frozen=True)
class Waiting:
    """Requests waiting for someone with these roles (the dashboard's to-do list)."""

    to_approve: int
    to_check: int
    to_pay: int
    to_vote: int

    @property
    def total(self) -> int:
        return self.to_approve + self.to_check + self.to_pay + self.to_vote


def waiting_for(user, roles: frozenset[str], *, platform_admin: bool = False) -> Waiting:
    def count(status: str, routes: tuple[str, ...], *, others_only: bool) -> int:
        query = select(func.count(SpendingRequest.id)).where(SpendingRequest.status == status,
                                                             SpendingRequest.route.in_(routes))
        if others_only:
            query = query.where(or_(SpendingRequest.requested_by_id.is_(None),
                                    SpendingRequest.requested_by_id != user.id))
        return db.session.scalar(query) or 0

    def may(permission: str) -> bool:
        return allowed(permission, roles, platform_admin=platform_admin)

    return Waiting(
        to_approve=count(SUBMITTED, (ROUTE_STAFF,), others_only=True) if may("spending.approve") else 0,
        to_check=count(SUBMITTED, (ROUTE_FINANCE, ROUTE_COUNCIL), others_only=True) if may("spending.check") else 0,
        to_pay=count(APPROVED, ROUTES, others_only=False) if may("spending.pay") else 0,
        to_vote=votes_waiting_for(user) if ROLE_COUNCIL in roles else 0)
