"""Closing (or cancelling) one project from several places at once moves its leftover once (real commits, threads).

The project row is locked first (PostgreSQL ``FOR UPDATE``, then its state is read again; on
SQLite every writer takes the lock up front), so whoever comes second sees a closed project.
"""


from sqlalchemy import func, select

from app.closeout import services
from app.closeout.models import LeftoverTransfer
from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_CASH, JournalEntry
from app.funds.verify import verify
from app.projects import services as projects
from app.projects.models import CLOSED
from app.projects.workflow import WorkflowError
from tests import threads
from tests.conftest import Factory
from tests.funds_world import fund
from tests.projects_world import STAFF_ROLES, make_projects_world, scoped, user
from tests.world_closeout import CLOSE_DAY, ROAD, pay, start_closeout, working, write_closeout

THREADS = 4


def run_together(work) -> list[str]:
    return threads.run_together(work, THREADS, refused=WorkflowError)


def test_concurrent_closes_move_the_leftover_once(english_committed_app):
    app = english_committed_app
    world = make_projects_world(app, Factory(app))
    with scoped(app, world):
        project = working(world)
        pay(world, project, ROAD, 3_500_000)
        start_closeout(world, project)
        write_closeout(world, project)
        number = project.number
        db.session.commit()

    def close(index):
        with scoped(app, world):
            try:
                services.close(projects.get_project(number), to=None, message="", actor=user(world.staff),
                               roles=STAFF_ROLES, today=CLOSE_DAY)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise

    outcomes = run_together(close)

    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} == {"A project that is “Closed out” cannot do “Close the project”."}
    with scoped(app, world):
        project = projects.get_project(number)
        assert project.status == CLOSED
        assert [event.action for event in project.events].count("close") == 1
        assert db.session.scalar(select(func.count(LeftoverTransfer.id))) == 1
        assert db.session.scalar(select(func.count(JournalEntry.id)).where(JournalEntry.kind == "project_leftover")) == 1
        assert ledger.fund_account(fund("charity"), CATEGORY_CASH).balance_fen == 2_000_000 + 500_000
        assert verify() == []


def test_a_gift_recorded_while_the_project_is_cancelled_is_refused_or_moved_with_the_rest(english_committed_app):
    """The gift locks the project first, so it sees the cancel (refused) or the cancel sees the gift (moved)."""
    from app.funds.services import DonationInput, FundError, record_donation
    from app.projects.models import CANCELLED

    app = english_committed_app
    world = make_projects_world(app, Factory(app))
    with scoped(app, world):
        number = working(world).number
        db.session.commit()

    def act(index):
        with scoped(app, world):
            try:
                project = projects.get_project(number)
                if index == 0:
                    projects.transition(project, "cancel", actor=user(world.staff), roles=STAFF_ROLES,
                                        today=CLOSE_DAY, note="居民另行筹资")
                else:
                    record_donation(DonationInput(donor_name=f"捐赠人{index}", donor_type="resident", channel="cash",
                                                  fund=fund("charity"), received_on=CLOSE_DAY, amount_fen=10_000,
                                                  project=project), actor=user(world.staff), today=CLOSE_DAY)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise

    outcomes = threads.run_together(act, THREADS, refused=(WorkflowError, FundError))

    assert len(outcomes) == THREADS and all(item == "ok" or "is not raising money" in item for item in outcomes), \
        outcomes
    with scoped(app, world):
        project = projects.get_project(number)
        assert project.status == CANCELLED
        assert ledger.project_account(fund("charity"), project).balance_fen == 0
        assert verify() == []
