"""The plan PDF (项目计划书) and the council's meeting pack (会议材料): one plan body for both.

``render_plan_pdf(tenant, project)`` prints the working plan, marked as a draft;
``render_plan_pdf(tenant, project, version)`` prints a frozen :class:`PlanVersion` and, once the
council approved it, the tally and every member's vote and comment. ``render_meeting_pack``
prints a cover with the agenda and then each plan under review, each starting on a new page.
Both go through ``templates/projects/_plan_document.html`` (the plan body, a macro).

Printed documents are Chinese whatever the reader's language (see ``app.reports.pdf``), so the
labels here are Chinese text, not message ids.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.accounts.models import User
from app.core.timeutil import to_local
from app.council.models import ABSTAIN, APPROVE, OUTCOME_APPROVED, REJECT, Review
from app.council.services import Tally, tally_of
from app.council.tenant_section import MAJORITY_TWO_THIRDS
from app.extensions import db
from app.projects import plan as plan_module
from app.projects.models import (
    APPROVED,
    CANCELLED,
    CLOSED,
    CLOSING,
    DRAFT,
    FUNDRAISING,
    IN_PROGRESS,
    IN_REVIEW,
    REJECTED,
    SUBMITTED,
    VERSION_APPROVED,
    VERSION_IN_REVIEW,
    VERSION_REJECTED,
    VERSION_SUPERSEDED,
    PlanVersion,
    Project,
)
from app.reports.pdf import render_pdf
from app.tenancy.services import tenant_zone

PROJECT_STATUS = {DRAFT: "草稿", SUBMITTED: "已提交，待送议事会", IN_REVIEW: "议事会评审中", APPROVED: "已通过评审",
                  REJECTED: "未通过评审，退回修改", FUNDRAISING: "筹款中", IN_PROGRESS: "实施中", CLOSING: "结项中",
                  CLOSED: "已结项", CANCELLED: "已取消"}
VERSION_STATUS = {VERSION_IN_REVIEW: "议事会评审中", VERSION_APPROVED: "议事会已批准",
                  VERSION_REJECTED: "议事会未通过", VERSION_SUPERSEDED: "已被新版本取代"}
CHOICE_LABELS = {APPROVE: "同意", REJECT: "反对", ABSTAIN: "弃权"}
MAJORITY_LABELS = {MAJORITY_TWO_THIRDS: "三分之二以上多数同意"}
SIMPLE_MAJORITY = "过半数同意"
NUMERALS = "一二三四五六七八九十"


def chinese_numeral(number: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (section and agenda numbers up to 99)."""
    tens, ones = divmod(number, 10)
    if not 0 < number < 100:
        return str(number)
    text = ("" if tens < 2 else NUMERALS[tens - 1]) + ("十" if tens else "")
    return text + (NUMERALS[ones - 1] if ones else "")


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def project_code(project: Project) -> str:
    """How a printed document names a project: 第 7 号."""
    return f"第 {project.number} 号"


@dataclass
class BudgetRow:
    item: str
    quantity: str
    unit: str
    unit_price_fen: int
    total_fen: int
    fund: str


@dataclass
class VoteRow:
    name: str
    choice: str  # 同意 / 反对 / 弃权 / 未表决
    comment: str


@dataclass
class Decision:
    """The review that approved a version: rules, tally and each roster member's vote."""

    review: Review
    tally: Tally
    majority: str
    votes: list[VoteRow]

    @property
    def decided_on(self) -> date | None:
        """The day the review closed, in the community's timezone."""
        if self.review.closed_at is None:
            return None
        return to_local(self.review.closed_at, tenant_zone(self.review.project.tenant)).date()


@dataclass
class PlanDocument:
    """Everything the plan body prints, computed once (totals only through ``app.projects.plan``)."""

    project: Project
    version: PlanVersion | None
    title: str
    summary: str
    status: str
    plan: dict
    organisation: dict | None
    needs: list[dict]
    budget: list[BudgetRow]
    budget_total_fen: int
    allocations: list[tuple[str, int]]
    funding_total_fen: int
    starts_on: date | None
    ends_on: date | None
    leader: dict | None
    decision: Decision | None = None

    @property
    def is_draft(self) -> bool:
        return self.version is None

    @property
    def code(self) -> str:
        return project_code(self.project)

    @property
    def version_label(self) -> str:
        if self.version is None:
            return "未定稿"
        return f"第 {self.version.version} 版"

    @property
    def funding_gap_fen(self) -> int:
        return self.budget_total_fen - self.funding_total_fen


