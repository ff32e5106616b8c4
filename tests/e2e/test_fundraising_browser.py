"""Fundraising in a real browser: a gift recorded for a project moves its public progress bar."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.projects import services as projects
from app.projects.models import Project
from tests.e2e.conftest import sign_in
from tests.e2e.test_projects_browser import in_tenant, new_page, settle, today
from tests.projects_world import (
    STAFF_ROLES,
    make_projects_world,
    ready_project,
    to_review,
    user,
    vote_all,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(live_server, request):
    return make_projects_world(live_server.app, live_server.factory, name=f"E2E{request.node.name[5:17]}社区")


def test_a_gift_to_a_fundraising_project_moves_its_progress_bar(live_server, open_page, world):
    with in_tenant(live_server, world):
        project = ready_project(world, title="谷山社区爱心医护站")  # goal ¥50,000, all crowdfunded
        vote_all(world, to_review(world, project), ["approve"] * 5)
        projects.transition(project, "start_fundraising", actor=user(world.staff), roles=STAFF_ROLES,
                            today=today(world) + timedelta(days=8))
        number = project.number
    public_url = f"{live_server.url}/c/{world.tenant.slug}/public/projects/{number}"

    visitor = new_page(open_page)
    visitor.goto(public_url)
    bar = visitor.locator("#fundraising progress")
    expect(bar).to_have_attribute("value", "0")
    expect(bar).to_have_attribute("max", "5000000")

    staff = new_page(open_page)
    sign_in(staff, world.staff)
    staff.goto(f"{live_server.url}/c/{world.tenant.slug}/projects/{number}")
    staff.locator(f"a[href$='/funds/donations/new?project={number}']").click()
    expect(staff.locator("select[name=project]")).to_have_value(str(number))
    staff.fill("input[name=donor_name]", "谷山卫生室志愿者")
    staff.fill("input[name=amount]", "12,500")
    settle(staff)
    staff.locator("#donation-form button.primary[type=submit]").click()
    staff.wait_for_url(re.compile(r".*/funds/donations/\d+$"))

    visitor.reload()
    expect(bar).to_have_attribute("value", "1250000")
    expect(visitor.locator("#fundraising")).to_contain_text("¥12,500.00")
    expect(visitor.locator("#fundraising")).to_contain_text("25%")
    expect(visitor.locator(".donor-list")).to_contain_text("谷山卫生室志愿者")
    with in_tenant(live_server, world):
        row = db.session.scalar(select(Project).where(Project.number == number))
        assert projects.raised_fen(row) == 1_250_000
