"""Funds, donations and transfers. No Flask request objects here."""

import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from app.audit import services as audit
from app.extensions import db
from app.funds import ledger
from app.funds.ledger import Line
from app.funds.models import (
    CATEGORY_CASH,
    CATEGORY_IN_KIND,
    CATEGORY_INCOME,
    CATEGORY_RESTRICTED,
    CHANNELS,
    DONOR_TYPES,
    Donation,
    DonationDesignation,
    DonationItem,
    Donor,
    Fund,
    JournalEntry,
)

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10
CHANNELS_NEEDING_REFERENCE = ("bank_transfer", "online_platform")
# One gift above ¥100,000,000 is a typing mistake in a community fund, and it keeps sums far from overflow.
MAX_DONATION_FEN = 100_000_000 * 100


class FundError(ValueError):
    """A funds rule refused the request; the message is for the user."""


class DuplicateDonation(FundError):
    pass


def funds() -> list[Fund]:
    return db.session.scalars(select(Fund).order_by(Fund.position, Fund.id)).all()


def get_fund(key: str) -> Fund | None:
    return db.session.scalar(select(Fund).where(Fund.key == key))


def default_fund() -> Fund | None:
    return db.session.scalar(select(Fund).order_by(Fund.is_default.desc(), Fund.position, Fund.id).limit(1))


# --- receipt codes ----------------------------------------------------------------------

def new_receipt_code() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def normalise_receipt_code(text: str) -> str | None:
    """What a donor typed (any case, spaces or dashes) as a stored code, or None if it cannot be one."""
    code = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(code) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in code):
        return None
    return code


def display_receipt_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


# --- donors -----------------------------------------------------------------------------

def find_donors(text: str, limit: int = 10) -> list[Donor]:
    text = (text or "").strip()
    if not text:
        return []
    pattern = f"%{text}%"
    return db.session.scalars(
        select(Donor).where(or_(Donor.name.ilike(pattern), Donor.phone.ilike(pattern))).order_by(Donor.name).limit(limit)
    ).all()


def donor_query(search: str = ""):
    query = select(Donor).order_by(Donor.name, Donor.id)
    if search.strip():
        pattern = f"%{search.strip()}%"
        query = query.where(or_(Donor.name.ilike(pattern), Donor.phone.ilike(pattern)))
    return query


def get_donor(number: int) -> Donor | None:
    return db.session.scalar(select(Donor).where(Donor.number == number))


def find_or_create_donor(*, name: str, donor_type: str, phone: str = "", actor=None) -> Donor:
    """The donor with this name and phone (or this name and type when no phone is given), else a new one."""
    name, phone = name.strip(), (phone or "").strip()
    if donor_type not in DONOR_TYPES:
        raise FundError(_l("Choose a donor type."))
    if not name:
        raise FundError(_l("Give the donor's name."))
    query = select(Donor).where(Donor.name == name)
    query = query.where(Donor.phone == phone) if phone else query.where(Donor.donor_type == donor_type)
    donor = db.session.scalars(query.order_by(Donor.id).limit(1)).first()
    if donor is None:
        donor = Donor(name=name, donor_type=donor_type, phone=phone)
        db.session.add(donor)
        db.session.flush()
        audit.record("donor.created", actor=actor, obj=donor, after={"name": name, "type": donor_type})
    return donor


# --- donations --------------------------------------------------------------------------

@dataclass
class ItemInput:
    description: str
    quantity: int
    unit: str
    unit_value_fen: int


@dataclass
class DonationInput:
    donor_name: str
    donor_type: str
    channel: str
    fund: Fund
    received_on: date
    amount_fen: int | None = None
    items: list[ItemInput] = field(default_factory=list)
    donor_phone: str = ""
    donor: Donor | None = None
    reference: str = ""
    restricted: bool = False
    anonymous: bool = False
    note: str = ""
    idempotency_key: str | None = None
    project: object | None = None  # a Project raising money: the gift is designated to it (专款专用)


