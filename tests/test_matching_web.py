"""Matching pages: rules with this year's budget, grants, recording a body's payment, choosing a project's rate."""

from datetime import date

import pytest
from flask import render_template
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.funds import ledger
from app.matching import services
from app.matching.models import MatchingGrant, MatchingRate
from app.needs import services as needs
from app.projects import services as projects
from app.tenancy.models import Tenant
from tests.conftest import login
from tests.funds_world import fund
from tests.projects_world import (
    STAFF_ROLES,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)
from tests.test_matching import approved, gift, rule

APPROVED_ON = date(2026, 11, 1)
RAISING_ON = date(2026, 11, 10)  # after the notice, before today: a payment can be dated today


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory)


def setup(app, world, *tables, gifts=(100_000,), rate=None) -> int:
    """Rules, a project raising money since RAISING_ON with the given gifts; returns its number."""
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "matching": list(tables)}
        staff = user(world.staff)
        need = needs.submit_need(needs.NeedInput("道路设施", "路面坑洼", "3号楼", "", "居民", "13800000000"),
                                 categories=["道路设施"])
        project = ready_project(world, title="铁西小区道路硬化")
        projects.link_need(project, need, actor=staff)
        vote_all(world, to_review(world, project, APPROVED_ON), ["approve"] * 5, APPROVED_ON)
        if rate is not None:
            services.choose_rate(project, tables[0]["key"], rate, actor=staff)
        projects.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=RAISING_ON)
        for index, amount in enumerate(gifts):
            gift(world, project, amount, name=f"捐赠人{index}", on=RAISING_ON)
        db.session.commit()
        return project.number


