"""Close-out pages: the form (422 on bad input), closing and cancelling, the public notice, role checks."""

import json
import re

import pytest
from flask import render_template
from sqlalchemy import func, select

from app.closeout import services
from app.closeout.models import Closeout
from app.extensions import db
from app.funds import ledger
from app.projects import services as projects
from app.projects.models import CANCELLED, CLOSED, CLOSING
from app.tenancy.models import Tenant
from tests.conftest import login
from tests.funds_world import fund
from tests.projects_world import make_projects_world, scoped
from tests.world_closeout import ROAD, pay, start_closeout, working, write_closeout

GOOD = {"summary": "路面硬化完成", "actuals-0-actual": "860", "actuals-0-note": "多修了一段", "actuals-1-actual": "330",
        "actuals-1-note": "", "beneficiaries": "326", "beneficiaries_note": "3号楼至8号楼住户",
        "survey_responses": "112", "scores-0-key": "residents", "scores-0-score": "92", "scores-1-key": "staff",
        "scores-1-score": "85", "scores-2-key": "council", "scores-2-score": "88", "evaluation_note": "居民满意"}


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory)


def closing_project(app, world, *, rule="fund", receiver=False, written=False) -> tuple[int, int | None]:
    """A closing project holding ¥5,000 of restricted money (and a receiving project); their numbers."""
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "closeout": {"leftover": rule}}
        project = working(world)
        pay(world, project, ROAD, 3_500_000)
        other = working(world, title="铁西小区路灯更换", raised_fen=1_000_000, general_fen=0) if receiver else None
        start_closeout(world, project)
        if written:
            write_closeout(world, project)
        db.session.commit()
        return project.number, other.number if other else None


def url(world, path: str) -> str:
    return f"/c/{world.tenant.slug}{path}"


def status_of(app, world, number: int) -> str:
    with scoped(app, world):
        return projects.get_project(number).status


def closeout_count(app, world) -> int:
    with scoped(app, world):
        return db.session.scalar(select(func.count(Closeout.id)))


def test_page_shows_budget_against_spending_with_the_chart(app, client, world):
    number, _ = closing_project(app, world)
    login(client, world.staff)

    response = client.get(url(world, f"/closeout/projects/{number}"))

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "C30混凝土路面浇筑" in body and "¥40,000.00" in body and "¥35,000.00" in body and "-¥5,000.00" in body
    assert "88%" in body, "¥35,000 of ¥40,000 used"
    assert 'data-series="budget" data-line="road0001"' in body and 'data-series="spent" data-line="road0001"' in body
    assert "Budget and spending per budget line" in body
    assert "Restricted money held now" in body and "¥5,000.00" in body
    assert 'name="actuals-1-actual"' in body and 'name="scores-2-score"' in body
    assert "Residents&#39; satisfaction survey" in body
    assert "Write the close-out: the actual value of each target" in body, "what still blocks closing"


def test_saving_the_close_out(app, client, world):
    number, _ = closing_project(app, world)
    login(client, world.staff)

    response = client.post(url(world, f"/closeout/projects/{number}/report"), data=GOOD)

    assert response.status_code == 302
    with scoped(app, world):
        closeout = services.get_closeout(projects.get_project(number))
        assert [row["actual"] for row in closeout.actuals] == ["860", "330"]
        assert closeout.actuals[0]["note"] == "多修了一段"
        assert (closeout.beneficiaries, closeout.survey_responses) == (326, 112)
        assert [row["score"] for row in closeout.scores] == [92, 85, 88]
    body = client.get(url(world, f"/closeout/projects/{number}")).get_data(as_text=True)
    assert 'value="860"' in body and "Write the close-out" not in body


@pytest.mark.parametrize(("change", "messages"), [
    ({"actuals-0-actual": "八百六十"}, ["Enter a number, e.g. 120 or 2.5."]),
    ({"actuals-1-actual": "3.333"}, ["At most two decimals."]),
    ({"beneficiaries": "-3"}, ["Number must be between 0 and 10000000."]),
    ({"beneficiaries": "很多"}, ["Not a valid integer value."]),
    ({"scores-0-score": "150", "scores-1-score": "x"}, ["Number must be between 0 and 100.",
                                                         "Not a valid integer value."]),
    ({"summary": "长" * 5001}, ["Field cannot be longer than 5000 characters."]),
    ({"actuals-1-actual": None, "actuals-1-note": None}, ["The plan has 2 targets; reload the page and enter each one."]),
    ({"scores-2-key": "mood"}, ["The evaluation criteria have changed; reload the page."]),
])
def test_bad_input_answers_422_with_every_message(app, client, world, change, messages):
    number, _ = closing_project(app, world)
    login(client, world.staff)
    data = {key: value for key, value in {**GOOD, **change}.items() if value is not None}

    response = client.post(url(world, f"/closeout/projects/{number}/report"), data=data)

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for message in messages:
        assert message in body
    assert closeout_count(app, world) == 0