def validate_donation(data: DonationInput, today: date) -> list[str]:
    """Every problem with ``data`` (empty when it can be recorded)."""
    problems = []
    if data.channel not in CHANNELS:
        problems.append(_l("Choose a channel."))
    if data.donor is None and data.donor_type not in DONOR_TYPES:
        problems.append(_l("Choose a donor type."))
    if data.donor is None and not data.donor_name.strip():
        problems.append(_l("Give the donor's name."))
    if data.channel == "in_kind":
        if data.restricted:
            problems.append(_l("Goods in kind cannot be restricted money; record them unrestricted."))
        if not data.items:
            problems.append(_l("List the donated items."))
        for item in data.items:
            if not item.description.strip() or item.quantity <= 0 or item.unit_value_fen <= 0:
                problems.append(_l("Every item needs a description, a quantity and a value above zero."))
                break
    elif not data.amount_fen or data.amount_fen <= 0:
        problems.append(_l("The amount must be greater than zero."))
    total = sum(item.quantity * item.unit_value_fen for item in data.items) if data.channel == "in_kind" \
        else (data.amount_fen or 0)
    if total > MAX_DONATION_FEN:
        problems.append(_l("One donation cannot be more than ¥100,000,000. Check the amount."))
    if data.channel in CHANNELS_NEEDING_REFERENCE and not data.reference.strip():
        problems.append(_l("Give the transfer or platform reference number."))
    if data.received_on > today:
        problems.append(_l("The date cannot be in the future."))
    if (data.restricted or data.project is not None) and not data.fund.accepts_restricted:
        problems.append(_l("%(fund)s does not accept restricted (designated) money.", fund=data.fund.name))
    if data.project is not None:
        from app.projects.models import ACCEPTS_DONATIONS_STATES

        if data.project.status not in ACCEPTS_DONATIONS_STATES:
            problems.append(_l("Project #%(number)s is not raising money.", number=data.project.number))
        if data.channel == "in_kind":
            problems.append(_l("Goods in kind cannot be designated to a project; record them for the fund."))
    return problems


def record_donation(data: DonationInput, *, actor, today: date) -> tuple[Donation, bool]:
    """Record a donation once: returns (donation, created). A repeated idempotency key returns the first."""
    if data.idempotency_key:
        existing = db.session.scalar(select(Donation).where(Donation.idempotency_key == data.idempotency_key))
        if existing is not None:
            return _same_submission(existing, data), False
    if data.project is not None:
        from app.spending.money import lock_project

        lock_project(data.project)  # a close or cancel running now finishes first; then its state is read again
        db.session.refresh(data.project, ["status"])
    problems = validate_donation(data, today)
    if problems:
        raise FundError(problems[0])
    reference = data.reference.strip()
    if reference and db.session.scalar(select(Donation.id).where(Donation.channel == data.channel,
                                                                 Donation.reference == reference,
                                                                 Donation.reversal_entry_id.is_(None))):
        raise DuplicateDonation(_l("A donation with this channel and reference number is already recorded."))
    try:
        with ledger.batch_checkpoint(), db.session.begin_nested():
            donation = _book_donation(data, reference, actor)
            if data.project is not None:
                from app.matching.services import match_donation

                match_donation(donation, today=today, actor=actor)
    except IntegrityError:
        if data.idempotency_key:
            existing = db.session.scalar(select(Donation).where(Donation.idempotency_key == data.idempotency_key))
            if existing is not None:
                return existing, False
        raise DuplicateDonation(_l("A donation with this channel and reference number is already recorded.")) from None
    return donation, True


def _same_submission(existing: Donation, data: DonationInput) -> Donation:
    """A repeated form: the same donation again is fine; different data under the same key is refused."""
    amount = sum(item.quantity * item.unit_value_fen for item in data.items) if data.channel == "in_kind" \
        else data.amount_fen
    if (existing.amount_fen, existing.channel, existing.fund_id) != (amount, data.channel, data.fund.id) or (
            data.donor is None and existing.donor.name != data.donor_name.strip()):
        raise FundError(_l("This form was already submitted for another donation. Reload the page to record a new one."))
    return existing


