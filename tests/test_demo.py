"""The demo data `make run` loads: seed-report numbers, a clean ledger, idempotent."""

from sqlalchemy import func, select

from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_RESTRICTED, Donation
from app.funds.verify import verify
from app.tenancy.scoping import tenant_scope
from app.tenancy.services import get_by_slug
from tests.test_pdf import poppler, words


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
            assert road.status == "closed" and road.approved_version.version == 1
            assert road.fundraising_ends_on.isoformat() == "2026-06-14", "three days from 2026-06-12"
            assert projects.raised_fen(road) == 50_000 * 100, "the road was crowdfunded for ¥50,000"
            charity = {f.key: b for f, b in ledger.fund_balances()}["charity"]
            assert charity[CATEGORY_RESTRICTED] == 0, "the designated ¥50,000 was spent on the road first"
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


def test_demo_projects_spend_their_money_by_the_rules(app, tmp_path):
    from app.closeout import services as closeout
    from app.closeout.pdf import render_closeout_pdf
    from app.funds.models import Fund
    from app.matching.models import MatchingGrant
    from app.projects.models import Project
    from app.spending import money
    from app.spending.models import SpendingRequest

    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "sync"]).exit_code == 0
    assert runner.invoke(args=["demo", "projects"]).exit_code == 0
    assert "tiexi-finance@demo.linli.cn" in runner.invoke(args=["demo", "logins"]).output
    with app.app_context():
        assert verify() == []
        with tenant_scope(db.session, get_by_slug("tiexi").id):
            road = db.session.scalar(select(Project).where(Project.title.contains("道路硬化")))
            requests = db.session.scalars(select(SpendingRequest).order_by(SpendingRequest.number)).all()
            assert [row.status for row in requests] == ["paid"] * 7
            assert {row.route for row in requests} == {"staff", "council"}, "small ones by staff, large by the council"
            assert all(row.attachments for row in requests), "every payment has its invoice"
            figures = money.project_money(road)
            assert figures.spent_fen == 61_610 * 100 and figures.raised_fen == 50_000 * 100
            assert sum(row.restricted_fen for row in requests) == 50_000 * 100, "the crowdfunding is spent first"
            concrete = next(line for line in figures.lines if line.item.startswith("C30"))
            assert concrete.spent_fen == concrete.budget_fen == 38_640 * 100
        with tenant_scope(db.session, get_by_slug("gushan").id):
            station = db.session.scalar(select(Project).where(Project.title.contains("爱心医护站")))
            grant = db.session.scalar(select(MatchingGrant).where(MatchingGrant.project_id == station.id))
            assert grant.amount_fen == 9_000 * 100 and not grant.is_open, "县慈善总会 matched 30% of ¥30,000 and paid"
            assert money.project_money(station).spent_fen == 38_550 * 100
            charity = db.session.scalar(select(Fund).where(Fund.key == "charity"))
            assert station.status == "closed"
            assert money.restricted_balance_fen(station, charity) == 0, "the ¥450 left went back to the fund"
            assert closeout.returned_fen(station) == 450 * 100
        tiexi = get_by_slug("tiexi")
        with tenant_scope(db.session, tiexi.id):
            road = db.session.scalar(select(Project).where(Project.title.contains("道路硬化")))
            with app.test_request_context():
                pdf = render_closeout_pdf(tiexi, road)
            text = words(poppler("pdftotext", pdf, tmp_path, "-layout"))
            for expected in ("项目结项报告", "铁西小区道路硬化工程", "硬化路面面积 平方米 840 821",
                             "62,000.00 61,610.00 -390.00", "定向捐赠（众筹） 50,000.00", "综合得分（满分100） 92.80",
                             "2026年8月12日", "议事会主任"):
                assert expected in text, expected
