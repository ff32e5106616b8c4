"""A community with funds, staff and a five-member council, and helpers for needs and projects.

``make_projects_world(app, factory, quorum=3, majority="simple")`` commits the world;
service calls then run inside ``scoped(app, world)`` (an app context scoped to the tenant).
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from app.accounts.models import User
from app.extensions import db
from app.funds.tenant_section import apply_funds
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from tests.conftest import Factory, TenantRef, UserRef
from tests.funds_world import FUNDS

TODAY = date(2026, 11, 20)


def real_today() -> date:
    """Today in the demo communities' timezone: what pages open to the public (objections) compare with."""
    from zoneinfo import ZoneInfo

    from app.core.timeutil import to_local, utcnow

    return to_local(utcnow(), ZoneInfo("Asia/Shanghai")).date()
CATEGORIES = ["环境卫生", "道路设施", "养老助老"]
STAFF_ROLES = frozenset({"staff"})
COUNCIL_ROLES = frozenset({"council"})


@dataclass
class ProjectsWorld:
    tenant: TenantRef
    staff: UserRef
    finance: UserRef
    resident: UserRef
    council: list[UserRef]


def make_projects_world(app, factory: Factory, *, members=5, quorum=3, majority="simple", review_days=7,
                        notice_days=7, council_size=5, name="铁西社区") -> ProjectsWorld:
    tenant = factory.tenant(name=name)
    staff = factory.user(f"{name}社工", roles={tenant: "staff"})
    finance = factory.user(f"{name}财务", roles={tenant: "finance"})
    resident = factory.user(f"{name}居民", roles={tenant: "resident"})
    council = [factory.user(f"{name}议事员{index}", roles={tenant: "council"}) for index in range(1, council_size + 1)]
    with app.app_context(), tenant_scope(db.session, tenant.id):
        row = db.session.get(Tenant, tenant.id)
        if app.config["BABEL_DEFAULT_LOCALE"] == "en":  # English service tests: an English-speaking community
            row.locale = "en"
        apply_funds(row, FUNDS, None)
        row.settings = {**(row.settings or {}), "needs": {"categories": CATEGORIES},
                        "council": {"members": members, "quorum": quorum, "majority": majority,
                                    "review_days": review_days},
                        "projects": {"notice_days": notice_days}}
        db.session.commit()
    return ProjectsWorld(tenant, staff, finance, resident, council)


@contextmanager
def scoped(app, world: ProjectsWorld):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        yield


def user(ref: UserRef) -> User:
    return db.session.get(User, ref.id)


def complete_plan(total_fen: int = 5_000_000) -> dict:
    """A plan that passes validation: one budget line of ``total_fen`` paid from charity, all crowdfunded."""
    return {
        "background": "铁西小区道路坑洼，雨天积水，居民出行不便。",
        "targets": [{"name": "硬化路面", "unit": "平方米", "baseline": "0", "target": "1000"}],
        "budget": [{"key": "road0001", "item": "水泥路面硬化", "quantity": "1", "unit": "项",
                    "unit_price_fen": total_fen, "fund": "charity"}],
        "activities": [{"name": "施工", "starts_on": "2026-12-01", "ends_on": "2026-12-10", "owner": "李红梅"}],
        "team": [{"name": "李红梅", "role": "项目负责人", "phone": "13800000000"}],
        "funding": {"allocations": [], "crowdfunding_goal_fen": total_fen, "expected_matching_fen": 0},
        "risks": [{"risk": "雨天延误", "mitigation": "预留工期"}],
    }


def ready_project(world: ProjectsWorld, *, title="道路硬化", plan: dict | None = None):
    """A draft project with a complete plan (call inside ``scoped``)."""
    from app.projects import services

    project = services.create_project(title=title, summary="路面硬化", actor=user(world.staff))
    for section, value in (plan or complete_plan()).items():
        services.save_section(project, section, value, actor=user(world.staff))
    db.session.flush()
    return project


def to_review(world: ProjectsWorld, project, today: date = TODAY):
    """Submit and send to the council; returns the open review."""
    from app.council import services as council
    from app.projects import services

    staff = user(world.staff)
    services.transition(project, "submit", actor=staff, roles=STAFF_ROLES, today=today)
    services.transition(project, "start_review", actor=staff, roles=STAFF_ROLES, today=today)
    return council.current_review(project)


def vote_all(world: ProjectsWorld, review, choices: list[str], today: date = TODAY) -> None:
    from app.council import services as council

    for member, choice in zip(world.council, choices, strict=False):
        council.cast_vote(review, voter=user(member), choice=choice, comment="理由" if choice == "reject" else "",
                          today=today, roles=COUNCIL_ROLES)
