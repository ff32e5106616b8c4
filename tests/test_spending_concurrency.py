"""Concurrent spending cannot overspend a line or the project's money (real commits, real threads).

Each worker submits or pays in its own transaction. The project row is locked first
(PostgreSQL ``FOR UPDATE``; on SQLite every writer takes the lock up front), so the checks
of one request see every request committed before it.
"""

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.funds.services import transfer
from app.funds.verify import verify
from app.projects import services as projects
from app.spending import money, services
from app.spending.models import PAID, SUBMITTED, SpendingRequest
from app.spending.services import RequestInput, SpendingError, Upload
from tests import threads
from tests.conftest import Factory
from tests.funds_world import fund
from tests.projects_world import STAFF_ROLES, make_projects_world, scoped, user
from tests.spending_world import ROAD, WORK_DAY, in_progress, invoice_png, set_approval

THREADS = 6
FINANCE_ROLES = frozenset({"finance"})


def run_together(work) -> list[str]:
    return threads.run_together(work, THREADS, refused=SpendingError)


def make_world(app):
    factory = Factory(app)
    world = make_projects_world(app, factory)
    world.other_staff = factory.user("铁西社区社工二", roles={world.tenant: "staff"})
    set_approval(app, world, staff_limit_yuan=50000)
    with scoped(app, world):
        number = in_progress(world, raised_fen=1_000_000).number  # ¥10,000 raised + ¥5,000 allocation in charity
        db.session.commit()
    return world, number


def test_concurrent_requests_never_claim_more_than_the_project_has(english_committed_app):
    app = english_committed_app
    world, number = make_world(app)

    def submit(index):
        with scoped(app, world):
            try:
                services.submit_request(projects.get_project(number),
                                        RequestInput(ROAD, 400_000, f"商户{index}", "扶贫", "水泥"),
                                        files=[Upload("发票.png", invoice_png())], actor=user(world.staff),
                                        upload_root=app.config["UPLOAD_FOLDER"])
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise

    outcomes = run_together(submit)
    assert outcomes.count("ok") == 3, outcomes  # ¥15,000 available: three requests of ¥4,000, not four
    assert all("Not enough money" in outcome for outcome in outcomes if outcome != "ok")
    with scoped(app, world):
        assert db.session.scalar(select(func.sum(SpendingRequest.amount_fen))
                                 .where(SpendingRequest.status == SUBMITTED)) == 1_200_000


def test_concurrent_payments_never_spend_the_same_money_twice(english_committed_app):
    app = english_committed_app
    world, number = make_world(app)
    with scoped(app, world):
        project = projects.get_project(number)
        numbers = []
        for index in range(THREADS):
            request = services.submit_request(project, RequestInput(ROAD, 200_000, f"商户{index}", "扶贫", "水泥"),
                                              files=[Upload("发票.png", invoice_png())], actor=user(world.staff),
                                              upload_root=app.config["UPLOAD_FOLDER"])
            services.act(request, "approve", actor=user(world.other_staff), roles=STAFF_ROLES, today=WORK_DAY)
            numbers.append(request.number)
        # meanwhile the fund's general money shrinks: only ¥1,000 of the ¥5,000 allocation can still be paid
        transfer(source=fund("charity"), target=fund("development"), amount_fen=900_000, reason="调剂",
                 actor=user(world.finance), occurred_on=WORK_DAY, today=WORK_DAY)
        db.session.commit()
    pay_day = WORK_DAY + timedelta(days=1)

    def pay(index):
        with scoped(app, world):
            try:
                services.act(services.get_request(numbers[index]), "pay", actor=user(world.finance),
                             roles=FINANCE_ROLES, today=pay_day, paid_on=pay_day)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise

    outcomes = run_together(pay)
    assert outcomes.count("ok") == 5, outcomes  # ¥10,000 restricted + ¥1,000 allocation: five payments of ¥2,000
    with scoped(app, world):
        project = projects.get_project(number)
        paid = db.session.scalars(select(SpendingRequest).where(SpendingRequest.status == PAID)).all()
        assert sum(row.restricted_fen for row in paid) == 1_000_000
        assert sum(row.allocation_fen for row in paid) == 0
        assert money.restricted_balance_fen(project, fund("charity")) == 0
        assert money.project_money(project).spent_fen == 1_000_000
        assert verify() == []
