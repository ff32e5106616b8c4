"""Needs: submission (public form or staff at the counter), support, triage at scale.

Every status change goes through :func:`_move`, which checks the transition table, writes
the submitter-visible event and the audit entry. Keyword search is a plain substring
match (``LIKE``), which works for Chinese text without word segmentation on both
databases; at 邹城's size (7,000+ needs) the filtered scan stays in milliseconds (see
``bench/needs.py``).
"""

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.core import images
from app.core.timeutil import local_midnight_as_utc, utcnow
from app.extensions import db
from app.needs.models import (
    NEED_ACCEPTED,
    NEED_DECLINED,
    NEED_IN_PROJECT,
    NEED_MERGED,
    NEED_NEW,
    OPEN_NEED_STATES,
    SOURCE_COUNTER,
    SOURCE_PUBLIC,
    Need,
    NeedEvent,
    NeedSupport,
)
from app.tenancy.services import in_tenant_language

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
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 1600


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


def display_code(code: str) -> str:
    """A status code as printed for people: ``ABCD-EFGH-JK`` (any spelling of it is accepted back)."""
    code = (code or "").upper()
    return "-".join(part for part in (code[:4], code[4:8], code[8:]) if part)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:40]


def mask_phone(phone: str) -> str:
    """A phone number for public pages: ``138****0001`` (never the whole number)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def reencode_photo(data: bytes, *, max_bytes: int = PHOTO_MAX_BYTES, max_pixels: int = PHOTO_MAX_PIXELS,
                   max_side: int = PHOTO_MAX_SIDE) -> bytes:
    """Check an uploaded photo (JPEG or PNG, size-capped) and re-encode it as a clean JPEG."""
    try:
        return images.reencode(data, max_bytes=max_bytes, max_pixels=max_pixels, max_side=max_side, output="JPEG")
    except images.ImageRejected as error:
        raise NeedError(str(error)) from error


def get_need(number: int) -> Need | None:
    return db.session.scalar(select(Need).where(Need.number == number))


def get_by_code(code: str) -> Need | None:
    code = normalise_code(code)
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
    if supported_by(need, key):
        return False
    try:
        with db.session.begin_nested():  # two taps at once: the unique constraint decides
            db.session.add(NeedSupport(tenant_id=need.tenant_id, need_id=need.id, supporter_key=key))
            db.session.flush()
    except IntegrityError:
        return False
    db.session.execute(update(Need).where(Need.id == need.id).values(support_count=Need.support_count + 1))
    db.session.refresh(need, ["support_count"])
    return True


def supported_by(need: Need, key: str) -> bool:
    return bool(db.session.scalar(select(NeedSupport.id).where(NeedSupport.need_id == need.id,
                                                               NeedSupport.supporter_key == key)))


def supported_numbers(needs: list[Need], key: str) -> set[int]:
    """Which of ``needs`` this person already supports (one query for a whole page)."""
    ids = {need.id: need.number for need in needs}
    if not ids:
        return set()
    found = db.session.scalars(select(NeedSupport.need_id).where(NeedSupport.need_id.in_(ids),
                                                                 NeedSupport.supporter_key == key))
    return {ids[need_id] for need_id in found}


@dataclass
class NeedFilters:
    status: str = ""
    category: str = ""
    building: str = ""
    search: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"


def _like(text: str) -> str:
    """``text`` for a LIKE pattern: ``%`` and ``_`` typed by a person mean themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matching(column, pattern: str, text: str):
    """``column LIKE pattern``, ignoring case only where the text has letters that have case.

    Chinese has none, and PostgreSQL's ILIKE costs several times LIKE on non-ASCII text.
    (SQLite's LIKE ignores ASCII case anyway.)
    """
    if any(ch.lower() != ch.upper() for ch in text):
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")


