"""Tenant A's (and B's) matching objects for the isolation and role tests; numbers go in ``world.extra``.

A gets two rules (a fixed-rate rule paid as gifts arrive, and a range rule whose rate is
not chosen yet), a project raising money with one matched gift (one open grant). B gets
nothing: A's grant, project and rule keys do not exist there.
"""

from datetime import date

A_RULES = [
    {"key": "county", "body": "甲县慈善总会", "fund": "charity", "budget_per_year_yuan": 100_000, "rate_percent": 20,
     "eligible_categories": [], "eligible_funds": [], "paid": "as_received"},
    {"key": "seed", "body": "甲种子基金", "fund": "charity", "budget_per_year_yuan": 50_000, "rate_percent_min": 10,
     "rate_percent_max": 50, "eligible_categories": ["道路设施"], "eligible_funds": [], "paid": "at_close"},
]


def give_matching(app, world) -> None:
    """Add A's matching objects (A's numbers must not exist in B) and record them in world.extra."""
    from app.accounts.models import User
    from app.extensions import db
    from app.funds.services import DonationInput, record_donation
    from app.matching.models import MatchingGrant
    from app.needs import services as needs
    from app.projects import services as projects
    from app.tenancy.models import Tenant
    from app.tenancy.scoping import tenant_scope
    from tests.funds_world import fund
    from tests.world import approved_in_a

    staff_roles = frozenset({"staff"})
    approved_on, raising_on = date(2026, 11, 1), date(2026, 11, 10)  # notice over; the gift's grant can be paid
    with app.app_context(), tenant_scope(db.session, world.a.id):

        tenant = db.session.get(Tenant, world.a.id)
        tenant.settings = {**(tenant.settings or {}), "matching": A_RULES}
        staff, member = db.session.get(User, world.users_a["staff"].id), db.session.get(User, world.users_a["council"].id)
        need = needs.submit_need(needs.NeedInput("道路设施", "甲需求：配捐的路", "甲5号楼", "", "甲居民", "13800000000"),
                                 categories=["道路设施"])
        project = approved_in_a("甲项目配捐", staff=staff, member=member, on=approved_on, needs=[need])
        projects.transition(project, "start_fundraising", actor=staff, roles=staff_roles, today=raising_on)
        record_donation(DonationInput(donor_name="甲捐赠人配捐", donor_type="resident", channel="cash",
                                      fund=fund("charity"), received_on=raising_on, amount_fen=100_000,
                                      project=project), actor=staff, today=raising_on)
        grant = db.session.scalar(db.select(MatchingGrant))
        db.session.commit()
        world.extra["a_matching_project_number"] = project.number
        world.extra["a_matching_grant_number"] = grant.number
        world.extra["a_matching_rule_key"] = "county"
