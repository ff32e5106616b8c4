"""The one audit service every state change goes through."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.core.timeutil import local_midnight_as_utc
from app.extensions import db

AUDIT_IP_KEY = "audit_ip"


def _plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return value


def changed_values(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record(action: str, *, actor=None, tenant=None, obj=None, object_type: str = "",
           object_ref: str = "", object_label: str = "", before: dict | None = None,
           after: dict | None = None) -> AuditEntry:
    """Add an audit row in the current transaction (flushed with the change it records)."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_ref = object_ref or str(getattr(obj, "number", None) or getattr(obj, "id", "") or "")
        object_label = object_label or str(getattr(obj, "audit_label", "") or "")
    tenant_id = tenant.id if tenant is not None else getattr(obj, "tenant_id", None)
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_ref=object_ref,
        object_label=object_label[:200],
        before=_plain(before) if before else None,
        after=_plain(after) if after else None,
        ip_address=db.session.info.get(AUDIT_IP_KEY, ""),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def search_entries(*, action: str = "", actor_text: str = "", object_type: str = "",
                   date_from: date | None = None, date_to: date | None = None,
                   tz: ZoneInfo | None = None):
    """The current tenant's audit entries, newest first, filtered (a select to page)."""
    from app.accounts.models import User

    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if actor_text:
        pattern = f"%{actor_text}%"
        query = query.join(AuditEntry.actor).where(
            User.name.ilike(pattern) | User.email.ilike(pattern) | User.mobile.ilike(pattern)
        )
    tz = tz or ZoneInfo("Asia/Shanghai")
    if date_from:
        query = query.where(AuditEntry.created_at >= local_midnight_as_utc(date_from, tz))
    if date_to:
        query = query.where(AuditEntry.created_at < local_midnight_as_utc(date_to + timedelta(days=1), tz))
    return query
