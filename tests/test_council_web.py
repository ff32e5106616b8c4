"""The council pages over HTTP: reading a plan, voting (htmx and plain), closing, the meeting pack."""

import re
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.council import services as council
from app.council.models import OUTCOME_APPROVED, OUTCOME_NO_QUORUM, Review, Vote
from app.extensions import db
from app.projects.models import APPROVED, IN_REVIEW, Project
from app.tenancy.models import Tenant
from app.tenancy.services import local_today
from tests.conftest import login
from tests.projects_world import (
    COUNCIL_ROLES,
    complete_plan,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory, quorum=3)


def real_today(app, world):
    with scoped(app, world):
        return local_today(db.session.get(Tenant, world.tenant.id))


def in_review(app, world, *, title="铁西小区道路硬化", days_ago=0, total_fen=5_000_000) -> int:
    """A project in review, its review opened ``days_ago`` (the period is 7 days); returns its number."""
    opened = real_today(app, world) - timedelta(days=days_ago)
    with scoped(app, world):
        project = ready_project(world, title=title, plan=complete_plan(total_fen))
        to_review(world, project, today=opened)
        db.session.commit()
        return project.number


def cast(app, world, number, votes: dict[int, tuple[str, str]]) -> None:
    """Votes cast outside the web (member index → (choice, comment))."""
    with scoped(app, world):
        project = db.session.scalar(select(Project).where(Project.number == number))
        review = council.current_review(project)
        for index, (choice, comment) in votes.items():
            council.cast_vote(review, voter=user(world.council[index]), choice=choice, comment=comment,
                              today=review.due_on, roles=COUNCIL_ROLES)
        db.session.commit()


def state(app, world, number):
    """(project status, latest review, its votes by voter id) as stored."""
    with scoped(app, world):
        project = db.session.scalar(select(Project).where(Project.number == number))
        review = council.current_review(project)
        votes = {vote.voter_id: (vote.choice, vote.comment, vote.changed_at is not None) for vote in review.votes}
        return project.status, review.outcome, review.round, votes


def signed_in(client, who, english=True):
    login(client, who)
    if english:
        client.post("/language", data={"locale": "en"})
    return client


def url(world, number, action=""):
    return f"/c/{world.tenant.slug}/council/reviews/{number}{action}"


