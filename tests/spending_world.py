"""A project in progress with money in two funds, ready for spending requests (tests of app/spending).

The plan (¥55,000): line "road" ¥45,000 from the charity fund (¥40,000 crowdfunded as gifts
designated to the project, ¥5,000 allocated from the fund's general money) and line "signs"
¥10,000 from the development fund (all allocated). Both funds hold general money for the
allocations: a ¥10,000 unrestricted gift to each.
"""

import io
import itertools
from datetime import timedelta

from PIL import Image

from app.extensions import db
from app.funds.services import DonationInput, record_donation
from app.projects import services as projects
from app.tenancy.models import Tenant
from tests.funds_world import fund
from tests.projects_world import STAFF_ROLES, TODAY, ready_project, to_review, user, vote_all

AFTER_NOTICE = TODAY + timedelta(days=8)
WORK_DAY = AFTER_NOTICE + timedelta(days=3)  # fundraising (3 days) is over, the work has started
ROAD, SIGNS = "road0001", "sign0001"


def two_fund_plan() -> dict:
    return {
        "background": "铁西小区道路坑洼，雨天积水，居民出行不便。",
        "targets": [{"name": "硬化路面", "unit": "平方米", "baseline": "0", "target": "1000"}],
        "budget": [{"key": ROAD, "item": "水泥路面硬化", "quantity": "1", "unit": "项", "unit_price_fen": 4_500_000,
                    "fund": "charity"},
                   {"key": SIGNS, "item": "施工围挡与标识", "quantity": "10", "unit": "块", "unit_price_fen": 100_000,
                    "fund": "development"}],
        "activities": [{"name": "施工", "starts_on": "2026-12-01", "ends_on": "2026-12-10", "owner": "李红梅"}],
        "team": [{"name": "李红梅", "role": "项目负责人", "phone": "13800000000"}],
        "funding": {"allocations": [{"fund": "charity", "amount_fen": 500_000},
                                    {"fund": "development", "amount_fen": 1_000_000}],
                    "crowdfunding_goal_fen": 4_000_000, "expected_matching_fen": 0},
        "risks": [{"risk": "雨天延误", "mitigation": "预留工期"}],
    }


def set_approval(app, world, **rules) -> None:
    from tests.projects_world import scoped

    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "approval": rules}
        db.session.commit()


def gift(world, amount_fen, *, project=None, fund_key="charity", name="张大爷", on=AFTER_NOTICE):
    data = DonationInput(donor_name=name, donor_type="resident", channel="cash", fund=fund(fund_key), received_on=on,
                         amount_fen=amount_fen, project=project)
    donation, _ = record_donation(data, actor=user(world.staff), today=on)
    return donation


def in_progress(world, *, title="铁西小区道路硬化", raised_fen=4_000_000):
    """The two-fund project, crowdfunded and started (call inside ``scoped``)."""
    tenant = db.session.get(Tenant, world.tenant.id)
    tenant.settings = {**tenant.settings, "projects": {"notice_days": 7, "fundraising_days": 3}}
    gift(world, 1_000_000, name="爱心商户", on=TODAY)
    gift(world, 1_000_000, fund_key="development", name="共建单位", on=TODAY)
    project = ready_project(world, title=title, plan=two_fund_plan())
    vote_all(world, to_review(world, project), ["approve"] * 5)
    staff = user(world.staff)
    projects.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=AFTER_NOTICE)
    if raised_fen:
        gift(world, raised_fen, project=project)
    projects.transition(project, "start_work", actor=staff, roles=STAFF_ROLES, today=WORK_DAY)
    return project


_INVOICES = itertools.count()


def invoice_png() -> bytes:
    """A different invoice photo on every call (one invoice is paid once: the same file twice is refused)."""
    number = next(_INVOICES)
    image = Image.new("RGB", (128, 80), (250, 250, 240))
    for bit in range(16):  # the number in black 8×8 blocks: survives the JPEG re-encoding
        if number >> bit & 1:
            image.paste((20, 20, 20), (bit * 8, 0, bit * 8 + 8, 8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


INVOICE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")
