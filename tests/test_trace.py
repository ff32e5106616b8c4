"""Trace to the fen: a receipt code shows what the gift paid for, in proportion; the public project page's money table."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from app.disclosure import services
from app.extensions import db
from app.funds.models import Donation
from app.funds.services import normalise_receipt_code, reverse_donation
from app.funds.verify import verify
from app.matching.services import open_grants, settle
from app.projects.models import Project
from app.tenancy.models import Tenant
from tests.projects_world import complete_plan, make_projects_world, scoped, user
from tests.trace_world import (
    AFTER_NOTICE,
    DONOR_PHONE,
    ROAD,
    gift,
    pay,
    raising,
    road_world,
    setup_tenant,
    start_work,
)


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def road(app, factory):
    return road_world(app, factory)


def table_rows(page: str, css_class: str) -> list[list[str]]:
    """The body and footer rows of the table with ``css_class``, as cell texts."""
    match = re.search(rf'<table class="[^"]*\b{css_class}\b[^"]*">(.*?)</table>', page, re.S)
    assert match, f"no table {css_class}"
    body = re.sub(r"<thead>.*?</thead>", "", match[1], flags=re.S)
    return [[" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def traced(client, road, name: str) -> str:
    response = client.post(f"/c/{road.slug}/public/trace", data={"code": road.codes[name]})
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- the rule ----------------------------------------------------------------------------------

def test_shares_are_the_gifts_proportion_of_each_line_rounded_down_per_line():
    paid = {"a": 1_234_567, "b": 500_000}
    assert services.proportional_shares(100_000, 3_000_000, paid) == {"a": 41_152, "b": 16_666}
    everyone = [services.proportional_shares(amount, 3_000_000, paid) for amount in (100_000, 2_900_000)]
    assert sum(share["a"] for share in everyone) == 1_234_566, "a fen is lost to rounding, never invented"
    assert services.proportional_shares(3_000_000, 3_000_000, paid) == paid, "the only gift paid for everything"
    assert services.proportional_shares(100, 0, paid) == {"a": 0, "b": 0}


# --- designated gifts -------------------------------------------------------------------------

def test_a_designated_gift_shows_its_share_of_each_line_paid_from_its_fund(client, road):
    page = traced(client, road, "孙立军")
    assert "铁西小区道路硬化" in page and "¥45,000.00" in page, "the project and what it raised"
    assert "¥30,000.00" in page, "all money designated to the project in the gift's fund"
    assert table_rows(page, "trace-share") == [
        ["水泥路面硬化", "¥12,345.67", "¥411.52"],
        ["排水沟", "¥5,000.00", "¥166.66"],
        ["Not yet spent", "", "¥421.82"],
    ]
    assert "路灯" not in page and "施工监理" not in page, "other funds' spending is not this gift's"
    assert "铁西建筑队" in page and "路面硬化第一期工程款" in page and "2026-11-28" in page, "payee, purpose, date"
    for private in ("孙立军", "铁西商户", DONOR_PHONE, road.codes["铁西商户"]):
        assert private not in page, private


def test_a_gift_to_another_fund_of_the_project_shares_only_that_funds_spending(client, road):
    page = traced(client, road, "王奶奶")
    assert table_rows(page, "trace-share") == [["路灯", "¥3,000.00", "¥3,000.00"], ["Not yet spent", "", "¥12,000.00"]]
    assert "水泥路面硬化" not in page and "明亮灯具店" in page


def test_an_unrestricted_gift_lists_what_its_funds_general_money_paid_for(client, road):
    page = traced(client, road, "李大爷")
    assert "general money of 发展基金" in page
    assert table_rows(page, "general-spending") == [["铁西小区道路硬化", "¥1,500.00"]]
    assert "Your share" not in page


def test_a_reversed_gift_leaves_the_pool_and_shows_no_share(app, client, road):
    with scoped(app, road.world):
        code = normalise_receipt_code(road.codes["孙立军"])
        donation = db.session.scalar(select(Donation).where(Donation.receipt_code == code))
        reverse_donation(donation, reason="录错", actor=user(road.world.staff), today=AFTER_NOTICE)
        db.session.commit()
    page = traced(client, road, "孙立军")
    assert "was reversed" in page and "Your share" not in page
    other = traced(client, road, "铁西商户")
    assert table_rows(other, "trace-share") == [
        ["水泥路面硬化", "¥12,345.67", "¥12,345.67"],
        ["排水沟", "¥5,000.00", "¥5,000.00"],
        ["Not yet spent", "", "¥11,654.33"],
    ], "the one gift left in the charity pool paid for all of it"


def test_before_any_payment_the_trace_says_nothing_is_spent_yet(app, client, factory):
    world = make_projects_world(app, factory)
    setup_tenant(app, world)
    with scoped(app, world):
        project = raising(world)
        donation = gift(world, project, 200_000)
        db.session.commit()
        code = donation.receipt_code
    page = client.post(f"/c/{world.tenant.slug}/public/trace", data={"code": code}).get_data(as_text=True)
    assert "None of the project's designated money has been spent yet." in page
    assert 'class="list trace-share"' not in page


def test_settled_matching_joins_the_pool_the_gift_shares(app, factory):
    world = make_projects_world(app, factory)
    setup_tenant(app, world, matching=[{
        "key": "county", "body": "县慈善总会", "fund": "charity", "budget_per_year_yuan": 100_000, "rate_percent": 50,
        "eligible_categories": [], "eligible_funds": [], "paid": "as_received"}])
    plan = complete_plan(450_000)
    plan["funding"] = {"allocations": [], "crowdfunding_goal_fen": 300_000, "expected_matching_fen": 150_000}
    with scoped(app, world):
        project = raising(world, plan=plan)
        mine = gift(world, project, 100_000)
        gift(world, project, 200_000, name="爱心商户")
        start_work(world, project)
        pay(world, project, ROAD, "charity", 300_000)
        before = services.trace(mine.receipt_code).share
        assert (before.pool_fen, [line.share_fen for line in before.lines], before.unspent_fen) == (
            300_000, [100_000], 0), "matching not paid yet: only the gifts are in the account"
        settle(open_grants("county"), settled_on=AFTER_NOTICE, today=AFTER_NOTICE, actor=user(world.staff))
        after = services.trace(mine.receipt_code)
        assert after.project_matched_fen == 150_000
        assert (after.share.pool_fen, [line.share_fen for line in after.share.lines], after.share.unspent_fen) == (
            450_000, [66_666], 33_334), "100,000 × 300,000 / 450,000, rounded down"
        assert verify(world.tenant.id) == []


# --- the public project page ------------------------------------------------------------------

def test_public_project_page_shows_raised_matched_and_spent_per_budget_line(client, road):
    page = client.get(f"/c/{road.slug}/public/projects/{road.number}").get_data(as_text=True)
    facts = re.search(r'id="money">(.*?)</dl>', page, re.S)[1]
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", facts)).split())
    assert "Raised ¥45,000.00" in text and "Matching funds ¥0.00" in text and "Spent ¥21,845.67" in text
    assert "From the community fund ¥2,000.00" in text
    assert table_rows(page, "public-money") == [
        ["水泥路面硬化", "¥30,000.00", "¥12,345.67", "¥17,654.33"],
        ["排水沟", "¥10,000.00", "¥5,000.00", "¥5,000.00"],
        ["路灯", "¥5,000.00", "¥3,000.00", "¥2,000.00"],
        ["施工监理", "¥2,000.00", "¥1,500.00", "¥500.00"],
        ["Total", "¥47,000.00", "¥21,845.67", "¥25,154.33"],
    ]


def test_overspent_line_and_spending_on_a_line_no_longer_budgeted(app, client, road):
    with scoped(app, road.world):
        project = db.session.scalar(select(Project).where(Project.number == road.number))
        pay(road.world, project, "drain001", "charity", 500_001)
        pay(road.world, project, "gone0001", "charity", 1_000, item="旧预算行")
        db.session.commit()
    page = client.get(f"/c/{road.slug}/public/projects/{road.number}").get_data(as_text=True)
    rows = table_rows(page, "public-money")
    assert rows[1] == ["排水沟", "¥10,000.00", "¥10,000.01", "Over budget by ¥0.01"]
    assert rows[4] == ["Lines no longer in the budget", "", "¥10.00", ""]
    assert rows[5] == ["Total", "¥47,000.00", "¥26,855.68", "¥20,144.32"]


def test_money_table_waits_until_the_work_starts(app, client, factory):
    world = make_projects_world(app, factory)
    setup_tenant(app, world)
    with scoped(app, world):
        project = raising(world)
        db.session.commit()
        number = project.number
        assert db.session.get(Tenant, world.tenant.id).locale == "en"
    page = client.get(f"/c/{world.tenant.slug}/public/projects/{number}").get_data(as_text=True)
    assert 'id="money"' not in page
