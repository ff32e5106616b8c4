"""Spending requests (支出申请) against a project's budget lines, their votes, files and timeline.

A request names one budget line (by the line's ``key``, which survives plan versions) and
the fund that line is paid from. When finance pays it, ``restricted_fen`` came out of the
project's restricted account in that fund and ``allocation_fen`` out of the fund's general
money (the plan's allocation); the two always add up to ``amount_fen`` of a paid request.
"""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.numbering import Numbered
from app.tenancy.scoping import TenantScoped

SUBMITTED = "submitted"  # waiting for staff (small amounts) or finance (larger ones)
IN_VOTE = "in_vote"  # finance checked it; the council votes
APPROVED = "approved"  # waiting for finance to pay
PAID = "paid"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
REVERSED = "reversed"  # paid, then the payment was reversed (a mistake corrected by a reversing entry)
REQUEST_STATES = (SUBMITTED, IN_VOTE, APPROVED, PAID, REJECTED, WITHDRAWN, REVERSED)
OPEN_STATES = (SUBMITTED, IN_VOTE, APPROVED)

ROUTE_STAFF = "staff"  # staff approve alone
ROUTE_FINANCE = "finance"  # finance approves alone
ROUTE_COUNCIL = "council"  # finance checks, then the council votes
ROUTES = (ROUTE_STAFF, ROUTE_FINANCE, ROUTE_COUNCIL)


class SpendingRequest(Numbered, db.Model):
    __tablename__ = "spending_requests"
    __counter_name__ = "spending_request"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        CheckConstraint("amount_fen > 0", name="positive"),
        CheckConstraint("restricted_fen >= 0 AND allocation_fen >= 0", name="sources_not_negative"),
        CheckConstraint("status <> 'paid' OR restricted_fen + allocation_fen = amount_fen", name="paid_in_full"),
        Index("ix_spending_requests_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    line_key: Mapped[str] = mapped_column(String(16), nullable=False)
    line_item: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # the line's name when asked
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payee: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False, default="", server_default="")  # a fund purpose
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=SUBMITTED)
    route: Mapped[str] = mapped_column(String(12), nullable=False, default=ROUTE_STAFF)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The council vote (route "council"): roster and rules frozen when the vote opens.
    vote_roster: Mapped[list | None] = mapped_column(JSON)
    vote_rules: Mapped[dict | None] = mapped_column(JSON)
    vote_due_on: Mapped[date | None] = mapped_column()
    tally: Mapped[dict | None] = mapped_column(JSON)
    # Payment.
    paid_on: Mapped[date | None] = mapped_column()
    paid_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    restricted_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    allocation_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    project = relationship("Project", lazy="joined")
    fund = relationship("Fund", lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    paid_entry = relationship("JournalEntry", foreign_keys=[paid_entry_id])
    attachments: Mapped[list["SpendingAttachment"]] = relationship(back_populates="request",
                                                                   order_by="SpendingAttachment.id")
    events: Mapped[list["SpendingEvent"]] = relationship(back_populates="request", order_by="SpendingEvent.id")
    votes: Mapped[list["SpendingVote"]] = relationship(back_populates="request", order_by="SpendingVote.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def audit_label(self) -> str:
        return f"#{self.number} {self.payee}"


class SpendingAttachment(TenantScoped, db.Model):
    """An invoice or receipt (photo or PDF), stored under the instance folder, never in ``static/``."""

    __tablename__ = "spending_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("spending_requests.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    storage_key: Mapped[str] = mapped_column(String(120), nullable=False, index=True)  # the same file may come back
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(60), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    request: Mapped[SpendingRequest] = relationship(back_populates="attachments")


class SpendingEvent(TenantScoped, db.Model):
    """One step of a request's timeline (a workflow transition)."""

    __tablename__ = "spending_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("spending_requests.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_status: Mapped[str] = mapped_column(String(20), nullable=False)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    request: Mapped[SpendingRequest] = relationship(back_populates="events")
    actor = relationship("User")


class SpendingVote(TenantScoped, db.Model):
    __tablename__ = "spending_votes"
    __table_args__ = (UniqueConstraint("request_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("spending_requests.id", ondelete="RESTRICT"), nullable=False)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    choice: Mapped[str] = mapped_column(String(10), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cast_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column()

    request: Mapped[SpendingRequest] = relationship(back_populates="votes")
    voter = relationship("User")
