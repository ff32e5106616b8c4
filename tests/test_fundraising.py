"""Fundraising: gifts designated to a project (专款专用) sit in its own restricted account; progress; start."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_RESTRICTED, DonationDesignation, LedgerAccount, ProjectAccount
from app.funds.services import (
    DonationInput,
    FundError,
    ItemInput,
    record_donation,
    reverse_donation,
)
from app.projects import services
from app.projects.models import FUNDRAISING, IN_PROGRESS, Project
from app.projects.workflow import WorkflowError
from app.tenancy.models import Tenant
from tests.conftest import login
from tests.funds_world import fund
from tests.projects_world import (
    STAFF_ROLES,
    TODAY,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)

AFTER_NOTICE = TODAY + timedelta(days=8)
GOAL = 5_000_000  # complete_plan(): ¥50,000, all crowdfunded


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    world = make_projects_world(app, factory)
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "projects": {"notice_days": 7, "fundraising_days": 3}}
        db.session.commit()
    return world


def raising(world) -> Project:
    """An approved project that started fundraising after its notice (inside ``scoped``)."""
    project = ready_project(world, title="铁西小区道路硬化")
    vote_all(world, to_review(world, project), ["approve"] * 5)
    services.transition(project, "start_fundraising", actor=user(world.staff), roles=STAFF_ROLES,
                        today=AFTER_NOTICE)
    return project


def gift(world, project, amount_fen, *, name="张大爷", anonymous=False, channel="cash", **extra):
    data = DonationInput(donor_name=name, donor_type="resident", channel=channel, fund=fund("charity"),
                         received_on=AFTER_NOTICE, amount_fen=amount_fen, anonymous=anonymous, project=project,
                         **extra)
    donation, _ = record_donation(data, actor=user(world.staff), today=AFTER_NOTICE)
    return donation


def project_balance(project) -> int:
    link = db.session.scalar(select(ProjectAccount).where(ProjectAccount.project_id == project.id))
    return link.account.balance_fen if link else 0


def test_fundraising_runs_for_the_tenants_days(app, world):
    with scoped(app, world):
        project = raising(world)
        assert project.status == FUNDRAISING
        assert project.fundraising_ends_on == AFTER_NOTICE + timedelta(days=2), "3 days: today and two more"


def test_designated_gift_sits_in_the_projects_own_restricted_account(app, world):
    with scoped(app, world):
        project = raising(world)
        first = gift(world, project, 3_000_000)
        gift(world, project, 1_500_000, name="爱心商户", anonymous=True)
        assert first.restricted and first.project.id == project.id
        assert project_balance(project) == 4_500_000
        assert services.raised_fen(project) == 4_500_000
        account = db.session.scalar(select(LedgerAccount).join(ProjectAccount, ProjectAccount.account_id ==
                                                                LedgerAccount.id))
        assert account.category == CATEGORY_RESTRICTED and account.code.endswith(f"project-{project.number}")
        balances = {f.key: b for f, b in ledger.fund_balances()}["charity"]
        assert balances[CATEGORY_RESTRICTED] == 4_500_000, "the fund's restricted total includes the project's"
        reverse_donation(first, reason="录错金额", actor=user(world.staff), today=AFTER_NOTICE)
        assert services.raised_fen(project) == 1_500_000 and project_balance(project) == 1_500_000
        donors = services.project_donations(project)
        assert [(d.donor.name, d.anonymous) for d in donors] == [("爱心商户", True)]


def test_gifts_only_to_a_project_raising_money(app, world):
    with scoped(app, world):
        draft = ready_project(world, title="还在起草")
        with pytest.raises(FundError, match="is not raising money"):
            gift(world, draft, 10_000)
        assert db.session.scalar(select(DonationDesignation.id)) is None


def test_goods_in_kind_cannot_be_designated(app, world):
    with scoped(app, world):
        project = raising(world)
        with pytest.raises(FundError, match="Goods in kind cannot be designated"):
            gift(world, project, None, channel="in_kind", items=[ItemInput("大米", 10, "袋", 6_000)])


def test_a_fund_without_restricted_money_cannot_take_designated_gifts(app, world):
    with scoped(app, world):
        project = raising(world)
        data = DonationInput(donor_name="王", donor_type="resident", channel="cash", fund=fund("development"),
                             received_on=AFTER_NOTICE, amount_fen=100, project=project)
        with pytest.raises(FundError, match="does not accept restricted"):
            record_donation(data, actor=user(world.staff), today=AFTER_NOTICE)


def test_work_starts_when_the_goal_is_reached_or_the_time_is_up(app, world):
    with scoped(app, world):
        staff = user(world.staff)
        project = raising(world)
        gift(world, project, GOAL - 1)
        with pytest.raises(WorkflowError, match="goal is not reached"):
            services.transition(project, "start_work", actor=staff, roles=STAFF_ROLES, today=AFTER_NOTICE)
        gift(world, project, 1)
        assert services.progress(project, AFTER_NOTICE).reached
        services.transition(project, "start_work", actor=staff, roles=STAFF_ROLES, today=AFTER_NOTICE)
        assert project.status == IN_PROGRESS


def test_work_may_start_after_the_period_without_the_full_goal(app, world):
    with scoped(app, world):
        project = raising(world)
        gift(world, project, 100_000)
        services.transition(project, "start_work", actor=user(world.staff), roles=STAFF_ROLES,
                            today=project.fundraising_ends_on + timedelta(days=1))
        assert project.status == IN_PROGRESS
        gift(world, project, 100)  # late gifts still count for the project
        assert services.raised_fen(project) == 100_100


def test_public_page_shows_progress_donors_and_a_qr_code(app, client, world):
    with scoped(app, world):
        project = raising(world)
        gift(world, project, 3_000_000, name="李秀英")
        gift(world, project, 500_000, name="不愿留名的人", anonymous=True)
        db.session.commit()
        number = project.number
    page = client.get(f"/c/{world.tenant.slug}/public/projects/{number}").get_data(as_text=True)
    assert "¥35,000.00" in page and "¥50,000.00" in page and "70%" in page
    assert "李秀英" in page and "不愿留名的人" not in page and "Anonymous" in page
    assert '<svg' in page and 'class="segno"' in page
    poster = client.get(f"/c/{world.tenant.slug}/public/projects/{number}/poster").get_data(as_text=True)
    assert "铁西小区道路硬化" in poster and 'class="segno"' in poster
    assert f"/c/{world.tenant.slug}/public/projects/{number}" in poster


def test_staff_record_a_gift_to_the_project_in_the_donation_form(app, client, world):
    with scoped(app, world):
        project = raising(world)
        db.session.commit()
        number = project.number
    login(client, world.staff)
    form = client.get(f"/c/{world.tenant.slug}/funds/donations/new?project={number}").get_data(as_text=True)
    assert f'<option selected value="{number}">' in form
    response = client.post(f"/c/{world.tenant.slug}/funds/donations/new", data={
        "donor_type": "resident", "donor_name": "赵先生", "channel": "cash", "amount": "1,000",
        "fund": "charity", "received_on": TODAY.isoformat(), "project": str(number)})
    assert response.status_code == 302, response.get_data(as_text=True)
    with scoped(app, world):
        project = db.session.scalar(select(Project).where(Project.number == number))
        assert services.raised_fen(project) == 100_000


def test_receipt_trace_shows_the_project_the_gift_went_to(app, client, world):
    from app.funds.services import display_receipt_code

    with scoped(app, world):
        project = raising(world)
        donation = gift(world, project, 200_000, name="孙立军")
        gift(world, project, 300_000)
        db.session.commit()
        code, number = display_receipt_code(donation.receipt_code), project.number
    page = client.post(f"/c/{world.tenant.slug}/public/trace", data={"code": code}).get_data(as_text=True)
    assert "铁西小区道路硬化" in page and "¥5,000.00" in page
    assert f"/public/projects/{number}" in page
    assert "孙立军" not in page, "the trace never shows names"
