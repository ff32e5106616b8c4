"""Tenant A's spending objects for the isolation and role tests; numbers go in ``world.extra``.

A gets a project in progress (crowdfunded ¥50,000) and one request by A's staff, waiting for
approval, with an invoice photo. B gets nothing: A's project, request and file numbers do not
exist there.
"""

from datetime import date


def give_spending(app, world) -> None:
    """Add A's spending objects (A's numbers must not exist in B) and record them in world.extra."""
    from app.accounts.models import User
    from app.extensions import db
    from app.funds.services import DonationInput, record_donation
    from app.needs import services as needs
    from app.projects import services as projects
    from app.spending import services as spending
    from app.tenancy.scoping import tenant_scope
    from tests.funds_world import fund
    from tests.spending_world import invoice_png
    from tests.world import approved_in_a

    staff_roles = frozenset({"staff"})
    approved_on, raising_on, working_on = date(2026, 10, 1), date(2026, 10, 10), date(2026, 10, 12)
    with app.app_context(), tenant_scope(db.session, world.a.id):

        staff, member = db.session.get(User, world.users_a["staff"].id), db.session.get(User, world.users_a["council"].id)
        need = needs.submit_need(needs.NeedInput("道路设施", "甲需求：支出的路", "甲6号楼", "", "甲居民", "13800000000"),
                                 categories=["道路设施"])
        project = approved_in_a("甲项目支出", staff=staff, member=member, on=approved_on, needs=[need])
        projects.transition(project, "start_fundraising", actor=staff, roles=staff_roles, today=raising_on)
        record_donation(DonationInput(donor_name="甲捐赠人支出", donor_type="resident", channel="cash",
                                      fund=fund("charity"), received_on=raising_on, amount_fen=5_000_000,
                                      project=project), actor=staff, today=raising_on)
        projects.transition(project, "start_work", actor=staff, roles=staff_roles, today=working_on)
        request = spending.submit_request(
            project, spending.RequestInput("road0001", 120_000, "甲建材店", "扶贫", "甲支出：水泥"),
            files=[spending.Upload("甲发票.png", invoice_png())], actor=staff, upload_root=app.config["UPLOAD_FOLDER"])
        db.session.commit()
        world.extra["a_spending_project_number"] = project.number
        world.extra["a_spending_request_number"] = request.number
        world.extra["a_spending_attachment_id"] = request.attachments[0].id
