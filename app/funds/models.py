"""Funds, the double-entry ledger, donors and donations. Money is integer fen."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.numbering import Numbered
from app.tenancy.scoping import TenantScoped

# Income sources (来源): the donor types, then the other kinds of income seen in the seeds.
DONOR_TYPES = ("person", "company", "shop", "co_building_unit", "party_member", "resident")
SOURCES = (*(f"donation_{kind}" for kind in DONOR_TYPES), "in_kind", "matching", "levy", "charity_sale", "event", "other")
CHANNELS = ("cash", "bank_transfer", "online_platform", "in_kind")

# Account categories. Fund money (cash, restricted, in kind, receivables) is debit-normal;
# income is credit-normal; expenses debit-normal. Postings: debit > 0, credit < 0.
CATEGORY_CASH = "fund_cash"
CATEGORY_RESTRICTED = "restricted"
CATEGORY_IN_KIND = "in_kind"
CATEGORY_RECEIVABLE = "receivable"
CATEGORY_INCOME = "income"
CATEGORY_EXPENSE = "expense"
CATEGORIES = (CATEGORY_CASH, CATEGORY_RESTRICTED, CATEGORY_IN_KIND, CATEGORY_RECEIVABLE, CATEGORY_INCOME,
              CATEGORY_EXPENSE)
# Money that can be spent or moved: these balances may never go below zero.
NON_NEGATIVE_CATEGORIES = (CATEGORY_CASH, CATEGORY_RESTRICTED, CATEGORY_IN_KIND)


class Fund(TenantScoped, db.Model):
    """A community fund (e.g. 慈善基金, 发展基金) with the purposes it may be spent on."""

    __tablename__ = "funds"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    purposes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    is_default: Mapped[bool] = mapped_column(nullable=False, default=False)
    accepts_restricted: Mapped[bool] = mapped_column(nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    @property
    def audit_label(self) -> str:
        return self.name


class LedgerAccount(TenantScoped, db.Model):
    """An account of the ledger; ``balance_fen`` caches the sum of its postings (same transaction)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("category IN (" + ", ".join(f"'{name}'" for name in CATEGORIES) + ")", name="category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), nullable=False)
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"), index=True)
    source: Mapped[str | None] = mapped_column(String(40))
    balance_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    fund: Mapped[Fund | None] = relationship()


class JournalEntry(Numbered, db.Model):
    """An immutable journal entry; corrections are reversing entries linked to the original."""

    __tablename__ = "journal_entries"
    __counter_name__ = "journal_entry"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "idempotency_key"),
        UniqueConstraint("reverses_id"),
        Index("ix_journal_entries_tenant_occurred", "tenant_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[date] = mapped_column(nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    memo: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    postings: Mapped[list["Posting"]] = relationship(back_populates="entry", order_by="Posting.id")
    reverses: Mapped["JournalEntry | None"] = relationship(remote_side=[id], foreign_keys=[reverses_id])

    @property
    def audit_label(self) -> str:
        return f"#{self.number} {self.memo}"


class Posting(TenantScoped, db.Model):
    """One line of an entry: debit > 0, credit < 0, in fen."""

    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="nonzero"),
        Index("ix_postings_account_entry", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"), nullable=False,
                                          index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship()


class LedgerMonthTotal(TenantScoped, db.Model):
    """Debits and credits per account and month, kept with every posting (same transaction).

    Disclosure pages and monthly statements read these instead of summing the whole history.
    """

    __tablename__ = "ledger_month_totals"
    __table_args__ = (UniqueConstraint("account_id", "month"), Index("ix_ledger_month_totals_tenant_month",
                                                                     "tenant_id", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), nullable=False)
    month: Mapped[date] = mapped_column(nullable=False)
    debit_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    credit_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    account: Mapped[LedgerAccount] = relationship()


class LedgerImmutableError(RuntimeError):
    """Journal entries and postings are never updated or deleted."""


def _refuse_change(mapper, connection, target):
    raise LedgerImmutableError(f"{type(target).__name__} rows are immutable; post a reversing entry instead.")


for _model in (JournalEntry, Posting):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)


class Donor(Numbered, db.Model):
    __tablename__ = "donors"
    __counter_name__ = "donor"
    __table_args__ = (UniqueConstraint("tenant_id", "number"), Index("ix_donors_tenant_name", "tenant_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    donor_type: Mapped[str] = mapped_column(String(30), nullable=False)
    phone: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    @property
    def audit_label(self) -> str:
        return self.name


class Donation(Numbered, db.Model):
    """A recorded gift, with its receipt code and the journal entry that booked it."""

    __tablename__ = "donations"
    __counter_name__ = "donation"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "idempotency_key"),
        UniqueConstraint("receipt_code"),
        # A reversed donation frees its reference, so the corrected one can be recorded.
        Index("ix_donations_channel_reference", "tenant_id", "channel", "reference", unique=True,
              sqlite_where=text("reference <> '' AND reversal_entry_id IS NULL"),
              postgresql_where=text("reference <> '' AND reversal_entry_id IS NULL")),
        Index("ix_donations_tenant_received", "tenant_id", "received_on", "id"),
        CheckConstraint("amount_fen > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id", ondelete="RESTRICT"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(30), nullable=False)
    reference: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"), nullable=False)
    restricted: Mapped[bool] = mapped_column(nullable=False, default=False)
    anonymous: Mapped[bool] = mapped_column(nullable=False, default=False)
    received_on: Mapped[date] = mapped_column(nullable=False)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    receipt_code: Mapped[str] = mapped_column(String(20), nullable=False)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"), nullable=False)
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    donor: Mapped[Donor] = relationship(lazy="joined")
    fund: Mapped[Fund] = relationship(lazy="joined")
    items: Mapped[list["DonationItem"]] = relationship(back_populates="donation", order_by="DonationItem.id")
    entry: Mapped[JournalEntry] = relationship(foreign_keys=[entry_id])
    designation: Mapped["DonationDesignation | None"] = relationship(back_populates="donation", lazy="joined")

    @property
    def project(self):
        return self.designation.project if self.designation else None

    @property
    def audit_label(self) -> str:
        return f"{self.receipt_code} {self.donor.name}"

    @property
    def is_reversed(self) -> bool:
        return self.reversal_entry_id is not None


class DonationItem(TenantScoped, db.Model):
    """A line of an in-kind gift (捐物) with its valuation."""

    __tablename__ = "donation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id", ondelete="RESTRICT"), nullable=False,
                                             index=True)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    unit_value_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)

    donation: Mapped[Donation] = relationship(back_populates="items")

    @property
    def total_fen(self) -> int:
        return self.quantity * self.unit_value_fen


class ProjectAccount(TenantScoped, db.Model):
    """A project's own restricted account in one fund: money designated to it (专款专用) sits here."""

    __tablename__ = "project_accounts"
    __table_args__ = (UniqueConstraint("project_id", "fund_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"), nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), nullable=False,
                                            unique=True)

    account: Mapped[LedgerAccount] = relationship()
    fund: Mapped[Fund] = relationship()


class DonationDesignation(TenantScoped, db.Model):
    """A donation designated to a project (written with the donation, never changed)."""

    __tablename__ = "donation_designations"

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id", ondelete="RESTRICT"), nullable=False,
                                             unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)

    donation: Mapped[Donation] = relationship(back_populates="designation")
    project = relationship("Project")
