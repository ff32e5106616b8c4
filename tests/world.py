"""Two communities under one street, each with people and objects, for isolation and access tests.

Tenant A (alpha) has more memberships and invitations than B (beta), so A's per-tenant
numbers do not exist in B: a request for A's number through B's slug must answer 404.
"""

import io
from dataclasses import dataclass, field
from datetime import date

from PIL import Image

from tests.conftest import Factory, TenantRef, UserRef

A_MARKERS = ("甲社区联系人", "甲社工", "甲受邀人", "甲居民", "甲捐赠人", "甲需求", "甲项目", "甲异议")


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
    a_need_number: int = 0
    a_need_code: str = ""
    a_project_number: int = 0  # a draft with a linked need
    a_review_project_number: int = 0  # in review, its review open
    a_approved_project_number: int = 0  # approved, on public notice, with one objection
    a_objection_id: int = 0
    a_update_id: int = 0  # a progress update with one photo on the approved project
    extra: dict = field(default_factory=dict)  # numbers other domains' world builders add (tests/world_*.py)


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
    users_b = {"staff": factory.user("乙社工", roles={b: ["staff", "finance", "council"]}),
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
    world = World(street, a, b, users_a, users_b, overseer, outsider, admin, membership_number, invitation_number,
                  donation_number, donor_number)
    give_needs_and_projects(app, world)
    from tests.world_closeout import give_closeout
    from tests.world_matching import give_matching
    from tests.world_spending import give_spending

    give_matching(app, world)
    give_spending(app, world)
    give_closeout(app, world)
    return world


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


def _world_today() -> date:
    """The real local date: the approved project's public notice must be running when the tests request it."""
    from tests.projects_world import real_today

    return real_today()


WORLD_TODAY = _world_today()


def give_needs_and_projects(app, world: World) -> None:
    """A: four needs, a draft, a project in review, an approved one with an objection; B: a need, a draft.

    A's council is its one council member (quorum 1), so the approved project is approved by her vote.
    """
    from app.extensions import db
    from app.needs import services as needs
    from app.projects import services as projects
    from app.tenancy.models import Tenant
    from app.tenancy.scoping import tenant_scope
    from tests.projects_world import complete_plan

    staff_roles = frozenset({"staff"})
    for tenant_ref, staff_ref, council_ref, prefix, count in (
            (world.b, world.users_b["staff"], world.users_b["staff"], "乙", 1),
            (world.a, world.users_a["staff"], world.users_a["council"], "甲", 4)):
        with app.app_context(), tenant_scope(db.session, tenant_ref.id):
            from app.accounts.models import User

            tenant = db.session.get(Tenant, tenant_ref.id)
            tenant.settings = {**(tenant.settings or {}), "needs": {"categories": ["环境卫生", "道路设施"]},
                               "council": {"members": 3, "quorum": 1, "majority": "simple", "review_days": 7}}
            staff, member = db.session.get(User, staff_ref.id), db.session.get(User, council_ref.id)
            made = [needs.submit_need(needs.NeedInput("道路设施", f"{prefix}需求{index}：路灯坏了", f"{prefix}3号楼", "",
                                                      f"{prefix}居民", "13800000000"), categories=["道路设施"])
                    for index in range(count)]
            if prefix == "乙":
                projects.create_project(title="乙项目", summary="", actor=staff)
                db.session.commit()
                continue
            from app.core import storage

            # A's last need has a photo, so the photo route has something to serve.
            made[-1].photo_key = storage.save(app.config["UPLOAD_FOLDER"], tenant.id, "need",
                                              needs.reencode_photo(png_bytes()), suffix=".jpg")
            projects.create_project(title="甲项目旧", summary="", actor=staff)
            projects_made = []
            for title in ("草稿", "评审", "公示"):
                project = projects.create_project(title=f"{prefix}项目{title}", summary="", actor=staff)
                for section, value in complete_plan().items():
                    projects.save_section(project, section, value, actor=staff)
                projects_made.append(project)
            draft, in_review, approved = projects_made
            projects.link_need(draft, made[0], actor=staff)
            for project in (in_review, approved):
                projects.transition(project, "submit", actor=staff, roles=staff_roles, today=WORLD_TODAY)
                projects.transition(project, "start_review", actor=staff, roles=staff_roles, today=WORLD_TODAY)
            from app.council import services as council

            council.cast_vote(council.current_review(approved), voter=member, choice="approve", comment="同意",
                              today=WORLD_TODAY, roles=frozenset({"council"}))
            objection = projects.file_objection(approved, projects.ObjectionInput(f"{prefix}异议人", "13900000000",
                                                                                  f"{prefix}异议：施工噪音"),
                                                today=WORLD_TODAY)
            from app.projects.models import ProjectUpdate

            progress = ProjectUpdate(tenant_id=tenant.id, project_id=approved.id, body="甲项目进展：材料已进场",
                                     percent_done=10, author_id=staff.id,
                                     photo_keys=[storage.save(app.config["UPLOAD_FOLDER"], tenant.id, "progress",
                                                              needs.reencode_photo(png_bytes()), suffix=".jpg")])
            db.session.add(progress)
            db.session.commit()
            world.a_update_id = progress.id
            world.a_need_number, world.a_need_code = made[-1].number, made[-1].status_code
            world.a_project_number, world.a_review_project_number = draft.number, in_review.number
            world.a_approved_project_number, world.a_objection_id = approved.number, objection.id


def approved_in_a(title: str, *, staff, member, on: date, plan: dict | None = None, needs=()):
    """(Inside A's scope) a project with a complete plan, approved on ``on`` by A's one council member's vote."""
    from app.council import services as council
    from app.projects import services as projects
    from tests.projects_world import STAFF_ROLES, complete_plan

    project = projects.create_project(title=title, summary="", actor=staff, needs=list(needs))
    for section, value in (plan or complete_plan()).items():
        projects.save_section(project, section, value, actor=staff)
    projects.transition(project, "submit", actor=staff, roles=STAFF_ROLES, today=on)
    projects.transition(project, "start_review", actor=staff, roles=STAFF_ROLES, today=on)
    council.cast_vote(council.current_review(project), voter=member, choice="approve", comment="同意", today=on,
                      roles=frozenset({"council"}))
    return project