def _book_donation(data: DonationInput, reference: str, actor) -> Donation:
    fund = data.fund
    donor = data.donor or find_or_create_donor(name=data.donor_name, donor_type=data.donor_type,
                                               phone=data.donor_phone, actor=actor)
    in_kind = data.channel == "in_kind"
    amount = sum(item.quantity * item.unit_value_fen for item in data.items) if in_kind else data.amount_fen
    restricted = data.restricted or data.project is not None
    money_category = CATEGORY_IN_KIND if in_kind else (CATEGORY_RESTRICTED if restricted else CATEGORY_CASH)
    money_account = ledger.project_account(fund, data.project) if data.project is not None \
        else ledger.fund_account(fund, money_category)
    source = "in_kind" if in_kind else f"donation_{donor.donor_type}"
    memo = f"捐赠 {donor.name}" + (f"（定向：项目 #{data.project.number}）" if data.project is not None else "")
    entry = ledger.post_entry(
        tenant_id=fund.tenant_id, occurred_on=data.received_on, kind="donation",
        memo=memo, actor=actor, idempotency_key=data.idempotency_key,
        lines=[Line(money_account, amount), Line(ledger.fund_account(fund, CATEGORY_INCOME, source), -amount)],
    )
    donation = Donation(tenant_id=fund.tenant_id, donor=donor, channel=data.channel, reference=reference,
                        amount_fen=amount, fund=fund, restricted=restricted, anonymous=data.anonymous,
                        received_on=data.received_on, note=data.note.strip()[:300], receipt_code=_unused_code(),
                        entry_id=entry.id, idempotency_key=data.idempotency_key,
                        recorded_by_id=actor.id if actor is not None else None)
    db.session.add(donation)
    if data.project is not None:
        db.session.add(DonationDesignation(tenant_id=fund.tenant_id, donation=donation, project_id=data.project.id))
    for item in data.items if in_kind else []:
        db.session.add(DonationItem(tenant_id=fund.tenant_id, donation=donation, description=item.description.strip(),
                                    quantity=item.quantity, unit=item.unit.strip(), unit_value_fen=item.unit_value_fen))
    db.session.flush()
    audit.record("donation.recorded", actor=actor, obj=donation,
                 after={"donor": donor.name, "amount_fen": amount, "channel": data.channel, "fund": fund.key,
                        "restricted": restricted, "anonymous": data.anonymous, "receipt": donation.receipt_code,
                        **({"project": data.project.number} if data.project is not None else {})})
    return donation


def _unused_code() -> str:
    """A fresh receipt code (codes are unique across all tenants, so traces never collide)."""
    from app.tenancy.scoping import ALL_TENANTS

    while True:
        code = new_receipt_code()
        taken = db.session.scalar(select(Donation.id).where(Donation.receipt_code == code)
                                  .execution_options(**ALL_TENANTS))
        if taken is None:
            return code


def reverse_donation(donation: Donation, *, reason: str, actor, today: date) -> Donation:
    """Undo a mistaken donation with a reversing entry; the donation stays, marked reversed."""
    if donation.is_reversed:
        raise FundError(_l("This donation has already been reversed."))
    try:
        with db.session.begin_nested():
            reversal = ledger.reverse_entry(donation.entry, reason=reason, actor=actor, occurred_on=today)
    except IntegrityError:
        raise FundError(_l("This donation has already been reversed.")) from None
    donation.reversal_entry_id = reversal.id
    db.session.flush()
    if donation.designation is not None:
        from app.matching.services import unmatch_donation

        unmatch_donation(donation, today=today, actor=actor)
    audit.record("donation.reversed", actor=actor, obj=donation, after={"reason": reason})
    return donation


def get_donation(number: int) -> Donation | None:
    return db.session.scalar(select(Donation).where(Donation.number == number))


def donation_for_receipt(code: str) -> Donation | None:
    normalised = normalise_receipt_code(code)
    if normalised is None:
        return None
    return db.session.scalar(select(Donation).where(Donation.receipt_code == normalised))


def latest_donations(limit: int, *, public: bool = False) -> list[Donation]:
    """The newest donations without counting them all (dashboards, the public page)."""
    return db.session.scalars(donations_query(public=public).limit(limit)).all()


def donations_query(*, search: str = "", fund_key: str = "", public: bool = False):
    query = (select(Donation).join(Donation.donor).options(contains_eager(Donation.donor))
             .order_by(Donation.received_on.desc(), Donation.id.desc()))
    if public:
        query = query.where(Donation.reversal_entry_id.is_(None))
    if fund_key:
        query = query.join(Donation.fund).where(Fund.key == fund_key)
    if search.strip():
        pattern = f"%{search.strip()}%"
        query = query.where(or_(Donor.name.ilike(pattern), Donation.reference.ilike(pattern)))
    return query


# --- moving money between funds ---------------------------------------------------------

