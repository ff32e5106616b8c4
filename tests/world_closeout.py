"""Close-out worlds: tenant A's objects for the isolation and role tests, and helpers for the close-out tests.

``give_closeout(app, world)`` gives A (tests/world.py) a project that is closing and one that is
closed, both paid from the fund's allocation (no crowdfunding, so no matching applies); B gets
nothing, so A's numbers do not exist there.

The helpers (``working``, ``pay``, ``write_closeout``) run inside ``tests.projects_world.scoped``
in a ``make_projects_world`` community: a crowdfunded project in progress with a paid-out
budget, ready to close.
"""

from datetime import date, timedelta

from app.extensions import db
from app.funds.services import DonationInput, record_donation
from app.projects import services as projects
from app.tenancy.models import Tenant
from tests.funds_world import fund
from tests.projects_world import STAFF_ROLES, TODAY, ready_project, to_review, user, vote_all

AFTER_NOTICE = TODAY + timedelta(days=8)
WORK_DAY = AFTER_NOTICE + timedelta(days=3)  # fundraising (3 days) is over, the work has started
CLOSE_DAY = WORK_DAY + timedelta(days=30)
ROAD, SIGNS = "road0001", "sign0001"
SCORES = {"residents": 92, "staff": 85, "council": 88}  # 92×60 + 85×20 + 88×20 = 8,980 hundredths: 89.80


