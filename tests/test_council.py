"""Council reviews (规范化评审): every rule of app.council.services, through the real workflow.

The world has five council members (``make_projects_world``); ``council_size`` and the
tenant's ``[council]`` rules change per test.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.council import services as council
from app.council.models import OUTCOME_APPROVED, OUTCOME_NO_QUORUM, OUTCOME_REJECTED, Review, Vote
from app.council.services import CouncilError, decide
from app.extensions import db
from app.projects.models import (
    APPROVED,
    IN_REVIEW,
    REJECTED,
    VERSION_APPROVED,
    VERSION_IN_REVIEW,
    VERSION_REJECTED,
    ProjectEvent,
)
from tests.projects_world import (
    COUNCIL_ROLES,
    STAFF_ROLES,
    TODAY,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)

AFTER_DUE = TODAY + timedelta(days=8)  # review_days = 7


@pytest.fixture
def app(english_app):
    return english_app


def vote(world, review, index, choice, comment="", today=TODAY):
    return council.cast_vote(review, voter=user(world.council[index]), choice=choice, comment=comment, today=today,
                             roles=COUNCIL_ROLES)


def close(world, review, today=AFTER_DUE):
    return council.close_review(review, actor=user(world.staff), roles=STAFF_ROLES, today=today)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- the decision rule itself --------------------------------------------------------------

@pytest.mark.parametrize(("choices", "quorum", "majority", "outcome"), [
    (["approve", "approve", "reject"], 3, "simple", OUTCOME_APPROVED),
    (["approve", "approve"], 3, "simple", OUTCOME_NO_QUORUM),                  # two present, three needed
    (["approve", "approve", "reject", "reject"], 3, "simple", OUTCOME_REJECTED),  # a tie is not a majority
    (["approve", "abstain", "abstain"], 3, "simple", OUTCOME_REJECTED),        # abstentions are present
    (["approve", "approve", "abstain"], 3, "simple", OUTCOME_APPROVED),
    (["abstain", "abstain", "abstain"], 3, "simple", OUTCOME_REJECTED),        # quorum, but nobody approves
    (["approve"] * 4 + ["reject"] * 2, 3, "two_thirds", OUTCOME_APPROVED),     # 4 of 6: exactly two thirds
    (["approve"] * 3 + ["reject"] * 2, 3, "two_thirds", OUTCOME_REJECTED),     # 3 of 5 < two thirds
    (["approve"] * 3 + ["reject"] * 2, 3, "simple", OUTCOME_APPROVED),         # 3 of 5 > half
    (["approve"] * 2 + ["abstain"], 3, "two_thirds", OUTCOME_APPROVED),        # 2 of 3 present
])
def test_decide(choices, quorum, majority, outcome):
    tally = decide(choices, roster=7, quorum=quorum, majority=majority)
    assert tally.outcome == outcome
    assert tally.present == len(choices)


# --- through votes and the workflow -------------------------------------------------------

def test_everyone_votes_last_vote_closes_and_approves(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        version = review.plan_version
        assert project.status == IN_REVIEW and version.status == VERSION_IN_REVIEW
        assert review.roster == sorted(member.id for member in world.council)
        assert review.due_on == TODAY + timedelta(days=7)
        vote(world, review, 0, "approve", "同意，注意安全")
        vote(world, review, 1, "approve")
        vote(world, review, 2, "reject", "预算偏高")
        vote(world, review, 3, "abstain")
        assert review.is_open and project.status == IN_REVIEW
        vote(world, review, 4, "approve")
        db.session.flush()

        assert not review.is_open and review.outcome == OUTCOME_APPROVED
        assert review.closed_by_id == world.council[4].id
        assert review.tally == {"approve": 3, "reject": 1, "abstain": 1, "present": 5, "roster": 5, "quorum": 3,
                                "majority": "simple", "outcome": OUTCOME_APPROVED}
        assert project.status == APPROVED and version.status == VERSION_APPROVED
        assert project.approved_version is version and version.decided_at is not None
        assert project.notice_ends_on == TODAY + timedelta(days=7)
        comments = {vote.voter_id: vote.comment for vote in review.votes}
        assert comments[world.council[0].id] == "同意，注意安全" and comments[world.council[2].id] == "预算偏高"
        event = db.session.scalar(select(ProjectEvent).where(ProjectEvent.action == "approve"))
        assert event.note.startswith("3 approve, 1 reject, 1 abstain.") and "预算偏高" in event.note
        actions = audit_actions()
        assert actions.count("review.open") == 1 and actions.count("review.vote") == 5
        assert actions.index("review.close") < actions.index("project.approve")
        closing = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review.close"))
        assert closing.after == review.tally and closing.actor_id == world.council[4].id


def test_rejection_sends_the_plan_back(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote_all(world, review, ["approve", "approve", "reject", "reject", "abstain"])
        assert review.outcome == OUTCOME_REJECTED
        assert project.status == REJECTED and review.plan_version.status == VERSION_REJECTED
        assert project.approved_version is None and project.notice_ends_on is None


def test_tie_under_simple_majority_is_a_rejection(app, factory):
    world = make_projects_world(app, factory, quorum=4, council_size=4, members=4)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote_all(world, review, ["approve", "reject", "approve", "reject"])
        assert review.tally["approve"] == review.tally["reject"] == 2
        assert review.outcome == OUTCOME_REJECTED and project.status == REJECTED


@pytest.mark.parametrize(("majority", "outcome"), [("two_thirds", OUTCOME_REJECTED), ("simple", OUTCOME_APPROVED)])
def test_three_of_five_under_either_majority(app, factory, majority, outcome):
    world = make_projects_world(app, factory, quorum=3, majority=majority)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote_all(world, review, ["approve", "approve", "approve", "reject", "reject"])
        assert review.outcome == outcome
        assert project.status == (APPROVED if outcome == OUTCOME_APPROVED else REJECTED)


def test_four_of_six_is_exactly_two_thirds(app, factory):
    world = make_projects_world(app, factory, quorum=4, majority="two_thirds", council_size=6, members=7)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote_all(world, review, ["approve", "reject", "approve", "reject", "approve", "approve"])
        assert review.tally["approve"] == 4 and review.tally["present"] == 6
        assert review.outcome == OUTCOME_APPROVED and project.status == APPROVED


def test_abstentions_count_as_present_for_quorum(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote(world, review, 0, "approve")
        vote(world, review, 1, "abstain")
        vote(world, review, 2, "abstain")
        tally = close(world, review)
        assert tally.present == 3 and tally.outcome == OUTCOME_REJECTED  # quorum; 1 of 3 is no majority
        assert project.status == REJECTED


def test_no_quorum_stays_in_review_and_opens_a_new_round(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        project = ready_project(world)
        first = to_review(world, project)
        vote(world, first, 0, "approve")
        vote(world, first, 1, "approve")
        tally = close(world, first)
        db.session.flush()

        assert tally.outcome == OUTCOME_NO_QUORUM and first.outcome == OUTCOME_NO_QUORUM
        assert not first.is_open and first.tally["present"] == 2
        assert project.status == IN_REVIEW and first.plan_version.status == VERSION_IN_REVIEW
        second = council.current_review(project)
        assert second.id != first.id and second.is_open
        assert (second.round, second.plan_version_id) == (2, first.plan_version_id)
        assert second.due_on == AFTER_DUE + timedelta(days=7) and second.votes == []
        assert [review.round for review in council.reviews_of(project)] == [1, 2]
        assert audit_actions().count("review.open") == 2
        # The second round decides on its own votes.
        vote_all(world, second, ["approve", "approve", "approve", "reject", "approve"], today=AFTER_DUE)
        assert second.outcome == OUTCOME_APPROVED and project.status == APPROVED


def test_a_member_may_change_the_vote_until_the_review_closes(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        first = vote(world, review, 0, "reject", "背景不清")
        changed = vote(world, review, 0, "approve", "补充材料后同意")
        db.session.flush()
        assert changed.id == first.id and changed.changed_at is not None
        assert db.session.scalars(select(Vote).where(Vote.review_id == review.id)).all() == [changed]
        assert (changed.choice, changed.comment) == ("approve", "补充材料后同意")
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.vote")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.before == {"choice": "reject", "comment": "背景不清"}
        assert entry.after == {"choice": "approve", "comment": "补充材料后同意"}
        assert entry.actor_id == world.council[0].id


def test_no_vote_after_close(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote_all(world, review, ["approve"] * 5)
        with pytest.raises(CouncilError, match="closed"):
            vote(world, review, 0, "reject", "改主意")
        assert {vote.choice for vote in review.votes} == {"approve"}
        with pytest.raises(CouncilError, match="already closed"):
            close(world, review)


def test_only_the_roster_votes(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        review_id = to_review(world, ready_project(world)).id
        db.session.commit()
    latecomer = factory.user("后来的议事员", roles={world.tenant: "council"})  # joined after the round opened
    with scoped(app, world):
        review = db.session.get(Review, review_id)
        assert latecomer.id not in review.roster and len(council.roster_ids(None)) == 6
        for outsider in (world.staff, latecomer):
            with pytest.raises(CouncilError, match="Only the council members of this review"):
                council.cast_vote(review, voter=user(outsider), choice="approve", comment="", today=TODAY,
                                  roles=COUNCIL_ROLES)
        assert review.votes == []


def test_a_rejection_needs_a_comment_and_choices_are_checked(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        review = to_review(world, ready_project(world))
        with pytest.raises(CouncilError, match="Say why you reject"):
            vote(world, review, 0, "reject", "   ")
        with pytest.raises(CouncilError, match="Choose approve, reject or abstain"):
            vote(world, review, 0, "maybe")
        assert review.votes == []
        assert vote(world, review, 0, "abstain").comment == ""


def test_staff_close_waits_for_the_due_date(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote_all(world, review, ["approve", "approve", "approve"])
        for day in (TODAY, review.due_on):
            with pytest.raises(CouncilError, match="review period runs until"):
                close(world, review, today=day)
        assert review.is_open and project.status == IN_REVIEW
        tally = close(world, review, today=review.due_on + timedelta(days=1))
        assert tally.outcome == OUTCOME_APPROVED and review.closed_by_id == world.staff.id
        assert project.status == APPROVED


def test_staff_may_close_early_once_everyone_voted(app, factory):
    """Everyone on the roster voted but the review is still open: the roster changed after a member lost the role."""
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote_all(world, review, ["approve", "approve", "reject", "approve"])
        review.roster = review.roster[:4]  # the fifth seat's member left the council
        db.session.flush()
        tally = close(world, review, today=TODAY)
        assert tally.outcome == OUTCOME_APPROVED and project.status == APPROVED


def test_reviews_waiting_for_a_member(app, factory):
    world = make_projects_world(app, factory, quorum=3)
    with scoped(app, world):
        first = to_review(world, ready_project(world, title="一号"))
        to_review(world, ready_project(world, title="二号"))
        member = user(world.council[0])
        assert council.reviews_waiting_for(member) == 2 and council.count_open_reviews() == 2
        vote(world, first, 0, "approve")
        assert council.reviews_waiting_for(member) == 1
        assert [review.project.title for review in council.open_reviews()] == ["一号", "二号"]
        assert db.session.scalar(select(Review).where(Review.id == first.id)).is_open


def test_platform_admin_may_close_a_review_after_its_period(app, factory):
    from app.projects.models import APPROVED

    world = make_projects_world(app, factory, quorum=3)
    admin = factory.user("平台管理员", admin=True)
    with scoped(app, world):
        project = ready_project(world)
        review = to_review(world, project)
        vote_all(world, review, ["approve", "approve", "approve"])
        council.close_review(review, actor=user(admin), roles=frozenset(), today=TODAY + timedelta(days=8))
        assert project.status == APPROVED and review.outcome == "approved"
