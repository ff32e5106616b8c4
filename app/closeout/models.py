"""The close-out (结项) of a project and the leftover restricted money moved when it closes or is cancelled.

A :class:`Closeout` holds what staff enter in the ``closing`` state: the actual value of each
target of the approved plan, the beneficiaries and the evaluation, each criterion copied with
its name and weight from the tenant's ``[closeout]`` section when it was scored. Spending per
budget line is never stored here: it comes from the ledger through ``app.spending.money``.

A :class:`LeftoverTransfer` is one journal entry that moved a project's restricted money in
one fund when it closed or was cancelled: back to the fund's general money
(``to_project_id`` None) or into another project's restricted account. Transfers to another
project are the notice its donors see on the public project page and on the receipt trace.
"""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.scoping import TenantScoped

OCCASION_CLOSE = "close"
OCCASION_CANCEL = "cancel"
OCCASIONS = (OCCASION_CLOSE, OCCASION_CANCEL)


class Closeout(TenantScoped, db.Model):
    """What a project achieved, whom it served and how it was evaluated; one per project."""

    __tablename__ = "closeouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False,
                                            unique=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # [{"name", "unit", "target", "actual", "note"}] in the order of the approved plan's targets.
    actuals: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    beneficiaries: Mapped[int | None] = mapped_column(Integer)
    beneficiaries_note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    survey_responses: Mapped[int | None] = mapped_column(Integer)  # questionnaires returned (满意度测评)
    # [{"key", "name", "weight", "score"}]: the criteria as they stood when scored; score 0–100 or None.
    scores: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    evaluation_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    leftover_rule: Mapped[str | None] = mapped_column(String(10))  # the rule applied at close
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    project = relationship("Project")
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def audit_label(self) -> str:
        return f"#{self.project.number} {self.project.title}"


class LeftoverTransfer(TenantScoped, db.Model):
    """Restricted money that left a closed or cancelled project in one fund (one journal entry)."""

    __tablename__ = "leftover_transfers"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="positive"),
        CheckConstraint("occasion IN ('close', 'cancel')", name="occasion"),
        CheckConstraint("to_project_id IS NULL OR to_project_id <> project_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="RESTRICT"), nullable=False)
    to_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    occasion: Mapped[str] = mapped_column(String(10), nullable=False)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"), nullable=False,
                                          unique=True)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")  # staff's words to the donors
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

    project = relationship("Project", foreign_keys=[project_id])
    to_project = relationship("Project", foreign_keys=[to_project_id])
    fund = relationship("Fund", lazy="joined")
    entry = relationship("JournalEntry")

    @property
    def to_fund(self) -> bool:
        return self.to_project_id is None

    @property
    def audit_label(self) -> str:
        return f"#{self.project.number} → {'#' + str(self.to_project.number) if self.to_project else self.fund.name}"