def road_plan(*, goal_fen=4_000_000, allocation_fen=1_000_000) -> dict:
    """Two lines on the charity fund: road ¥40,000 (crowdfunded) and signs ¥10,000 (allocated)."""
    return {
        "background": "铁西小区道路坑洼，雨天积水，居民出行不便。",
        "targets": [{"name": "硬化路面面积", "unit": "平方米", "baseline": "0", "target": "840"},
                    {"name": "受益户数", "unit": "户", "baseline": "0", "target": "326"}],
        "budget": [{"key": ROAD, "item": "C30混凝土路面浇筑", "quantity": "1", "unit": "项",
                    "unit_price_fen": goal_fen, "fund": "charity"},
                   {"key": SIGNS, "item": "施工围挡及安全警示标识", "quantity": "10", "unit": "块",
                    "unit_price_fen": allocation_fen // 10, "fund": "charity"}],
        "activities": [{"name": "施工", "starts_on": "2026-12-01", "ends_on": "2026-12-10", "owner": "李红梅"}],
        "team": [{"name": "李红梅", "role": "项目负责人", "phone": "13800000000"}],
        "funding": {"allocations": [{"fund": "charity", "amount_fen": allocation_fen}] if allocation_fen else [],
                    "crowdfunding_goal_fen": goal_fen, "expected_matching_fen": 0},
        "risks": [{"risk": "雨天延误", "mitigation": "预留工期"}],
    }


def gift(world, amount_fen, *, project=None, name="张大爷", on=AFTER_NOTICE):
    data = DonationInput(donor_name=name, donor_type="resident", channel="cash", fund=fund("charity"), received_on=on,
                         amount_fen=amount_fen, project=project)
    donation, _ = record_donation(data, actor=user(world.staff), today=on)
    return donation


def working(world, *, title="铁西小区道路硬化", raised_fen=4_000_000, plan=None, general_fen=2_000_000):
    """A crowdfunded project in progress; the charity fund holds ``general_fen`` of general money."""
    tenant = db.session.get(Tenant, world.tenant.id)
    tenant.settings = {**tenant.settings, "projects": {"notice_days": 7, "fundraising_days": 3}}
    if general_fen:
        gift(world, general_fen, name="爱心商户", on=TODAY)
    project = ready_project(world, title=title, plan=plan or road_plan())
    vote_all(world, to_review(world, project), ["approve"] * 5)
    staff = user(world.staff)
    projects.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=AFTER_NOTICE)
    if raised_fen:
        gift(world, raised_fen, project=project)
    projects.transition(project, "start_work", actor=staff, roles=STAFF_ROLES, today=WORK_DAY)
    return project


def pay(world, project, line_key, amount_fen, *, on=WORK_DAY, payee="邹城市某市政工程有限公司", staff=None):
    """A request paid by finance (the money core posts it: restricted money first, then the allocation)."""
    from app.spending.models import APPROVED, SpendingRequest
    from app.spending.money import post_payment

    request = SpendingRequest(tenant_id=project.tenant_id, project_id=project.id, line_key=line_key, line_item=line_key,
                              fund_id=fund("charity").id, amount_fen=amount_fen, payee=payee, purpose="施工",
                              category="", status=APPROVED, route="staff")
    db.session.add(request)
    db.session.flush()
    post_payment(request, paid_on=on, actor=staff or user(world.finance))
    return request


def start_closeout(world, project, on=CLOSE_DAY):
    projects.transition(project, "start_closeout", actor=user(world.staff), roles=STAFF_ROLES, today=on)


def write_closeout(world, project, *, actuals=("860", "330"), beneficiaries=326, scores=None, survey=112):
    from app.closeout import services

    scores = dict(SCORES if scores is None else scores)
    data = services.CloseoutInput(
        summary="路面硬化完成，积水点全部消除。", actuals=[services.ActualInput(value, "") for value in actuals],
        beneficiaries=beneficiaries, beneficiaries_note="3号楼至8号楼住户", survey_responses=survey, scores=scores,
        evaluation_note="居民普遍满意，施工期间噪音有投诉。")
    return services.save_closeout(project, data, actor=user(world.staff))


def close(world, project, *, to=None, message="", on=CLOSE_DAY):
    from app.closeout import services

    return services.close(project, to=to, message=message, actor=user(world.staff), roles=STAFF_ROLES, today=on)


A_PLAN_FEN = 10_000  # ¥100 from A's charity fund, which holds ¥600 of general money (tests/world.py)


def _a_project(title: str, staff, member, on: date):
    from tests.projects_world import complete_plan
    from tests.world import approved_in_a

    plan = complete_plan(A_PLAN_FEN)
    plan["funding"] = {"allocations": [{"fund": "charity", "amount_fen": A_PLAN_FEN}], "crowdfunding_goal_fen": 0,
                       "expected_matching_fen": 0}
    project = approved_in_a(title, staff=staff, member=member, on=on, plan=plan)
    projects.transition(project, "start_work", actor=staff, roles=STAFF_ROLES, today=on + timedelta(days=10))
    return project


def give_closeout(app, world) -> None:
    """Add A's close-out objects (A's numbers must not exist in B) and record them in world.extra."""
    from app.accounts.models import User
    from app.closeout import services
    from app.spending.models import APPROVED, SpendingRequest
    from app.spending.money import post_payment
    from app.tenancy.scoping import tenant_scope

    approved_on = date(2026, 9, 1)
    with app.app_context(), tenant_scope(db.session, world.a.id):
        staff, member = db.session.get(User, world.users_a["staff"].id), db.session.get(User, world.users_a["council"].id)
        made = []
        for title in ("甲项目结项中", "甲项目已结项"):
            project = _a_project(title, staff, member, approved_on)
            request = SpendingRequest(tenant_id=project.tenant_id, project_id=project.id, line_key="road0001",
                                      line_item="水泥路面硬化", fund_id=fund("charity").id, amount_fen=6_000,
                                      payee="甲施工队", purpose="甲支出：施工", category="", status=APPROVED,
                                      route="staff")
            db.session.add(request)
            db.session.flush()
            post_payment(request, paid_on=approved_on + timedelta(days=12), actor=staff)
            projects.transition(project, "start_closeout", actor=staff, roles=STAFF_ROLES,
                                today=approved_on + timedelta(days=20))
            made.append(project)
        closing, closed = made
        services.save_closeout(closed, services.CloseoutInput(
            summary="甲项目结项：路面完成", actuals=[services.ActualInput("1000")], beneficiaries=40,
            beneficiaries_note="甲小区住户", survey_responses=30, scores={"residents": 90, "staff": 80, "council": 85},
            evaluation_note="甲评估"), actor=staff)
        services.close(closed, to=None, message="", actor=staff, roles=STAFF_ROLES,
                       today=approved_on + timedelta(days=25))
        db.session.commit()
        world.extra["a_closing_project_number"] = closing.number
        world.extra["a_closed_project_number"] = closed.number
