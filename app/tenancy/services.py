"""Tenant tree, profile and logo. No Flask request objects here."""

import re
from datetime import date
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import services as audit
from app.core import images, storage
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.tenancy.models import Tenant

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
SUPPORTED_LOCALES = ("zh_CN", "en")


class TenantError(ValueError):
    """A tenant rule refused the change; the message is for the user."""


def get_by_slug(slug: str) -> Tenant | None:
    if not SLUG_PATTERN.match(slug or ""):
        return None
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def ancestors(tenant: Tenant) -> list[Tenant]:
    """Parents from the nearest up to the root."""
    chain, node, seen = [], tenant.parent, {tenant.id}
    while node is not None and node.id not in seen:
        chain.append(node)
        seen.add(node.id)
        node = node.parent
    return chain


def descendants(tenant: Tenant) -> list[Tenant]:
    """Every tenant below ``tenant``, breadth first, one query per level."""
    found: list[Tenant] = []
    level = [tenant.id]
    seen = set(level)
    while level:
        children = db.session.scalars(
            select(Tenant).where(Tenant.parent_id.in_(level)).order_by(Tenant.kind, Tenant.name)
        ).all()
        children = [child for child in children if child.id not in seen]
        found.extend(children)
        seen.update(child.id for child in children)
        level = [child.id for child in children]
    return found


def all_tenants_tree() -> list[tuple[int, Tenant]]:
    """Every tenant as (depth, tenant), parents before children: the platform admin's overview."""
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    children: dict[int | None, list[Tenant]] = {}
    for tenant in tenants:
        children.setdefault(tenant.parent_id, []).append(tenant)
    ordered: list[tuple[int, Tenant]] = []

    def walk(parent_id, depth):
        for tenant in children.get(parent_id, []):
            ordered.append((depth, tenant))
            walk(tenant.id, depth + 1)

    walk(None, 0)
    return ordered


def valid_timezone(name: str) -> bool:
    return name in available_timezones()


def update_profile(tenant: Tenant, values: dict[str, str], *, actor) -> dict[str, str]:
    """Apply profile values, audit what changed, and return the changed fields."""
    if "locale" in values and values["locale"] not in SUPPORTED_LOCALES:
        raise TenantError(_l("Unsupported language."))
    if "timezone" in values and not valid_timezone(values["timezone"]):
        raise TenantError(_l("Unknown timezone."))
    before = tenant.profile()
    for field, value in values.items():
        setattr(tenant, field, value.strip() if isinstance(value, str) else value)
    old, new = audit.changed_values(before, tenant.profile())
    if new:
        db.session.flush()
        audit.record("tenant.profile_updated", actor=actor, tenant=tenant, obj=tenant,
                     object_ref=tenant.slug, object_label=tenant.name, before=old, after=new)
    return new


class LogoError(TenantError):
    pass


def reencode_logo(data: bytes, *, max_bytes: int, max_pixels: int, max_side: int) -> bytes:
    """Check an uploaded logo (PNG or JPEG, size-capped) and re-encode it as a clean PNG."""
    try:
        return images.reencode(data, max_bytes=max_bytes, max_pixels=max_pixels, max_side=max_side, output="PNG")
    except images.ImageRejected as error:
        raise LogoError(str(error)) from error


def set_logo(tenant: Tenant, data: bytes, *, actor, limits: dict, upload_root) -> None:
    png = reencode_logo(data, **limits)
    old_key = tenant.logo_key
    tenant.logo_key = storage.save(upload_root, tenant.id, "logo", png, suffix=".png")
    db.session.flush()
    audit.record("tenant.logo_updated", actor=actor, tenant=tenant, obj=tenant, object_ref=tenant.slug,
                 object_label=tenant.name, before={"logo": old_key}, after={"logo": tenant.logo_key})


def logo_limits(config) -> dict:
    """The logo checks configured for this app (size in bytes, pixels, longest side)."""
    return {"max_bytes": config["LOGO_MAX_BYTES"], "max_pixels": config["LOGO_MAX_PIXELS"],
            "max_side": config["LOGO_MAX_SIDE"]}


def local_today(tenant: Tenant) -> date:
    """Today in the community's timezone (gifts, transfers and statements use local dates)."""
    return to_local(utcnow(), tenant_zone(tenant)).date()


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    try:
        return ZoneInfo(tenant.timezone)
    except (KeyError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def in_tenant_language(tenant: Tenant, text) -> str:
    """Text the system writes into a record (a status note, a tally) in the community's language.

    Otherwise it would be frozen in the language of whoever's screen caused the change.
    """
    from flask_babel import force_locale

    with force_locale(tenant.locale or "zh_CN"):
        return str(text or "")
