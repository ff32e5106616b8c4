"""The ``[tenant]`` section of a tenant definition."""

import re

from email_validator import EmailNotValidError, validate_email

from app.tenancy.definitions import ConfigSection, Report, SyncContext, register_section
from app.tenancy.models import ALLOWED_PARENT_KINDS, TENANT_KINDS, Tenant
from app.tenancy.services import SLUG_PATTERN, SUPPORTED_LOCALES, valid_timezone

PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{5,30}$")
TEXT_LIMITS = {"name": 100, "description": 2000, "contact_person": 50, "address": 200, "email": 120}
KEYS = ("slug", "name", "kind", "parent", "description", "contact_person", "phone", "email", "address",
        "locale", "timezone")
DEFAULTS = {"description": "", "contact_person": "", "phone": "", "email": "", "address": "",
            "locale": "zh_CN", "timezone": "Asia/Shanghai", "parent": None}


def validate_tenant(raw, report: Report, context: SyncContext) -> dict:
    if not isinstance(raw, dict):
        report.error("tenant", "must be a table")
        return {}
    clean = dict(DEFAULTS)
    for key, value in raw.items():
        if key not in KEYS:
            report.error(f"tenant.{key}", "unknown key")
        elif not isinstance(value, str):
            report.error(f"tenant.{key}", "must be text")
        else:
            clean[key] = value.strip()
    for key in ("slug", "name", "kind"):
        if key not in raw:
            report.error(f"tenant.{key}", "is required")
        elif isinstance(raw[key], str) and not clean[key]:
            report.error(f"tenant.{key}", "must not be empty")
    slug = clean.get("slug") or ""
    if slug and not SLUG_PATTERN.match(slug):
        report.error("tenant.slug", "use 1-40 lowercase letters, digits and hyphens")
    kind = clean.get("kind")
    if kind and kind not in TENANT_KINDS:
        report.error("tenant.kind", f"must be one of {', '.join(TENANT_KINDS)}")
    for key, limit in TEXT_LIMITS.items():
        if len(clean.get(key) or "") > limit:
            report.error(f"tenant.{key}", f"longer than {limit} characters")
    parent = clean.get("parent") or None
    clean["parent"] = parent
    if parent:
        parent_kind = context.kind_of(parent)
        if parent == slug:
            report.error("tenant.parent", "a tenant cannot be its own parent")
        elif parent_kind is None:
            report.error("tenant.parent", f"no tenant '{parent}' in these files or the database")
        elif kind in ALLOWED_PARENT_KINDS and parent_kind not in ALLOWED_PARENT_KINDS[kind]:
            report.error("tenant.parent", f"a {kind} cannot sit under a {parent_kind}")
    elif kind in ALLOWED_PARENT_KINDS and None not in ALLOWED_PARENT_KINDS[kind]:
        report.error("tenant.parent", f"a {kind} needs a parent")
    if slug and kind in TENANT_KINDS:
        for child, child_kind in context.existing_children_of(slug):
            if child_kind in ALLOWED_PARENT_KINDS and kind not in ALLOWED_PARENT_KINDS[child_kind]:
                report.error("tenant.kind", f"'{child}' (a {child_kind}) cannot sit under a {kind}")
    if clean["locale"] not in SUPPORTED_LOCALES:
        report.error("tenant.locale", f"must be one of {', '.join(SUPPORTED_LOCALES)}")
    if not valid_timezone(clean["timezone"]):
        report.error("tenant.timezone", "unknown timezone (e.g. Asia/Shanghai)")
    if clean["email"]:
        try:
            validate_email(clean["email"], check_deliverability=False)
        except EmailNotValidError:
            report.error("tenant.email", "not a valid e-mail address")
    if clean["phone"] and not PHONE_PATTERN.match(clean["phone"]):
        report.error("tenant.phone", "not a valid phone number")
    return clean


def apply_tenant(tenant: Tenant, clean: dict, actor) -> list[str]:
    """Fields are applied by the sync service itself (the tenant row must exist first)."""
    return []


def export_tenant(tenant: Tenant) -> dict:
    document = {"slug": tenant.slug, "name": tenant.name, "kind": tenant.kind}
    if tenant.parent is not None:
        document["parent"] = tenant.parent.slug
    for key in ("description", "contact_person", "phone", "email", "address", "locale", "timezone"):
        document[key] = getattr(tenant, key)
    return document


register_section(ConfigSection(key="tenant", validate=validate_tenant, apply=apply_tenant,
                               export=export_tenant, required=True, order=0))