def _conditions(filters: NeedFilters, tz) -> list:
    conditions = []
    if filters.status:
        conditions.append(Need.status == filters.status)
    if filters.category:
        conditions.append(Need.category == filters.category)
    if filters.building:  # from the start: "3号楼" finds "3号楼2单元", not "13号楼" (the keyword finds any part)
        conditions.append(_matching(Need.building, _like(filters.building) + "%", filters.building))
    if filters.search:
        pattern = "%" + _like(filters.search) + "%"
        matches = [_matching(column, pattern, filters.search) for column in
                   (Need.description, Need.location, Need.building, Need.contact_name)]
        number = filters.search.lstrip("#")
        if number.isdigit() and len(number) < 10:
            matches.append(Need.number == int(number))
        conditions.append(or_(*matches))
    if filters.date_from:
        conditions.append(Need.submitted_at >= local_midnight_as_utc(filters.date_from, tz))
    if filters.date_to:
        conditions.append(Need.submitted_at < local_midnight_as_utc(filters.date_to + timedelta(days=1), tz))
    return conditions


def _ordered(query, sort: str):
    order = {"oldest": (Need.submitted_at, Need.id), "support": (Need.support_count.desc(), Need.id.desc())}
    return query.order_by(*order.get(sort, (Need.submitted_at.desc(), Need.id.desc())))


def needs_query(filters: NeedFilters, tz):
    """The triage list: every filter combined, in the chosen order."""
    return _ordered(select(Need).where(*_conditions(filters, tz)), filters.sort)


def public_needs_query(*, category: str = "", sort: str = "newest"):
    """Needs the public may see and support: new and accepted ones."""
    query = select(Need).where(Need.status.in_(OPEN_NEED_STATES))
    if category:
        query = query.where(Need.category == category)
    return _ordered(query, sort)


def counts_by_status(filters: NeedFilters | None = None, tz=None) -> dict[str, int]:
    """Needs per status; with ``filters``, those matching every filter but the status (the list's tabs)."""
    conditions = _conditions(replace(filters, status=""), tz) if filters is not None else []
    return dict(db.session.execute(select(Need.status, func.count(Need.id)).where(*conditions)
                                   .group_by(Need.status)).all())


def merged_from(need: Need) -> list[Need]:
    """The duplicates merged into ``need``."""
    return list(db.session.scalars(select(Need).where(Need.merged_into_id == need.id).order_by(Need.number)))


def buildings() -> list[str]:
    return list(db.session.scalars(select(Need.building).where(Need.building != "").group_by(Need.building)
                                   .order_by(Need.building).limit(500)))


def _move(need: Need, status: str, *, actor, note: str = "", audit_action: str = "") -> None:
    if status not in NEXT_STATES[need.status]:
        raise NeedError(_l("Need #%(number)s is “%(status)s” and cannot become “%(target)s”.", number=need.number,
                           status=STATUS_LABELS[need.status], target=STATUS_LABELS[status]))
    before = need.status
    note = in_tenant_language(need.tenant, note)
    need.status, need.status_reason, need.updated_at = status, note[:300], utcnow()
    db.session.add(NeedEvent(tenant_id=need.tenant_id, need=need, status=status, note=note[:300]))
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


def triage(action: str, numbers: list[int], *, reason: str = "", merge_into: int | None = None, actor) -> int:
    """Accept, decline or merge the needs with these numbers: all of them or none."""
    if not numbers:
        raise NeedError(_l("Select at least one need."))
    if len(numbers) > MAX_BULK:
        raise NeedError(_l("Select at most %(count)s needs at a time.", count=MAX_BULK))
    needs = needs_by_numbers(numbers)
    missing = sorted(set(numbers) - {need.number for need in needs})
    if missing:
        raise NeedError(_l("Need #%(number)s was not found.", number=missing[0]))
    if action == "accept":
        return accept(needs, actor=actor)
    if action == "decline":
        return decline(needs, reason=reason, actor=actor)
    into = get_need(merge_into) if merge_into is not None else None
    if into is None:
        raise NeedError(_l("Need #%(number)s was not found.", number=merge_into))
    if all(need.id == into.id for need in needs):
        raise NeedError(_l("Choose other needs to merge into #%(number)s; a need cannot be merged into itself.",
                           number=into.number))
    return merge(needs, into=into, actor=actor)


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
    _move(need, NEED_IN_PROJECT, actor=actor, note=_l("Taken up in project #%(number)s: %(title)s",
                                                      number=project.number, title=project.title))
    need.project = project


def release_from_project(need: Need, *, actor, note) -> None:
    need.project = None
    _move(need, NEED_ACCEPTED, actor=actor, note=note, audit_action="need.release")


def waiting_for_triage() -> int:
    return db.session.scalar(select(func.count(Need.id)).where(Need.status == NEED_NEW)) or 0
