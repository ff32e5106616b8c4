"""``tenants sync``: validate every file first, then apply them all in one transaction."""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.audit import services as audit
from app.core import storage
from app.extensions import db
from app.tenancy import definitions
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from app.tenancy.services import LogoError, reencode_logo

TENANT_FIELDS = ("name", "kind", "description", "contact_person", "phone", "email", "address", "locale", "timezone")


@dataclass
class SyncResult:
    problems: list[definitions.Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sync(paths: list[Path], *, upload_root: Path, logo_limits: dict, create_only: bool = False) -> SyncResult:
    """Create or update tenants from files; applies nothing if any file has a problem.

    With ``create_only`` existing tenants are left as they are, so edits made in the UI
    (the source of truth after import) survive ``make run``.
    """
    result = SyncResult()
    files = definitions.read_files(paths, result.problems)
    parent = aliased(Tenant)
    rows = db.session.execute(
        select(Tenant.slug, Tenant.kind, parent.slug).outerjoin(parent, Tenant.parent_id == parent.id)
    ).all()
    existing = {slug: definitions.ExistingTenant(kind, parent_slug) for slug, kind, parent_slug in rows}
    context = definitions.SyncContext(files=files, existing=existing)
    result.problems.extend(definitions.validate(files, context))
    logos: dict[str, bytes] = {}
    for tenant_file in files:
        if tenant_file.logo is not None:
            try:
                logos[tenant_file.slug] = reencode_logo(tenant_file.logo.read_bytes(), **logo_limits)
            except LogoError as exc:
                result.problems.append(definitions.Problem(str(tenant_file.logo), "logo", str(exc)))
    if result.problems:
        return result
    for tenant_file in definitions.parents_first(files):
        _apply_file(tenant_file, logos.get(tenant_file.slug), result, upload_root, create_only)
    return result


def _apply_file(tenant_file, logo: bytes | None, result: SyncResult, upload_root: Path, create_only: bool) -> None:
    clean = tenant_file.clean["tenant"]
    slug = clean["slug"]
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None and create_only:
        result.skipped.append(slug)
        return
    created = tenant is None
    if created:
        tenant = Tenant(slug=slug)
        db.session.add(tenant)
    before = {name: getattr(tenant, name) for name in TENANT_FIELDS} | {
        "parent": tenant.parent.slug if tenant.parent else None, "logo": tenant.logo_key}
    for name in TENANT_FIELDS:
        setattr(tenant, name, clean[name])
    parent = clean["parent"]
    tenant.parent = db.session.scalar(select(Tenant).where(Tenant.slug == parent)) if parent else None
    db.session.flush()
    if logo is not None:
        tenant.logo_key = storage.save(upload_root, tenant.id, "logo", logo, suffix=".png")
    after = {name: getattr(tenant, name) for name in TENANT_FIELDS} | {"parent": parent, "logo": tenant.logo_key}
    changes: list[str] = []
    with tenant_scope(db.session, tenant.id):
        for section in definitions.ordered_sections():
            if section.key in tenant_file.clean and section.key != "tenant":
                changes.extend(section.apply(tenant, tenant_file.clean[section.key], None))
    old, new = audit.changed_values(before, after)
    if created:
        result.created.append(slug)
        audit.record("tenant.created", tenant=tenant, obj=tenant, object_ref=slug, object_label=tenant.name, after=after)
    elif new or changes:
        result.updated[slug] = sorted(new) + changes
        audit.record("tenant.synced", tenant=tenant, obj=tenant, object_ref=slug, object_label=tenant.name,
                     before=old, after=new | ({"sections": changes} if changes else {}))
    else:
        result.unchanged.append(slug)
    db.session.flush()
