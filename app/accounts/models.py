"""Users, their memberships in tenants, invitations and sign-in sessions."""

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.numbering import Numbered

ROLE_STAFF = "staff"
ROLE_FINANCE = "finance"
ROLE_COUNCIL = "council"
ROLE_PARTNER = "partner"
ROLE_RESIDENT = "resident"
ROLE_OVERSEER = "overseer"
# Roles held inside one community; an overseer membership sits on a street or district.
COMMUNITY_ROLES = (ROLE_STAFF, ROLE_FINANCE, ROLE_COUNCIL, ROLE_PARTNER, ROLE_RESIDENT)
ROLES = (*COMMUNITY_ROLES, ROLE_OVERSEER)
ROLE_CHECK = "role IN ('staff', 'finance', 'council', 'partner', 'resident', 'overseer')"


class User(UserMixin, db.Model):
    """A person; global, since one person may act in several communities."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email IS NOT NULL OR mobile IS NOT NULL", name="has_login"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(120), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(nullable=False, default=False)
    is_disabled: Mapped[bool] = mapped_column(nullable=False, default=False)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email or self.mobile}>"

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def login_label(self) -> str:
        return self.email or self.mobile or ""

    @property
    def audit_label(self) -> str:
        return f"{self.name} ({self.login_label})"

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


class Membership(Numbered, db.Model):
    """One role a user holds in one tenant."""

    __tablename__ = "memberships"
    __counter_name__ = "membership"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "user_id", "role"),
        CheckConstraint(ROLE_CHECK, name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def audit_label(self) -> str:
        return self.user.name


class Invitation(Numbered, db.Model):
    """A staff member's invitation for someone to join the community with a role.

    Only a hash of the token is stored; the link is shown once to the inviting staff member.
    """

    __tablename__ = "invitations"
    __counter_name__ = "invitation"
    __table_args__ = (UniqueConstraint("tenant_id", "number"), CheckConstraint(ROLE_CHECK, name="role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    email: Mapped[str | None] = mapped_column(String(120))
    mobile: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column()
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column()

    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def audit_label(self) -> str:
        return f"{self.name} ({self.email or self.mobile})"

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class LoginSession(db.Model):
    """A server-side sign-in session, so timeouts and sign-out-everywhere can be enforced."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_reason: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    ip_address: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    user_agent: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    user: Mapped[User] = relationship(lazy="joined")
