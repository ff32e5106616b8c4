"""Needs: submission (public form or staff at the counter), support, triage at scale.

Every status change goes through :func:`_move`, which checks the transition table, writes
the submitter-visible event and the audit entry. Keyword search is a plain substring
match (``LIKE``), which works for Chinese text without word segmentation on both
databases; at 邹城's size (7,000+ needs) the filtered scan stays in milliseconds (see
``bench/needs.py``).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from app.audit import services as audit
from app.core.timeutil import local_midnight_as_utc, utcnow
from app.extensions import db
from app.needs.models import (
    NEED_ACCEPTED,
    NEED_DECLINED,
    NEED_IN_PROJECT,
    NEED_MERGED,
    NEED_NEW,
    SOURCE_COUNTER,
    SOURCE_PUBLIC,
    Need,
    NeedEvent,
    NeedSupport,
)

# Which status may follow which: the triage workflow as a table.
NEXT_STATES = {
    NEED_NEW: (NEED_ACCEPTED, NEED_DECLINED, NEED_MERGED, NEED_IN_PROJECT),
    NEED_ACCEPTED: (NEED_DECLINED, NEED_MERGED, NEED_IN_PROJECT),
    NEED_IN_PROJECT: (NEED_ACCEPTED,),  # released when its project is cancelled or unlinked
    NEED_DECLINED: (),
    NEED_MERGED: (),
}
STATUS_LABELS = {
    NEED_NEW: _l("New"),
    NEED_ACCEPTED: _l("Accepted"),
    NEED_IN_PROJECT: _l("In a project"),
    NEED_MERGED: _l("Merged"),
    NEED_DECLINED: _l("Declined"),
}
SORTS = ("newest", "oldest", "support")
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MAX_BULK = 200


class NeedError(Exception):
    pass


@dataclass
class NeedInput:
    category: str
    description: str
    building: str
    location: str
    contact_name: str
    contact_phone: str
    photo_key: str | None = None


def new_status_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def submit_need(data: NeedInput, *, categories: list[str], actor=None) -> Need:
    """A need from the public form (``actor`` None) or entered by staff at the counter."""
    if data.category not in categories:
        raise NeedError(_l("Choose one of the categories."))
    need = Need(status_code=new_status_code(), category=data.category, description=data.description.strip(),
                building=data.building.strip(), location=data.location.strip(), contact_name=data.contact_name.strip(),
                contact_phone=data.contact_phone.strip(), photo_key=data.photo_key,
                source=SOURCE_COUNTER if actor else SOURCE_PUBLIC, entered_by_id=actor.id if actor else None)
    db.session.add(need)
    db.session.flush()
    db.session.add(NeedEvent(tenant_id=need.tenant_id, need=need, status=NEED_NEW))
    audit.record("need.submit", actor=actor, obj=need, after={"category": need.category, "source": need.source})
    return need


def get_need(number: int) -> Need | None:
    return db.session.scalar(select(Need).where(Need.number == number))


def get_by_code(code: str) -> Need | None:
    code = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    if len(code) != 10:
        return None
    return db.session.scalar(select(Need).where(Need.status_code == code))


def needs_by_numbers(numbers: list[int]) -> list[Need]:
    if not numbers:
        return []
    return list(db.session.scalars(select(Need).where(Need.number.in_(numbers)).order_by(Need.number)))


def supporter_key(*, user=None, visitor: str = "") -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.id}"
    return "visitor:" + hashlib.sha256(visitor.encode()).hexdigest()[:40]


def support(need: Need, key: str) -> bool:
    """Add one person's +1; False when they already support it (or it is no longer open)."""
    if not need.is_open:
        return False
    if db.session.scalar(select(NeedSupport.id).where(NeedSupport.need_id == need.id,
                                                      NeedSupport.supporter_key == key)):
        return False
    db.session.add(NeedSupport(tenant_id=need.tenant_id, need_id=need.id, supporter_key=key))
    db.session.flush()
    db.session.execute(update(Need).where(Need.id == need.id).values(support_count=Need.support_count + 1))
    db.session.refresh(need, ["support_count"])
    return True


def supported_by(need: Need, key: str) -> bool:
    return bool(db.session.scalar(select(NeedSupport.id).where(NeedSupport.need_id == need.id,
                                                               NeedSupport.supporter_key == key)))


@dataclass
class NeedFilters:
    status: str = ""
    category: str = ""
    building: str = ""
    search: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"


