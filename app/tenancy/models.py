"""Tenants: districts, streets and communities, forming a tree."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db

KIND_DISTRICT = "district"
KIND_STREET = "street"
KIND_COMMUNITY = "community"
TENANT_KINDS = (KIND_DISTRICT, KIND_STREET, KIND_COMMUNITY)
# Which kind of parent each kind may have (a district may also sit under a city-level district).
ALLOWED_PARENT_KINDS = {
    KIND_DISTRICT: {None, KIND_DISTRICT},
    KIND_STREET: {KIND_DISTRICT},
    KIND_COMMUNITY: {KIND_STREET, KIND_DISTRICT},
}
PROFILE_FIELDS = ("name", "description", "contact_person", "phone", "email", "address", "locale", "timezone")


class Tenant(db.Model):
    __tablename__ = "tenants"
    __table_args__ = (CheckConstraint("kind IN ('district', 'street', 'community')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    contact_person: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    locale: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")
    timezone: Mapped[str] = mapped_column(String(50), nullable=False, default="Asia/Shanghai")
    logo_key: Mapped[str | None] = mapped_column(String(200))
    settings: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow, onupdate=utcnow)

    parent: Mapped["Tenant | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Tenant"]] = relationship(back_populates="parent", order_by="Tenant.name")

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"

    @property
    def is_community(self) -> bool:
        return self.kind == KIND_COMMUNITY

    def profile(self) -> dict[str, str]:
        return {field: getattr(self, field) for field in PROFILE_FIELDS}
