"""Council reviews (规范化评审) of a frozen plan version, and the members' votes."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.scoping import TenantScoped

APPROVE = "approve"
REJECT = "reject"
ABSTAIN = "abstain"
CHOICES = (APPROVE, REJECT, ABSTAIN)

OUTCOME_APPROVED = "approved"
OUTCOME_REJECTED = "rejected"
OUTCOME_NO_QUORUM = "no_quorum"
OUTCOME_CANCELLED = "cancelled"


class Review(TenantScoped, db.Model):
    """One round of review. ``roster`` is the council as it stood when the round opened."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("plan_version_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                            nullable=False)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"),
                                                 nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    rules: Mapped[dict] = mapped_column(JSON, nullable=False)
    roster: Mapped[list] = mapped_column(JSON, nullable=False)
    opened_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    due_on: Mapped[date] = mapped_column(nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    tally: Mapped[dict | None] = mapped_column(JSON)

    project = relationship("Project")
    plan_version = relationship("PlanVersion")
    votes: Mapped[list["Vote"]] = relationship(back_populates="review", order_by="Vote.id")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def audit_label(self) -> str:
        return f"#{self.project.number} v{self.plan_version.version} R{self.round}"


class Vote(TenantScoped, db.Model):
    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("review_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    choice: Mapped[str] = mapped_column(String(10), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cast_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column()

    review: Mapped[Review] = relationship(back_populates="votes")
    voter = relationship("User")
