"""Sign-in, sessions, memberships and invitations. No Flask request objects here."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from app.accounts.models import (
    COMMUNITY_ROLES,
    ROLE_OVERSEER,
    Invitation,
    LoginSession,
    Membership,
    User,
)
from app.audit import services as audit
from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.models import KIND_COMMUNITY, Tenant
from app.tenancy.scoping import ALL_TENANTS, all_tenants
from app.tenancy.services import ancestors


class AccountError(ValueError):
    """A rule of the accounts domain refused the request; the message is for the user."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_login(value: str) -> tuple[str | None, str | None]:
    """Split what was typed into (email, mobile)."""
    value = (value or "").strip()
    if "@" in value:
        return value.lower(), None
    digits = value.replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return None, digits or None


def find_user_by_login(login: str) -> User | None:
    email, mobile = normalise_login(login)
    if email:
        return db.session.scalar(select(User).where(func.lower(User.email) == email))
    if mobile:
        return db.session.scalar(select(User).where(User.mobile == mobile))
    return None


def authenticate(login: str, password: str) -> User | None:
    """The user whose login and password match, or None (same answer for every failure)."""
    user = find_user_by_login(login)
    if user is None or not user.is_active or not user.check_password(password):
        audit.record("auth.login_failed", object_type="User", object_ref=str(user.id) if user else "",
                     object_label=login[:100])
        return None
    return user


def create_user(*, name: str, password: str | None, email: str | None = None, mobile: str | None = None,
                platform_admin: bool = False) -> User:
    email = email.strip().lower() if email else None
    mobile = normalise_login(mobile)[1] if mobile else None
    if not email and not mobile:
        raise AccountError(_l("An e-mail address or mobile number is required."))
    if email and db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(_l("This e-mail address is already registered."))
    if mobile and db.session.scalar(select(User.id).where(User.mobile == mobile)):
        raise AccountError(_l("This mobile number is already registered."))
    user = User(name=name.strip(), email=email, mobile=mobile, is_platform_admin=platform_admin)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", obj=user, after={"name": user.name, "email": email, "mobile": mobile})
    return user


# --- sign-in sessions -------------------------------------------------------------------

@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: timedelta
    absolute_timeout: timedelta
    touch_interval: timedelta


def start_session(user: User, *, ip_address: str = "", user_agent: str = "") -> str:
    """Open a new server-side session and return its token (kept in the signed cookie)."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=hash_token(token), user_id=user.id,
                                ip_address=ip_address[:64], user_agent=user_agent[:200]))
    audit.record("auth.login", actor=user, obj=user)
    return token


def resume_session(token: str | None, policy: SessionPolicy, now: datetime | None = None) -> LoginSession | None:
    """The live session for ``token``; ends it (and returns None) when it has timed out."""
    if not token:
        return None
    now = now or utcnow()
    login_session = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    if login_session is None or login_session.ended_at is not None or not login_session.user.is_active:
        return None
    if now - login_session.created_at > policy.absolute_timeout:
        _end(login_session, "absolute_timeout", now)
        return None
    if now - login_session.last_seen_at > policy.idle_timeout:
        _end(login_session, "idle_timeout", now)
        return None
    if now - login_session.last_seen_at > policy.touch_interval:
        login_session.last_seen_at = now
    return login_session


def _end(login_session: LoginSession, reason: str, now: datetime) -> None:
    login_session.ended_at = now
    login_session.ended_reason = reason


def end_session(token: str | None, user: User | None) -> None:
    if not token:
        return
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason="logout")
    )
    if user is not None:
        audit.record("auth.logout", actor=user, obj=user)


def end_other_sessions(user: User, keep_token: str | None, reason: str) -> int:
    """End every live session of ``user`` except the one with ``keep_token``."""
    query = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep_token:
        query = query.where(LoginSession.token_hash != hash_token(keep_token))
    result = db.session.execute(query.values(ended_at=utcnow(), ended_reason=reason))
    return result.rowcount


def change_password(user: User, current_password: str, new_password: str, keep_token: str | None) -> None:
    if not user.check_password(current_password):
        raise AccountError(_l("The current password is not correct."))
    user.set_password(new_password)
    ended = end_other_sessions(user, keep_token, "password_changed")
    audit.record("auth.password_changed", actor=user, obj=user, after={"other_sessions_ended": ended})


# --- roles and memberships --------------------------------------------------------------

def roles_in(user: User, tenant: Tenant) -> frozenset[str]:
    """The roles ``user`` holds in ``tenant``, plus ``overseer`` from any tenant above it."""
    if user is None or not user.is_authenticated:
        return frozenset()
    own = db.session.scalars(
        select(Membership.role).where(Membership.user_id == user.id, Membership.tenant_id == tenant.id)
        .execution_options(**ALL_TENANTS)
    ).all()
    roles = set(own)
    upper_ids = [node.id for node in ancestors(tenant)]
    if upper_ids and db.session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.role == ROLE_OVERSEER,
                                    Membership.tenant_id.in_(upper_ids)).limit(1)
        .execution_options(**ALL_TENANTS)
    ):
        roles.add(ROLE_OVERSEER)
    return frozenset(roles)


def tenants_of(user: User) -> list[tuple[Tenant, list[str]]]:
    """Every tenant where ``user`` has a membership, with the roles, for the switcher."""
    with all_tenants(db.session):
        rows = db.session.execute(
            select(Tenant, Membership.role).join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id).order_by(Tenant.name, Membership.role)
        ).all()
    grouped: dict[int, tuple[Tenant, list[str]]] = {}
    for tenant, role in rows:
        grouped.setdefault(tenant.id, (tenant, []))[1].append(role)
    return list(grouped.values())


def add_membership(tenant: Tenant, user: User, role: str, *, actor: User | None) -> Membership:
    """Give ``user`` a role in ``tenant`` (overseers on streets and districts only)."""
    if role == ROLE_OVERSEER and tenant.kind == KIND_COMMUNITY:
        raise AccountError(_l("Overseers belong to a street or district, not to a community."))
    if role in COMMUNITY_ROLES and tenant.kind != KIND_COMMUNITY:
        raise AccountError(_l("This role exists only in communities."))
    existing = db.session.scalar(select(Membership).where(
        Membership.tenant_id == tenant.id, Membership.user_id == user.id, Membership.role == role))
    if existing is not None:
        return existing
    membership = Membership(tenant_id=tenant.id, user=user, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.added", actor=actor, tenant=tenant, obj=membership,
                 after={"user": user.audit_label, "role": role})
    return membership


def remove_membership(membership: Membership, *, actor: User) -> None:
    if membership.user_id == actor.id and membership.role == "staff":
        raise AccountError(_l("You cannot remove your own staff role."))
    audit.record("membership.removed", actor=actor, obj=membership,
                 before={"user": membership.user.audit_label, "role": membership.role})
    db.session.delete(membership)
    db.session.flush()


def list_members(search: str = ""):
    """The current tenant's memberships with their users (a select to page)."""
    query = select(Membership).join(Membership.user).order_by(User.name, Membership.role)
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(or_(User.name.ilike(pattern), User.email.ilike(pattern), User.mobile.ilike(pattern)))
    return query