def transfer(*, source: Fund, target: Fund, amount_fen: int, reason: str, actor, occurred_on: date,
             today: date | None = None, idempotency_key: str | None = None):
    """Allocate money from one fund to another (cash to cash), refusing overdrafts.

    The date may not be in the future nor before the source fund's latest movement, so the
    money really was there on that day and published monthly statements never go negative.
    """
    if idempotency_key:
        existing = db.session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    if source.id == target.id:
        raise FundError(_l("Choose two different funds."))
    if amount_fen <= 0:
        raise FundError(_l("The amount must be greater than zero."))
    if not reason.strip():
        raise FundError(_l("Give a reason for moving the money."))
    if today is not None and occurred_on > today:
        raise FundError(_l("The date cannot be in the future."))
    latest = ledger.latest_movement(ledger.fund_account(source, CATEGORY_CASH))
    if latest is not None and occurred_on < latest:
        raise FundError(_l("Date the transfer on or after %(date)s, the last movement of %(fund)s.",
                           date=latest.isoformat(), fund=source.name))
    entry = ledger.post_entry(
        tenant_id=source.tenant_id, occurred_on=occurred_on, kind="transfer", idempotency_key=idempotency_key,
        memo=f"调拨 {source.name} → {target.name}", actor=actor, reason=reason.strip(),
        lines=[Line(ledger.fund_account(target, CATEGORY_CASH), amount_fen),
               Line(ledger.fund_account(source, CATEGORY_CASH), -amount_fen)],
    )
    return entry


def donor_totals(donor: Donor) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(Donation.amount_fen), 0)).where(
        Donation.donor_id == donor.id, Donation.reversal_entry_id.is_(None))) or 0)


def donor_donations(donor: Donor, year: int | None = None) -> list[Donation]:
    query = select(Donation).where(Donation.donor_id == donor.id).order_by(Donation.received_on, Donation.id)
    if year is not None:
        query = query.where(Donation.received_on >= date(year, 1, 1), Donation.received_on <= date(year, 12, 31))
    return db.session.scalars(query).all()


def donor_years(donor: Donor) -> list[int]:
    return sorted({donation.received_on.year for donation in donor_donations(donor)}, reverse=True)


# --- funds edited by staff --------------------------------------------------------------

def tenant_purposes(tenant) -> list[str]:
    return list((tenant.settings or {}).get("purposes") or [])


def save_fund(tenant, *, fund: Fund | None, key: str, name: str, description: str, purposes: list[str],
              is_default: bool, accepts_restricted: bool, actor) -> Fund:
    """Create or edit a fund (staff); its ledger accounts are created with it."""
    from app.funds.ledger import ensure_fund_accounts

    allowed = tenant_purposes(tenant)
    unknown = [purpose for purpose in purposes if purpose not in allowed]
    if unknown:
        raise FundError(_l("Unknown purpose: %(names)s", names="、".join(unknown)))
    if fund is None:
        if get_fund(key) is not None:
            raise FundError(_l("A fund with this key already exists."))
        fund = Fund(tenant_id=tenant.id, key=key, name=name.strip(), position=len(funds()))
        db.session.add(fund)
        before = {}
    else:
        before = {"name": fund.name, "description": fund.description, "purposes": list(fund.purposes),
                  "default": fund.is_default, "accepts_restricted": fund.accepts_restricted}
        if fund.accepts_restricted and not accepts_restricted and ledger_restricted_balance(fund):
            raise FundError(_l("This fund still holds restricted money; it must keep accepting it."))
    fund.name, fund.description, fund.purposes = name.strip(), description.strip(), list(purposes)
    fund.is_default, fund.accepts_restricted = is_default, accepts_restricted
    db.session.flush()
    if is_default:
        for other in funds():
            if other.id != fund.id:
                other.is_default = False
    ensure_fund_accounts(fund)
    after = {"name": fund.name, "description": fund.description, "purposes": list(fund.purposes),
             "default": fund.is_default, "accepts_restricted": fund.accepts_restricted}
    old, new = audit.changed_values(before, after)
    audit.record("fund.created" if not before else "fund.updated", actor=actor, obj=fund, before=old or None,
                 after=new)
    return fund


def ledger_restricted_balance(fund: Fund) -> int:
    from app.funds.ledger import fund_account

    return fund_account(fund, CATEGORY_RESTRICTED).balance_fen