def page(client, world, path="/matching/"):
    response = client.get(f"/c/{world.tenant.slug}{path}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_overview_shows_budget_used_and_left_and_the_grants(app, client, world):
    number = setup(app, world, rule(budget=900, cap_per_donor_per_day_yuan=999), gifts=(150_000, 100_000))
    login(client, world.finance)
    body = page(client, world)
    assert "县慈善总会" in body and "<dd>50%</dd>" in body
    assert "¥900.00</span> / ¥900.00" in body and "¥0.00 left" in body
    assert "This year's budget is used up: matching has stopped." in body
    assert "Cap per donor per day" in body and "¥999.00" in body
    assert f"#{number} 铁西小区道路硬化" in body
    assert body.count("awaiting payment") == 2
    assert "¥499.50" in body and "¥400.50" in body, "¥999 of the first gift; the last ¥400.50 of the budget"
    assert "Open grants: 2" in body
    filtered = page(client, world, "/matching/?rule=nobody")
    assert "Grants: 0" in filtered and "No matching grants yet." in filtered


def test_finance_records_that_the_body_paid_everything(app, client, world):
    number = setup(app, world, rule(rate_percent=50), gifts=(100_000, 40_000))
    login(client, world.finance)
    response = client.post(f"/c/{world.tenant.slug}/matching/rules/county/settle",
                           data={"settled_on": RAISING_ON.isoformat(), "note": "转账 0001"})
    assert response.status_code == 302
    with scoped(app, world):
        assert all(not grant.is_open for grant in db.session.scalars(select(MatchingGrant)))
        project = projects.get_project(number)
        assert ledger.project_account(fund("charity"), project).balance_fen == 140_000 + 70_000
    body = page(client, world)
    assert "paid 2026-11-10" in body and "awaiting payment" not in body


def test_a_payment_dated_before_its_grant_or_in_the_future_is_refused_in_the_form(app, client, world):
    setup(app, world, rule(rate_percent=50))
    login(client, world.finance)
    url = f"/c/{world.tenant.slug}/matching/rules/county/settle"
    early = client.post(url, data={"settled_on": "2026-11-09"})
    assert early.status_code == 422
    assert "Date the payment on or after 2026-11-10" in early.get_data(as_text=True)
    assert client.post(url, data={"settled_on": ""}).status_code == 422
    future = client.post(url, data={"settled_on": "2999-01-01"})
    assert future.status_code == 422 and "cannot be in the future" in future.get_data(as_text=True)
    with scoped(app, world):
        assert db.session.scalar(select(MatchingGrant)).is_open


def test_one_grant_is_paid_from_the_project_page(app, client, world):
    number = setup(app, world, rule(rate_percent=50), gifts=(100_000, 40_000))
    with scoped(app, world):
        first = db.session.scalar(select(MatchingGrant.number).order_by(MatchingGrant.id))
    login(client, world.staff)
    response = client.post(f"/c/{world.tenant.slug}/matching/grants/{first}/settle",
                           data={"settled_on": RAISING_ON.isoformat(), "back": "project"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/matching/projects/{number}")
    body = page(client, world, f"/matching/projects/{number}")
    assert body.count("awaiting payment") == 1 and "paid 2026-11-10" in body
    again = client.post(f"/c/{world.tenant.slug}/matching/grants/{first}/settle", data={"settled_on": "2026-11-10"})
    assert again.status_code == 422 and "Nothing is waiting to be paid." in again.get_data(as_text=True)


def test_staff_choose_the_rate_within_the_range_on_the_projects_matching_page(app, client, world):
    number = setup(app, world, rule(rate_percent_min=10, rate_percent_max=50), gifts=())
    login(client, world.staff)
    body = page(client, world, f"/matching/projects/{number}")
    assert "will match this project once its rate is set" in body and "10%–50%" in body
    url = f"/c/{world.tenant.slug}/matching/projects/{number}/rate"
    refused = client.post(url, data={"rule": "county", "rate_percent": "60"})
    assert refused.status_code == 422 and "Number must be between 1 and 100" not in refused.get_data(as_text=True)
    assert "The rate must be from 10% to 50%." in refused.get_data(as_text=True)
    assert client.post(url, data={"rule": "county", "rate_percent": "30"}).status_code == 302
    with scoped(app, world):
        assert db.session.scalar(select(MatchingRate.rate_percent)) == 30
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "matching.rate_chosen"))
        assert entry.after == {"rule": "county", "rate_percent": 30} and entry.actor_id == world.staff.id
        project = projects.get_project(number)
        gift(world, project, 100_000, on=RAISING_ON)
        db.session.commit()
    body = page(client, world, f"/matching/projects/{number}")
    assert "¥300.00" in body and "matches gifts as they arrive" in body


def signed_in(app, user_ref):
    client = app.test_client()
    login(client, user_ref)
    return client


def test_who_may_do_what(app, factory, world):
    number = setup(app, world, rule(rate_percent_min=10, rate_percent_max=50), rate=20)
    street = factory.tenant(kind="street", name="铁西街道")
    with app.app_context():
        db.session.get(Tenant, world.tenant.id).parent_id = street.id
        db.session.commit()
    overseer = factory.user("街道督导", roles={street: "overseer"})
    slug = world.tenant.slug
    client = signed_in(app, world.finance)
    assert client.get(f"/c/{slug}/matching/").status_code == 200
    assert client.post(f"/c/{slug}/matching/projects/{number}/rate", data={"rule": "county",
                                                                          "rate_percent": "30"}).status_code == 403
    client = signed_in(app, overseer)
    assert client.get(f"/c/{slug}/matching/projects/{number}").status_code == 200
    assert client.post(f"/c/{slug}/matching/rules/county/settle", data={"settled_on": "2026-11-10"}).status_code == 403
    client = signed_in(app, world.council[0])
    assert client.get(f"/c/{slug}/matching/").status_code == 403
    client = signed_in(app, world.staff)
    assert client.post(f"/c/{slug}/matching/rules/nobody/settle", data={"settled_on": "2026-11-10"}).status_code == 404
    assert client.get(f"/c/{slug}/matching/projects/999").status_code == 404


def test_rate_cannot_change_after_the_first_grant(app, client, world):
    number = setup(app, world, rule(rate_percent_min=10, rate_percent_max=50), rate=20)
    login(client, world.staff)
    response = client.post(f"/c/{world.tenant.slug}/matching/projects/{number}/rate",
                           data={"rule": "county", "rate_percent": "40"})
    assert response.status_code == 422
    assert "Gifts were already matched at 20%; the rate can no longer change." in response.get_data(as_text=True)


def test_public_summary_says_when_the_budget_ran_out(app, world):
    number = setup(app, world, rule(budget=500), gifts=(100_000, 100_000))
    with app.test_request_context(), scoped(app, world):
        project = projects.get_project(number)
        lines = services.matching_summary(project, RAISING_ON)
        html = render_template("matching/_public_summary.html", matching_lines=lines)
    assert [(line.body, line.matched_fen, line.exhausted) for line in lines] == [("县慈善总会", 50_000, True)]
    assert "县慈善总会" in html and "matched ¥500.00" in html
    assert "has used up this year&#39;s matching budget; matching has stopped." in html


def test_rules_page_without_rules_explains_where_they_come_from(app, client, world):
    login(client, world.staff)
    assert "No matching rules yet" in page(client, world)


def test_approved_projects_waiting_for_a_rate_are_listed(app, client, world):
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "matching": [rule(rate_percent_min=10, rate_percent_max=50)]}
        project = approved(world)
        db.session.commit()
        number = project.number
    login(client, world.staff)
    body = page(client, world)
    assert f"#{number} 铁西小区道路硬化" in body and "rate to set: 县慈善总会" in body
