"""``ledger verify`` on spending: payments match their entries, projects spend within their restricted money and
allocation, closed projects hold no restricted money; and matching within the cap per donor and day."""

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_CASH, CATEGORY_EXPENSE
from app.funds.verify import verify
from app.matching.models import MatchingGrant
from app.projects.models import CLOSED, Project
from app.spending.models import PAID, SpendingRequest
from app.spending.money import expense_account
from app.spending.verify import spending_within_means
from tests.funds_world import fund
from tests.projects_world import make_projects_world, scoped
from tests.trace_world import (
    AFTER_NOTICE,
    ROAD,
    SUPERVISION,
    gift,
    raising,
    road_world,
    setup_tenant,
)

CHECK = "project spending within its restricted money and allocation"


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def road(app, factory):
    return road_world(app, factory)


def the_project(road) -> Project:
    return db.session.scalar(select(Project).where(Project.number == road.number))


def paid_row(road, project, fund_key, line_key, *, restricted_fen=0, allocation_fen=0, entry=None):
    """A paid request written straight into the table, as a bug or a hand edit would."""
    row = SpendingRequest(tenant_id=road.world.tenant.id, project_id=project.id, line_key=line_key, line_item="",
                          fund_id=fund(fund_key).id, amount_fen=restricted_fen + allocation_fen, payee="某公司",
                          purpose="绕过服务", category="", status=PAID, route="staff", paid_on=AFTER_NOTICE,
                          paid_entry_id=entry.id if entry is not None else None, restricted_fen=restricted_fen,
                          allocation_fen=allocation_fen)
    db.session.add(row)
    db.session.flush()
    return row


def violations(road) -> list[tuple[str, str]]:
    return [(violation.check, violation.detail) for violation in verify(road.world.tenant.id)]


def test_the_paid_road_passes_every_check(app, road):
    with scoped(app, road.world):
        assert verify(road.world.tenant.id) == []
        assert list(spending_within_means(None)) == []


def test_restricted_money_spent_twice_is_reported(app, road):
    with scoped(app, road.world):
        project = the_project(road)
        row = paid_row(road, project, "charity", ROAD, restricted_fen=1_265_434)  # 1 fen more than is left
        found = violations(road)
        assert (CHECK, f"project #{project.number} paid 3000001 fen from its restricted money in charity, "
                       "which received 3000000 fen") in found
        assert any(check == "payments match their entries" and f"request #{row.number} " in detail
                   and "posted as [nothing]" in detail for check, detail in found)


def test_allocation_overrun_is_reported_even_when_its_entry_is_consistent(app, road):
    with scoped(app, road.world):
        project, development = the_project(road), fund("development")
        entry = ledger.post_entry(tenant_id=road.world.tenant.id, occurred_on=AFTER_NOTICE, kind="project_payment",
                                  memo="绕过服务", actor=None,
                                  lines=[ledger.Line(expense_account(development, project), 60_000),
                                         ledger.Line(ledger.fund_account(development, CATEGORY_CASH), -60_000)])
        paid_row(road, project, "development", SUPERVISION, allocation_fen=60_000, entry=entry)
        assert violations(road) == [(CHECK, f"project #{project.number} paid 210000 fen from development's general "
                                            "money, the plan allocates 200000 fen")]


def test_a_request_whose_split_differs_from_its_entry_is_reported(app, road):
    with scoped(app, road.world):
        project = the_project(road)
        request = db.session.scalar(select(SpendingRequest).where(SpendingRequest.line_key == ROAD))
        db.session.execute(update(SpendingRequest).where(SpendingRequest.id == request.id)
                           .values(restricted_fen=1_234_566, allocation_fen=1))
        db.session.expire_all()
        found = violations(road)
        detail = next(detail for check, detail in found if check == "payments match their entries")
        assert detail.startswith(f"request #{request.number} of 1234567 fen (1234566 restricted + 1 allocation)")
        assert f"restricted:charity:project-{project.number} -1234567" in detail
        assert f"{CATEGORY_EXPENSE}:charity:project-{project.number} 1234567" in detail
        assert (CHECK, f"project #{project.number} paid 1 fen from charity's general money, the plan allocates 0 fen") \
            in found


def test_a_closed_project_must_hold_no_restricted_money(app, road):
    with scoped(app, road.world):
        project = the_project(road)
        db.session.execute(update(Project).where(Project.id == project.id).values(status=CLOSED))
        db.session.expire_all()
        assert violations(road) == [
            ("closed projects hold no restricted money",
             f"project #{project.number} is closed but restricted:charity:project-{project.number} holds 1265433 fen"),
            ("closed projects hold no restricted money",
             f"project #{project.number} is closed but restricted:elderly:project-{project.number} holds 1200000 fen"),
        ]
        project = the_project(road)
        for key in ("charity", "elderly"):  # the leftover goes back to the fund: nothing is left to report
            account = ledger.project_account(fund(key), project)
            ledger.post_entry(tenant_id=road.world.tenant.id, occurred_on=AFTER_NOTICE, kind="test", memo="结余退回",
                              actor=None, lines=[ledger.Line(ledger.fund_account(fund(key), CATEGORY_CASH),
                                                             account.balance_fen),
                                                 ledger.Line(account, -account.balance_fen)])
        assert violations(road) == []


def test_ledger_verify_command_reports_spending_checks(app, road):
    with scoped(app, road.world):
        db.session.execute(update(Project).where(Project.number == road.number).values(status=CLOSED))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--tenant", road.slug])
    assert result.exit_code == 1 and "closed projects hold no restricted money" in result.output


# --- matching: the cap per donor and day holds for a donor's gifts together ---------------------

def test_two_gifts_of_one_donor_on_one_day_share_the_cap(app, factory):
    world = make_projects_world(app, factory)
    setup_tenant(app, world, matching=[{
        "key": "county", "body": "县慈善总会", "fund": "charity", "budget_per_year_yuan": 100_000, "rate_percent": 50,
        "cap_per_donor_per_day_yuan": 1_000, "eligible_categories": [], "eligible_funds": [], "paid": "as_received"}])
    with scoped(app, world):
        project = raising(world)
        gift(world, project, 80_000)
        second = gift(world, project, 80_000)
        grant = db.session.scalar(select(MatchingGrant).where(MatchingGrant.donation_id == second.id))
        assert grant.base_fen == 20_000 and verify(world.tenant.id) == []
        db.session.execute(update(MatchingGrant).where(MatchingGrant.id == grant.id).values(base_fen=80_000))
        found = [(v.check, v.detail) for v in verify(world.tenant.id)]
        assert [check for check, _ in found] == ["matching within each rule's cap per donor and day"], found
        assert "matched on 160000 fen, cap 100000 fen" in found[0][1]
