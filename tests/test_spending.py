"""Spending requests: routing by amount, every refusal, self-approval, council votes, payment, files, audit."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_CASH, JournalEntry
from app.funds.services import transfer
from app.funds.verify import verify
from app.projects import services as projects
from app.projects.models import FUNDRAISING
from app.spending import money, services
from app.spending.models import (
    APPROVED,
    IN_VOTE,
    PAID,
    REJECTED,
    ROUTE_COUNCIL,
    ROUTE_FINANCE,
    ROUTE_STAFF,
    SUBMITTED,
    WITHDRAWN,
    SpendingAttachment,
)
from app.spending.services import RequestInput, SpendingError, Upload
from app.tenancy.models import Tenant
from tests.funds_world import fund
from tests.projects_world import STAFF_ROLES, make_projects_world, scoped, user
from tests.spending_world import (
    AFTER_NOTICE,
    INVOICE_PDF,
    ROAD,
    SIGNS,
    WORK_DAY,
    in_progress,
    invoice_png,
    set_approval,
)

FINANCE_ROLES = frozenset({"finance"})
PAY_DAY = WORK_DAY + timedelta(days=2)


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    world = make_projects_world(app, factory)
    world.other_staff = factory.user("铁西社区社工二", roles={world.tenant: "staff"})
    return world


def ask(world, project, amount_fen, *, line=ROAD, category="扶贫", by=None, files=None, payee="邹城市建工公司"):
    return services.submit_request(project, RequestInput(line, amount_fen, payee, category, "水泥与人工"),
                                   files=[Upload("fapiao.png", invoice_png())] if files is None else files,
                                   actor=user(by or world.staff), upload_root=world_upload_root())


def world_upload_root():
    from flask import current_app

    return current_app.config["UPLOAD_FOLDER"]


def approve_and_pay(world, request, *, paid_on=PAY_DAY):
    services.act(request, "approve", actor=user(world.other_staff), roles=STAFF_ROLES, today=WORK_DAY)
    services.act(request, "pay", actor=user(world.finance), roles=FINANCE_ROLES, today=paid_on, paid_on=paid_on)


def problems_of(error) -> str:
    return str(error.value)


# --- routing ---------------------------------------------------------------------------------------

def test_the_amount_decides_who_approves(app, world):
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        assert services.route_for(tenant, 500_000) == ROUTE_STAFF, "¥5,000 exactly: staff"
        assert services.route_for(tenant, 500_001) == ROUTE_COUNCIL, "default: no band for finance alone"
    set_approval(app, world, staff_limit_yuan=2000, finance_limit_yuan=10000)
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        assert [services.route_for(tenant, fen) for fen in (200_000, 200_001, 1_000_000, 1_000_001)] == [
            ROUTE_STAFF, ROUTE_FINANCE, ROUTE_FINANCE, ROUTE_COUNCIL]
    set_approval(app, world, staff_limit_yuan=8000, finance_limit_yuan=3000)
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        assert services.route_for(tenant, 800_001) == ROUTE_COUNCIL, "a finance limit below the staff limit: no band"


def test_a_small_request_is_approved_by_other_staff_and_paid_from_restricted_money(app, world):
    with scoped(app, world):
        project = in_progress(world)
        request = ask(world, project, 300_000)
        assert (request.status, request.route, request.number) == (SUBMITTED, ROUTE_STAFF, 1)
        with pytest.raises(SpendingError, match="Nobody approves their own request"):
            services.act(request, "approve", actor=user(world.staff), roles=STAFF_ROLES, today=WORK_DAY)
        assert [step.action for step in services.available_steps(request, user(world.staff), STAFF_ROLES)] == [
            "withdraw"], "the requester may withdraw, not approve or reject"
        approve_and_pay(world, request)
        assert request.status == PAID
        assert (request.restricted_fen, request.allocation_fen) == (300_000, 0)
        entry = request.paid_entry
        assert sorted((p.account.code, p.amount_fen) for p in entry.postings) == [
            ("expense:charity:project-1", 300_000), ("restricted:charity:project-1", -300_000)]
        assert money.restricted_balance_fen(project, fund("charity")) == 3_700_000
        assert money.project_money(project).spent_fen == 300_000
        assert [event.action for event in request.events] == ["submit", "approve", "pay"]
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "SpendingRequest")))
        assert {"spending.submit", "spending.approve", "spending.pay"} <= actions
        assert verify() == []


def test_restricted_money_is_spent_first_then_the_allocation(app, world):
    set_approval(app, world, staff_limit_yuan=50000)
    with scoped(app, world):
        project = in_progress(world)
        cash_before = ledger.fund_account(fund("charity"), CATEGORY_CASH).balance_fen
        request = ask(world, project, 4_200_000)
        approve_and_pay(world, request)
        assert (request.restricted_fen, request.allocation_fen) == (4_000_000, 200_000)
        assert ledger.fund_account(fund("charity"), CATEGORY_CASH).balance_fen == cash_before - 200_000
        signs = ask(world, project, 1_000_000, line=SIGNS, category="社区服务")
        approve_and_pay(world, signs)
        assert (signs.restricted_fen, signs.allocation_fen) == (0, 1_000_000)
        funds = {item.fund_key: (sum(item.restricted_paid.values()), item.allocation_paid_fen)
                 for item in money.project_money(project).funds}
        assert funds == {"charity": (4_000_000, 200_000), "development": (0, 1_000_000)}
        assert verify() == []


# --- refusals -----------------------------------------------------------------------------------

def test_a_project_not_in_progress_cannot_spend(app, world):
    with scoped(app, world):
        project = in_progress(world)
        project.status = FUNDRAISING
        with pytest.raises(SpendingError) as error:
            ask(world, project, 100_000)
        assert "only be spent on a project in progress; project #1 is “Fundraising”" in problems_of(error)


def test_a_line_cannot_go_over_its_budget_beyond_the_tolerance(app, world):
    set_approval(app, world, staff_limit_yuan=50000, line_tolerance_percent=10)
    with scoped(app, world):
        project = in_progress(world)
        with pytest.raises(SpendingError) as error:
            ask(world, project, 1_100_001, line=SIGNS, category="社区服务")
        assert ("“施工围挡与标识” has a budget of ¥10,000.00 (¥11,000.00 with the 10% tolerance); ¥0.00 is spent or "
                "asked for already, so at most ¥11,000.00 can be asked for") in problems_of(error)
        ask(world, project, 600_000, line=SIGNS, category="社区服务")
        with pytest.raises(SpendingError) as error:
            ask(world, project, 500_001, line=SIGNS, category="社区服务")
        assert "¥6,000.00 is spent or asked for already, so at most ¥5,000.00" in problems_of(error)


def test_not_more_than_the_money_the_project_has(app, world):
    set_approval(app, world, staff_limit_yuan=50000, line_tolerance_percent=50)
    with scoped(app, world):
        project = in_progress(world, raised_fen=1_000_000)
        with pytest.raises(SpendingError) as error:
            ask(world, project, 1_500_001)
        assert ("Not enough money: the project can pay ¥15,000.00 from “慈善基金” (its restricted money and what is "
                "left of its allocation), of which open requests already claim ¥0.00") in problems_of(error)
        ask(world, project, 1_000_000)
        with pytest.raises(SpendingError) as error:
            ask(world, project, 500_001)
        assert "open requests already claim ¥10,000.00" in problems_of(error)
        assert len(services.project_requests(project)) == 1, "the refused requests left no row"


def test_a_fund_is_only_spent_on_its_purposes(app, world):
    with scoped(app, world):
        project = in_progress(world)
        with pytest.raises(SpendingError) as error:
            ask(world, project, 100_000, category="社区服务")
        assert "“慈善基金” may only be spent on 扶贫、济困; “社区服务” is not one of its purposes." in problems_of(error)


def test_every_reason_is_given_at_once(app, world):
    with scoped(app, world):
        project = in_progress(world)
        project.status = FUNDRAISING
        with pytest.raises(SpendingError) as error:
            services.submit_request(project, RequestInput(ROAD, 9_000_000, " ", "社区服务", ""), files=[],
                                    actor=user(world.staff), upload_root=world_upload_root())
        reasons = error.value.problems
        assert len(reasons) == 6, reasons
        assert reasons[:2] == ["Say who is paid.", "Say what the money is for."]


def test_an_unknown_line_is_refused(app, world):
    with scoped(app, world):
        project = in_progress(world)
        with pytest.raises(SpendingError, match="no such budget line"):
            ask(world, project, 100, line="nosuchln")


def test_payment_rechecks_the_money_and_needs_an_invoice(app, world):
    with scoped(app, world):
        project = in_progress(world, raised_fen=0)
        project_number = project.number
        request = ask(world, project, 400_000, files=[])
        services.act(request, "approve", actor=user(world.other_staff), roles=STAFF_ROLES, today=WORK_DAY)
        # the fund's general money goes elsewhere meanwhile: only ¥1,000 is left of the ¥5,000 allocation
        transfer(source=fund("charity"), target=fund("development"), amount_fen=900_000, reason="调剂",
                 actor=user(world.finance), occurred_on=WORK_DAY, today=WORK_DAY)
        entries = db.session.scalar(select(db.func.count(JournalEntry.id)))
        with pytest.raises(SpendingError) as error:
            services.act(request, "pay", actor=user(world.finance), roles=FINANCE_ROLES, today=PAY_DAY,
                         paid_on=PAY_DAY + timedelta(days=1))
        reasons = problems_of(error)
        assert "Not enough money: the project can pay ¥1,000.00 from “慈善基金” now" in reasons
        assert "Attach the invoice or receipt before paying." in reasons
        assert "The payment date cannot be in the future." in reasons
        assert db.session.scalar(select(db.func.count(JournalEntry.id))) == entries
        assert request.status == APPROVED and projects.get_project(project_number).status == "in_progress"


# --- the finance band and the council ----------------------------------------------------------

def test_finance_approves_the_middle_band_alone(app, world):
    set_approval(app, world, staff_limit_yuan=2000, finance_limit_yuan=10000)
    with scoped(app, world):
        project = in_progress(world)
        request = ask(world, project, 800_000)
        assert request.route == ROUTE_FINANCE
        with pytest.raises(SpendingError, match="cannot do “Approve the request”"):
            services.act(request, "approve", actor=user(world.other_staff), roles=STAFF_ROLES, today=WORK_DAY)
        services.act(request, "check", actor=user(world.finance), roles=FINANCE_ROLES, today=WORK_DAY)
        assert request.status == APPROVED
        assert request.events[-1].action == "check"


def test_a_role_without_the_permission_is_forbidden(app, world):
    with scoped(app, world):
        project = in_progress(world)
        request = ask(world, project, 100_000)
        with pytest.raises(services.Forbidden):
            services.act(request, "approve", actor=user(world.council[0]), roles=frozenset({"council"}),
                         today=WORK_DAY)


def test_a_large_request_is_checked_by_finance_then_voted_by_the_council(app, world):
    with scoped(app, world):
        project = in_progress(world)
        request = ask(world, project, 2_000_000)
        assert request.route == ROUTE_COUNCIL
        services.act(request, "check", actor=user(world.finance), roles=FINANCE_ROLES, today=WORK_DAY)
        assert request.status == IN_VOTE
        assert request.vote_roster == sorted(member.id for member in world.council)
        assert request.vote_rules == {"quorum": 3, "majority": "simple", "vote_days": 7}
        with pytest.raises(SpendingError, match="Say why you reject"):
            services.cast_vote(request, voter=user(world.council[0]), choice="reject", comment="", today=WORK_DAY)
        with pytest.raises(SpendingError, match="Only the council members called"):
            services.cast_vote(request, voter=user(world.staff), choice="approve", comment="", today=WORK_DAY)
        for member, choice in zip(world.council, ["approve", "approve", "reject", "approve", "abstain"], strict=True):
            services.cast_vote(request, voter=user(member), choice=choice, comment="太贵" if choice == "reject" else "",
                               today=WORK_DAY)
        assert request.status == APPROVED, "the last vote closed it: 3 of 5 approve"
        assert request.tally["approve"] == 3 and request.tally["outcome"] == "approved"
        assert request.events[-1].action == "council_approve"
        assert "3 approve, 1 reject, 1 abstain." in request.events[-1].note and "太贵" in request.events[-1].note
        with pytest.raises(SpendingError, match="vote on this request is closed"):
            services.cast_vote(request, voter=user(world.council[0]), choice="reject", comment="改主意",
                               today=WORK_DAY)


def test_the_requester_on_the_council_does_not_vote_on_their_own_request(app, world, factory):
    with scoped(app, world):
        project = in_progress(world)
        member_staff = factory.user("议事员兼社工", roles={world.tenant: ["staff", "council"]})
        request = ask(world, project, 2_000_000, by=member_staff)
        services.act(request, "check", actor=user(world.finance), roles=FINANCE_ROLES, today=WORK_DAY)
        assert member_staff.id not in request.vote_roster and len(request.vote_roster) == 5
        with pytest.raises(SpendingError, match="nobody votes on their own request"):
            services.cast_vote(request, voter=user(member_staff), choice="approve", comment="", today=WORK_DAY)


def test_without_a_quorum_the_vote_goes_on_and_a_majority_can_reject(app, world):
    with scoped(app, world):
        project = in_progress(world)
        request = ask(world, project, 2_000_000)
        services.act(request, "check", actor=user(world.finance), roles=FINANCE_ROLES, today=WORK_DAY)
        services.cast_vote(request, voter=user(world.council[0]), choice="reject", comment="不必要", today=WORK_DAY)
        with pytest.raises(SpendingError, match="The vote runs until"):
            services.close_vote(request, actor=user(world.staff), today=WORK_DAY)
        due = request.vote_due_on
        services.close_vote(request, actor=user(world.staff), today=due + timedelta(days=1))
        assert request.status == IN_VOTE and request.vote_due_on == due + timedelta(days=8)
        assert request.events[-1].action == "no_quorum"
        for member in world.council[1:3]:
            services.cast_vote(request, voter=user(member), choice="reject", comment="不必要", today=WORK_DAY)
        services.close_vote(request, actor=user(world.staff), today=request.vote_due_on + timedelta(days=1))
        assert request.status == REJECTED and request.tally["reject"] == 3
        assert services.committed_fen(project) == 0


def test_opening_a_vote_needs_enough_council_members(app, world):
    with scoped(app, world):
        project = in_progress(world)
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "council": {**tenant.settings["council"], "quorum": 6}}
        request = ask(world, project, 2_000_000)
        with pytest.raises(SpendingError, match="5 council members may vote on this request but a decision needs 6"):
            services.act(request, "check", actor=user(world.finance), roles=FINANCE_ROLES, today=WORK_DAY)
        assert request.status == SUBMITTED


def test_rejecting_and_withdrawing_need_a_reason_and_free_the_money(app, world):
    with scoped(app, world):
        project = in_progress(world)
        first, second = ask(world, project, 1_000_000 // 2), ask(world, project, 300_000)
        assert services.committed_fen(project, line_key=ROAD) == 800_000
        with pytest.raises(SpendingError, match="Give a reason"):
            services.act(first, "reject", actor=user(world.other_staff), roles=STAFF_ROLES, today=WORK_DAY)
        services.act(first, "reject", actor=user(world.other_staff), roles=STAFF_ROLES, today=WORK_DAY,
                     note="报价过高")
        services.act(second, "withdraw", actor=user(world.staff), roles=STAFF_ROLES, today=WORK_DAY, note="重新询价")
        assert (first.status, second.status) == (REJECTED, WITHDRAWN)
        assert first.events[-1].note == "报价过高"
        assert services.committed_fen(project) == 0
        line = next(line for line in services.line_statuses(project) if line.key == ROAD)
        assert (line.budget_fen, line.spent_fen, line.committed_fen, line.left_fen) == (4_500_000, 0, 0, 4_500_000)


# --- files -------------------------------------------------------------------------------------

def test_invoices_are_checked_and_photos_re_encoded(app, world):
    with scoped(app, world):
        project = in_progress(world)
        photo = invoice_png()
        request = ask(world, project, 100_000, files=[Upload("发票.png", photo), Upload("收据.pdf", INVOICE_PDF)])
        kinds = [(row.filename, row.content_type) for row in request.attachments]
        assert kinds == [("发票.png", "image/jpeg"), ("收据.pdf", "application/pdf")]
        stored = services.attachment_path(request.attachments[0], world_upload_root()).read_bytes()
        assert stored[:3] == b"\xff\xd8\xff", "photos are stored as clean JPEG"
        with pytest.raises(SpendingError, match="“notes.txt”: only JPEG or PNG photos and PDF files"):
            services.add_files(request, [Upload("notes.txt", b"hello")], actor=user(world.staff),
                               upload_root=world_upload_root())
        with pytest.raises(SpendingError, match="not a complete PDF"):
            services.add_files(request, [Upload("cut.pdf", INVOICE_PDF[:40])], actor=user(world.staff),
                               upload_root=world_upload_root())
        with pytest.raises(SpendingError, match="larger than 10 MB"):
            services.add_files(request, [Upload("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))],
                               actor=user(world.staff), upload_root=world_upload_root())
        with pytest.raises(SpendingError, match="At most 10 files"):
            services.add_files(request, [Upload(f"{n}.pdf", INVOICE_PDF) for n in range(9)],
                               actor=user(world.staff), upload_root=world_upload_root())
        with pytest.raises(SpendingError, match="“again.pdf” is already attached to request #1: an invoice is paid once"):
            services.add_files(request, [Upload("again.pdf", INVOICE_PDF)], actor=user(world.finance),
                               upload_root=world_upload_root())
        with pytest.raises(SpendingError, match="is already attached to request #1"):
            ask(world, project, 100_000, files=[Upload("同一张发票.png", photo)])
        with pytest.raises(SpendingError, match="“b.pdf” is chosen twice"):
            services.add_files(request, [Upload("a.pdf", INVOICE_PDF + b"\n"), Upload("b.pdf", INVOICE_PDF + b"\n")],
                               actor=user(world.staff), upload_root=world_upload_root())
        services.add_files(request, [Upload("补充.pdf", INVOICE_PDF + b"%")], actor=user(world.finance),
                           upload_root=world_upload_root())
        rows = db.session.scalars(select(SpendingAttachment).where(SpendingAttachment.request_id == request.id)).all()
        assert [row.filename for row in rows] == ["发票.png", "收据.pdf", "补充.pdf"]
        assert len({row.storage_key for row in rows}) == 3


def test_a_paid_request_can_only_have_its_payment_reversed(app, world):
    with scoped(app, world):
        project = in_progress(world)
        request = ask(world, project, 100_000)
        approve_and_pay(world, request)
        assert [step.action for step in services.available_steps(request, user(world.finance), FINANCE_ROLES)] == [
            "reverse"]
        assert services.available_steps(request, user(world.other_staff), STAFF_ROLES) == []
        with pytest.raises(SpendingError, match="A request that is “Paid” cannot do “Withdraw”"):
            services.act(request, "withdraw", actor=user(world.staff), roles=STAFF_ROLES, today=PAY_DAY, note="x")
        assert AFTER_NOTICE < PAY_DAY


def test_reversing_a_mistaken_payment_puts_the_money_back(app, world):
    set_approval(app, world, staff_limit_yuan=50000)
    with scoped(app, world):
        project = in_progress(world)
        restricted_before = money.restricted_balance_fen(project, fund("charity"))
        request = ask(world, project, 4_100_000)  # ¥40,000 restricted + ¥1,000 of the allocation
        approve_and_pay(world, request)
        with pytest.raises(services.Forbidden):
            services.act(request, "reverse", actor=user(world.other_staff), roles=STAFF_ROLES, today=PAY_DAY,
                         note="金额录错")
        with pytest.raises(SpendingError, match="Give a reason"):
            services.act(request, "reverse", actor=user(world.finance), roles=FINANCE_ROLES, today=PAY_DAY)
        cash = ledger.fund_account(fund("charity"), CATEGORY_CASH).balance_fen
        services.act(request, "reverse", actor=user(world.finance), roles=FINANCE_ROLES, today=PAY_DAY,
                     note="金额录错，应为3,900元")
        assert request.status == "reversed" and request.events[-1].note == "金额录错，应为3,900元"
        assert money.restricted_balance_fen(project, fund("charity")) == restricted_before
        assert ledger.fund_account(fund("charity"), CATEGORY_CASH).balance_fen == cash + 100_000
        assert money.project_money(project).spent_fen == 0
        reversal = db.session.scalar(select(JournalEntry).where(JournalEntry.reverses_id == request.paid_entry.id))
        assert reversal is not None and reversal.reason == "金额录错，应为3,900元"
        again = ask(world, project, 390_000, files=[Upload("发票.png", request_photo(request))])
        assert again.status == SUBMITTED, "the invoice of a reversed payment may be used again"
        assert verify() == []


def request_photo(request) -> bytes:
    return services.attachment_path(request.attachments[0], world_upload_root()).read_bytes()


def test_finance_may_refuse_to_pay_an_approved_request(app, world):
    with scoped(app, world):
        project = in_progress(world)
        request = ask(world, project, 100_000)
        services.act(request, "approve", actor=user(world.other_staff), roles=STAFF_ROLES, today=WORK_DAY)
        with pytest.raises(services.Forbidden):
            services.act(request, "reject", actor=user(world.other_staff), roles=STAFF_ROLES, today=WORK_DAY,
                         note="x")
        services.act(request, "reject", actor=user(world.finance), roles=FINANCE_ROLES, today=WORK_DAY,
                     note="发票抬头不符")
        assert request.status == REJECTED and services.committed_fen(project) == 0


def test_what_was_asked_for_can_still_be_approved_and_paid_while_the_project_closes(app, world):
    with scoped(app, world):
        project = in_progress(world)
        request = ask(world, project, 100_000)
        projects.transition(project, "start_closeout", actor=user(world.staff), roles=STAFF_ROLES, today=WORK_DAY)
        with pytest.raises(SpendingError, match="only be spent on a project in progress"):
            ask(world, project, 100_000)
        approve_and_pay(world, request)
        assert request.status == PAID