def get_membership(number: int) -> Membership | None:
    return db.session.scalar(select(Membership).where(Membership.number == number))


# --- invitations ------------------------------------------------------------------------

def invite(tenant: Tenant, *, name: str, email: str | None, mobile: str | None, role: str,
           actor: User, valid_for: timedelta) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the raw token for the activation link."""
    if role not in COMMUNITY_ROLES:
        raise AccountError(_l("Choose a role."))
    email = email.strip().lower() if email else None
    mobile = normalise_login(mobile)[1] if mobile else None
    if not email and not mobile:
        raise AccountError(_l("Give an e-mail address or a mobile number."))
    token = secrets.token_urlsafe(24)
    invitation = Invitation(tenant_id=tenant.id, token_hash=hash_token(token), name=name.strip(), email=email,
                            mobile=mobile, role=role, invited_by_id=actor.id, expires_at=utcnow() + valid_for)
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.created", actor=actor, tenant=tenant, obj=invitation,
                 after={"name": invitation.name, "email": email, "mobile": mobile, "role": role})
    return invitation, token


def open_invitations():
    now = utcnow()
    return db.session.scalars(
        select(Invitation).where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                                 Invitation.expires_at > now).order_by(Invitation.created_at.desc())
    ).all()


def get_invitation(number: int) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.number == number))


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    if invitation.accepted_at is not None:
        raise AccountError(_l("This invitation has already been accepted."))
    invitation.revoked_at = utcnow()
    audit.record("invitation.revoked", actor=actor, obj=invitation)


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation behind an activation link (a platform-level lookup by secret)."""
    with all_tenants(db.session):
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or not invitation.is_open(utcnow()):
        return None
    return invitation


def existing_user_for(invitation: Invitation) -> User | None:
    if invitation.email:
        user = db.session.scalar(select(User).where(func.lower(User.email) == invitation.email))
        if user:
            return user
    if invitation.mobile:
        return db.session.scalar(select(User).where(User.mobile == invitation.mobile))
    return None


def accept_invitation(invitation: Invitation, *, user: User | None, name: str = "",
                      password: str | None = None) -> User:
    """Accept as the signed-in ``user``, or create the invited person's account."""
    if user is None:
        if existing_user_for(invitation) is not None:
            raise AccountError(_l("An account with this e-mail address or mobile number exists: sign in first."))
        user = create_user(name=name or invitation.name, password=password, email=invitation.email,
                           mobile=invitation.mobile)
    with all_tenants(db.session):
        tenant = db.session.get(Tenant, invitation.tenant_id)
        add_membership(tenant, user, invitation.role, actor=user)
        invitation.accepted_at = utcnow()
        invitation.accepted_by_id = user.id
        audit.record("invitation.accepted", actor=user, tenant=tenant, obj=invitation)
    return user


def list_members_count() -> int:
    return db.session.scalar(select(func.count(func.distinct(Membership.user_id)))) or 0
