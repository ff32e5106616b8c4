"""Projects in a real browser: the budget editor's live totals, a council member's vote, and the whole
way from a resident's need to an approved, published project with its plan PDF and meeting pack.

Texts are matched through the app's own translations (``ui``), so the tests hold while the
Chinese catalogue is being filled in; clicks go by name, id or role.
"""

import re
import subprocess
from contextlib import contextmanager

import pytest
from flask_babel import gettext
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.council import services as council
from app.council.models import Review, Vote
from app.extensions import db
from app.needs import services as needs
from app.needs.models import Need
from app.projects import services as projects
from app.projects.models import Project
from app.tenancy.models import Tenant
from app.tenancy.services import local_today
from tests.e2e.conftest import sign_in
from tests.projects_world import (
    COUNCIL_ROLES,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
)

pytestmark = pytest.mark.e2e

# Counts the page's XMLHttpRequests in flight, including those of elements a swap has already removed
# (htmx no longer marks those with a class, but their answers still land, e.g. as out-of-band swaps).
XHR_COUNTER = """
(() => {
  let pending = 0;
  window.__xhrPending = () => pending;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    pending += 1;
    this.addEventListener("loadend", () => { pending -= 1; });
    return send.apply(this, args);
  };
})();
"""
QUIET = ("() => window.__xhrPending && window.__xhrPending() === 0"
         " && !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")


# --- helpers ---------------------------------------------------------------------------------------

def ui(live_server, message: str, **values) -> str:
    """``message`` as the pages show it (the default locale, translated or not yet)."""
    with live_server.app.app_context():
        return gettext(message, **values)


@pytest.fixture
def world(live_server, request):
    return make_projects_world(live_server.app, live_server.factory, name=f"E2E{request.node.name[5:17]}社区")


@contextmanager
def in_tenant(live_server, world):
    """An app context scoped to the world's tenant; committed when the block ends without error."""
    with scoped(live_server.app, world):
        yield
        db.session.commit()


def today(world):
    return local_today(db.session.get(Tenant, world.tenant.id))


def project_row(number: int) -> Project:
    return db.session.scalar(select(Project).where(Project.number == number))


def new_page(open_page) -> Page:
    """A page in a fresh browser context that counts its requests in flight (see ``settle``)."""
    page = open_page().page
    page.add_init_script(XHR_COUNTER)
    return page


def settle(page: Page) -> None:
    """Wait until no request is in flight and htmx has nothing left to swap."""
    page.wait_for_function(QUIET)


def mark_page(page: Page) -> None:
    """A flag that survives in-place swaps and disappears with a page load."""
    page.evaluate("window.__noReload = 1")


def not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__noReload") == 1


@contextmanager
def held_back(page: Page, pattern: str):
    """Requests to ``pattern`` made inside the block wait (a slow network) until it ends; yields them."""
    held = []
    page.route(pattern, lambda route: held.append(route))
    try:
        yield held
    finally:
        page.unroute(pattern)
        for route in held:
            route.continue_()
        settle(page)


