from datetime import timedelta

import pytest

from app.extensions import db
from tests.projects_world import (
    STAFF_ROLES,
    TODAY,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)


@pytest.fixture
def app(english_app):
    return english_app


def test_flow(app, factory):
    world = make_projects_world(app, factory)
    with scoped(app, world):
        from app.needs import services as needs
        from app.projects import services
        need = needs.submit_need(needs.NeedInput("道路设施", "路不平", "3号楼", "", "张三", "13800000001"),
                                 categories=["道路设施"])
        assert needs.support(need, "visitor:x") and not needs.support(need, "visitor:x")
        project = ready_project(world)
        services.link_need(project, need, actor=user(world.staff))
        review = to_review(world, project)
        assert project.status == "in_review" and review.due_on == TODAY + timedelta(days=7)
        vote_all(world, review, ["approve", "approve", "reject", "abstain", "approve"])
        db.session.flush()
        assert review.outcome == "approved", review.tally
        assert project.status == "approved" and project.approved_version.version == 1
        assert project.notice_ends_on == TODAY + timedelta(days=7)
        services.transition(project, "amend", actor=user(world.staff), roles=STAFF_ROLES, today=TODAY, note="改预算")
        services.save_section(project, "background", "新背景", actor=user(world.staff))
        review = to_review(world, project)
        vote_all(world, review, ["reject"] * 5)
        assert project.status == "rejected"
        changes = services.versions_diff(project, 1, 2)
        assert [c.section for c in changes] == ["background"]
