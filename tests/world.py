"""Two communities under one street, each with people and objects, for isolation and access tests.

Tenant A (alpha) has more memberships and invitations than B (beta), so A's per-tenant
numbers do not exist in B: a request for A's number through B's slug must answer 404.
"""

import io
from dataclasses import dataclass

from PIL import Image

from tests.conftest import Factory, TenantRef, UserRef

A_MARKERS = ("甲社区联系人", "甲社工", "甲受邀人", "甲居民", "甲捐赠人")


@dataclass
class World:
    street: TenantRef
    a: TenantRef
    b: TenantRef
    users_a: dict[str, UserRef]
    users_b: dict[str, UserRef]
    overseer: UserRef
    outsider: UserRef
    admin: UserRef
    a_membership_number: int
    a_invitation_number: int
    a_donation_number: int
    a_donor_number: int


def png_bytes(size=(40, 40), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def build_world(app, factory: Factory) -> World:
    from app.extensions import db
    from app.tenancy.models import Tenant
    from app.tenancy.scoping import tenant_scope
    from app.tenancy.services import set_logo

    street = factory.tenant(kind="street", name="测试街道")
    a = factory.tenant(f"alpha-{street.id}", parent=street, name="甲社区", contact_person="甲社区联系人",
                       description="甲社区的介绍")
    b = factory.tenant(f"beta-{street.id}", parent=street, name="乙社区", contact_person="乙社区联系人",
                       description="乙社区的介绍")
    users_a = {role: factory.user(f"甲{label}", roles={a: role}) for role, label in
               [("staff", "社工"), ("finance", "财务"), ("council", "议事员"), ("partner", "合伙人"),
                ("resident", "居民")]}
    # B's staff also keeps the books, so B can reach every object route and is stopped only by the tenant.
    users_b = {"staff": factory.user("乙社工", roles={b: ["staff", "finance"]}),
               "resident": factory.user("乙居民", roles={b: "resident"})}
    factory.user("甲居民二", roles={a: "resident"})
    last_a = factory.user("甲居民三", roles={a: "resident"})
    overseer = factory.user("街道督导", roles={street: "overseer"})
    outsider = factory.user("无关用户")
    admin = factory.user("平台管理员", admin=True)
    factory.invitation(b, users_b["staff"], name="乙受邀人")
    factory.invitation(a, users_a["staff"], name="甲受邀人一")
    factory.invitation(a, users_a["staff"], name="甲受邀人二")
    invitation_number, _token = factory.invitation(a, users_a["staff"], name="甲受邀人")
    with app.app_context(), tenant_scope(db.session, a.id):
        from app.accounts.models import Membership, User

        tenant = db.session.get(Tenant, a.id)
        set_logo(tenant, png_bytes(), actor=db.session.get(User, users_a["staff"].id),
                 limits={"max_bytes": 2_000_000, "max_pixels": 10_000_000, "max_side": 300},
                 upload_root=app.config["UPLOAD_FOLDER"])
        membership_number = db.session.scalar(
            db.select(Membership.number).where(Membership.user_id == last_a.id))
        db.session.commit()
    donation_number, donor_number = give_donations(app, a, ["甲捐赠人一", "甲捐赠人二", "甲捐赠人"])
    give_donations(app, b, ["乙捐赠人"])
    return World(street, a, b, users_a, users_b, overseer, outsider, admin, membership_number, invitation_number,
                 donation_number, donor_number)


def give_donations(app, tenant_ref, donors) -> tuple[int, int]:
    """Two funds and one cash donation per donor; returns the last donation's and donor's numbers."""
    from app.extensions import db
    from app.funds.services import DonationInput, record_donation
    from app.funds.tenant_section import apply_funds
    from app.tenancy.models import Tenant
    from app.tenancy.scoping import tenant_scope
    from tests.funds_world import FUNDS, TODAY, fund

    with app.app_context(), tenant_scope(db.session, tenant_ref.id):
        apply_funds(db.session.get(Tenant, tenant_ref.id), FUNDS, None)
        number = donor_number = 0
        for index, name in enumerate(donors):
            donation, _ = record_donation(DonationInput(donor_name=name, donor_type="resident", channel="cash",
                                                        fund=fund("charity"), received_on=TODAY,
                                                        amount_fen=10_000 * (index + 1)), actor=None, today=TODAY)
            number, donor_number = donation.number, donation.donor.number
        db.session.commit()
        return number, donor_number
