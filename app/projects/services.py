"""Projects: create, edit the plan by section, move through the workflow, public notice."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.audit import services as audit
from app.core.timeutil import utcnow
from app.extensions import db
from app.funds.models import Fund
from app.needs import services as needs_service
from app.needs.models import NEED_IN_PROJECT, Need
from app.projects import plan as plan_module
from app.projects import workflow
from app.projects.models import (
    APPROVED,
    DRAFT,
    IN_REVIEW,
    PUBLISHED_STATES,
    VERSION_APPROVED,
    VERSION_IN_REVIEW,
    VERSION_REJECTED,
    VERSION_SUPERSEDED,
    Objection,
    Organisation,
    PlanVersion,
    Project,
    ProjectEvent,
    ProjectUpdate,
)
from app.projects.tenant_section import fundraising_days, notice_days
from app.projects.workflow import Context, WorkflowError


class ProjectError(Exception):
    pass


EDITABLE_STATES = (DRAFT,)


def fund_names() -> dict[str, str]:
    return {fund.key: fund.name for fund in db.session.scalars(select(Fund).order_by(Fund.position, Fund.id))}


def get_project(number: int) -> Project | None:
    return db.session.scalar(select(Project).where(Project.number == number))


def projects_query(*, status: str = "", search: str = ""):
    query = select(Project).order_by(Project.number.desc())
    if status:
        query = query.where(Project.status == status)
    if search:
        pattern = f"%{search}%"
        query = query.where(or_(Project.title.ilike(pattern), Project.summary.ilike(pattern)))
    return query


def counts_by_status() -> dict[str, int]:
    return dict(db.session.execute(select(Project.status, func.count(Project.id)).group_by(Project.status)).all())


def create_project(*, title: str, summary: str, actor, needs: list[Need] = ()) -> Project:
    project = Project(title=title.strip()[:100], summary=(summary or "").strip()[:300], plan=plan_module.empty_plan(),
                      created_by_id=actor.id if actor else None)
    db.session.add(project)
    db.session.flush()
    db.session.add(ProjectEvent(tenant_id=project.tenant_id, project=project, action="create", from_status="",
                                to_status=DRAFT, actor_id=actor.id if actor else None))
    audit.record("project.create", actor=actor, obj=project, after={"title": project.title})
    for need in needs:
        link_need(project, need, actor=actor)
    return project


def _require_editable(project: Project) -> None:
    if project.status not in EDITABLE_STATES:
        raise ProjectError(_l("Only a draft plan can be edited: first use “Amend the approved plan” or “Revise the plan”."))


def update_details(project: Project, *, title: str, summary: str, actor) -> None:
    _require_editable(project)
    before = {"title": project.title, "summary": project.summary}
    project.title, project.summary = title.strip()[:100], (summary or "").strip()[:300]
    project.updated_at = utcnow()
    changed_before, changed_after = audit.changed_values(before, {"title": project.title, "summary": project.summary})
    if changed_after:
        audit.record("project.edit", actor=actor, obj=project, before=changed_before, after=changed_after)


def save_section(project: Project, section: str, value, *, actor) -> None:
    """Replace one section of the working plan (rows already checked by the section's form)."""
    if section not in plan_module.SECTIONS:
        raise ProjectError(f"unknown plan section {section!r}")
    _require_editable(project)
    document = plan_module.normalised(project.plan)
    if section == "budget":
        value = [{**line, "key": line.get("key") or plan_module.new_line_key()} for line in value]
    before = document[section]
    document[section] = value
    project.plan = document
    project.budget_total_fen = plan_module.budget_total_fen(document)
    project.updated_at = utcnow()
    if before != value:
        audit.record(f"project.plan.{section}", actor=actor, obj=project, before={section: before},
                     after={section: value})


def set_organisation(project: Project, *, name: str, contact: str, phone: str, actor) -> None:
    _require_editable(project)
    name = (name or "").strip()[:100]
    if not name:
        before, project.organisation = project.organisation, None
        if before is not None:
            audit.record("project.organisation", actor=actor, obj=project, before={"organisation": before.name},
                         after={"organisation": None})
        return
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(name=name)
        db.session.add(organisation)
    organisation.contact, organisation.phone = (contact or "").strip()[:50], (phone or "").strip()[:30]
    if project.organisation is not organisation:
        audit.record("project.organisation", actor=actor, obj=project,
                     before={"organisation": project.organisation.name if project.organisation else None},
                     after={"organisation": name})
    project.organisation = organisation


def link_need(project: Project, need: Need, *, actor) -> None:
    _require_editable(project)
    needs_service.move_to_project(need, project, actor=actor)


def unlink_need(project: Project, need: Need, *, actor) -> None:
    _require_editable(project)
    if need.project_id != project.id:
        raise ProjectError(_l("That need is not linked to this project."))
    needs_service.release_from_project(need, actor=actor, note=_l("Unlinked from project #%(number)s",
                                                                  number=project.number))


def workflow_context(project: Project, today: date, *, leftover_to: Project | None = None) -> Context:
    from app.council import services as council
    from app.council.tenant_section import council_rules

    return Context(today=today, fund_names=fund_names(), council_size=len(council.roster_ids(project.tenant)),
                   quorum=council_rules(project.tenant)["quorum"], goal_fen=crowdfunding_goal_fen(project),
                   raised_fen=raised_fen(project), leftover_to=leftover_to)


# --- fundraising (众筹) ---------------------------------------------------------------------------

def crowdfunding_goal_fen(project: Project) -> int:
    """The goal the council approved (the working plan's until a version is approved)."""
    plan = project.approved_version.plan if project.approved_version else project.plan
    return int(plan_module.normalised(plan)["funding"]["crowdfunding_goal_fen"] or 0)


def _designated(project: Project):
    """The project's designated donations that still count (not reversed)."""
    from app.funds.models import Donation, DonationDesignation

    return (select(Donation).join(DonationDesignation, DonationDesignation.donation_id == Donation.id)
            .where(DonationDesignation.project_id == project.id, Donation.reversal_entry_id.is_(None)))


def raised_fen(project: Project) -> int:
    from app.funds.models import Donation

    query = _designated(project).with_only_columns(func.coalesce(func.sum(Donation.amount_fen), 0))
    return int(db.session.scalar(query) or 0)


def project_donations(project: Project, limit: int = 100) -> list:
    """The newest designated gifts, for the donor list on the public page."""
    from app.funds.models import Donation

    return list(db.session.scalars(_designated(project).order_by(Donation.received_on.desc(), Donation.id.desc())
                                   .limit(limit)).unique())


def fundraising_projects() -> list[Project]:
    from app.projects.models import ACCEPTS_DONATIONS_STATES

    return list(db.session.scalars(select(Project).where(Project.status.in_(ACCEPTS_DONATIONS_STATES))
                                   .order_by(Project.number)))


@dataclass(frozen=True)
class Progress:
    goal_fen: int
    raised_fen: int
    ends_on: date | None
    today: date
    matched_fen: int = 0  # matching granted on top (配捐), shown beside the crowdfunding bar

    @property
    def percent(self) -> int:
        return min(100, self.raised_fen * 100 // self.goal_fen) if self.goal_fen else 0

    @property
    def reached(self) -> bool:
        return self.goal_fen > 0 and self.raised_fen >= self.goal_fen

    @property
    def days_left(self) -> int | None:
        return max(0, (self.ends_on - self.today).days) if self.ends_on else None


def progress(project: Project, today: date) -> Progress:
    from app.matching.services import matched_fen

    return Progress(crowdfunding_goal_fen(project), raised_fen(project), project.fundraising_ends_on, today,
                    matched_fen(project))


def snapshot(project: Project) -> dict:
    """The plan as frozen in a version: the working plan plus the names it refers to."""
    document = plan_module.normalised(project.plan)
    document["organisation"] = ({"name": project.organisation.name, "contact": project.organisation.contact,
                                 "phone": project.organisation.phone} if project.organisation else None)
    document["needs"] = [{"number": need.number, "category": need.category, "description": need.description,
                          "support_count": need.support_count} for need in project.needs]
    document["summary"] = project.summary
    return document


def transition(project: Project, action: str, *, actor, roles: frozenset[str], today: date, note: str = "",
               platform_admin: bool = False, leftover_to: Project | None = None) -> None:
    """Run a manual workflow action and its side effects (``leftover_to``: see ``app.closeout``)."""
    from app.council import services as council

    transition_ = workflow.find(project.status, action)
    if transition_ is not None and not transition_.manual:
        raise WorkflowError([_l("Close the project from its close-out page.") if action == "close"
                             else _l("The council's vote decides this.")])
    context = workflow_context(project, today, leftover_to=leftover_to)
    workflow.fire(project, action, actor=actor, roles=roles, context=context, note=note,
                  platform_admin=platform_admin)
    if action == "start_review":
        last = db.session.scalar(select(func.max(PlanVersion.version)).where(PlanVersion.project_id == project.id))
        version = PlanVersion(tenant_id=project.tenant_id, project=project, version=(last or 0) + 1,
                              title=project.title, plan=snapshot(project), budget_total_fen=project.budget_total_fen,
                              status=VERSION_IN_REVIEW)
        db.session.add(version)
        db.session.flush()
        audit.record("project.version", actor=actor, obj=project, after={"version": version.version,
                                                                         "budget_total_fen": version.budget_total_fen})
        council.open_review(project, version, today=today)
    elif action == "start_fundraising":
        project.fundraising_ends_on = today + timedelta(days=fundraising_days(project.tenant) - 1)
    elif action == "start_work":
        from app.matching.services import match_at_close

        match_at_close(project, today, actor)
    elif action == "cancel":
        council.cancel_open_review(project, actor=actor)
        for version in project.versions:
            if version.status == VERSION_IN_REVIEW:
                version.status, version.decided_at = VERSION_SUPERSEDED, utcnow()
        for need in list(project.needs):
            needs_service.release_from_project(need, actor=actor, note=_l("Project #%(number)s was cancelled",
                                                                          number=project.number))
        from app.closeout.services import cancel_leftover

        cancel_leftover(project, to=leftover_to, note=note, actor=actor, today=today)


def apply_council_decision(review, tally, *, actor, roles: frozenset[str], today: date) -> None:
    """Called when a review closes: approve, reject, or open the next round without quorum."""
    from app.accounts.models import ROLE_COUNCIL
    from app.council import services as council
    from app.council.models import OUTCOME_APPROVED, OUTCOME_NO_QUORUM

    project, version = review.project, review.plan_version
    roles = roles | {ROLE_COUNCIL}  # the council's vote decides; whoever closed the review only triggered it
    context = workflow_context(project, today)
    if tally.outcome == OUTCOME_NO_QUORUM:
        council.open_review(project, version, today=today, round_number=review.round + 1)
        return
    comments = "；".join(f"{vote.voter.name}：{vote.comment.rstrip('。；;. ')}" for vote in review.votes if vote.comment)
    summary = _l("%(approve)s approve, %(reject)s reject, %(abstain)s abstain.", approve=tally.approve,
                 reject=tally.reject, abstain=tally.abstain)
    note = f"{summary} {comments}".strip()
    version.decided_at = utcnow()
    if tally.outcome == OUTCOME_APPROVED:
        workflow.fire(project, "approve", actor=actor, roles=roles, context=context, note=note)
        if project.approved_version is not None:
            project.approved_version.status = VERSION_SUPERSEDED
        version.status = VERSION_APPROVED
        project.approved_version = version
        project.notice_ends_on = today + timedelta(days=notice_days(project.tenant))
    else:
        workflow.fire(project, "reject", actor=actor, roles=roles, context=context, note=note)
        version.status = VERSION_REJECTED


def versions_diff(project: Project, old_number: int, new_number: int):
    by_number = {version.version: version for version in project.versions}
    if old_number not in by_number or new_number not in by_number:
        return None
    return plan_module.diff(by_number[old_number].plan, by_number[new_number].plan)


def timeline(project: Project) -> list[ProjectEvent]:
    return list(project.events)


# --- public notice (公示) and objections -------------------------------------------------------

def published_query():
    return (select(Project).where(Project.status.in_(PUBLISHED_STATES)).order_by(Project.number.desc()))


def get_published(number: int) -> Project | None:
    return db.session.scalar(published_query().where(Project.number == number))


def on_notice(project: Project, today: date) -> bool:
    return project.status == APPROVED and project.notice_ends_on is not None and today <= project.notice_ends_on


@dataclass
class ObjectionInput:
    name: str
    phone: str
    reason: str


def file_objection(project: Project, data: ObjectionInput, *, today: date) -> Objection:
    if not on_notice(project, today):
        raise ProjectError(_l("Objections can only be filed while the project is on public notice."))
    objection = Objection(tenant_id=project.tenant_id, project=project, name=data.name.strip()[:50],
                          phone=data.phone.strip()[:30], reason=data.reason.strip()[:2000])
    db.session.add(objection)
    db.session.flush()
    audit.record("project.objection", obj=project, after={"objection": objection.id, "name": objection.name})
    return objection


def get_objection(project: Project, objection_id: int) -> Objection | None:
    return db.session.scalar(select(Objection).where(Objection.project_id == project.id,
                                                     Objection.id == objection_id))


def answer_objection(objection: Objection, *, answer: str, actor) -> None:
    answer = (answer or "").strip()
    if not answer:
        raise ProjectError(_l("Write the answer to the objection."))
    before = {"answer": objection.answer} if objection.answer else None
    objection.answer, objection.answered_at, objection.answered_by_id = answer[:2000], utcnow(), actor.id
    audit.record("project.objection.answer", actor=actor, obj=objection.project, before=before,
                 after={"objection": objection.id, "answer": objection.answer})


def unanswered_objections_count() -> int:
    return db.session.scalar(select(func.count(Objection.id)).where(Objection.answered_at.is_(None))) or 0


def needs_in_project_count(project: Project) -> int:
    return db.session.scalar(select(func.count(Need.id)).where(Need.project_id == project.id,
                                                               Need.status == NEED_IN_PROJECT)) or 0


def projects_in_review() -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.status == IN_REVIEW).order_by(Project.number)))