def _fund_names() -> dict[str, str]:
    from app.projects.services import fund_names

    return fund_names()


def _decision(version: PlanVersion) -> Decision | None:
    review = db.session.scalar(select(Review).where(Review.plan_version_id == version.id,
                                                    Review.outcome == OUTCOME_APPROVED)
                               .order_by(Review.id.desc()).limit(1))
    if review is None:
        return None
    by_voter = {vote.voter_id: vote for vote in review.votes}
    member_ids = list(review.roster) + [voter for voter in by_voter if voter not in review.roster]
    names = _user_names(member_ids)
    votes = []
    for member in member_ids:
        cast = by_voter.get(member)
        votes.append(VoteRow(names.get(member, "—"), CHOICE_LABELS.get(cast.choice, cast.choice) if cast else "未表决",
                             cast.comment if cast else ""))
    tally = tally_of(review)
    return Decision(review, tally, MAJORITY_LABELS.get(tally.majority, SIMPLE_MAJORITY), votes)


def plan_document(project: Project, version: PlanVersion | None = None,
                  fund_names: dict[str, str] | None = None) -> PlanDocument:
    """The printable plan: the working plan (``version`` None) or a frozen version."""
    if version is None:
        from app.projects.services import snapshot

        document, title = snapshot(project), project.title
        status = PROJECT_STATUS.get(project.status, project.status)
    else:
        document, title = version.plan, version.title
        status = VERSION_STATUS.get(version.status, version.status)
    names = fund_names if fund_names is not None else _fund_names()
    plan = plan_module.normalised(document)
    budget = [BudgetRow(str(line.get("item", "")), str(line.get("quantity", "")), str(line.get("unit", "")),
                        line.get("unit_price_fen") if isinstance(line.get("unit_price_fen"), int) else 0,
                        plan_module.line_total_fen(line.get("quantity"), line.get("unit_price_fen")),
                        names.get(line.get("fund"), line.get("fund") or "—"))
              for line in plan["budget"]]
    allocations = [(names.get(item.get("fund"), item.get("fund") or "—"), int(item.get("amount_fen") or 0))
                   for item in plan["funding"]["allocations"]]
    dates = [day for activity in plan["activities"]
             for day in (plan_module.parse_date(activity.get("starts_on")),
                         plan_module.parse_date(activity.get("ends_on"))) if day]
    leader = next((person for person in plan["team"] if "负责" in str(person.get("role", ""))),
                  plan["team"][0] if plan["team"] else None)
    return PlanDocument(
        project=project, version=version, title=title, summary=str(document.get("summary") or ""),
        status=status, plan=plan, organisation=document.get("organisation"), needs=document.get("needs") or [],
        budget=budget, budget_total_fen=plan_module.budget_total_fen(plan), allocations=allocations,
        funding_total_fen=plan_module.funding_total_fen(plan), starts_on=min(dates, default=None),
        ends_on=max(dates, default=None), leader=leader,
        decision=_decision(version) if version is not None else None)


def masked_phone(phone: str) -> str:
    """``13953715208`` → ``139****5208``: enough to recognise, not enough to call (public copies)."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else ("—" if not digits else "****")


def _helpers(*, public: bool = False) -> dict:
    return {"chinese_numeral": chinese_numeral, "chinese_date": chinese_date,
            "show_phone": masked_phone if public else (lambda phone: phone or "—")}


def render_plan_pdf(tenant, project: Project, version: PlanVersion | None = None, *, public: bool = False) -> bytes:
    """项目计划书 as PDF: the working plan as a draft (``version`` None) or a frozen version.

    ``public``: the copy on the public site, with phone numbers masked.
    """
    return render_pdf(tenant, "projects/plan_pdf.html", {"doc": plan_document(project, version),
                                                         **_helpers(public=public)})


@dataclass
class AgendaItem:
    review: Review
    doc: PlanDocument
    anchor: str
    roster_names: list[str]


def _user_names(ids) -> dict[int, str]:
    ids = list(ids)
    return {user.id: user.name for user in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def render_meeting_pack(tenant, reviews: list[Review], today: date) -> bytes:
    """议事会会议材料: cover and agenda, then each plan under review in full."""
    funds = _fund_names()
    people = _user_names({member for review in reviews for member in review.roster})
    items = [AgendaItem(review, plan_document(review.project, review.plan_version, funds), f"item-{index}",
                        [people[member] for member in review.roster if member in people])
             for index, review in enumerate(reviews, 1)]
    return render_pdf(tenant, "council/meeting_pdf.html", {"items": items, "today": today, **_helpers()})
