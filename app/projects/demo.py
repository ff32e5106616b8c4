"""Demo needs, council members and projects from the seed reports (``flask demo projects``).

Projects go through the real services and workflow, so the demo has versions, reviews,
votes, timelines and audit entries like real use. 铁西社区 also gets a few hundred
residents' needs (微心愿) so the triage screens have something to work on.
"""

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import ROLE_COUNCIL, ROLE_STAFF, Membership, User
from app.core.timeutil import utcnow
from app.council import services as council
from app.council.tenant_section import council_rules
from app.extensions import db
from app.needs import services as needs
from app.needs.models import Need, NeedSupport
from app.needs.tenant_section import need_categories
from app.projects import services
from app.projects.demo_data import DEMO_PROJECTS, NEED_TEMPLATES, RESIDENT_NAMES, TIEXI_BUILDINGS
from app.projects.models import Project
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope

COUNCIL_NAMES = ["王建国", "李秀英", "张志强", "刘桂兰", "陈明", "杨丽华", "赵德胜", "黄海燕", "周立新"]
STAFF_ROLES = frozenset({ROLE_STAFF})
COUNCIL_ROLES = frozenset({ROLE_COUNCIL})
TRIAGE_NEEDS = 600
DECLINE_REASONS = ["不属于社区职责范围，已转交物业处理", "涉及个人私事，建议通过其他渠道解决", "已有相同项目在实施中"]
STATE_STEPS = {"draft": [], "submitted": ["submit"], "in_review": ["submit", "start_review"],
               "approved": ["submit", "start_review", "vote"]}


def council_login(tenant: Tenant, index: int) -> str:
    return f"{tenant.slug}-council{index}@demo.linli.cn"


def ensure_council(tenant: Tenant, password: str) -> list[User]:
    """The tenant's council: as many members as ``[council] members`` says."""
    members = []
    for index in range(1, council_rules(tenant)["members"] + 1):
        email = council_login(tenant, index)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = accounts.create_user(name=COUNCIL_NAMES[(index - 1) % len(COUNCIL_NAMES)], password=password,
                                        email=email)
        accounts.add_membership(tenant, user, ROLE_COUNCIL, actor=None)
        members.append(user)
    return members


def _staff(tenant: Tenant) -> User | None:
    return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                             .where(Membership.role == ROLE_STAFF).order_by(User.id).limit(1))


def _need_input(rng: random.Random, category: str, description: str, buildings: list[str]) -> needs.NeedInput:
    return needs.NeedInput(category=category, description=description, building=rng.choice(buildings),
                           location="", contact_name=rng.choice(RESIDENT_NAMES),
                           contact_phone=f"13{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}")


def seed_triage_needs(tenant: Tenant, rng: random.Random, today: date) -> int:
    """Hundreds of needs over the last 18 months, some supported, accepted, declined or merged."""
    categories = [category for category in need_categories(tenant) if category in NEED_TEMPLATES]
    if not categories:
        return 0
    made = []
    for _index in range(TRIAGE_NEEDS):
        category = rng.choice(categories)
        need = needs.submit_need(_need_input(rng, category, rng.choice(NEED_TEMPLATES[category]), TIEXI_BUILDINGS),
                                 categories=categories)
        submitted = utcnow() - timedelta(days=rng.randint(0, 540), minutes=rng.randint(0, 1440))
        need.submitted_at = need.updated_at = submitted
        need.events[0].created_at = submitted
        supporters = int(rng.paretovariate(1.3)) - 1
        for supporter in range(min(supporters, 60)):
            db.session.add(NeedSupport(tenant_id=tenant.id, need_id=need.id, supporter_key=f"visitor:demo{supporter}"))
        need.support_count = min(supporters, 60)
        made.append(need)
    db.session.flush()
    staff = _staff(tenant)
    older = [need for need in made if need.submitted_at.date() < today - timedelta(days=30)]
    rng.shuffle(older)
    needs.accept(older[:120], actor=staff)
    needs.decline(older[120:135], reason=DECLINE_REASONS[0], actor=staff)
    needs.decline(older[135:145], reason=DECLINE_REASONS[1], actor=staff)
    for start in range(145, 160, 3):
        needs.merge(older[start:start + 3], into=older[start], actor=staff)
    return len(made)


