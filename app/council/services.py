"""Council reviews: open a round on a frozen plan version, take votes, close by the tenant's rules.

Rules (``[council]`` in the tenant file): a decision needs ``quorum`` votes cast
(abstentions count as present). With quorum, "simple" approves when more than half of the
votes cast approve (过半数); "two_thirds" when at least two thirds do (三分之二以上).
Anything else is a rejection; without quorum nothing is decided and a new round opens.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import ROLE_COUNCIL, Membership
from app.audit import services as audit
from app.core.timeutil import utcnow
from app.council.models import (
    ABSTAIN,
    APPROVE,
    CHOICES,
    OUTCOME_APPROVED,
    OUTCOME_CANCELLED,
    OUTCOME_NO_QUORUM,
    OUTCOME_REJECTED,
    REJECT,
    Review,
    Vote,
)
from app.council.tenant_section import MAJORITY_TWO_THIRDS, council_rules
from app.extensions import db


class CouncilError(Exception):
    pass


@dataclass(frozen=True)
class Tally:
    approve: int
    reject: int
    abstain: int
    roster: int
    quorum: int
    majority: str
    outcome: str

    @property
    def present(self) -> int:
        return self.approve + self.reject + self.abstain

    def as_dict(self) -> dict:
        return {**asdict(self), "present": self.present}


def decide(choices: list[str], *, roster: int, quorum: int, majority: str) -> Tally:
    approve, reject, abstain = (choices.count(choice) for choice in (APPROVE, REJECT, ABSTAIN))
    present = approve + reject + abstain
    if present < quorum:
        outcome = OUTCOME_NO_QUORUM
    elif majority == MAJORITY_TWO_THIRDS:
        outcome = OUTCOME_APPROVED if approve * 3 >= present * 2 else OUTCOME_REJECTED
    else:
        outcome = OUTCOME_APPROVED if approve * 2 > present else OUTCOME_REJECTED
    return Tally(approve, reject, abstain, roster, quorum, majority, outcome)


def roster_ids(tenant) -> list[int]:
    """The users who hold the council role in the tenant now."""
    return list(db.session.scalars(select(Membership.user_id).where(Membership.role == ROLE_COUNCIL)
                                   .order_by(Membership.user_id)))


def open_review(project, version, *, today: date, round_number: int = 1) -> Review:
    rules = council_rules(project.tenant)
    review = Review(tenant_id=project.tenant_id, project_id=project.id, plan_version_id=version.id,
                    round=round_number, rules=rules, roster=roster_ids(project.tenant),
                    due_on=today + timedelta(days=rules["review_days"]))
    db.session.add(review)
    db.session.flush()
    audit.record("review.open", obj=review, after={"due_on": review.due_on, "roster": len(review.roster),
                                                   "rules": rules})
    return review


def current_review(project) -> Review | None:
    return db.session.scalar(select(Review).where(Review.project_id == project.id)
                             .order_by(Review.id.desc()).limit(1))


def reviews_of(project) -> list[Review]:
    return list(db.session.scalars(select(Review).where(Review.project_id == project.id).order_by(Review.id)))


def open_reviews() -> list[Review]:
    return list(db.session.scalars(select(Review).where(Review.closed_at.is_(None)).order_by(Review.due_on,
                                                                                              Review.id)))


def count_open_reviews() -> int:
    return db.session.scalar(select(func.count(Review.id)).where(Review.closed_at.is_(None))) or 0


def reviews_waiting_for(user) -> int:
    """Open reviews on which ``user`` sits and has not voted yet."""
    return sum(1 for review in open_reviews()
               if user.id in review.roster and all(vote.voter_id != user.id for vote in review.votes))


def _lock(review: Review) -> None:
    """Votes and closing take the review's row lock (PostgreSQL; SQLite writers are serialised
    by BEGIN IMMEDIATE), so no vote lands after the tally was taken."""
    db.session.refresh(review, with_for_update=True)
    db.session.expire(review, ["votes"])


def vote_of(review: Review, user) -> Vote | None:
    return next((vote for vote in review.votes if vote.voter_id == user.id), None)


def tally_of(review: Review) -> Tally:
    if review.tally:
        stored = {key: review.tally[key] for key in ("approve", "reject", "abstain", "roster", "quorum",
                                                     "majority", "outcome")}
        return Tally(**stored)
    rules = review.rules
    return decide([vote.choice for vote in review.votes], roster=len(review.roster), quorum=rules["quorum"],
                  majority=rules["majority"])


def cast_vote(review: Review, *, voter, choice: str, comment: str, today: date, roles: frozenset[str]) -> Vote:
    """Record or change ``voter``'s vote; the last member's vote closes the review."""
    if choice not in CHOICES:
        raise CouncilError(_l("Choose approve, reject or abstain."))
    _lock(review)
    if not review.is_open:
        raise CouncilError(_l("This review is closed; votes can no longer change."))
    if voter.id not in review.roster:
        raise CouncilError(_l("Only the council members of this review may vote on it."))
    comment = (comment or "").strip()[:2000]
    if choice == REJECT and not comment:
        raise CouncilError(_l("Say why you reject the plan, so staff can revise it."))
    vote = vote_of(review, voter)
    before = {"choice": vote.choice, "comment": vote.comment} if vote else None
    if vote is None:
        vote = Vote(tenant_id=review.tenant_id, review=review, voter_id=voter.id, choice=choice, comment=comment)
        db.session.add(vote)
    else:
        vote.choice, vote.comment, vote.changed_at = choice, comment, utcnow()
    db.session.flush()
    audit.record("review.vote", actor=voter, obj=review, before=before, after={"choice": choice, "comment": comment})
    if {v.voter_id for v in review.votes} >= set(review.roster):
        _close(review, actor=voter, roles=roles, today=today)
    return vote


def close_review(review: Review, *, actor, roles: frozenset[str], today: date) -> Tally:
    """Staff close a review whose period is over (or everyone has voted)."""
    _lock(review)
    if not review.is_open:
        raise CouncilError(_l("This review is already closed."))
    everyone_voted = {vote.voter_id for vote in review.votes} >= set(review.roster)
    if today <= review.due_on and not everyone_voted:
        raise CouncilError(_l("The review period runs until %(date)s and not every member has voted yet.",
                              date=review.due_on.isoformat()))
    return _close(review, actor=actor, roles=roles, today=today)


def _close(review: Review, *, actor, roles: frozenset[str], today: date) -> Tally:
    from app.projects import services as projects

    tally = tally_of(review)
    review.tally, review.outcome = tally.as_dict(), tally.outcome
    review.closed_at, review.closed_by_id = utcnow(), actor.id if actor else None
    audit.record("review.close", actor=actor, obj=review, after=review.tally)
    projects.apply_council_decision(review, tally, actor=actor, roles=roles, today=today)
    return tally


def cancel_open_review(project, *, actor) -> None:
    review = current_review(project)
    if review is not None and review.is_open:
        review.tally = {**tally_of(review).as_dict(), "outcome": OUTCOME_CANCELLED}
        review.outcome, review.closed_at = OUTCOME_CANCELLED, utcnow()
        review.closed_by_id = actor.id if actor else None
        audit.record("review.cancel", actor=actor, obj=review)
