"""The audit log: one row per state change."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.scoping import TenantScoped


class AuditEntry(TenantScoped, db.Model):
    """Who did what to which object, in which tenant, with the values before and after.

    Platform-level events (sign-in, password change) carry no tenant; inside a tenant
    scope they are invisible like every other tenant's rows.
    """

    __tablename__ = "audit_entries"
    __tenant_optional__ = True
    __table_args__ = (Index("ix_audit_entries_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    object_ref: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    object_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip_address: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    actor = relationship("User", lazy="joined")