def pdf_text(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(text.split())


def open_editor(page: Page, live_server, section: str):
    """Click the section's Edit button; the editor replaces the section in place."""
    card = page.locator(f"#plan-{section}")
    card.get_by_role("link", name=ui(live_server, "Edit"), exact=True).click()
    editor = page.locator(f"#plan-{section}.editing")
    expect(editor).to_be_visible()
    settle(page)
    return editor


def save_editor(page: Page, section: str):
    page.locator(f"#plan-{section}.editing button.primary[name=save]").click()
    section_card = page.locator(f"#plan-{section}")
    expect(section_card).not_to_have_class(re.compile(r"\bediting\b"))
    expect(section_card.locator(".flash-success")).to_be_visible()
    settle(page)
    return section_card


def add_row(page: Page, section: str, index: int) -> None:
    """Press "Add a row": the editor comes back from the server with one more (empty) row."""
    page.locator(f"#plan-{section} button[name=add_row]").click()
    expect(page.locator(f"#plan-{section} table.rows-editor tbody tr")).to_have_count(index + 1)
    settle(page)


def fill_section(page: Page, live_server, section: str, rows: list[dict], **fields) -> None:
    """Open the editor, fill ``rows`` (adding rows as needed) and the section's other fields, save."""
    open_editor(page, live_server, section)
    editor = page.locator(f"#plan-{section}")
    for index, row in enumerate(rows):
        if index:
            add_row(page, section, index)
        for name, value in row.items():
            target = editor.locator(f"[name='rows-{index}-{name}']")
            if name == "fund":
                target.select_option(value)
            else:
                target.fill(value)
    for name, value in fields.items():
        editor.locator(f"[name='{name}']").fill(value)
    settle(page)
    save_editor(page, section)


def workflow_action(page: Page, action: str, state: str) -> None:
    """Press a workflow button (a plain form post) and wait for the project's new state."""
    page.locator(f"#workflow form[action$='/actions/{action}'] button[type=submit]").click()
    expect(page.locator("h1 .badge")).to_have_class(re.compile(rf"\bstate-{state}\b"))
    expect(page.locator("#workflow .problems")).to_have_count(0)


def service_votes(live_server, world, number: int, members, choice: str = "approve") -> None:
    with in_tenant(live_server, world):
        review = council.current_review(project_row(number))
        for member in members:
            council.cast_vote(review, voter=user(member), choice=choice, comment="", today=today(world),
                              roles=COUNCIL_ROLES)


# --- 1. the budget editor --------------------------------------------------------------------------

def budget_cell(page: Page, row: int, name: str):
    return page.locator(f"#plan-budget [name='rows-{row}-{name}']")


def test_budget_lines_total_on_the_server_as_you_type(open_page, live_server, world):
    with in_tenant(live_server, world):
        number = projects.create_project(title="楼道照明改造", summary="更换楼道灯", actor=user(world.staff)).number
    page = new_page(open_page)
    sign_in(page, world.staff)
    page.goto(f"/c/{world.tenant.slug}/projects/{number}")
    address = page.url
    mark_page(page)

    open_editor(page, live_server, "budget")
    assert page.url == address, "the editor swaps in without leaving the page"
    expect(page.locator("#budget-grand-total")).to_have_text("¥0.00")
    budget_cell(page, 0, "item").fill("LED灯管")
    budget_cell(page, 0, "quantity").press_sequentially("2.5")
    budget_cell(page, 0, "unit").fill("箱")
    with page.expect_response(lambda response: response.url.endswith("/plan/budget/totals")) as totals:
        budget_cell(page, 0, "unit_price").press_sequentially("3.33")
    assert totals.value.status == 200 and totals.value.request.method == "POST"
    # 2.5 × ¥3.33 = ¥8.325, rounded half up on the server.
    expect(page.locator("#line-total-0")).to_have_text("¥8.33")
    expect(page.locator("#budget-grand-total")).to_have_text("¥8.33")
    settle(page)

    add_row(page, "budget", 1)
    expect(budget_cell(page, 0, "item")).to_have_value("LED灯管")  # what was typed survives the new row
    expect(page.locator("#line-total-0")).to_have_text("¥8.33")
    budget_cell(page, 1, "item").fill("电工人工")
    budget_cell(page, 1, "quantity").press_sequentially("3")
    budget_cell(page, 1, "unit").fill("工日")
    budget_cell(page, 1, "unit_price").press_sequentially("150")
    budget_cell(page, 1, "fund").select_option("development")
    expect(page.locator("#line-total-1")).to_have_text("¥450.00")
    expect(page.locator("#budget-grand-total")).to_have_text("¥458.33")
    settle(page)

    add_row(page, "budget", 2)
    budget_cell(page, 2, "item").fill("开关面板")
    budget_cell(page, 2, "quantity").press_sequentially("4")
    budget_cell(page, 2, "unit").fill("个")
    budget_cell(page, 2, "unit_price").press_sequentially("12.5")
    expect(page.locator("#budget-grand-total")).to_have_text("¥508.33")
    settle(page)

    # Removing a row while the totals of the last keystrokes are still on their way (a slow phone
    # network): leaving the price field sends them, the ✕ posts the form. Their late answer must
    # not overwrite the editor the server sent back without that row.
    with held_back(page, "**/plan/budget/totals") as late:
        page.locator("#plan-budget button[name=remove_row][value='1']").click()  # the labour line goes
        page.wait_for_timeout(1_000)
        assert late, "leaving the price field asked for totals"
    expect(page.locator("#plan-budget [name='rows-2-item']")).to_have_count(0)
    expect(budget_cell(page, 0, "item")).to_have_value("LED灯管")
    expect(budget_cell(page, 1, "item")).to_have_value("开关面板")
    expect(page.locator("#line-total-1")).to_have_text("¥50.00")
    expect(page.locator("#budget-grand-total")).to_have_text("¥58.33")
    settle(page)

    section = save_editor(page, "budget")
    lines = section.locator("table.budget tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text("LED灯管")
    expect(lines.nth(0)).to_contain_text("¥8.33")
    expect(lines.nth(1)).to_contain_text("开关面板")
    expect(lines.nth(1)).to_contain_text("¥50.00")
    expect(section.locator("table.budget tfoot")).to_contain_text("¥58.33")
    assert page.url == address and not_reloaded(page), "edited and saved in place"
    with in_tenant(live_server, world):
        project = project_row(number)
        assert project.budget_total_fen == 5_833
        assert [(line["item"], line["quantity"], line["unit"], line["unit_price_fen"], line["fund"])
                for line in project.plan["budget"]] == [("LED灯管", "2.5", "箱", 333, "charity"),
                                                        ("开关面板", "4", "个", 1_250, "charity")]
        keys = [line["key"] for line in project.plan["budget"]]

    # Enter in a field saves (the first submit button of the form is a hidden "save", not a row's ✕).
    open_editor(page, live_server, "budget")
    expect(budget_cell(page, 1, "item")).to_have_value("开关面板")
    budget_cell(page, 1, "quantity").fill("6")
    budget_cell(page, 1, "quantity").press("Enter")
    section = page.locator("#plan-budget")
    expect(section).not_to_have_class(re.compile(r"\bediting\b"))
    expect(section.locator(".flash-success")).to_be_visible()
    expect(section.locator("table.budget tbody tr")).to_have_count(2)
    expect(section.locator("table.budget tfoot")).to_contain_text("¥83.33")
    assert not_reloaded(page)
    with in_tenant(live_server, world):
        project = project_row(number)
        assert project.budget_total_fen == 8_333
        assert [line["quantity"] for line in project.plan["budget"]] == ["2.5", "6"]
        assert [line["key"] for line in project.plan["budget"]] == keys, "lines keep their keys"


# --- 2. a council member votes ---------------------------------------------------------------------

def test_council_member_votes_changes_the_vote_and_the_last_vote_decides(open_page, live_server, world):
    with in_tenant(live_server, world):
        project = ready_project(world, title="小区路面硬化")
        to_review(world, project, today=today(world))
        number = project.number
    member, *others = world.council
    page = new_page(open_page)
    sign_in(page, member)
    page.goto(f"/c/{world.tenant.slug}/council/")
    page.locator(f"#open-reviews a[href$='/council/reviews/{number}']").click()
    page.wait_for_url(f"**/c/{world.tenant.slug}/council/reviews/{number}")
    panel = page.locator("#vote-panel")
    expect(panel.locator("#member-votes")).to_have_count(0)  # nobody's vote is shown before one's own
    mark_page(page)

    panel.locator("input[name=choice][value=reject]").check()
    with page.expect_response(lambda response: response.url.endswith(f"/reviews/{number}/vote")) as answer:
        panel.locator("button[type=submit].primary").click()
    assert answer.value.status == 422
    expect(panel.locator(".form-error")).to_have_text(
        ui(live_server, "Say why you reject the plan, so staff can revise it."))
    expect(panel.locator("input[name=choice][value=reject]")).to_be_checked()
    with in_tenant(live_server, world):
        assert db.session.scalars(select(Vote)).all() == []

    panel.locator("input[name=choice][value=approve]").check()
    panel.locator("textarea[name=comment]").fill("同意，注意施工期间的出行安全")
    with page.expect_response(lambda response: response.url.endswith(f"/reviews/{number}/vote")) as answer:
        panel.locator("button[type=submit].primary").click()
    assert answer.value.status == 200
    expect(panel.locator(".flash-success")).to_have_text(
        ui(live_server, "Your vote is recorded. You may change it until the review closes."))
    mine = panel.locator("#member-votes tbody tr", has_text=member.name)
    expect(mine).to_contain_text(ui(live_server, "Approve"))
    expect(mine).to_contain_text("同意，注意施工期间的出行安全")
    expect(panel.locator("#member-votes tbody tr")).to_have_count(len(world.council))
    expect(panel.locator(".form-error")).to_have_count(0)

    expect(panel.locator("fieldset legend")).to_have_text(ui(live_server, "Change your vote"))
    expect(panel.locator("input[name=choice][value=approve]")).to_be_checked()
    panel.locator("input[name=choice][value=abstain]").check()
    panel.locator("textarea[name=comment]").fill("本人住在施工路段，回避")
    panel.locator("button[type=submit].primary").click()
    expect(mine).to_contain_text(ui(live_server, "Abstain"))
    expect(mine).to_contain_text("本人住在施工路段，回避")
    assert not_reloaded(page), "the votes were cast in place"
    with in_tenant(live_server, world):
        votes = db.session.scalars(select(Vote)).all()
        assert [(vote.voter_id, vote.choice, vote.comment) for vote in votes] == [
            (member.id, "abstain", "本人住在施工路段，回避")]

    service_votes(live_server, world, number, others[:-1])
    last = new_page(open_page)
    sign_in(last, others[-1])
    last.goto(f"/c/{world.tenant.slug}/council/reviews/{number}")
    mark_page(last)
    last.locator("#vote-panel input[name=choice][value=approve]").check()
    last.locator("#vote-panel button[type=submit].primary").click()
    last.wait_for_function("() => window.__noReload === undefined")
    # The last vote closes the review: the whole page is loaded again with the outcome.
    expect(last.locator(".flash-success")).to_contain_text(
        ui(live_server, "The review is closed: the council approved the plan."))
    expect(last.locator("#vote-panel")).to_contain_text(ui(live_server, "Outcome:"))
    expect(last.locator("#vote-panel form.vote-form")).to_have_count(0)

    page.reload()
    expect(panel).to_contain_text(ui(live_server, "Outcome:"))
    expect(panel).to_contain_text(ui(live_server, "Approved"))
    expect(panel.locator("form.vote-form")).to_have_count(0)
    with in_tenant(live_server, world):
        project = project_row(number)
        review = db.session.scalar(select(Review).where(Review.project_id == project.id))
        assert project.status == "approved"
        assert review.outcome == "approved" and not review.is_open
        assert (review.tally["approve"], review.tally["reject"], review.tally["abstain"]) == (4, 0, 1)
        assert project.approved_version is not None and project.notice_ends_on is not None


# --- 3. from a resident's need to a published project ----------------------------------------------

NEED = "3号楼前的路面坑洼不平，下雨天积水，老人出门容易摔倒"
TITLE = "3号楼路面硬化"


def test_from_a_residents_need_to_an_approved_published_project(open_page, live_server, world, tmp_path):
    slug = world.tenant.slug
    with in_tenant(live_server, world):  # another need, for the search to leave out
        needs.submit_need(needs.NeedInput("环境卫生", "5号楼垃圾桶不够用", "5号楼", "", "王阿姨", "13900000002"),
                          categories=["环境卫生"])

    # A resident, not signed in, tells the community what is needed.
    resident = new_page(open_page)
    resident.goto(f"/c/{slug}/public/needs/new")
    resident.select_option("select[name=category]", "道路设施")
    resident.fill("textarea[name=description]", NEED)
    resident.fill("input[name=building]", "3号楼")
    resident.fill("input[name=location]", "3号楼南侧主路")
    resident.fill("input[name=contact_name]", "孔大爷")
    resident.fill("input[name=contact_phone]", "139 1234 5678")
    resident.locator("#need-form button[type=submit]").click()
    resident.wait_for_url(f"**/c/{slug}/public/needs/status/*")
    status_url = resident.url
    code = resident.locator(".status-code code").inner_text()
    expect(resident.locator(".need-status")).to_have_text(ui(live_server, "New"))
    with in_tenant(live_server, world):
        need = db.session.scalar(select(Need).where(Need.description == NEED))
        need_number = need.number
        assert needs.display_code(need.status_code) == code and need.status == "new"

    # Staff find it in the triage list, accept it and make a project of it.
    staff = new_page(open_page)
    sign_in(staff, world.staff)
    staff.goto(f"/c/{slug}/needs/")
    expect(staff.locator("#need-list tbody tr")).to_have_count(2)
    staff.fill("#q", "坑洼")
    expect(staff.locator("#need-list tbody tr")).to_have_count(1)
    expect(staff.locator(f"#need-list tr[data-number='{need_number}']")).to_contain_text("3号楼")
    staff.locator(f"#need-list a[href='/c/{slug}/needs/{need_number}']").click()
    staff.wait_for_url(f"**/c/{slug}/needs/{need_number}")
    staff.locator("#triage form:has(input[name=action][value=accept]) button[type=submit]").click()
    expect(staff.locator("h1 .badge")).to_have_text(ui(live_server, "Accepted"))
    staff.locator(f"a[href$='/projects/new?need={need_number}']").click()
    staff.wait_for_url(f"**/c/{slug}/projects/new?need={need_number}")
    expect(staff.locator("input[name=need_numbers]")).to_have_value(str(need_number))
    staff.fill("input[name=title]", TITLE)
    staff.fill("textarea[name=summary]", "硬化3号楼南侧主路，消除积水")
    staff.locator("main form button[type=submit].primary").click()
    staff.wait_for_url(re.compile(rf"/c/{slug}/projects/\d+$"))
    number = int(staff.url.rsplit("/", 1)[1])
    expect(staff.locator("#plan-background")).to_contain_text(f"#{need_number}")

    # The plan, section by section.
    fill_section(staff, live_server, "background", [],
                 background="3号楼南侧主路多年未修，路面坑洼，雨天积水，居民多次反映。")
    fill_section(staff, live_server, "targets", [
        {"name": "硬化路面", "unit": "平方米", "baseline": "0", "target": "120"},
        {"name": "受益居民", "unit": "户", "baseline": "0", "target": "86"}])
    fill_section(staff, live_server, "budget", [
        {"item": "水泥路面", "quantity": "120", "unit": "平方米", "unit_price": "85.50", "fund": "charity"},
        {"item": "施工人工", "quantity": "10", "unit": "工日", "unit_price": "300", "fund": "charity"}])
    expect(staff.locator("#plan-budget tfoot")).to_contain_text("¥13,260.00")
    fill_section(staff, live_server, "activities", [
        {"name": "路面施工", "starts_on": "2026-12-01", "ends_on": "2026-12-10", "owner": "李红梅"},
        {"name": "验收", "starts_on": "2026-12-11", "ends_on": "2026-12-12", "owner": "王建国"}])
    fill_section(staff, live_server, "team", [
        {"name": "李红梅", "role": "项目负责人", "phone": "13800000000"}],
        organisation="邹城市安居建筑工程队", organisation_contact="张师傅", organisation_phone="0537-5212345")
    fill_section(staff, live_server, "funding", [{"fund": "charity", "amount": "5,000"}],
                 crowdfunding_goal="8,260")
    expect(staff.locator("#plan-funding .error")).to_have_count(0)  # it adds up to the budget
    fill_section(staff, live_server, "risks", [{"risk": "雨天延误工期", "mitigation": "预留三天机动工期"}])

    staff.reload()
    expect(staff.locator("#workflow")).to_contain_text("¥13,260.00")
    workflow_action(staff, "submit", "submitted")
    workflow_action(staff, "start_review", "in_review")

    # The meeting pack, printed while the plan waits for the council.
    staff.goto(f"/c/{slug}/council/meeting")
    expect(staff.locator("ol.agenda")).to_contain_text(TITLE)
    pack = staff.request.get(staff.locator("a[href$='/council/meeting.pdf']").get_attribute("href"))
    assert pack.status == 200 and pack.headers["content-type"] == "application/pdf"
    assert TITLE in pdf_text(pack.body(), tmp_path, "pack.pdf")

    # One council member votes in the browser, the others through the service; the last vote decides.
    member = new_page(open_page)
    sign_in(member, world.council[0])
    member.goto(f"/c/{slug}/council/")
    member.locator(f"#open-reviews a[href$='/council/reviews/{number}']").click()
    expect(member.locator("#plan")).to_contain_text("¥13,260.00")
    member.locator("#vote-panel input[name=choice][value=approve]").check()
    member.locator("#vote-panel textarea[name=comment]").fill("同意")
    member.locator("#vote-panel button[type=submit].primary").click()
    expect(member.locator("#vote-panel .flash-success")).to_be_visible()
    service_votes(live_server, world, number, world.council[1:])
    with in_tenant(live_server, world):
        project = project_row(number)
        assert project.status == "approved" and project.approved_version.version == 1
        assert [need.number for need in project.needs] == [need_number]
        assert project.budget_total_fen == 1_326_000

    # Staff see the approval and print the approved plan.
    staff.goto(f"/c/{slug}/projects/{number}")
    expect(staff.locator("h1 .badge")).to_have_class(re.compile(r"\bstate-approved\b"))
    plan = staff.request.get(staff.locator(f"#versions a[href$='/projects/{number}/versions/1/plan.pdf']")
                             .get_attribute("href"))
    assert plan.status == 200 and plan.headers["content-type"] == "application/pdf"
    text = pdf_text(plan.body(), tmp_path, "plan.pdf")
    assert TITLE in text and "¥13,260.00" in text

    # The public list and page show the project with the need it answers.
    resident.goto(f"/c/{slug}/public/projects/")
    resident.locator(f"a[href$='/public/projects/{number}']").first.click()
    resident.wait_for_url(f"**/c/{slug}/public/projects/{number}")
    expect(resident.locator("h1")).to_contain_text(TITLE)
    expect(resident.locator("h1 .badge")).to_have_class(re.compile(r"\bstate-approved\b"))
    expect(resident.locator("main")).to_contain_text(f"#{need_number}")
    expect(resident.locator("main")).to_contain_text("3号楼前的路面坑洼")
    expect(resident.locator("main")).to_contain_text("¥13,260.00")
    expect(resident.locator("main")).to_contain_text("邹城市安居建筑工程队")

    # The resident's status link shows the need is in the project, and leads to it.
    resident.goto(status_url)
    expect(resident.locator(".need-status")).to_have_text(ui(live_server, "In a project"))
    resident.locator(f"a[href$='/public/projects/{number}']").click()
    resident.wait_for_url(f"**/c/{slug}/public/projects/{number}")
    expect(resident.locator("h1")).to_contain_text(TITLE)
