"""A road project paid from three funds, for the receipt trace, the public money table, open data and verify.

``road_world(app, factory)`` commits 铁西社区 with a third fund that accepts restricted money
(敬老基金) and the road project in progress:

* budget: 水泥路面硬化 ¥30,000 and 排水沟 ¥10,000 (charity), 路灯 ¥5,000 (elderly),
  施工监理 ¥2,000 (development, the plan's allocation); crowdfunding goal ¥45,000;
* gifts designated to it: 孙立军 ¥1,000 and 铁西商户 ¥29,000 to charity, 王奶奶 ¥15,000 to elderly;
  李大爷 gives ¥10,000 to development, unrestricted;
* paid: 水泥路面硬化 ¥12,345.67 and 排水沟 ¥5,000 (charity restricted), 路灯 ¥3,000 (elderly
  restricted), 施工监理 ¥1,500 (development's general money). Spent ¥21,845.67 in all.
"""

from dataclasses import dataclass
from datetime import timedelta

from app.extensions import db
from app.funds.services import DonationInput, display_receipt_code, record_donation
from app.funds.tenant_section import apply_funds
from app.projects import services as projects
from app.spending.models import APPROVED, SpendingRequest
from app.spending.money import post_payment
from app.tenancy.models import Tenant
from tests.funds_world import FUNDS, fund
from tests.projects_world import (
    STAFF_ROLES,
    TODAY,
    complete_plan,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)

AFTER_NOTICE = TODAY + timedelta(days=8)
ELDERLY = {"key": "elderly", "name": "敬老基金", "purposes": ["扶老"], "default": False, "accepts_restricted": True,
           "description": ""}
ROAD, DRAIN, LAMP, SUPERVISION = "road0001", "drain001", "lamp0001", "super001"
DONOR_PHONE = "13912345678"


def line(key, item, total_fen, fund_key) -> dict:
    return {"key": key, "item": item, "quantity": "1", "unit": "项", "unit_price_fen": total_fen, "fund": fund_key}


def road_plan() -> dict:
    plan = complete_plan()
    plan["budget"] = [line(ROAD, "水泥路面硬化", 3_000_000, "charity"), line(DRAIN, "排水沟", 1_000_000, "charity"),
                      line(LAMP, "路灯", 500_000, "elderly"), line(SUPERVISION, "施工监理", 200_000, "development")]
    plan["funding"] = {"allocations": [{"fund": "development", "amount_fen": 200_000}],
                       "crowdfunding_goal_fen": 4_500_000, "expected_matching_fen": 0}
    return plan


def setup_tenant(app, world, **settings) -> None:
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        apply_funds(tenant, [*FUNDS, ELDERLY], None)
        tenant.settings = {**tenant.settings, "projects": {"notice_days": 7, "fundraising_days": 3}, **settings}
        db.session.commit()


def raising(world, *, title="铁西小区道路硬化", plan=None):
    """An approved project raising money after its notice (inside ``scoped``)."""
    project = ready_project(world, title=title, plan=plan or road_plan())
    vote_all(world, to_review(world, project), ["approve"] * 5)
    projects.transition(project, "start_fundraising", actor=user(world.staff), roles=STAFF_ROLES, today=AFTER_NOTICE)
    return project


def start_work(world, project) -> None:
    projects.transition(project, "start_work", actor=user(world.staff), roles=STAFF_ROLES, today=AFTER_NOTICE)


def gift(world, project, amount_fen, *, name="张大爷", fund_key="charity", phone=""):
    data = DonationInput(donor_name=name, donor_type="resident", channel="cash", fund=fund(fund_key),
                         received_on=AFTER_NOTICE, amount_fen=amount_fen, project=project, donor_phone=phone)
    donation, _ = record_donation(data, actor=user(world.staff), today=AFTER_NOTICE)
    return donation


def pay(world, project, line_key, fund_key, amount_fen, *, item="", payee="铁西建筑队", purpose="按合同付款"):
    """A request approved and paid through the money core (the spending workflow is not needed here)."""
    request = SpendingRequest(tenant_id=world.tenant.id, project_id=project.id, line_key=line_key, line_item=item,
                              fund_id=fund(fund_key).id, amount_fen=amount_fen, payee=payee, purpose=purpose,
                              category="", status=APPROVED, route="staff")
    db.session.add(request)
    db.session.flush()
    post_payment(request, paid_on=AFTER_NOTICE, actor=user(world.finance))
    return request


@dataclass
class RoadWorld:
    world: object
    slug: str
    number: int
    codes: dict[str, str]  # gift name -> receipt code as printed


def road_world(app, factory) -> RoadWorld:
    world = make_projects_world(app, factory)
    setup_tenant(app, world)
    with scoped(app, world):
        project = raising(world)
        gifts = {"孙立军": gift(world, project, 100_000, name="孙立军", phone=DONOR_PHONE),
                 "铁西商户": gift(world, project, 2_900_000, name="铁西商户"),
                 "王奶奶": gift(world, project, 1_500_000, name="王奶奶", fund_key="elderly")}
        start_work(world, project)
        data = DonationInput(donor_name="李大爷", donor_type="resident", channel="cash", fund=fund("development"),
                             received_on=AFTER_NOTICE, amount_fen=1_000_000)
        gifts["李大爷"], _ = record_donation(data, actor=user(world.staff), today=AFTER_NOTICE)
        pay(world, project, ROAD, "charity", 1_234_567, payee="铁西建筑队", purpose="路面硬化第一期工程款")
        pay(world, project, DRAIN, "charity", 500_000, payee="邹城市政工程公司", purpose="排水沟施工")
        pay(world, project, LAMP, "elderly", 300_000, payee="明亮灯具店", purpose="路灯十盏")
        pay(world, project, SUPERVISION, "development", 150_000, payee="监理所", purpose="监理费")
        db.session.commit()
        return RoadWorld(world, world.tenant.slug, project.number,
                         {name: display_receipt_code(donation.receipt_code) for name, donation in gifts.items()})