def test_member_reads_the_plan_votes_and_changes_the_vote(app, client, world):
    number = in_review(app, world)
    cast(app, world, number, {1: ("reject", "预算偏高，请比价")})
    member = world.council[0]
    signed_in(client, member)

    page = client.get(url(world, number))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "铁西小区道路硬化" in body and "水泥路面硬化" in body and "¥50,000.00" in body
    assert "伍万元整" in body  # the grand total in capitals
    assert 'name="choice"' in body and "Cast my vote" in body
    assert "预算偏高" not in body and world.council[1].name not in body  # others' votes wait for hers
    assert "1 of 5 members have voted" in body

    response = client.post(url(world, number, "/vote"), data={"choice": "approve", "comment": "同意"}, headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<section class="card" id="vote-panel">') and "<html" not in fragment
    assert "Your vote is recorded" in fragment
    assert "预算偏高" in fragment and world.council[1].name in fragment  # now she sees them
    assert re.search(r'<input checked[^>]*value="approve"', fragment)  # the form shows her vote
    assert state(app, world, number)[3][member.id] == ("approve", "同意", False)

    response = client.post(url(world, number, "/vote"), data={"choice": "abstain", "comment": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(url(world, number))
    assert state(app, world, number)[3][member.id] == ("abstain", "", True)
    page = client.get(url(world, number)).get_data(as_text=True)
    assert "Your vote is recorded" in page and "Save my vote" in page


def test_a_rejection_without_a_comment_is_refused_in_the_form(app, client, world):
    number = in_review(app, world)
    signed_in(client, world.council[0])

    response = client.post(url(world, number, "/vote"), data={"choice": "reject", "comment": " "}, headers=HTMX)
    assert response.status_code == 422
    assert "Say why you reject the plan" in response.get_data(as_text=True)
    response = client.post(url(world, number, "/vote"), data={"comment": "没选"}, headers=HTMX)
    assert response.status_code == 422 and "Choose approve, reject or abstain" in response.get_data(as_text=True)

    response = client.post(url(world, number, "/vote"), data={"choice": "reject"})
    assert response.status_code == 302
    assert "Say why you reject the plan" in client.get(url(world, number)).get_data(as_text=True)
    assert state(app, world, number)[3] == {}


def test_the_last_vote_closes_the_review(app, client, world):
    number = in_review(app, world)
    cast(app, world, number, dict.fromkeys(range(1, 5), ("approve", "")))
    signed_in(client, world.council[0])

    response = client.post(url(world, number, "/vote"), data={"choice": "reject", "comment": "有异议"}, headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Redirect"].endswith(url(world, number))
    status, outcome, _round, votes = state(app, world, number)
    assert (status, outcome) == (APPROVED, OUTCOME_APPROVED) and len(votes) == 5

    body = client.get(url(world, number)).get_data(as_text=True)
    assert "the council approved the plan" in body
    assert "Outcome:" in body and "有异议" in body and 'name="choice"' not in body
    assert "4 approve, 1 reject, 0 abstain" in client.get(f"/c/{world.tenant.slug}/council/").get_data(as_text=True)


def test_a_closed_review_refuses_votes(app, client, world):
    number = in_review(app, world)
    cast(app, world, number, dict.fromkeys(range(5), ("approve", "")))
    signed_in(client, world.council[0])

    response = client.post(url(world, number, "/vote"), data={"choice": "reject", "comment": "改主意"}, headers=HTMX)
    assert response.status_code == 422 and "This review is closed" in response.get_data(as_text=True)
    response = client.post(url(world, number, "/vote"), data={"choice": "reject", "comment": "改主意"})
    assert response.status_code == 302
    assert "This review is closed" in client.get(url(world, number)).get_data(as_text=True)
    assert state(app, world, number)[3][world.council[0].id][0] == "approve"


def test_staff_close_before_the_due_date_is_refused(app, client, world):
    number = in_review(app, world)
    cast(app, world, number, {0: ("approve", ""), 1: ("approve", ""), 2: ("approve", "")})
    signed_in(client, world.staff)

    response = client.post(url(world, number, "/close"), headers=HTMX)
    assert response.status_code == 422 and "review period runs until" in response.get_data(as_text=True)
    response = client.post(url(world, number, "/close"))
    assert response.status_code == 302
    assert "review period runs until" in client.get(url(world, number)).get_data(as_text=True)
    assert state(app, world, number)[:2] == (IN_REVIEW, None)


def test_staff_close_after_the_period_decides(app, client, world):
    number = in_review(app, world, days_ago=10)
    cast(app, world, number, {0: ("approve", "同意"), 1: ("approve", ""), 2: ("reject", "太贵")})
    signed_in(client, world.staff)
    page = client.get(url(world, number)).get_data(as_text=True)
    assert "太贵" in page and "Close the review" in page  # staff see the votes while the review is open

    response = client.post(url(world, number, "/close"))
    assert response.status_code == 302
    assert state(app, world, number)[:2] == (APPROVED, OUTCOME_APPROVED)
    body = client.get(url(world, number)).get_data(as_text=True)
    assert "the council approved the plan" in body and "Close the review" not in body


def test_staff_close_without_quorum_opens_a_new_round(app, client, world):
    number = in_review(app, world, days_ago=10)
    cast(app, world, number, {0: ("approve", "同意")})
    signed_in(client, world.staff)

    response = client.post(url(world, number, "/close"))
    assert response.status_code == 302
    status, outcome, round_number, votes = state(app, world, number)
    assert (status, outcome, round_number, votes) == (IN_REVIEW, None, 2, {})
    body = client.get(url(world, number)).get_data(as_text=True)
    assert "nothing was decided. A new round is open until" in body
    assert "Earlier rounds" in body and "No quorum" in body and "v1, round 2" in body
    with scoped(app, world):
        first = db.session.scalar(select(Review).where(Review.round == 1))
        assert first.outcome == OUTCOME_NO_QUORUM


def test_index_lists_open_and_closed_reviews(app, client, world):
    open_number = in_review(app, world, title="一号楼加装扶手")
    closed_number = in_review(app, world, title="二号楼屋顶防水")
    cast(app, world, open_number, {0: ("approve", "")})
    cast(app, world, closed_number, dict.fromkeys(range(5), ("approve", "")))
    signed_in(client, world.council[0])

    body = client.get(f"/c/{world.tenant.slug}/council/").get_data(as_text=True)
    open_part, closed_part = body.split("Closed reviews")
    assert "一号楼加装扶手" in open_part and "1 / 5" in open_part and "Approve" in open_part
    assert "二号楼屋顶防水" in closed_part and "Approved" in closed_part and "5 approve, 0 reject, 0 abstain" in closed_part
    fragment = client.get(f"/c/{world.tenant.slug}/council/?page=1", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card" id="closed-reviews">')


def test_meeting_view_and_pack(app, client, world, tmp_path):
    first = in_review(app, world, title="一号楼加装扶手", total_fen=1_234_500)
    in_review(app, world, title="二号楼屋顶防水")
    with scoped(app, world):
        ready_project(world, title="草稿项目不上会")
        db.session.commit()
    signed_in(client, world.council[2])

    body = client.get(f"/c/{world.tenant.slug}/council/meeting").get_data(as_text=True)
    assert "一号楼加装扶手" in body and "二号楼屋顶防水" in body and "草稿项目不上会" not in body
    assert "¥12,345.00" in body and "Item 1" in body and f"/council/reviews/{first}" in body
    assert "/council/meeting.pdf" in body

    response = client.get(f"/c/{world.tenant.slug}/council/meeting.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    path = tmp_path / "pack.pdf"
    path.write_bytes(response.data)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "会议议程" in text and "一号楼加装扶手" in text and "二号楼屋顶防水" in text
    assert "草稿项目不上会" not in text and "人民币壹万贰仟叁佰肆拾伍元整" in text


def test_unknown_project_or_no_review_is_404(app, client, world):
    with scoped(app, world):
        draft = ready_project(world, title="还没送审")
        db.session.commit()
        number = draft.number
    signed_in(client, world.council[0])
    assert client.get(url(world, number)).status_code == 404
    assert client.get(url(world, 9999)).status_code == 404
    assert client.post(url(world, 9999, "/vote"), data={"choice": "approve"}).status_code == 404


def test_roles(app, client, factory, world):
    number = in_review(app, world)
    signed_in(client, world.resident)
    assert client.get(f"/c/{world.tenant.slug}/council/").status_code == 403
    assert client.get(url(world, number)).status_code == 403
    client.post("/logout")

    signed_in(client, world.staff)
    assert client.get(url(world, number)).status_code == 200
    assert client.post(url(world, number, "/vote"), data={"choice": "approve"}).status_code == 403
    client.post("/logout")

    signed_in(client, world.council[0])
    assert client.post(url(world, number, "/close")).status_code == 403
    assert "Close the review" not in client.get(url(world, number)).get_data(as_text=True)
    client.post("/logout")

    # A council member who joined after the round opened reads everything but has no vote in it.
    latecomer = factory.user("新议事员", roles={world.tenant: "council"})
    signed_in(client, latecomer)
    body = client.get(url(world, number)).get_data(as_text=True)
    assert 'name="choice"' not in body and "you do not vote in it" in body
    response = client.post(url(world, number, "/vote"), data={"choice": "approve"}, headers=HTMX)
    assert response.status_code == 422 and "Only the council members of this review" in response.get_data(as_text=True)
    with scoped(app, world):
        assert db.session.scalars(select(Vote)).all() == []
