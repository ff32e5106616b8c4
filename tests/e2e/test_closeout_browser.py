"""Close-out in a real browser: start it from the project page, write it, close, read the report PDF."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_projects_browser import in_tenant, new_page, pdf_text, settle, ui
from tests.projects_world import make_projects_world
from tests.world_closeout import ROAD, pay, working

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(live_server, request):
    return make_projects_world(live_server.app, live_server.factory, name=f"E2E{request.node.name[5:17]}社区")


def test_staff_close_a_project_and_print_its_close_out_report(open_page, live_server, world, tmp_path):
    with in_tenant(live_server, world):
        project = working(world, title="铁西小区道路硬化")
        pay(world, project, ROAD, 3_500_000)
        number = project.number
    slug = world.tenant.slug

    staff = new_page(open_page)
    sign_in(staff, world.staff)
    staff.goto(f"/c/{slug}/projects/{number}")
    staff.get_by_role("button", name=ui(live_server, "Start the close-out")).click()
    staff.wait_for_url(re.compile(rf".*/projects/{number}$"))
    staff.locator(f"a[href$='/closeout/projects/{number}']").click()
    staff.wait_for_url(re.compile(rf".*/closeout/projects/{number}$"))
    expect(staff.locator("#closeout-budget")).to_contain_text("¥35,000.00")

    staff.fill("input[name='actuals-0-actual']", "八百六")
    staff.locator("#closeout-report button.primary").click()
    settle(staff)
    expect(staff.locator("#closeout-report")).to_contain_text(ui(live_server, "Enter a number, e.g. 120 or 2.5."))
    for name, value in (("actuals-0-actual", "860"), ("actuals-1-actual", "330"), ("beneficiaries", "326"),
                        ("scores-0-score", "92"), ("scores-1-score", "85"), ("scores-2-score", "88")):
        staff.fill(f"input[name='{name}']", value)
    staff.locator("#closeout-report button.primary").click()
    staff.wait_for_load_state()
    settle(staff)
    expect(staff.locator("#flashes")).to_contain_text(ui(live_server, "Close-out saved."))

    staff.locator("#closeout-close button.primary").click()
    staff.wait_for_url(re.compile(rf".*/closeout/projects/{number}$"))
    expect(staff.locator("#flashes")).to_contain_text(ui(live_server, "The project is closed; the close-out report "
                                                                      "is ready."))
    expect(staff.locator("#closeout-money")).to_contain_text("¥5,000.00")
    report = staff.request.get(staff.locator(f"a[href$='/closeout/projects/{number}/report.pdf']").first
                               .get_attribute("href"))
    assert report.status == 200 and report.headers["content-type"] == "application/pdf"
    text = pdf_text(report.body(), tmp_path, "closeout.pdf")
    assert "项目结项报告" in text and "草稿" not in text and "综合得分（满分100） 89.80" in text
    assert "6 结余退回或转出 5,000.00" in text

    visitor = new_page(open_page)
    visitor.goto(f"/c/{slug}/public/projects/{number}")
    expect(visitor.locator("#closeout")).to_contain_text("326")
    expect(visitor.locator("#donor-notice")).to_contain_text("¥5,000.00")
    public = visitor.request.get(visitor.locator(f"a[href$='/public/closeout/{number}.pdf']").get_attribute("href"))
    assert public.status == 200 and "89.80" in pdf_text(public.body(), tmp_path, "public.pdf")
