"""Residents' needs (需求 / 微心愿), their supporters and their public status history."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.numbering import Numbered
from app.tenancy.scoping import TenantScoped

NEED_NEW = "new"
NEED_ACCEPTED = "accepted"
NEED_IN_PROJECT = "in_project"
NEED_MERGED = "merged"
NEED_DECLINED = "declined"
NEED_STATES = (NEED_NEW, NEED_ACCEPTED, NEED_IN_PROJECT, NEED_MERGED, NEED_DECLINED)
OPEN_NEED_STATES = (NEED_NEW, NEED_ACCEPTED)

SOURCE_PUBLIC = "public"
SOURCE_COUNTER = "counter"


class Need(Numbered, db.Model):
    """One need as submitted; ``status_code`` lets the submitter follow it without an account."""

    __tablename__ = "needs"
    __counter_name__ = "need"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("status_code"),
        Index("ix_needs_tenant_status_submitted", "tenant_id", "status", "submitted_at"),
        Index("ix_needs_tenant_support", "tenant_id", "support_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status_code: Mapped[str] = mapped_column(String(16), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    building: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    contact_name: Mapped[str] = mapped_column(String(50), nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(30), nullable=False)
    photo_key: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(10), nullable=False, default=SOURCE_PUBLIC)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=NEED_NEW)
    status_reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    support_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="RESTRICT"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    merged_into: Mapped["Need | None"] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    project = relationship("Project", back_populates="needs", foreign_keys=[project_id])
    events: Mapped[list["NeedEvent"]] = relationship(back_populates="need", order_by="NeedEvent.id")

    @property
    def audit_label(self) -> str:
        return f"#{self.number} {self.description[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_NEED_STATES


class NeedEvent(TenantScoped, db.Model):
    """A change of a need's status as the submitter sees it (who did it stays in the audit log)."""

    __tablename__ = "need_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    need: Mapped[Need] = relationship(back_populates="events")


class NeedSupport(TenantScoped, db.Model):
    """One +1 per person: ``supporter_key`` is ``user:<id>`` or a hashed anonymous visitor id."""

    __tablename__ = "need_supports"
    __table_args__ = (UniqueConstraint("need_id", "supporter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), nullable=False)
    supporter_key: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