# --- progress updates (进展) ------------------------------------------------------------------------

UPDATE_STATES = ("fundraising", "in_progress", "closing")  # closing: the final photos for the report
MAX_UPDATE_PHOTOS = 4


def post_update(project: Project, *, body: str, percent_done: int, photos: list[bytes], actor,
                upload_root) -> ProjectUpdate:
    """A progress report with up to four photos (re-encoded; location data dropped)."""
    from app.core import storage
    from app.needs.services import NeedError, reencode_photo

    if project.status not in UPDATE_STATES:
        raise ProjectError(_l("Progress can be reported while the project raises money, is in progress or is closing."))
    body = (body or "").strip()
    if not body:
        raise ProjectError(_l("Say what has been done."))
    if not 0 <= percent_done <= 100:
        raise ProjectError(_l("Percent done is a number from 0 to 100."))
    if len(photos) > MAX_UPDATE_PHOTOS:
        raise ProjectError(_l("At most %(count)s photos per update.", count=MAX_UPDATE_PHOTOS))
    try:
        cleaned = [reencode_photo(data) for data in photos]
    except NeedError as error:
        raise ProjectError(str(error)) from error
    keys = [storage.save(upload_root, project.tenant_id, "progress", data, suffix=".jpg") for data in cleaned]
    update_row = ProjectUpdate(tenant_id=project.tenant_id, project_id=project.id, body=body[:2000],
                               percent_done=percent_done, photo_keys=keys, author_id=actor.id if actor else None)
    db.session.add(update_row)
    db.session.flush()
    audit.record("project.progress", actor=actor, obj=project, after={"percent_done": percent_done,
                                                                     "photos": len(keys)})
    return update_row


def updates_of(project: Project) -> list:
    return list(db.session.scalars(select(ProjectUpdate).where(ProjectUpdate.project_id == project.id)
                                   .order_by(ProjectUpdate.created_at.desc(), ProjectUpdate.id.desc())))


def get_update(project: Project, update_id: int):
    return db.session.scalar(select(ProjectUpdate).where(ProjectUpdate.project_id == project.id,
                                                         ProjectUpdate.id == update_id))
