"""The demo data `make run` loads: seed-report numbers, a clean ledger, idempotent."""

from sqlalchemy import func, select

from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_RESTRICTED, Donation
from app.funds.verify import verify
from app.tenancy.scoping import tenant_scope
from app.tenancy.services import get_by_slug


def test_demo_donations_follow_the_seeds(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "sync"]).exit_code == 0
    first = runner.invoke(args=["demo", "donations"])
    assert first.exit_code == 0, first.output
    assert "新竹社区" in first.output and "铁西社区" in first.output
    second = runner.invoke(args=["demo", "donations"])
    assert second.output.strip() == "", "a second run adds nothing"
    logins = runner.invoke(args=["demo", "logins"])
    assert "tiexi@demo.linli.cn" in logins.output
    with app.app_context():
        assert verify() == []
        xinzhu = get_by_slug("xinzhu")
        with tenant_scope(db.session, xinzhu.id):
            charity = {f.key: b for f, b in ledger.fund_balances()}["charity"]
            assert charity["fund_cash"] == 2_020_000 * 100, "普阳 charity fund: 202万 in six months"
        tiexi = get_by_slug("tiexi")
        with tenant_scope(db.session, tiexi.id):
            balances = {f.key: b for f, b in ledger.fund_balances()}["charity"]
            assert balances[CATEGORY_RESTRICTED] == 0, "the road's crowdfunding comes with the demo projects"
            assert db.session.scalar(select(func.count()).select_from(Donation)) > 80


def test_demo_projects_go_through_the_workflow(app):
    from app.council.models import Review
    from app.needs.models import Need
    from app.projects import services as projects
    from app.projects.models import Project

    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "sync"]).exit_code == 0
    first = runner.invoke(args=["demo", "projects"])
    assert first.exit_code == 0, first.output
    assert "tiexi-council1@demo.linli.cn" in first.output
    assert runner.invoke(args=["demo", "projects"]).output.strip() == "", "a second run adds nothing"
    with app.app_context():
        tiexi = get_by_slug("tiexi")
        with tenant_scope(db.session, tiexi.id):
            road = db.session.scalar(select(Project).where(Project.title.contains("道路硬化")))
            assert road.status == "in_progress" and road.approved_version.version == 1
            assert road.fundraising_ends_on.isoformat() == "2026-06-14", "three days from 2026-06-12"
            assert projects.raised_fen(road) == 50_000 * 100, "the road was crowdfunded for ¥50,000"
            charity = {f.key: b for f, b in ledger.fund_balances()}["charity"]
            assert charity[CATEGORY_RESTRICTED] == 50_000 * 100, "designated money is restricted in the fund"
            assert verify() == []
            assert road.budget_total_fen == 62_000 * 100
            assert road.plan["funding"]["crowdfunding_goal_fen"] == 50_000 * 100, "3 days, ¥50,000"
            review = db.session.scalar(select(Review).where(Review.project_id == road.id))
            assert review.outcome == "approved" and review.tally["present"] >= review.rules["quorum"]
            assert road.objections and road.objections[0].answered_at is not None
            statuses = dict(db.session.execute(select(Need.status, func.count(Need.id)).group_by(Need.status)).all())
            assert sum(statuses.values()) >= 600 and {"new", "accepted", "declined", "merged", "in_project"} <= set(statuses)
        jinshan = get_by_slug("jinshan")
        with tenant_scope(db.session, jinshan.id):
            assert db.session.scalar(select(Project.status)) == "in_review"
