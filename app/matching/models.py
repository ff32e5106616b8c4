"""Matching grants (配捐), the budget used per rule and year, and the rate chosen per project.

The rules themselves live in the tenant's TOML (``[[matching]]``, see ``tenant_section.py``);
rows here refer to a rule by its ``key`` and keep what they need (body, fund, the brackets
applied) so they stay readable if the rule is later changed or removed.
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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.numbering import Numbered
from app.tenancy.scoping import TenantScoped

KIND_DONATION = "donation"  # paid as received: one grant per matched gift
KIND_CLOSE = "close"  # paid at close: one grant per rule and project when fundraising closes
KIND_CORRECTION = "correction"  # negative: takes matching back after a gift was reversed
GRANT_KINDS = (KIND_DONATION, KIND_CLOSE, KIND_CORRECTION)


class MatchingGrant(Numbered, db.Model):
    """Matching money a body owes a project: a receivable until the body pays (settlement).

    ``amount_fen`` is positive for grants and negative for corrections. A grant is open until
    ``settled_on`` is set; ``settlement_entry_id`` is the entry that moved the money into the
    project's restricted account (None when a correction cancelled an open grant).
    """

    __tablename__ = "matching_grants"
    __counter_name__ = "matching_grant"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        CheckConstraint("amount_fen <> 0", name="nonzero"),
        CheckConstraint("kind IN ('donation', 'close', 'correction')", name="kind"),
        Index("ix_matching_grants_tenant_rule_project", "tenant_id", "rule_key", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_key: Mapped[str] = mapped_column(String(40), nullable=False)
    body: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"), nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donations.id", ondelete="RESTRICT"), index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("matching_grants.id", ondelete="RESTRICT"))
    # The last gift counted in the base (a close grant's recount after a reversal stops there).
    through_donation_id: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer, nullable=False)  # the budget year it counts against
    occurred_on: Mapped[date] = mapped_column(nullable=False)
    base_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)  # the matched part of the gift(s)
    brackets: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [[up_to_fen or None, percent], ...]
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"), nullable=False)
    settled_on: Mapped[date | None] = mapped_column()
    settlement_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    fund = relationship("Fund", lazy="joined")
    project = relationship("Project", lazy="joined")
    donation = relationship("Donation")
    entry = relationship("JournalEntry", foreign_keys=[entry_id])
    settlement_entry = relationship("JournalEntry", foreign_keys=[settlement_entry_id])
    corrects: Mapped["MatchingGrant | None"] = relationship(remote_side=[id], foreign_keys=[corrects_id])

    @property
    def is_open(self) -> bool:
        return self.settled_on is None

    @property
    def is_cancelled(self) -> bool:
        return self.settled_on is not None and self.settlement_entry_id is None

    @property
    def audit_label(self) -> str:
        return f"#{self.number} {self.body}"


class MatchingBudget(TenantScoped, db.Model):
    """Matching granted under one rule in one year (net of corrections): the row budget checks lock."""

    __tablename__ = "matching_budgets"
    __table_args__ = (UniqueConstraint("tenant_id", "rule_key", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_key: Mapped[str] = mapped_column(String(40), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    used_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class MatchingRate(TenantScoped, db.Model):
    """The rate chosen for a project under a rule with a range (e.g. 阳谷's 10%–50%)."""

    __tablename__ = "matching_rates"
    __table_args__ = (UniqueConstraint("project_id", "rule_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_key: Mapped[str] = mapped_column(String(40), nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    rate_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    chosen_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
