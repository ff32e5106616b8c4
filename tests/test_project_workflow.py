"""The project workflow: the transition table per role, guards, side effects, timeline and audit."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.council import services as council
from app.council.models import Review
from app.extensions import db
from app.needs import services as needs
from app.needs.models import NeedEvent
from app.projects import services, workflow
from app.projects.models import (
    APPROVED,
    CANCELLED,
    CLOSED,
    CLOSING,
    DRAFT,
    FUNDRAISING,
    IN_PROGRESS,
    IN_REVIEW,
    PROJECT_STATES,
    REJECTED,
    SUBMITTED,
    PlanVersion,
    Project,
    ProjectEvent,
)
from app.projects.workflow import WorkflowError
from tests.projects_world import (
    CATEGORIES,
    COUNCIL_ROLES,
    STAFF_ROLES,
    TODAY,
    complete_plan,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)

OPEN_STATES = (DRAFT, SUBMITTED, IN_REVIEW, APPROVED, REJECTED, FUNDRAISING, IN_PROGRESS, CLOSING)
AFTER_NOTICE = TODAY + timedelta(days=8)  # the notice (7 days) ends on TODAY + 7
AFTER_FUNDRAISING = AFTER_NOTICE + timedelta(days=30)  # fundraising (30 days) started AFTER_NOTICE
ROLES = ("staff", "finance", "council", "resident", "platform_admin")
REASON = "居民反映预算偏高，需要调整"

# (action, from, to) for every manual transition; only staff (and platform admins) may do them.
MANUAL = [
    ("submit", DRAFT, SUBMITTED),
    ("withdraw", SUBMITTED, DRAFT),
    ("start_review", SUBMITTED, IN_REVIEW),
    ("revise", REJECTED, DRAFT),
    ("amend", APPROVED, DRAFT),
    ("start_fundraising", APPROVED, FUNDRAISING),
    ("start_work", APPROVED, IN_PROGRESS),  # a plan without crowdfunding
    ("start_work", FUNDRAISING, IN_PROGRESS),  # after the fundraising period
    ("start_closeout", IN_PROGRESS, CLOSING),
    ("reopen", CLOSING, IN_PROGRESS),
    *[("cancel", state, CANCELLED) for state in OPEN_STATES],
]
# Done by the council's decision, never by a button.
DECIDED = [("approve", IN_REVIEW, APPROVED), ("reject", IN_REVIEW, REJECTED)]
# Done by the close-out page (app.closeout), which also moves the leftover money.
CLOSED_BY_PAGE = [("close", CLOSING, CLOSED)]
ALLOWED = {"staff", "platform_admin"}
DECIDERS = {"staff", "council", "platform_admin"}
NEEDS_NOTE = {"amend", "cancel", "reject", "reopen"}


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory)


@pytest.fixture
def admin(factory):
    return factory.user("平台管理员", admin=True)


def actor_of(world, admin, role: str):
    """(user, roles, platform_admin) acting as ``role``."""
    if role == "platform_admin":
        return user(admin), frozenset(), True
    ref = {"staff": world.staff, "finance": world.finance, "council": world.council[0],
           "resident": world.resident}[role]
    return user(ref), frozenset({role}), False


def new_need(description="小区路面坑洼，雨天积水"):
    return needs.submit_need(needs.NeedInput("道路设施", description, "3号楼", "", "张三", "13800000001"),
                             categories=CATEGORIES)


def without_crowdfunding() -> dict:
    plan = complete_plan()
    plan["funding"] = {"allocations": [{"fund": "charity", "amount_fen": 5_000_000}], "crowdfunding_goal_fen": 0,
                       "expected_matching_fen": 0}
    return plan


def bring(world, state: str, *, linked_needs: int = 0, crowdfunding: bool = True) -> Project:
    """A project in ``state`` reached through the real workflow (inside ``scoped``)."""
    staff = user(world.staff)
    project = ready_project(world, plan=None if crowdfunding else without_crowdfunding())
    for index in range(linked_needs):
        services.link_need(project, new_need(f"需求{index}"), actor=staff)
    if state == DRAFT:
        return project
    if state == CANCELLED:
        services.transition(project, "cancel", actor=staff, roles=STAFF_ROLES, today=TODAY, note="不再需要")
        return project
    services.transition(project, "submit", actor=staff, roles=STAFF_ROLES, today=TODAY)
    if state == SUBMITTED:
        return project
    services.transition(project, "start_review", actor=staff, roles=STAFF_ROLES, today=TODAY)
    review = council.current_review(project)
    if state in (APPROVED, FUNDRAISING, IN_PROGRESS, CLOSING, CLOSED):
        vote_all(world, review, ["approve"] * 5)
    elif state == REJECTED:
        vote_all(world, review, ["reject"] * 5)
    if state in (FUNDRAISING, IN_PROGRESS, CLOSING, CLOSED):
        services.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=AFTER_NOTICE)
    if state in (IN_PROGRESS, CLOSING, CLOSED):
        services.transition(project, "start_work", actor=staff, roles=STAFF_ROLES, today=AFTER_FUNDRAISING)
    if state in (CLOSING, CLOSED):
        services.transition(project, "start_closeout", actor=staff, roles=STAFF_ROLES, today=AFTER_FUNDRAISING)
    if state == CLOSED:
        from tests.world_closeout import close, write_closeout

        write_closeout(world, project, actuals=("1000",))
        close(world, project, on=AFTER_FUNDRAISING)
    db.session.flush()
    assert project.status == state
    return project


def counts(project: Project) -> dict:
    db.session.flush()
    return {
        "status": project.status,
        "events": db.session.scalar(select(func.count(ProjectEvent.id)).where(ProjectEvent.project_id == project.id)),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
        "versions": db.session.scalar(select(func.count(PlanVersion.id)).where(PlanVersion.project_id == project.id)),
        "reviews": db.session.scalar(select(func.count(Review.id)).where(Review.project_id == project.id)),
    }


def audit_rows(project: Project, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                            AuditEntry.object_type == "Project",
                                                            AuditEntry.object_ref == str(project.number))
                                   .order_by(AuditEntry.id)))


def today_for(action: str, source: str = ""):
    if action == "start_work" and source == FUNDRAISING:
        return AFTER_FUNDRAISING
    return AFTER_NOTICE if action in ("start_fundraising", "start_work") else TODAY


# --- the table ------------------------------------------------------------------------------

def test_table_holds_exactly_the_documented_transitions():
    table = {(t.action, source, t.target) for t in workflow.TRANSITIONS for source in t.sources}

    assert table == set(MANUAL) | set(DECIDED) | set(CLOSED_BY_PAGE)
    assert {t.action for t in workflow.TRANSITIONS if not t.manual} == {"approve", "reject", "close"}
    assert {t.action for t in workflow.TRANSITIONS if t.needs_note} == NEEDS_NOTE
    assert {state for t in workflow.TRANSITIONS for state in t.sources} | {CANCELLED, CLOSED} == set(PROJECT_STATES)
    assert workflow.find(CANCELLED, "cancel") is None  # a cancelled project stays cancelled
    assert workflow.find(CLOSED, "cancel") is None and workflow.find(CLOSED, "reopen") is None  # so does a closed one


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "source", "target"), MANUAL,
                         ids=[f"{action}-from-{source}" for action, source, _ in MANUAL])
def test_manual_transition_per_role(app, world, admin, action, source, target, role):
    with scoped(app, world):
        project = bring(world, source, crowdfunding=not (action == "start_work" and source == APPROVED))
        actor, roles, platform_admin = actor_of(world, admin, role)
        note = REASON if action in NEEDS_NOTE else ""
        before = counts(project)
        before_audit = len(audit_rows(project, f"project.{action}"))

        if role not in ALLOWED:
            with pytest.raises(WorkflowError) as refused:
                services.transition(project, action, actor=actor, roles=roles, today=today_for(action, source), note=note,
                                    platform_admin=platform_admin)
            assert refused.value.forbidden
            assert [str(problem) for problem in refused.value.problems] == ["Your role may not do this."]
            assert counts(project) == before
            return

        services.transition(project, action, actor=actor, roles=roles, today=today_for(action, source), note=note,
                            platform_admin=platform_admin)
        after = counts(project)

        assert project.status == target
        assert after["events"] == before["events"] + 1
        event = project.events[-1]
        assert (event.action, event.from_status, event.to_status, event.actor_id, event.note) == (
            action, source, target, actor.id, note)
        entries = audit_rows(project, f"project.{action}")
        assert len(entries) == before_audit + 1
        entry = entries[-1]
        assert entry.actor_id == actor.id
        assert entry.before == {"status": source}
        assert entry.after == {"status": target, **({"note": note} if note else {})}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_no_one_approves_or_rejects_by_hand(app, world, admin, action, role):
    with scoped(app, world):
        project = bring(world, IN_REVIEW)
        actor, roles, platform_admin = actor_of(world, admin, role)
        before = counts(project)

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, action, actor=actor, roles=roles, today=TODAY, note=REASON,
                                platform_admin=platform_admin)

        assert [str(problem) for problem in refused.value.problems] == ["The council's vote decides this."]
        assert counts(project) == before
        assert council.current_review(project).is_open


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "target"), [("approve", APPROVED), ("reject", REJECTED)])
def test_council_decision_permission_per_role(app, world, admin, action, target, role):
    """``fire`` itself lets staff and the council record a decision (the review service calls it)."""
    with scoped(app, world):
        project = bring(world, IN_REVIEW)
        actor, roles, platform_admin = actor_of(world, admin, role)
        context = services.workflow_context(project, TODAY)
        before = counts(project)

        if role not in DECIDERS:
            with pytest.raises(WorkflowError) as refused:
                workflow.fire(project, action, actor=actor, roles=roles, context=context, note="3 approve",
                              platform_admin=platform_admin)
            assert refused.value.forbidden
            assert counts(project) == before
            return

        event = workflow.fire(project, action, actor=actor, roles=roles, context=context, note="3 approve",
                              platform_admin=platform_admin)

        assert project.status == target
        assert (event.from_status, event.to_status, event.actor_id) == (IN_REVIEW, target, actor.id)
        assert len(audit_rows(project, f"project.{action}")) == 1


def test_reject_by_fire_needs_a_reason(app, world):
    with scoped(app, world):
        project = bring(world, IN_REVIEW)
        before = counts(project)

        with pytest.raises(WorkflowError) as refused:
            workflow.fire(project, "reject", actor=user(world.council[0]), roles=COUNCIL_ROLES,
                          context=services.workflow_context(project, TODAY), note=" ")

        assert [str(problem) for problem in refused.value.problems] == ["Give a reason."]
        assert counts(project) == before


INVALID = [(state, action) for state in PROJECT_STATES
           for action in dict.fromkeys(t.action for t in workflow.TRANSITIONS)
           if workflow.find(state, action) is None]


def test_invalid_pairs_cover_every_state():
    assert {state for state, _ in INVALID} == set(PROJECT_STATES)
    actions = len(dict.fromkeys(t.action for t in workflow.TRANSITIONS))  # 13 distinct actions
    assert len(INVALID) == len(PROJECT_STATES) * actions - len(MANUAL) - len(DECIDED) - len(CLOSED_BY_PAGE)


@pytest.mark.parametrize(("state", "action"), INVALID, ids=[f"{action}-from-{state}" for state, action in INVALID])
def test_action_not_valid_from_a_state_is_refused_and_changes_nothing(app, world, admin, state, action):
    with scoped(app, world):
        project = bring(world, state)
        before = counts(project)

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, action, actor=user(admin), roles=frozenset({"staff"}),
                                today=AFTER_NOTICE, note=REASON, platform_admin=True)

        assert not refused.value.forbidden
        [problem] = [str(problem) for problem in refused.value.problems]
        assert problem == (f"A project that is “{workflow.STATE_LABELS[state]}” cannot do "
                           f"“{workflow.ACTION_LABELS[action]}”.")
        assert counts(project) == before


def test_wrong_state_message_in_english(app, world):
    with scoped(app, world):
        project = bring(world, DRAFT)

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, "start_review", actor=user(world.staff), roles=STAFF_ROLES, today=TODAY)

        assert str(refused.value) == "A project that is “Draft” cannot do “Send to the council”."


# --- guards ---------------------------------------------------------------------------------

def test_submit_is_refused_with_every_problem_of_an_incomplete_plan(app, world):
    with scoped(app, world):
        staff = user(world.staff)
        project = services.create_project(title="爱心医护站", summary="", actor=staff)
        services.save_section(project, "background", "老人多，看病难", actor=staff)
        services.save_section(project, "budget", [{"item": "血压计", "quantity": "0", "unit": "台",
                                                   "unit_price_fen": 30_000, "fund": "charity"}], actor=staff)
        before = counts(project)

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, "submit", actor=staff, roles=STAFF_ROLES, today=TODAY)

        assert not refused.value.forbidden
        assert [str(problem) for problem in refused.value.problems] == [
            "Targets: add at least one measurable target.",
            "Budget, line 1: the quantity must be greater than zero.",
            "Execution plan: add at least one activity with dates.",
            "Team: name at least the person responsible.",
        ]
        assert counts(project) == before


def test_submit_is_refused_when_the_funding_plan_does_not_add_up(app, world):
    with scoped(app, world):
        project = ready_project(world)
        services.save_section(project, "funding", {"allocations": [], "crowdfunding_goal_fen": 100,
                                                   "expected_matching_fen": 0}, actor=user(world.staff))

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, "submit", actor=user(world.staff), roles=STAFF_ROLES, today=TODAY)

        [problem] = [str(problem) for problem in refused.value.problems]
        assert "¥1.00" in problem and "¥50,000.00" in problem
        assert project.status == DRAFT


def test_start_review_needs_as_many_council_members_as_the_quorum(app, factory):
    small = make_projects_world(app, factory, council_size=2, quorum=3, name="小社区")
    make_projects_world(app, factory, council_size=5, quorum=3, name="大社区")  # its council does not count
    with scoped(app, small):
        project = ready_project(small)
        services.transition(project, "submit", actor=user(small.staff), roles=STAFF_ROLES, today=TODAY)
        before = counts(project)

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, "start_review", actor=user(small.staff), roles=STAFF_ROLES, today=TODAY)

        assert [str(problem) for problem in refused.value.problems] == [
            "The council has 2 members with an account but a decision needs 3 votes. Invite council members first."]
        assert counts(project) == before
        assert project.status == SUBMITTED


def test_start_review_with_exactly_the_quorum(app, factory):
    world = make_projects_world(app, factory, council_size=3, members=5, quorum=3)
    with scoped(app, world):
        project = ready_project(world)

        review = to_review(world, project)

        assert project.status == IN_REVIEW
        assert sorted(review.roster) == sorted(member.id for member in world.council)


@pytest.mark.parametrize("note", ["", "   \n "])
@pytest.mark.parametrize("state", OPEN_STATES)
def test_cancel_needs_a_reason(app, world, state, note):
    with scoped(app, world):
        project = bring(world, state, linked_needs=1)
        before = counts(project)

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=TODAY,
                                note=note)

        assert [str(problem) for problem in refused.value.problems] == ["Give a reason."]
        assert counts(project) == before
        assert [need.status for need in project.needs] == ["in_project"]


@pytest.mark.parametrize("state", OPEN_STATES)
def test_cancel_from_every_open_state_releases_the_needs(app, world, state):
    with scoped(app, world):
        project = bring(world, state, linked_needs=2)
        linked = list(project.needs)

        services.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=TODAY,
                            note=" 资金不足 ")
        db.session.flush()

        assert project.status == CANCELLED
        assert project.events[-1].note == "资金不足"
        assert project.needs == []
        for need in linked:
            assert (need.status, need.project_id) == ("accepted", None)
            last = db.session.scalars(select(NeedEvent).where(NeedEvent.need_id == need.id)
                                      .order_by(NeedEvent.id)).all()
            assert [event.status for event in last] == ["new", "in_project", "accepted"]
            assert last[-1].note == f"Project #{project.number} was cancelled"
        releases = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "need.release")).all()
        assert sorted(entry.object_ref for entry in releases) == sorted(str(need.number) for need in linked)
        assert all(entry.actor_id == world.staff.id for entry in releases)
        assert services.needs_in_project_count(project) == 0


def test_cancel_during_review_closes_the_review(app, world):
    with scoped(app, world):
        project = bring(world, IN_REVIEW)
        review = council.current_review(project)
        council.cast_vote(review, voter=user(world.council[0]), choice="approve", comment="", today=TODAY,
                          roles=COUNCIL_ROLES)

        services.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=TODAY,
                            note="承接组织退出")
        db.session.flush()

        assert not review.is_open
        assert review.outcome == "cancelled"
        assert review.closed_by_id == world.staff.id
        assert (review.tally["approve"], review.tally["outcome"]) == (1, "cancelled")
        assert review.plan_version.status == "superseded"
        assert project.approved_version is None
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "review.cancel")) == 1
        with pytest.raises(council.CouncilError):
            council.cast_vote(review, voter=user(world.council[1]), choice="approve", comment="", today=TODAY,
                              roles=COUNCIL_ROLES)
        assert project.status == CANCELLED


def test_cancel_of_an_approved_project_keeps_its_approved_version(app, world):
    with scoped(app, world):
        project = bring(world, APPROVED)

        services.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=TODAY,
                            note="街道统筹实施")

        assert project.status == CANCELLED
        assert project.approved_version.status == "approved"
        assert services.get_published(project.number) is None


@pytest.mark.parametrize("note", ["", "  "])
def test_amend_needs_a_note(app, world, note):
    with scoped(app, world):
        project = bring(world, APPROVED)
        before = counts(project)

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, "amend", actor=user(world.staff), roles=STAFF_ROLES, today=TODAY,
                                note=note)

        assert [str(problem) for problem in refused.value.problems] == ["Give a reason."]
        assert counts(project) == before


def test_start_fundraising_waits_for_the_end_of_the_notice(app, world):
    with scoped(app, world):
        project = bring(world, APPROVED)
        staff = user(world.staff)
        assert project.notice_ends_on == TODAY + timedelta(days=7)

        for day in (TODAY, TODAY + timedelta(days=7)):
            before = counts(project)
            with pytest.raises(WorkflowError) as refused:
                services.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=day)
            assert [str(problem) for problem in refused.value.problems] == [
                "The public notice runs until 2026-11-27."]
            assert counts(project) == before

        services.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES,
                            today=TODAY + timedelta(days=8))

        assert project.status == FUNDRAISING


def test_start_fundraising_waits_for_every_objection_to_be_answered(app, world):
    with scoped(app, world):
        project = bring(world, APPROVED)
        staff = user(world.staff)
        first = services.file_objection(project, services.ObjectionInput("王大爷", "13900000001", "噪音扰民"),
                                        today=TODAY)
        second = services.file_objection(project, services.ObjectionInput("李阿姨", "13900000002", "预算偏高"),
                                         today=TODAY + timedelta(days=7))

        with pytest.raises(WorkflowError) as refused:
            services.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=TODAY)
        assert [str(problem) for problem in refused.value.problems] == [
            "The public notice runs until 2026-11-27.",
            "2 objection(s) from the public notice still need an answer."]

        services.answer_objection(first, answer="施工限定在白天", actor=staff)
        before = counts(project)
        with pytest.raises(WorkflowError) as refused:
            services.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=AFTER_NOTICE)
        assert [str(problem) for problem in refused.value.problems] == [
            "1 objection(s) from the public notice still need an answer."]
        assert counts(project) == before

        services.answer_objection(second, answer="预算经议事会审核", actor=staff)
        services.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=AFTER_NOTICE)

        assert project.status == FUNDRAISING
        assert services.unanswered_objections_count() == 0


def test_withdraw_returns_the_plan_to_editing(app, world):
    with scoped(app, world):
        project = bring(world, SUBMITTED)
        staff = user(world.staff)
        with pytest.raises(services.ProjectError):
            services.save_section(project, "background", "改", actor=staff)

        services.transition(project, "withdraw", actor=staff, roles=STAFF_ROLES, today=TODAY)
        services.save_section(project, "background", "改过的背景", actor=staff)

        assert (project.status, project.plan["background"]) == (DRAFT, "改过的背景")


# --- timeline -------------------------------------------------------------------------------

def test_timeline_records_every_step_with_who_and_what(app, world):
    with scoped(app, world):
        project = bring(world, REJECTED)
        staff = user(world.staff)
        services.transition(project, "revise", actor=staff, roles=STAFF_ROLES, today=TODAY)
        db.session.flush()

        steps = [(event.action, event.from_status, event.to_status, event.actor_id)
                 for event in services.timeline(project)]

        last_voter = world.council[-1].id
        assert steps == [
            ("create", "", DRAFT, world.staff.id),
            ("submit", DRAFT, SUBMITTED, world.staff.id),
            ("start_review", SUBMITTED, IN_REVIEW, world.staff.id),
            ("reject", IN_REVIEW, REJECTED, last_voter),
            ("revise", REJECTED, DRAFT, world.staff.id),
        ]
        rejection = services.timeline(project)[3]
        assert rejection.note.startswith("0 approve, 5 reject, 0 abstain.")
        assert "理由" in rejection.note
        assert [entry.action for entry in audit_rows(project, "project.reject")] == ["project.reject"]
        assert len(audit_rows(project, "project.create")) == 1


def test_approval_by_the_council_is_one_event_and_one_audit_entry(app, world):
    with scoped(app, world):
        project = bring(world, IN_REVIEW)
        review = council.current_review(project)

        vote_all(world, review, ["approve", "approve", "abstain", "reject", "approve"])
        db.session.flush()

        [event] = [event for event in project.events if event.action == "approve"]
        assert (event.from_status, event.to_status, event.actor_id) == (IN_REVIEW, APPROVED, world.council[-1].id)
        assert event.note.startswith("3 approve, 1 reject, 1 abstain.")
        [entry] = audit_rows(project, "project.approve")
        assert entry.after["status"] == APPROVED and entry.before == {"status": IN_REVIEW}


# --- buttons --------------------------------------------------------------------------------

STAFF_BUTTONS = {
    DRAFT: ["submit", "cancel"],
    SUBMITTED: ["withdraw", "start_review", "cancel"],
    IN_REVIEW: ["cancel"],
    APPROVED: ["amend", "start_fundraising", "start_work", "cancel"],
    REJECTED: ["revise", "cancel"],
    FUNDRAISING: ["start_work", "cancel"],
    IN_PROGRESS: ["start_closeout", "cancel"],
    CLOSING: ["reopen", "cancel"],  # closing itself is on the close-out page
    CLOSED: [],
    CANCELLED: [],
}


@pytest.mark.parametrize("state", PROJECT_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_available_buttons_per_role_and_state(state, role):
    project = Project(title="道路硬化", status=state)
    roles = frozenset() if role == "platform_admin" else frozenset({role})

    offered = [t.action for t in workflow.available(project, roles, platform_admin=role == "platform_admin")]

    assert offered == (STAFF_BUTTONS[state] if role in ALLOWED else [])


def test_available_for_someone_with_several_roles():
    project = Project(title="道路硬化", status=SUBMITTED)

    assert workflow.available(project, frozenset({"finance", "council", "resident"})) == []
    assert [t.action for t in workflow.available(project, frozenset({"council", "staff"}))] == STAFF_BUTTONS[SUBMITTED]


# --- linked needs ---------------------------------------------------------------------------

def test_linking_and_unlinking_needs(app, world):
    with scoped(app, world):
        staff = user(world.staff)
        project = bring(world, DRAFT)
        need = new_need()

        services.link_need(project, need, actor=staff)
        assert (need.status, project.needs) == ("in_project", [need])
        services.unlink_need(project, need, actor=staff)

        assert (need.status, need.project_id, project.needs) == ("accepted", None, [])
        assert need.events[-1].note == f"Unlinked from project #{project.number}"


@pytest.mark.parametrize("state", ["declined", "in_other_project"])
def test_linking_a_need_that_cannot_join_leaves_it_where_it_was(app, world, state):
    """Bug: ``move_to_project`` sets ``need.project`` before checking the status, so the refused need
    stays attached to the project (and, for a need of another project, is taken from that project)."""
    with scoped(app, world):
        staff = user(world.staff)
        project = bring(world, DRAFT)
        need = new_need()
        other = None
        if state == "declined":
            needs.decline([need], reason="不属于社区事务", actor=staff)
        else:
            other = services.create_project(title="另一个项目", summary="", actor=staff, needs=[need])
        before = counts(project)

        with pytest.raises(needs.NeedError):
            services.link_need(project, need, actor=staff)
        db.session.flush()

        assert need.project_id == (other.id if other else None)
        assert need not in project.needs
        assert counts(project) == before
