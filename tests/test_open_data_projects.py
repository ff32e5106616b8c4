"""Open data lists published projects with goal, raised, matched and spent in fen, agreeing with the public pages."""

import json
import re
from html import unescape

import pytest

from app.core.money import format_yuan
from app.extensions import db
from tests.projects_world import make_projects_world, ready_project, scoped
from tests.trace_world import DONOR_PHONE, gift, raising, road_world, setup_tenant


@pytest.fixture
def app(english_app):
    return english_app


def open_data(client, slug) -> dict:
    response = client.get(f"/c/{slug}/public/open-data.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_published_projects_with_their_money_in_fen(app, client, factory):
    road = road_world(app, factory)
    with scoped(app, road.world):
        ready_project(road.world, title="还在起草的项目")
        db.session.commit()
    data = open_data(client, road.slug)
    assert data["projects"] == [{"number": road.number, "title": "铁西小区道路硬化", "status": "in_progress",
                                 "goal_fen": 4_500_000, "raised_fen": 4_500_000, "matched_fen": 0,
                                 "allocated_fen": 200_000, "received_fen": 0, "spent_fen": 2_184_567,
                                 "returned_fen": 0}], "drafts are not published"
    text = json.dumps(data, ensure_ascii=False)
    for private in ("孙立军", "铁西商户", DONOR_PHONE, "铁西建筑队", *road.codes.values()):
        assert private not in text, private


def test_open_data_agrees_with_the_public_project_page_and_the_trace(app, client, factory):
    road = road_world(app, factory)
    [item] = open_data(client, road.slug)["projects"]
    page = client.get(f"/c/{road.slug}/public/projects/{road.number}").get_data(as_text=True)
    facts = " ".join(unescape(re.sub(r"<[^>]+>", " ", re.search(r'id="money">(.*?)</dl>', page, re.S)[1])).split())
    assert f"Raised {format_yuan(item['raised_fen'])}" in facts
    assert f"Matching funds {format_yuan(item['matched_fen'])}" in facts
    assert f"Spent {format_yuan(item['spent_fen'])}" in facts
    assert f"{format_yuan(item['raised_fen'])} / {format_yuan(item['goal_fen'])}" in " ".join(
        unescape(re.sub(r"<[^>]+>", " ", page)).split()), "the progress bar"
    trace = client.post(f"/c/{road.slug}/public/trace", data={"code": road.codes["孙立军"]}).get_data(as_text=True)
    assert f"which has raised {format_yuan(item['raised_fen'])} so far" in trace


def test_matching_and_a_project_without_gifts_in_open_data(app, client, factory):
    world = make_projects_world(app, factory)
    setup_tenant(app, world, matching=[{
        "key": "county", "body": "县慈善总会", "fund": "charity", "budget_per_year_yuan": 100_000, "rate_percent": 50,
        "eligible_categories": [], "eligible_funds": [], "paid": "as_received"}])
    with scoped(app, world):
        first = raising(world, title="爱心医护站")
        gift(world, first, 100_001)
        second = raising(world, title="楼道照明")
        db.session.commit()
        numbers = first.number, second.number
    projects = {item["number"]: item for item in open_data(client, world.tenant.slug)["projects"]}
    assert [item["number"] for item in open_data(client, world.tenant.slug)["projects"]] == sorted(numbers)
    assert (projects[numbers[0]]["raised_fen"], projects[numbers[0]]["matched_fen"]) == (100_001, 50_000)
    assert (projects[numbers[1]]["status"], projects[numbers[1]]["raised_fen"]) == ("fundraising", 0)