def test_bad_input_under_htmx_swaps_only_the_form(app, client, world):
    number, _ = closing_project(app, world)
    login(client, world.staff)

    response = client.post(url(world, f"/closeout/projects/{number}/report"),
                           data={**GOOD, "beneficiaries": "-1"}, headers={"HX-Request": "true"})

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and 'id="closeout-report"' in body and "<html" not in body
    assert "Number must be between 0 and 10000000." in body


def test_close_lists_every_problem_and_changes_nothing(app, client, world):
    number, _ = closing_project(app, world)
    login(client, world.staff)
    client.post(url(world, f"/closeout/projects/{number}/report"),
                data={**GOOD, "actuals-1-actual": "", "scores-1-score": ""})

    response = client.post(url(world, f"/closeout/projects/{number}/close"), data={})

    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "This cannot be done yet:" in body
    assert "Target “受益户数” has no actual value." in body and "Enter the score for “Staff score”." in body
    assert status_of(app, world, number) == CLOSING


def test_closing_returns_the_leftover_and_publishes_the_report(app, client, world):
    number, _ = closing_project(app, world, written=True)
    login(client, world.staff)

    response = client.post(url(world, f"/closeout/projects/{number}/close"), data={})

    assert response.status_code == 302
    assert status_of(app, world, number) == CLOSED
    with scoped(app, world):
        assert ledger.project_account(fund("charity"), projects.get_project(number)).balance_fen == 0
    page = client.get(url(world, f"/closeout/projects/{number}")).get_data(as_text=True)
    assert "went back to 慈善基金" in page and 'name="actuals-0-actual"' not in page, "read only once closed"
    public = client.get(url(world, f"/public/projects/{number}")).get_data(as_text=True)
    assert "Close-out report (PDF)" in public and "Notice to donors" in public
    assert "closed with ¥5,000.00 left; it went back to 慈善基金" in public
    assert re.search(r"Leftover returned or passed on</dt><dd class=\"money\">¥5,000.00<", public)
    assert json.loads(client.get(url(world, "/public/open-data.json")).data)["projects"][0]["returned_fen"] == 500_000
    with scoped(app, world):
        from app.funds.models import Donation, DonationDesignation

        code = db.session.scalar(select(Donation.receipt_code).join(
            DonationDesignation, DonationDesignation.donation_id == Donation.id).where(
            DonationDesignation.project_id == projects.get_project(number).id).limit(1))
    traced = client.post(url(world, "/public/trace"), data={"code": code}).get_data(as_text=True)
    assert "Notice to donors" in traced and "closed with ¥5,000.00 left; it went back to 慈善基金" in traced, \
        "a donor of the project reads on the trace of their receipt where its leftover went"
    pdf = client.get(url(world, f"/public/closeout/{number}.pdf"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_closing_under_the_project_rule_tells_both_projects_donors(app, client, world):
    number, receiver = closing_project(app, world, rule="project", receiver=True, written=True)
    login(client, world.staff)
    page = client.get(url(world, f"/closeout/projects/{number}")).get_data(as_text=True)
    assert f'<option value="{receiver}">#{receiver} 铁西小区路灯更换</option>' in page

    refused = client.post(url(world, f"/closeout/projects/{number}/close"), data={"to_project": "99999"})
    assert refused.status_code == 422 and "Not a valid choice." in refused.get_data(as_text=True)
    response = client.post(url(world, f"/closeout/projects/{number}/close"),
                           data={"to_project": str(receiver), "message": "剩余善款用于路灯更换，感谢各位捐赠人"})

    assert response.status_code == 302
    giving = client.get(url(world, f"/public/projects/{number}")).get_data(as_text=True)
    assert ("closed with ¥5,000.00 of designated money left; it was moved to the project “铁西小区路灯更换”"
            in giving)
    assert "剩余善款用于路灯更换，感谢各位捐赠人" in giving
    taking = client.get(url(world, f"/public/projects/{receiver}")).get_data(as_text=True)
    assert "This project received ¥5,000.00 of designated money left over from the project “铁西小区道路硬化”." in taking


def test_cancel_from_the_close_out_page_names_the_receiver(app, client, world):
    number, receiver = closing_project(app, world, rule="project", receiver=True)
    login(client, world.staff)
    page = client.get(url(world, f"/closeout/projects/{number}")).get_data(as_text=True)
    assert 'id="closeout-cancel"' in page
    project_page = client.get(url(world, f"/projects/{number}")).get_data(as_text=True)
    assert f'href="/c/{world.tenant.slug}/closeout/projects/{number}#closeout-cancel"' in project_page, \
        "the project page's cancel leads to where the receiving project is chosen"
    assert f'action="/c/{world.tenant.slug}/projects/{number}/actions/cancel"' not in project_page

    missing = client.post(url(world, f"/closeout/projects/{number}/cancel"), data={"to_project": str(receiver)})
    assert missing.status_code == 422 and "This field is required." in missing.get_data(as_text=True)
    plain = client.post(url(world, f"/projects/{number}/actions/cancel"), data={"note": "不做了"})
    assert plain.status_code == 409
    assert "choose the project that receives the ¥5,000.00 left" in plain.get_data(as_text=True)
    response = client.post(url(world, f"/closeout/projects/{number}/cancel"),
                           data={"to_project": str(receiver), "note": "承接组织退出"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/projects/{number}")
    assert status_of(app, world, number) == CANCELLED
    with scoped(app, world):
        assert ledger.project_account(fund("charity"), projects.get_project(receiver)).balance_fen == 1_500_000
        notice = render_notice(app, world, number)
    assert "was cancelled; the ¥5,000.00 of designated money it had not spent was moved to" in notice
    assert "承接组织退出" in notice


def render_notice(app, world, number: int) -> str:
    """The partial the receipt trace includes, rendered as the trace would (a request in the tenant)."""
    with app.test_request_context(f"/c/{world.tenant.slug}/public/trace"):
        from flask import g

        g.tenant = db.session.get(Tenant, world.tenant.id)
        return render_template("closeout/_donor_notice.html", project=projects.get_project(number))


def test_the_project_page_offers_the_close_out(app, client, world):
    number, _ = closing_project(app, world)
    with scoped(app, world):
        running = working(world, title="铁西小区路灯更换", raised_fen=0, general_fen=0).number
        db.session.commit()
    login(client, world.staff)

    closing_page = client.get(url(world, f"/projects/{number}")).get_data(as_text=True)
    running_page = client.get(url(world, f"/projects/{running}")).get_data(as_text=True)

    assert f"/closeout/projects/{number}" in closing_page and "Reopen the work" in closing_page
    assert f"/projects/{running}/actions/start_closeout" in running_page and "Start the close-out" in running_page


@pytest.mark.parametrize(("role", "method", "path", "expected"), [
    ("finance", "GET", "/closeout/projects/{n}", 200),
    ("council", "GET", "/closeout/projects/{n}/report.pdf", 200),
    ("finance", "POST", "/closeout/projects/{n}/report", 403),
    ("council", "POST", "/closeout/projects/{n}/close", 403),
    ("finance", "POST", "/closeout/projects/{n}/cancel", 403),
    ("resident", "GET", "/closeout/projects/{n}", 403),
])
def test_roles(app, client, world, role, method, path, expected):
    number, _ = closing_project(app, world, written=True)
    login(client, {"finance": world.finance, "council": world.council[0], "resident": world.resident}[role])

    target = url(world, path.format(n=number))
    response = client.get(target) if method == "GET" else client.post(target, data=GOOD)

    assert response.status_code == expected
    assert status_of(app, world, number) == CLOSING


def test_the_public_report_waits_for_the_close(app, client, world):
    number, _ = closing_project(app, world, written=True)

    assert client.get(url(world, f"/public/closeout/{number}.pdf")).status_code == 404
    assert client.get(url(world, f"/public/projects/{number}")).status_code == 200, "closing stays public"


def test_spending_on_a_line_the_budget_no_longer_has_is_in_the_totals(app, client, world):
    number, _ = closing_project(app, world)
    with scoped(app, world):
        pay(world, projects.get_project(number), "gone0001", 100_000)
        db.session.commit()
    login(client, world.staff)

    body = client.get(url(world, f"/closeout/projects/{number}")).get_data(as_text=True)

    assert "Lines no longer in the budget" in body and "¥1,000.00" in body
    assert "¥36,000.00" in body and "-¥14,000.00" in body, "¥35,000 + ¥1,000 spent against ¥50,000"