def seed_project(tenant: Tenant, data: dict, rng: random.Random, today: date, members: list[User]) -> Project:
    staff = _staff(tenant)
    categories = need_categories(tenant)
    linked = []
    for description in data.get("need_descriptions", []):
        need = needs.submit_need(_need_input(rng, categories[0], description, ["社区"]), categories=categories)
        for supporter in range(rng.randint(8, 40)):
            db.session.add(NeedSupport(tenant_id=tenant.id, need_id=need.id, supporter_key=f"visitor:p{supporter}"))
        db.session.flush()
        need.support_count = db.session.scalar(select(func.count(NeedSupport.id))
                                                .where(NeedSupport.need_id == need.id))
        needs.accept([need], actor=staff)
        linked.append(need)
    project = services.create_project(title=data["title"], summary=data.get("summary", ""), actor=staff,
                                      needs=linked)
    for section, value in data["plan"].items():
        services.save_section(project, section, value, actor=staff)
    organisation = data.get("organisation")
    if organisation:
        services.set_organisation(project, name=organisation["name"], contact=organisation.get("contact", ""),
                                  phone=organisation.get("phone", ""), actor=staff)
    story = data.get("story")
    if story:
        return _seed_story(project, story, rng, members, staff)
    for step in STATE_STEPS[data.get("state", "draft")]:
        if step == "vote":
            review = council.current_review(project)
            for index, member in enumerate(members):
                choice = "abstain" if index == len(members) - 1 else "approve"
                comment = "预算合理，同意实施。" if index == 0 else ("请注意施工安全。" if index == 1 else "")
                council.cast_vote(review, voter=member, choice=choice, comment=comment, today=today,
                                  roles=COUNCIL_ROLES)
        else:
            services.transition(project, step, actor=staff, roles=STAFF_ROLES, today=today)
    if data.get("state") == "approved" and tenant.slug == "tiexi":
        objection = services.file_objection(project, services.ObjectionInput(
            "孙立军", "13953700000", "施工期间小区车辆停到哪里？希望提前公告。"), today=today)
        services.answer_objection(objection, actor=staff, answer="施工分两段进行，车辆临时停放在社区广场，开工前三天张贴公告。")
    if data.get("state") == "in_review":
        review = council.current_review(project)
        council.cast_vote(review, voter=members[0], choice="approve", comment="同意。", today=today,
                          roles=COUNCIL_ROLES)
    return project


def _seed_story(project: Project, story: dict, rng: random.Random, members: list[User], staff: User) -> Project:
    """A project whose seed report tells its dates: reviewed, crowdfunded and started on those days."""
    from dataclasses import replace

    from app.funds import services as funds
    from app.funds.demo import Campaign, campaign_inputs

    approved_on = date.fromisoformat(story["approved_on"])
    services.transition(project, "submit", actor=staff, roles=STAFF_ROLES, today=approved_on - timedelta(days=7))
    services.transition(project, "start_review", actor=staff, roles=STAFF_ROLES,
                        today=approved_on - timedelta(days=7))
    review = council.current_review(project)
    for index, member in enumerate(members):
        council.cast_vote(review, voter=member, choice="abstain" if index == len(members) - 1 else "approve",
                          comment="预算合理，同意实施。" if index == 0 else "", today=approved_on, roles=COUNCIL_ROLES)
    objection = services.file_objection(project, services.ObjectionInput(
        "孙立军", "13953700000", "施工期间小区车辆停到哪里？希望提前公告。"), today=approved_on + timedelta(days=2))
    services.answer_objection(objection, actor=staff, answer="施工分两段进行，车辆临时停放在社区广场，开工前三天张贴公告。")
    start = date.fromisoformat(story["fundraising_from"])
    if story.get("matching_rate"):
        from app.matching.services import choose_rate

        rule_key, percent = story["matching_rate"]
        choose_rate(project, rule_key, percent, actor=staff)
    services.transition(project, "start_fundraising", actor=staff, roles=STAFF_ROLES, today=start)
    goal = services.crowdfunding_goal_fen(project)
    fund = funds.get_fund(project.approved_version.plan["budget"][0]["fund"])
    campaign = Campaign(fund.key, start, project.fundraising_ends_on, goal // 100, story["crowdfunding_gifts"],
                        note=f"{project.title}众筹")
    for data in sorted(campaign_inputs(rng, fund, campaign), key=lambda item: item.received_on):
        funds.record_donation(replace(data, project=project), actor=None, today=project.fundraising_ends_on)
    services.transition(project, "start_work", actor=staff, roles=STAFF_ROLES,
                        today=date.fromisoformat(story["work_from"]))
    if story.get("matching_paid_on"):
        _settle_matching(project, date.fromisoformat(story["matching_paid_on"]), staff)
    for update in story.get("updates", []):
        _seed_update(project, update, staff)
    if story.get("spending"):
        _seed_spending(project, story["spending"], staff, members)
    if story.get("closeout"):
        _seed_closeout(project, story["closeout"], staff)
    return project


