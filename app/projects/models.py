"""Projects (公益项目): the working plan, frozen plan versions, the timeline and public objections.

The plan being edited lives on the project as one JSON document (see ``plan.py`` for its
shape); what goes to the council is frozen as a :class:`PlanVersion` that never changes.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.numbering import Numbered
from app.tenancy.scoping import TenantScoped

DRAFT = "draft"
SUBMITTED = "submitted"
IN_REVIEW = "in_review"
APPROVED = "approved"
REJECTED = "rejected"
FUNDRAISING = "fundraising"
IN_PROGRESS = "in_progress"
CLOSING = "closing"  # the work is done; staff write the close-out (结项)
CLOSED = "closed"
CANCELLED = "cancelled"
PROJECT_STATES = (DRAFT, SUBMITTED, IN_REVIEW, APPROVED, REJECTED, FUNDRAISING, IN_PROGRESS, CLOSING, CLOSED,
                  CANCELLED)
# Shown on the public site: what the council approved and everything after it.
PUBLISHED_STATES = (APPROVED, FUNDRAISING, IN_PROGRESS, CLOSING, CLOSED)
# Money may be designated (专款专用) to a project in these states.
ACCEPTS_DONATIONS_STATES = (FUNDRAISING, IN_PROGRESS)

VERSION_IN_REVIEW = "in_review"
VERSION_APPROVED = "approved"
VERSION_REJECTED = "rejected"
VERSION_SUPERSEDED = "superseded"


class Organisation(TenantScoped, db.Model):
    """An undertaking organisation (承接组织); registered partners come with the partners issue."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    contact: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    @property
    def audit_label(self) -> str:
        return self.name


class Project(Numbered, db.Model):
    __tablename__ = "projects"
    __counter_name__ = "project"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_projects_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    summary: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    plan: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    budget_total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    approved_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="RESTRICT", use_alter=True, name="fk_projects_approved_version"))
    notice_ends_on: Mapped[date | None] = mapped_column()
    fundraising_ends_on: Mapped[date | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    needs = relationship("Need", back_populates="project", foreign_keys="Need.project_id", order_by="Need.number")
    versions: Mapped[list["PlanVersion"]] = relationship(
        back_populates="project", foreign_keys="PlanVersion.project_id", order_by="PlanVersion.version")
    approved_version: Mapped["PlanVersion | None"] = relationship(foreign_keys=[approved_version_id],
                                                                  post_update=True)
    events: Mapped[list["ProjectEvent"]] = relationship(back_populates="project", order_by="ProjectEvent.id")
    objections: Mapped[list["Objection"]] = relationship(back_populates="project", order_by="Objection.id")

    @property
    def audit_label(self) -> str:
        return f"#{self.number} {self.title}"


class PlanVersion(TenantScoped, db.Model):
    """A frozen copy of the plan as it went to the council; ``plan`` never changes after insert."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    plan: Mapped[dict] = mapped_column(JSON, nullable=False)
    budget_total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=VERSION_IN_REVIEW)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()

    project: Mapped[Project] = relationship(back_populates="versions", foreign_keys=[project_id])

    @property
    def audit_label(self) -> str:
        return f"v{self.version} {self.title}"


FROZEN_VERSION_FIELDS = ("plan", "title", "budget_total_fen", "project_id", "version")


@event.listens_for(Session, "before_flush")
def _refuse_changed_versions(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, PlanVersion) and session.is_modified(obj):
            state = db.inspect(obj)
            changed = [name for name in FROZEN_VERSION_FIELDS if state.attrs[name].history.has_changes()]
            if changed:
                raise ValueError(f"plan version {obj.version} is frozen; cannot change {', '.join(changed)}")


class ProjectEvent(TenantScoped, db.Model):
    """One step of the project's timeline (a workflow transition)."""

    __tablename__ = "project_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                            nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_status: Mapped[str] = mapped_column(String(20), nullable=False)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="events")
    actor = relationship("User")


class Objection(TenantScoped, db.Model):
    """An objection (异议) filed during the public notice (公示); staff must answer it."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                            nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[str] = mapped_column(String(30), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column()
    filed_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="objections")

    @property
    def audit_label(self) -> str:
        return f"{self.name}: {self.reason[:40]}"


class ProjectUpdate(TenantScoped, db.Model):
    """A progress report staff post while the work goes on (text, percent done, photos); shown publicly."""

    __tablename__ = "project_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                            nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    percent_done: Mapped[int] = mapped_column(Integer, nullable=False)
    photo_keys: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    project: Mapped[Project] = relationship()
    author = relationship("User")

    @property
    def audit_label(self) -> str:
        return f"#{self.project.number} {self.percent_done}%"
