"""Plan versions (what the council decided on), editing rules, and objections during the public notice."""

import copy
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.council import services as council
from app.extensions import db
from app.needs import services as needs
from app.projects import services
from app.projects.models import PlanVersion
from app.projects.services import ObjectionInput, ProjectError
from tests.projects_world import (
    CATEGORIES,
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

APPROVE_ALL = ["approve"] * 5
REJECT_ALL = ["reject"] * 5


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory)


def staff(world):
    return user(world.staff)


def new_need(description="路面坑洼，雨天积水", supporters=0):
    need = needs.submit_need(needs.NeedInput("道路设施", description, "3号楼", "铁西路", "张三", "13800000001"),
                             categories=CATEGORIES)
    for index in range(supporters):
        assert needs.support(need, f"visitor:{index}")
    return need


def approved(world, project=None, choices=APPROVE_ALL, today=TODAY):
    project = project or ready_project(world)
    vote_all(world, to_review(world, project, today), choices, today)
    db.session.flush()
    return project


def amend(world, project, note="调整预算"):
    services.transition(project, "amend", actor=staff(world), roles=STAFF_ROLES, today=TODAY, note=note)


def audit_rows(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def stored_version(project, number: int) -> PlanVersion:
    """The version as read back from the database (nothing cached in the session)."""
    db.session.flush()
    db.session.expire_all()
    return db.session.scalar(select(PlanVersion).where(PlanVersion.project_id == project.id,
                                                       PlanVersion.version == number))


# --- freezing -------------------------------------------------------------------------------

def test_start_review_freezes_the_plan_with_organisation_needs_and_summary(app, world):
    with scoped(app, world):
        project = ready_project(world)
        need = new_need(supporters=3)
        assert not needs.support(need, "visitor:0")  # once per person
        services.link_need(project, need, actor=staff(world))
        services.set_organisation(project, name="邹城市益民社工服务中心", contact="周敏", phone="0537-5330001",
                                  actor=staff(world))
        services.update_details(project, title="铁西小区道路硬化", summary="硬化1000平方米路面", actor=staff(world))

        review = to_review(world, project)

        [version] = project.versions
        assert (version.version, version.status, version.title, version.budget_total_fen) == (
            1, "in_review", "铁西小区道路硬化", 5_000_000)
        assert review.plan_version is version and review.is_open
        assert review.due_on == TODAY + timedelta(days=7)
        assert version.decided_at is None
        expected = complete_plan() | {
            "organisation": {"name": "邹城市益民社工服务中心", "contact": "周敏", "phone": "0537-5330001"},
            "needs": [{"number": need.number, "category": "道路设施", "description": "路面坑洼，雨天积水",
                       "support_count": 3}],
            "summary": "硬化1000平方米路面",
        }
        assert stored_version(project, 1).plan == expected
        [entry] = audit_rows("project.version")
        assert entry.after == {"version": 1, "budget_total_fen": 5_000_000}
        assert entry.actor_id == world.staff.id


def test_snapshot_without_organisation_or_needs(app, world):
    with scoped(app, world):
        project = ready_project(world)
        to_review(world, project)

        plan = stored_version(project, 1).plan

        assert (plan["organisation"], plan["needs"], plan["summary"]) == (None, [], "路面硬化")


def test_editing_the_working_plan_afterwards_leaves_the_version_alone(app, world):
    with scoped(app, world):
        project = ready_project(world)
        services.set_organisation(project, name="益民社工", contact="周敏", phone="0537-5330001",
                                  actor=staff(world))
        services.link_need(project, new_need(supporters=2), actor=staff(world))
        approved(world, project)
        frozen = copy.deepcopy(stored_version(project, 1).plan)
        amend(world, project)

        services.save_section(project, "background", "新背景", actor=staff(world))
        services.save_section(project, "budget", [{"item": "沥青", "quantity": "2", "unit": "吨",
                                                   "unit_price_fen": 100, "fund": "development"}],
                              actor=staff(world))
        services.update_details(project, title="改名后的项目", summary="新的摘要", actor=staff(world))
        services.set_organisation(project, name="另一家组织", contact="", phone="", actor=staff(world))
        services.link_need(project, new_need("又一个需求"), actor=staff(world))

        version = stored_version(project, 1)
        assert version.plan == frozen
        assert (version.title, version.budget_total_fen, version.status) == ("道路硬化", 5_000_000, "approved")
        assert project.plan["background"] == "新背景" and project.budget_total_fen == 200


@pytest.mark.parametrize(("field", "value"), [
    ("plan", {"background": "偷偷改掉"}),
    ("title", "偷偷改名"),
    ("budget_total_fen", 1),
    ("version", 9),
])
def test_orm_refuses_changing_a_frozen_version(app, world, field, value):
    with scoped(app, world):
        project = ready_project(world)
        to_review(world, project)
        version = project.versions[0]
        original = getattr(version, field)

        setattr(version, field, value)
        with pytest.raises(ValueError, match=rf"plan version \d+ is frozen; cannot change {field}$"):
            db.session.flush()

        db.session.expire(version)
        assert getattr(stored_version(project, 1), field) == original


def test_orm_allows_deciding_a_version(app, world):
    with scoped(app, world):
        project = ready_project(world)
        to_review(world, project)
        version = project.versions[0]

        version.status = "superseded"
        db.session.flush()

        assert stored_version(project, 1).status == "superseded"


# --- decisions ------------------------------------------------------------------------------

def test_approval_marks_the_version_and_starts_the_notice(app, factory):
    world = make_projects_world(app, factory, notice_days=10)
    with scoped(app, world):
        project = approved(world)

        version = project.versions[0]
        assert (project.status, version.status) == ("approved", "approved")
        assert version.decided_at is not None
        assert project.approved_version is version
        assert project.notice_ends_on == TODAY + timedelta(days=10)
        assert services.on_notice(project, TODAY + timedelta(days=10))
        assert not services.on_notice(project, TODAY + timedelta(days=11))
        assert services.get_published(project.number) is project


def test_amend_and_approve_again_keeps_both_versions(app, world):
    with scoped(app, world):
        project = approved(world)
        amend(world, project)
        assert project.status == "draft"
        assert project.approved_version.version == 1  # still what the council approved
        services.save_section(project, "background", "路面和排水一起改造", actor=staff(world))
        plan = complete_plan(total_fen=6_000_000)
        services.save_section(project, "budget", plan["budget"], actor=staff(world))
        services.save_section(project, "funding", plan["funding"], actor=staff(world))

        later = TODAY + timedelta(days=3)
        approved(world, project, today=later)

        first, second = (stored_version(project, number) for number in (1, 2))
        assert (first.status, second.status) == ("superseded", "approved")
        assert (first.budget_total_fen, second.budget_total_fen) == (5_000_000, 6_000_000)
        assert project.approved_version.version == 2
        assert project.notice_ends_on == later + timedelta(days=7)
        changes = services.versions_diff(project, 1, 2)
        assert sorted((change.section, change.kind) for change in changes) == [
            ("background", "changed"), ("budget", "changed"), ("funding", "changed")]
        [budget] = [change for change in changes if change.section == "budget"]
        assert (budget.before["unit_price_fen"], budget.after["unit_price_fen"]) == (5_000_000, 6_000_000)
        assert services.versions_diff(project, 1, 1) == []
        assert services.versions_diff(project, 1, 3) is None


def test_rejected_amendment_keeps_the_earlier_approval(app, world):
    with scoped(app, world):
        project = approved(world)
        amend(world, project)
        services.save_section(project, "background", "新背景", actor=staff(world))

        approved(world, project, choices=REJECT_ALL)

        assert project.status == "rejected"
        assert [version.status for version in project.versions] == ["approved", "rejected"]
        assert project.approved_version.version == 1


def test_rejection_then_revise_and_a_new_version(app, world):
    with scoped(app, world):
        project = ready_project(world)
        vote_all(world, to_review(world, project), REJECT_ALL)
        db.session.flush()

        version = stored_version(project, 1)
        assert (project.status, version.status) == ("rejected", "rejected")
        assert version.decided_at is not None
        assert project.approved_version is None and project.notice_ends_on is None
        assert services.get_published(project.number) is None

        services.transition(project, "revise", actor=staff(world), roles=STAFF_ROLES, today=TODAY)
        assert project.status == "draft"
        services.save_section(project, "background", "根据议事会意见修改", actor=staff(world))
        to_review(world, project)

        assert [(v.version, v.status) for v in project.versions] == [(1, "rejected"), (2, "in_review")]
        assert council.current_review(project).plan_version.version == 2
        assert [change.section for change in services.versions_diff(project, 1, 2)] == ["background"]


@pytest.mark.parametrize(("field", "edit", "expected"), [
    ("organisation", lambda project, actor: services.set_organisation(
        project, name="新承接组织", contact="", phone="", actor=actor), "新承接组织"),
    ("summary", lambda project, actor: services.update_details(
        project, title="道路硬化", summary="改为硬化2000平方米", actor=actor), "改为硬化2000平方米"),
    ("needs", lambda project, actor: services.link_need(project, new_need("排水沟堵塞"), actor=actor), "排水沟堵塞"),
], ids=["organisation", "summary", "needs"])
def test_version_diff_shows_changes_outside_the_plan_sections(app, world, field, edit, expected):
    """Bug: the snapshot freezes the organisation, the summary and the linked needs, but
    ``plan.diff`` drops them (``normalised`` keeps only the seven sections), so the council
    sees "no changes" between versions that differ there."""
    with scoped(app, world):
        project = approved(world)
        amend(world, project)
        edit(project, staff(world))
        to_review(world, project)

        changes = services.versions_diff(project, 1, 2)

        assert stored_version(project, 1).plan[field] != stored_version(project, 2).plan[field]
        assert any(expected in str(change.after) for change in changes), changes


# --- editing rules --------------------------------------------------------------------------

def bring_to(world, state: str):
    project = ready_project(world)
    if state == "submitted":
        services.transition(project, "submit", actor=staff(world), roles=STAFF_ROLES, today=TODAY)
    elif state == "in_review":
        to_review(world, project)
    elif state == "approved":
        approved(world, project)
    elif state == "rejected":
        approved(world, project, choices=REJECT_ALL)
    elif state == "fundraising":
        approved(world, project)
        services.transition(project, "start_fundraising", actor=staff(world), roles=STAFF_ROLES,
                            today=TODAY + timedelta(days=8))
    elif state == "cancelled":
        services.transition(project, "cancel", actor=staff(world), roles=STAFF_ROLES, today=TODAY, note="取消")
    assert project.status == state
    return project


@pytest.mark.parametrize("state", ["submitted", "in_review", "approved", "rejected", "fundraising", "cancelled"])
def test_only_a_draft_can_be_edited(app, world, state):
    with scoped(app, world):
        project = bring_to(world, state)
        need = new_need()
        before_plan = copy.deepcopy(project.plan)
        before_audit = db.session.scalar(select(func.count(AuditEntry.id)))

        edits = [
            lambda: services.save_section(project, "background", "改", actor=staff(world)),
            lambda: services.save_section(project, "budget", [], actor=staff(world)),
            lambda: services.update_details(project, title="改名", summary="", actor=staff(world)),
            lambda: services.set_organisation(project, name="某组织", contact="", phone="", actor=staff(world)),
            lambda: services.link_need(project, need, actor=staff(world)),
        ]
        for edit in edits:
            with pytest.raises(ProjectError) as refused:
                edit()
            assert str(refused.value) == "Only a draft plan can be edited: first use “Amend the approved plan” or “Revise the plan”."

        db.session.flush()
        assert project.plan == before_plan
        assert (project.title, project.organisation, project.budget_total_fen) == ("道路硬化", None, 5_000_000)
        assert need.status == "new"
        assert db.session.scalar(select(func.count(AuditEntry.id))) == before_audit


def test_unknown_section_is_refused(app, world):
    with scoped(app, world):
        project = ready_project(world)

        with pytest.raises(ProjectError):
            services.save_section(project, "lottery", "x", actor=staff(world))

        assert "lottery" not in project.plan


def test_budget_total_follows_the_budget(app, world):
    with scoped(app, world):
        project = services.create_project(title="全职妈妈增能", summary="", actor=staff(world))
        assert project.budget_total_fen == 0

        services.save_section(project, "budget", [
            {"item": "手工材料", "quantity": "2.5", "unit": "套", "unit_price_fen": 333, "fund": "charity"},
            {"item": "讲师费", "quantity": "4", "unit": "次", "unit_price_fen": 50_000, "fund": "development"},
        ], actor=staff(world))
        assert project.budget_total_fen == 833 + 200_000

        services.save_section(project, "background", "妈妈们需要技能培训", actor=staff(world))
        assert project.budget_total_fen == 200_833

        services.save_section(project, "budget", [], actor=staff(world))
        db.session.flush()
        db.session.expire_all()
        assert project.budget_total_fen == 0


def test_budget_line_keys_are_assigned_once_and_kept(app, world):
    with scoped(app, world):
        project = services.create_project(title="骑手暖心餐", summary="", actor=staff(world))
        lines = [{"item": "餐食", "quantity": "100", "unit": "份", "unit_price_fen": 1_500, "fund": "charity"},
                 {"item": "保温箱", "quantity": "2", "unit": "个", "unit_price_fen": 8_000, "fund": "charity"}]

        services.save_section(project, "budget", lines, actor=staff(world))
        keys = [line["key"] for line in project.plan["budget"]]
        assert all(re.fullmatch(r"[0-9a-f]{8}", key) for key in keys)
        assert len(set(keys)) == 2
        assert "key" not in lines[0]  # the caller's rows are not changed

        saved = copy.deepcopy(project.plan["budget"])
        saved[0]["quantity"] = "120"
        saved.reverse()
        saved.append({"item": "一次性餐具", "quantity": "120", "unit": "套", "unit_price_fen": 50, "fund": "charity"})
        services.save_section(project, "budget", saved, actor=staff(world))
        db.session.flush()
        db.session.expire_all()

        budget = project.plan["budget"]
        assert [line["key"] for line in budget[:2]] == [keys[1], keys[0]]
        assert budget[1]["quantity"] == "120"
        assert budget[2]["key"] not in keys and re.fullmatch(r"[0-9a-f]{8}", budget[2]["key"])
        assert project.budget_total_fen == 120 * 1_500 + 2 * 8_000 + 120 * 50


def test_saving_a_section_is_audited_only_when_it_changes(app, world):
    with scoped(app, world):
        project = ready_project(world)
        before = len(audit_rows("project.plan.background"))

        services.save_section(project, "background", project.plan["background"], actor=staff(world))
        assert len(audit_rows("project.plan.background")) == before

        services.save_section(project, "background", "雨天积水严重", actor=staff(world))
        entries = audit_rows("project.plan.background")
        assert len(entries) == before + 1
        assert entries[-1].before == {"background": complete_plan()["background"]}
        assert entries[-1].after == {"background": "雨天积水严重"}
        assert entries[-1].actor_id == world.staff.id


# --- objections during the public notice ----------------------------------------------------

OBJECTION = ObjectionInput(" 王大爷 ", " 13900000001 ", " 施工噪音影响休息 ")


@pytest.mark.parametrize("state", ["draft", "submitted", "in_review", "rejected", "fundraising", "cancelled"])
def test_objections_only_while_on_notice(app, world, state):
    with scoped(app, world):
        project = ready_project(world) if state == "draft" else bring_to(world, state)

        with pytest.raises(ProjectError) as refused:
            services.file_objection(project, OBJECTION, today=TODAY)

        assert str(refused.value) == "Objections can only be filed while the project is on public notice."
        assert project.objections == []


def test_objection_after_the_notice_ended_is_refused(app, world):
    with scoped(app, world):
        project = approved(world)
        services.file_objection(project, OBJECTION, today=TODAY + timedelta(days=7))  # last day

        with pytest.raises(ProjectError):
            services.file_objection(project, OBJECTION, today=TODAY + timedelta(days=8))

        assert len(project.objections) == 1


def test_objection_is_recorded_and_audited(app, world):
    with scoped(app, world):
        project = approved(world)

        objection = services.file_objection(project, OBJECTION, today=TODAY)

        assert (objection.name, objection.phone, objection.reason) == ("王大爷", "13900000001", "施工噪音影响休息")
        assert objection.answered_at is None and objection.answer == ""
        assert services.unanswered_objections_count() == 1
        [entry] = audit_rows("project.objection")
        assert (entry.actor_id, entry.object_ref) == (None, str(project.number))
        assert entry.after == {"objection": objection.id, "name": "王大爷"}


@pytest.mark.parametrize("answer", ["", "   ", None])
def test_answer_must_not_be_empty(app, world, answer):
    with scoped(app, world):
        project = approved(world)
        objection = services.file_objection(project, OBJECTION, today=TODAY)

        with pytest.raises(ProjectError) as refused:
            services.answer_objection(objection, answer=answer, actor=staff(world))

        assert str(refused.value) == "Write the answer to the objection."
        assert (objection.answer, objection.answered_at, objection.answered_by_id) == ("", None, None)
        assert audit_rows("project.objection.answer") == []


def test_answer_is_recorded_with_who_and_when_and_audited(app, world):
    with scoped(app, world):
        project = approved(world)
        objection = services.file_objection(project, OBJECTION, today=TODAY)

        services.answer_objection(objection, answer=" 施工只在白天进行 ", actor=staff(world))
        db.session.flush()
        db.session.expire_all()

        assert services.get_objection(project, objection.id) is objection
        assert (objection.answer, objection.answered_by_id) == ("施工只在白天进行", world.staff.id)
        assert objection.answered_at is not None
        assert services.unanswered_objections_count() == 0
        [entry] = audit_rows("project.objection.answer")
        assert (entry.actor_id, entry.before) == (world.staff.id, None)
        assert entry.after == {"objection": objection.id, "answer": "施工只在白天进行"}

        services.answer_objection(objection, answer="施工只在工作日白天进行", actor=staff(world))
        assert audit_rows("project.objection.answer")[-1].before == {"answer": "施工只在白天进行"}


def test_objection_of_another_project_is_not_found(app, world):
    with scoped(app, world):
        first = approved(world)
        second = approved(world, ready_project(world, title="爱心医护站"))
        objection = services.file_objection(first, OBJECTION, today=TODAY)

        assert services.get_objection(second, objection.id) is None
        assert services.get_objection(first, objection.id) is objection