def demo_photo(seed: str) -> bytes:
    """A stand-in site photo: sky, a road with its centre line, the sun (no people, no text)."""
    import io

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (800, 500), (150 + rng.randint(0, 40), 190, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 260, 800, 500), fill=(110 + rng.randint(0, 30), 150, 90))
    draw.polygon([(330, 260), (470, 260), (760, 500), (40, 500)], fill=(165, 165, 160))
    for step in range(4):
        top = 275 + step * 55
        draw.polygon([(398, top), (402, top), (404 + step * 6, top + 30), (396 - step * 6, top + 30)],
                     fill=(240, 240, 235))
    draw.ellipse((640, 40, 720, 120), fill=(250, 220, 120))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _seed_update(project: Project, data: dict, staff: User) -> None:
    from flask import current_app

    update = services.post_update(project, body=data["body"], percent_done=data["percent"],
                                  photos=[demo_photo(f"{project.title}-{data['on']}")], actor=staff,
                                  upload_root=current_app.config["UPLOAD_FOLDER"])
    update.created_at = datetime.combine(date.fromisoformat(data["on"]), time(10))


def _seed_closeout(project: Project, data: dict, staff: User) -> None:
    """结项: targets met (or not), the evaluation, then the project closes and its leftover goes back."""
    from app.closeout import services as closeout

    services.transition(project, "start_closeout", actor=staff, roles=STAFF_ROLES,
                        today=date.fromisoformat(data["started_on"]))
    closeout.save_closeout(project, closeout.CloseoutInput(
        summary=data["summary"], actuals=[closeout.ActualInput(actual, note) for actual, note in data["actuals"]],
        beneficiaries=data["beneficiaries"], beneficiaries_note=data["beneficiaries_note"],
        survey_responses=data["survey_responses"], scores=data["scores"], evaluation_note=data["evaluation_note"]),
        actor=staff)
    closed_on = date.fromisoformat(data["closed_on"])
    record = closeout.close(project, to=None, message="", actor=staff, roles=STAFF_ROLES, today=closed_on)
    record.closed_at = datetime.combine(closed_on, time(8))  # the seed's date, not the day the demo was loaded


def _settle_matching(project: Project, paid_on: date, staff: User) -> None:
    """The matching body pays what it granted the project (the money moves into its restricted account)."""
    from app.matching import services as matching

    grants = [grant for grant in matching.project_grants(project) if grant.is_open]
    if grants:
        matching.settle(grants, settled_on=paid_on, today=paid_on, note="县慈善总会配捐到账", actor=staff)


def _seed_spending(project: Project, items: list[dict], staff: User, members: list[User]) -> None:
    from flask import current_app

    from app.accounts.demo import finance_login
    from app.spending.demo import DemoSpending, seed_spending

    finance = db.session.scalar(select(User).where(User.email == finance_login(project.tenant)))
    seed_spending(project, [DemoSpending(item["line"], item["yuan"] * 100, item["payee"], item["category"],
                                         item["purpose"], date.fromisoformat(item["on"])) for item in items],
                  staff=staff, finance=finance, members=members, upload_root=current_app.config["UPLOAD_FOLDER"])


def seed_demo_projects(today: date, password: str) -> list[tuple[str, int, int, str]]:
    """Per community without projects yet: (name, projects made, needs made, a council login)."""
    made = []
    for slug, projects in DEMO_PROJECTS.items():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            continue
        with tenant_scope(db.session, tenant.id):
            if db.session.scalar(select(func.count(Project.id))) or _staff(tenant) is None:
                continue
            rng = random.Random(f"linli-demo-projects-{slug}")
            members = ensure_council(tenant, password)
            if slug == "tiexi":
                seed_triage_needs(tenant, rng, today)
            for data in projects:
                seed_project(tenant, data, rng, today, members)
            made.append((tenant.name, len(projects), db.session.scalar(select(func.count(Need.id))),
                         council_login(tenant, 1)))
    return made
