"""Close-out (结项): the guard, the close-out record, and leftover restricted money at close and cancel."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.closeout import services
from app.closeout.models import Closeout, LeftoverTransfer
from app.closeout.verify import closeout_consistent
from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_CASH, JournalEntry, LedgerAccount
from app.funds.verify import verify
from app.matching import services as matching
from app.projects import services as projects
from app.projects.models import CANCELLED, CLOSED, CLOSING, IN_PROGRESS
from app.projects.workflow import WorkflowError
from app.spending.models import SUBMITTED, SpendingRequest
from app.spending.money import project_money
from app.tenancy.models import Tenant
from tests.funds_world import fund
from tests.projects_world import (
    STAFF_ROLES,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)
from tests.world_closeout import (
    AFTER_NOTICE,
    CLOSE_DAY,
    ROAD,
    WORK_DAY,
    close,
    gift,
    pay,
    road_plan,
    start_closeout,
    working,
    write_closeout,
)


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory)


def set_closeout(world, **settings) -> None:
    tenant = db.session.get(Tenant, world.tenant.id)
    tenant.settings = {**tenant.settings, "closeout": settings}
    db.session.flush()


def restricted(project) -> int:
    return ledger.project_account(fund("charity"), project).balance_fen


def cash() -> int:
    return ledger.fund_account(fund("charity"), CATEGORY_CASH).balance_fen


def postings(entry: JournalEntry) -> list[tuple[str, int]]:
    return sorted((posting.account.code, posting.amount_fen) for posting in entry.postings)


def problems_of(refused) -> list[str]:
    return [str(problem) for problem in refused.value.problems]


def spent_project(world, **kwargs):
    """In progress: ¥40,000 crowdfunded, ¥35,000 of it paid on the road; the ¥10,000 allocation unused."""
    project = working(world, **kwargs)
    pay(world, project, ROAD, 3_500_000)
    return project


# --- closing -------------------------------------------------------------------------------------

def test_close_returns_the_leftover_to_the_fund(app, world):
    with scoped(app, world):
        project = spent_project(world)
        assert (restricted(project), cash()) == (500_000, 2_000_000)
        start_closeout(world, project)
        write_closeout(world, project)

        closeout = close(world, project)

        assert project.status == CLOSED
        assert (closeout.leftover_rule, closeout.closed_by_id) == ("fund", world.staff.id)
        assert closeout.closed_at is not None
        assert restricted(project) == 0
        assert cash() == 2_000_000 + 500_000
        [transfer] = db.session.scalars(select(LeftoverTransfer)).all()
        assert (transfer.project_id, transfer.to_project_id, transfer.amount_fen, transfer.occasion) == (
            project.id, None, 500_000, "close")
        entry = transfer.entry
        assert (entry.kind, entry.occurred_on) == ("project_leftover", CLOSE_DAY)
        assert postings(entry) == [("fund_cash:charity", 500_000), (f"restricted:charity:project-{project.number}",
                                                                     -500_000)]
        assert f"项目#{project.number}结项" in entry.memo
        money = project_money(project)
        assert (money.raised_fen, money.spent_fen, money.returned_fen, money.received_fen) == (
            4_000_000, 3_500_000, 500_000, 0)
        [charity] = money.funds
        assert charity.restricted_in_fen == charity.restricted_paid_fen + money.returned_fen
        assert verify(world.tenant.id) == [] and list(closeout_consistent(world.tenant.id)) == []
        audit = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(
            ("project.close", "closeout.leftover", "closeout.saved")))).all()
        assert sorted(audit) == ["closeout.leftover", "closeout.saved", "project.close"]


def test_close_with_nothing_left_posts_nothing(app, world):
    with scoped(app, world):
        project = working(world)
        pay(world, project, ROAD, 4_000_000)
        start_closeout(world, project)
        write_closeout(world, project)
        entries = db.session.scalar(select(func.count(JournalEntry.id)))

        close(world, project)

        assert project.status == CLOSED
        assert db.session.scalar(select(func.count(JournalEntry.id))) == entries
        assert services.transfers_out(project) == [] and project_money(project).returned_fen == 0


def test_close_moves_the_leftover_to_another_project_and_tells_the_donors(app, world):
    with scoped(app, world):
        set_closeout(world, leftover="project")
        project = spent_project(world)
        receiver = working(world, title="铁西小区路灯更换", raised_fen=1_000_000, general_fen=0)
        start_closeout(world, project)
        write_closeout(world, project)

        with pytest.raises(WorkflowError) as refused:
            close(world, project)
        assert problems_of(refused) == ["This community moves leftover money to another project: choose the project "
                                        "that receives the ¥5,000.00 left."]
        assert project.status == CLOSING and restricted(project) == 500_000

        close(world, project, to=receiver, message="剩余善款用于路灯更换")

        assert project.status == CLOSED
        assert (restricted(project), restricted(receiver)) == (0, 1_000_000 + 500_000)
        [transfer] = services.transfers_out(project)
        assert (transfer.to_project_id, transfer.amount_fen, transfer.message) == (receiver.id, 500_000,
                                                                                   "剩余善款用于路灯更换")
        assert services.transfers_in(receiver) == [transfer]
        assert postings(transfer.entry) == [(f"restricted:charity:project-{project.number}", -500_000),
                                            (f"restricted:charity:project-{receiver.number}", 500_000)]
        assert f"结余转入项目#{receiver.number}" in transfer.entry.memo
        assert (project_money(project).returned_fen, project_money(receiver).received_fen) == (500_000, 500_000)
        assert project_money(receiver).raised_fen == 1_000_000, "passed-on money is not a gift to the receiver"
        assert project_money(receiver).funds[0].restricted_in_fen == 1_500_000
        pay(world, receiver, ROAD, 1_500_000, on=CLOSE_DAY)
        assert restricted(receiver) == 0
        assert verify(world.tenant.id) == [] and list(closeout_consistent(world.tenant.id)) == []


def test_the_receiving_project_must_be_able_to_spend_it(app, world):
    with scoped(app, world):
        set_closeout(world, leftover="project")
        project = spent_project(world)
        draft = ready_project(world, title="还在起草")
        plan = road_plan(goal_fen=0, allocation_fen=1_000_000)
        plan["budget"] = [{**plan["budget"][1], "fund": "development"}]
        plan["funding"]["allocations"] = [{"fund": "development", "amount_fen": 1_000_000}]
        elsewhere = ready_project(world, title="发展基金的项目", plan=plan)
        vote_all(world, to_review(world, elsewhere), ["approve"] * 5)
        projects.transition(elsewhere, "start_work", actor=user(world.staff), roles=STAFF_ROLES, today=AFTER_NOTICE)
        start_closeout(world, project)
        write_closeout(world, project)

        for receiver, problem in (
                (project, "A project cannot receive its own leftover; choose another project."),
                (draft, f"Project #{draft.number} is “Draft”; only a project raising money or in progress can "
                        "receive the leftover."),
                (elsewhere, f"Project #{elsewhere.number} has no budget line paid from 慈善基金, so it could not "
                            "spend the ¥5,000.00.")):
            with pytest.raises(WorkflowError) as refused:
                close(world, project, to=receiver)
            assert problems_of(refused) == [problem]
        assert project.status == CLOSING and restricted(project) == 500_000
        assert services.receiving_candidates(project) == [elsewhere]


def test_the_guard_lists_every_problem_at_once(app, world):
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "matching": [
            {"key": "county", "body": "县慈善总会", "fund": "charity", "budget_per_year_yuan": 100_000,
             "rate_percent": 10, "eligible_categories": [], "eligible_funds": [], "paid": "as_received"}]}
        project = working(world)
        open_request = SpendingRequest(tenant_id=project.tenant_id, project_id=project.id, line_key=ROAD,
                                       line_item="路面", fund_id=fund("charity").id, amount_fen=10_000,
                                       payee="施工队", purpose="尾款", status=SUBMITTED)
        db.session.add(open_request)
        db.session.flush()
        start_closeout(world, project)
        before = (db.session.scalar(select(func.count(JournalEntry.id))), restricted(project))

        with pytest.raises(WorkflowError) as refused:
            close(world, project)
        assert problems_of(refused) == [
            f"1 spending request(s) are still open (#{open_request.number}): pay, reject or withdraw them first.",
            "县慈善总会 has not paid ¥4,000.00 of matching yet: record its payment at Matching first.",
            "Write the close-out: the actual value of each target, the beneficiaries and the evaluation."]

        write_closeout(world, project, actuals=("860", ""), beneficiaries=None,
                       scores={"residents": 90, "staff": None, "council": 80})
        with pytest.raises(WorkflowError) as refused:
            close(world, project)
        assert problems_of(refused)[2:] == ["Target “受益户数” has no actual value.",
                                            "Enter the number of beneficiaries.",
                                            "Enter the score for “Staff score”."]
        assert project.status == CLOSING
        assert (db.session.scalar(select(func.count(JournalEntry.id))), restricted(project)) == before
        assert db.session.scalar(select(func.count(LeftoverTransfer.id))) == 0

        open_request.status = "withdrawn"
        matching.settle(matching.open_grants("county"), settled_on=CLOSE_DAY, today=CLOSE_DAY,
                        actor=user(world.finance))
        write_closeout(world, project)
        close(world, project)
        assert project.status == CLOSED
        assert cash() == 2_000_000 + 4_400_000, "gifts and the settled matching went back: nothing was spent"
        assert verify(world.tenant.id) == []


def test_reopen_goes_back_to_the_work_with_a_reason(app, world):
    with scoped(app, world):
        project = working(world)
        start_closeout(world, project)
        with pytest.raises(WorkflowError) as refused:
            projects.transition(project, "reopen", actor=user(world.staff), roles=STAFF_ROLES, today=CLOSE_DAY)
        assert problems_of(refused) == ["Give a reason."]

        projects.transition(project, "reopen", actor=user(world.staff), roles=STAFF_ROLES, today=CLOSE_DAY,
                            note="还有一段路没修")

        assert project.status == IN_PROGRESS
        assert project.events[-1].note == "还有一段路没修"


def test_close_is_never_a_plain_workflow_button(app, world):
    with scoped(app, world):
        project = working(world)
        start_closeout(world, project)
        write_closeout(world, project)
        with pytest.raises(WorkflowError) as refused:
            projects.transition(project, "close", actor=user(world.staff), roles=STAFF_ROLES, today=CLOSE_DAY)
        assert problems_of(refused) == ["Close the project from its close-out page."]
        with pytest.raises(WorkflowError) as refused:
            services.close(project, to=None, message="", actor=user(world.finance), roles=frozenset({"finance"}),
                           today=CLOSE_DAY)
        assert refused.value.forbidden
        assert project.status == CLOSING


# --- the close-out record ---------------------------------------------------------------------------

def test_saving_the_close_out_copies_targets_and_criteria(app, world):
    with scoped(app, world):
        set_closeout(world, leftover="fund", criteria=[{"key": "residents", "name": "居民满意度测评", "weight": 70},
                                                       {"key": "council", "name": "议事会评分", "weight": 30}])
        project = working(world)
        start_closeout(world, project)

        closeout = write_closeout(world, project, scores={"residents": 95, "council": 84})

        assert closeout.actuals == [
            {"name": "硬化路面面积", "unit": "平方米", "target": "840", "actual": "860", "note": ""},
            {"name": "受益户数", "unit": "户", "target": "326", "actual": "330", "note": ""}]
        assert closeout.scores == [{"key": "residents", "name": "居民满意度测评", "weight": 70, "score": 95},
                                   {"key": "council", "name": "议事会评分", "weight": 30, "score": 84}]
        report = services.report(project)
        assert [row.completion_percent for row in report.targets] == [102, 101]  # 860/840, 330/326 half up
        assert report.total_score_hundredths == 95 * 70 + 84 * 30 == 9170
        assert services.points(report.total_score_hundredths) == "91.70"
        set_closeout(world, leftover="fund", criteria=[{"key": "all", "name": "综合", "weight": 100}])
        assert closeout.scores[0]["score"] == 95, "what was saved stays as it was"
        report = services.report(project)
        assert [(row.name, row.score) for row in report.scores] == [("综合", None)], \
            "while closing the form asks for today's criteria (else the close-out could never be completed)"
        with pytest.raises(services.CloseoutError, match="criteria have changed"):
            write_closeout(world, project, scores={"residents": 95, "council": 84})
        write_closeout(world, project, scores={"all": 90})
        close(world, project)
        set_closeout(world, leftover="fund", criteria=[{"key": "residents", "name": "居民满意度测评", "weight": 100}])
        assert [(row.name, row.score) for row in services.report(project).scores] == [("综合", 90)], \
            "a closed project keeps the criteria it was scored by"


def test_default_criteria_total(app, world):
    with scoped(app, world):
        project = working(world)
        start_closeout(world, project)
        write_closeout(world, project)

        report = services.report(project)

        assert [(row.key, row.weight, row.score) for row in report.scores] == [
            ("residents", 60, 92), ("staff", 20, 85), ("council", 20, 88)]
        assert services.points(report.total_score_hundredths) == "89.80"


@pytest.mark.parametrize(("change", "message"), [
    ({"actuals": ("860",)}, "The plan has 2 targets; reload the page and enter each one."),
    ({"actuals": ("八百", "330")}, "Enter each actual value as a number, e.g. 120 or 2.5."),
    ({"beneficiaries": -1}, "The number of beneficiaries must be from 0 to 10000000."),
    ({"scores": {"residents": 101, "staff": 1, "council": 1}}, "Every score is a whole number from 0 to 100."),
    ({"scores": {"residents": 90}}, "The evaluation criteria have changed; reload the page."),
])
def test_bad_close_out_input_is_refused(app, world, change, message):
    with scoped(app, world):
        project = working(world)
        start_closeout(world, project)

        with pytest.raises(services.CloseoutError) as refused:
            write_closeout(world, project, **change)

        assert str(refused.value) == message
        assert db.session.scalar(select(func.count(Closeout.id))) == 0


def test_the_close_out_is_written_only_while_closing(app, world):
    with scoped(app, world):
        project = working(world)
        with pytest.raises(services.CloseoutError, match="while the project is closing"):
            write_closeout(world, project)
        start_closeout(world, project)
        write_closeout(world, project)
        close(world, project)
        with pytest.raises(services.CloseoutError, match="while the project is closing"):
            write_closeout(world, project, beneficiaries=1)
        assert services.get_closeout(project).beneficiaries == 326


# --- cancelling -------------------------------------------------------------------------------------

def test_cancel_while_fundraising_returns_the_gifts_to_the_fund(app, world):
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "projects": {"notice_days": 7, "fundraising_days": 3}}
        project = ready_project(world, plan=road_plan())
        vote_all(world, to_review(world, project), ["approve"] * 5)
        projects.transition(project, "start_fundraising", actor=user(world.staff), roles=STAFF_ROLES,
                            today=AFTER_NOTICE)
        gift(world, 1_200_000, project=project)
        gift(world, 300_000, project=project, name="李阿姨")

        projects.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=WORK_DAY,
                            note="众筹未达目标，项目取消")

        assert project.status == CANCELLED
        assert (restricted(project), cash()) == (0, 1_500_000)
        [transfer] = services.transfers_out(project)
        assert (transfer.occasion, transfer.amount_fen, transfer.to_project_id, transfer.message) == (
            "cancel", 1_500_000, None, "众筹未达目标，项目取消")
        assert postings(transfer.entry) == [("fund_cash:charity", 1_500_000),
                                            (f"restricted:charity:project-{project.number}", -1_500_000)]
        assert f"项目#{project.number}取消，结余退回慈善基金" == transfer.entry.memo
        assert project_money(project).returned_fen == 1_500_000
        assert verify(world.tenant.id) == [] and list(closeout_consistent(world.tenant.id)) == []


def test_cancel_while_closing_returns_what_is_left(app, world):
    with scoped(app, world):
        project = spent_project(world)
        start_closeout(world, project)

        projects.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=CLOSE_DAY,
                            note="承接组织退出")

        assert project.status == CANCELLED
        assert restricted(project) == 0 and cash() == 2_000_000 + 500_000
        assert verify(world.tenant.id) == []


def test_cancel_under_the_project_rule_needs_the_receiving_project(app, world):
    with scoped(app, world):
        set_closeout(world, leftover="project")
        project = spent_project(world)
        receiver = working(world, title="铁西小区路灯更换", raised_fen=0, general_fen=0)

        with pytest.raises(WorkflowError) as refused:
            projects.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=CLOSE_DAY,
                                note="承接组织退出")
        assert problems_of(refused) == ["This community moves leftover money to another project: choose the project "
                                        "that receives the ¥5,000.00 left."]
        assert project.status == IN_PROGRESS

        services.cancel(project, to=receiver, note="承接组织退出", actor=user(world.staff), roles=STAFF_ROLES,
                        today=CLOSE_DAY)

        assert project.status == CANCELLED
        assert (restricted(project), restricted(receiver)) == (0, 500_000)
        [transfer] = services.transfers_in(receiver)
        assert (transfer.occasion, transfer.message) == ("cancel", "承接组织退出")
        assert list(closeout_consistent(world.tenant.id)) == [] and verify(world.tenant.id) == []


def test_cancel_waits_for_open_spending_and_matching(app, world):
    with scoped(app, world):
        project = working(world)
        request = SpendingRequest(tenant_id=project.tenant_id, project_id=project.id, line_key=ROAD, line_item="路面",
                                  fund_id=fund("charity").id, amount_fen=10_000, payee="施工队", purpose="尾款",
                                  status=SUBMITTED)
        db.session.add(request)
        db.session.flush()

        with pytest.raises(WorkflowError) as refused:
            projects.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=CLOSE_DAY,
                                note="不做了")

        assert problems_of(refused) == [
            f"1 spending request(s) are still open (#{request.number}): pay, reject or withdraw them first."]
        assert project.status == IN_PROGRESS and restricted(project) == 4_000_000


def test_cancel_without_money_posts_nothing(app, world):
    with scoped(app, world):
        project = ready_project(world)
        entries = db.session.scalar(select(func.count(JournalEntry.id)))

        projects.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=CLOSE_DAY,
                            note="重复立项")

        assert project.status == CANCELLED
        assert db.session.scalar(select(func.count(JournalEntry.id))) == entries


# --- ledger verify ---------------------------------------------------------------------------------

def test_verify_finds_a_cancelled_project_holding_money(app, world):
    with scoped(app, world):
        project = working(world)
        projects.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES, today=CLOSE_DAY,
                            note="取消")
        account = ledger.project_account(fund("charity"), project)
        ledger.post_entry(tenant_id=project.tenant_id, occurred_on=CLOSE_DAY + timedelta(days=1), kind="adjustment",
                          memo="误记", actor=None, lines=[ledger.Line(account, 100),
                                                         ledger.Line(ledger.fund_account(fund("charity"), CATEGORY_CASH),
                                                                     -100)])

        found = [str(violation) for violation in closeout_consistent(world.tenant.id)]

        assert found == [f"tenant {world.tenant.id}: cancelled projects hold no restricted money: project "
                         f"#{project.number} is cancelled but restricted:charity:project-{project.number} holds 100 fen"]
        assert found == [str(violation) for violation in verify(world.tenant.id)], "the nightly check runs it"
        assert db.session.scalar(select(func.count(LedgerAccount.id)).where(
            LedgerAccount.code == f"restricted:charity:project-{project.number}")) == 1