def needs_query(filters: NeedFilters, tz):
    query = select(Need)
    if filters.status:
        query = query.where(Need.status == filters.status)
    if filters.category:
        query = query.where(Need.category == filters.category)
    if filters.building:
        query = query.where(Need.building.ilike(f"%{filters.building}%"))
    if filters.search:
        pattern = f"%{filters.search}%"
        conditions = [Need.description.ilike(pattern), Need.location.ilike(pattern), Need.building.ilike(pattern),
                      Need.contact_name.ilike(pattern)]
        if filters.search.isdigit() and len(filters.search) < 10:
            conditions.append(Need.number == int(filters.search))
        query = query.where(or_(*conditions))
    if filters.date_from:
        query = query.where(Need.submitted_at >= local_midnight_as_utc(filters.date_from, tz))
    if filters.date_to:
        query = query.where(Need.submitted_at < local_midnight_as_utc(filters.date_to + timedelta(days=1), tz))
    order = {"oldest": (Need.submitted_at, Need.id), "support": (Need.support_count.desc(), Need.id.desc())}
    return query.order_by(*order.get(filters.sort, (Need.submitted_at.desc(), Need.id.desc())))


def counts_by_status() -> dict[str, int]:
    return dict(db.session.execute(select(Need.status, func.count(Need.id)).group_by(Need.status)).all())


def buildings() -> list[str]:
    return list(db.session.scalars(select(Need.building).where(Need.building != "").group_by(Need.building)
                                   .order_by(Need.building).limit(500)))


def _move(need: Need, status: str, *, actor, note: str = "", audit_action: str = "") -> None:
    if status not in NEXT_STATES[need.status]:
        raise NeedError(_l("Need #%(number)s is “%(status)s” and cannot become “%(target)s”.", number=need.number,
                           status=STATUS_LABELS[need.status], target=STATUS_LABELS[status]))
    before = need.status
    need.status, need.status_reason, need.updated_at = status, str(note)[:300], utcnow()
    db.session.add(NeedEvent(tenant_id=need.tenant_id, need=need, status=status, note=str(note)[:300]))
    audit.record(audit_action or f"need.{status}", actor=actor, obj=need, before={"status": before},
                 after={"status": status, **({"note": str(note)} if note else {})})


def _refuse_any(needs: list[Need], target: str) -> None:
    problems = [need for need in needs if target not in NEXT_STATES[need.status]]
    if problems:
        numbers = "、".join(f"#{need.number}" for need in problems)
        raise NeedError(_l("These needs cannot become “%(target)s”: %(numbers)s. Nothing was changed.",
                           target=STATUS_LABELS[target], numbers=numbers))


def _check_bulk(needs: list[Need]) -> None:
    if not needs:
        raise NeedError(_l("Select at least one need."))
    if len(needs) > MAX_BULK:
        raise NeedError(_l("Select at most %(count)s needs at a time.", count=MAX_BULK))


def accept(needs: list[Need], *, actor) -> int:
    _check_bulk(needs)
    _refuse_any(needs, NEED_ACCEPTED)
    for need in needs:
        _move(need, NEED_ACCEPTED, actor=actor)
    return len(needs)


def decline(needs: list[Need], *, reason: str, actor) -> int:
    _check_bulk(needs)
    reason = (reason or "").strip()
    if not reason:
        raise NeedError(_l("Give the reason for declining; the submitter will see it."))
    _refuse_any(needs, NEED_DECLINED)
    for need in needs:
        _move(need, NEED_DECLINED, actor=actor, note=reason)
    return len(needs)


def merge(needs: list[Need], *, into: Need, actor) -> int:
    """Merge duplicates into ``into``: their supporters join it (each person still counted once)."""
    duplicates = [need for need in needs if need.id != into.id]
    _check_bulk(duplicates)
    if not into.is_open:
        raise NeedError(_l("Merge into a need that is new or accepted (#%(number)s is “%(status)s”).",
                           number=into.number, status=STATUS_LABELS[into.status]))
    _refuse_any(duplicates, NEED_MERGED)
    keys = set(db.session.scalars(select(NeedSupport.supporter_key).where(NeedSupport.need_id == into.id)))
    for need in duplicates:
        for support_row in db.session.scalars(select(NeedSupport).where(NeedSupport.need_id == need.id)):
            if support_row.supporter_key not in keys:
                keys.add(support_row.supporter_key)
                db.session.add(NeedSupport(tenant_id=into.tenant_id, need_id=into.id,
                                           supporter_key=support_row.supporter_key))
        need.merged_into = into
        _move(need, NEED_MERGED, actor=actor, note=_l("Merged into need #%(number)s", number=into.number))
    db.session.flush()
    into.support_count = db.session.scalar(select(func.count(NeedSupport.id)).where(NeedSupport.need_id == into.id))
    return len(duplicates)


def move_to_project(need: Need, project, *, actor) -> None:
    if need.project_id == project.id:
        return
    need.project = project
    _move(need, NEED_IN_PROJECT, actor=actor, note=_l("Taken up in project #%(number)s: %(title)s",
                                                      number=project.number, title=project.title))


def release_from_project(need: Need, *, actor, note) -> None:
    need.project = None
    _move(need, NEED_ACCEPTED, actor=actor, note=note, audit_action="need.release")


def waiting_for_triage() -> int:
    return db.session.scalar(select(func.count(Need.id)).where(Need.status == NEED_NEW)) or 0
