"""Needs at the service level: submission, support, triage (accept, decline, merge), filters, photos."""

import io
from datetime import date, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.needs import services
from app.needs.models import (
    NEED_ACCEPTED,
    NEED_DECLINED,
    NEED_MERGED,
    NEED_NEW,
    SOURCE_COUNTER,
    SOURCE_PUBLIC,
    Need,
    NeedEvent,
    NeedSupport,
)
from app.needs.services import NeedError, NeedFilters, NeedInput
from app.tenancy.services import tenant_zone
from tests.projects_world import CATEGORIES, make_projects_world, scoped, user


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory)


def submit(description="3号楼东侧路灯坏了一周", *, category="道路设施", building="3号楼", location="东侧",
           name="王阿姨", phone="13800000001", actor=None) -> Need:
    return services.submit_need(NeedInput(category, description, building, location, name, phone),
                                categories=CATEGORIES, actor=actor)


def state(need: Need) -> tuple:
    db.session.refresh(need)
    return need.status, need.status_reason, need.support_count, need.merged_into_id, len(need.events)


def events(need: Need) -> list[tuple[str, str]]:
    return [(event.status, event.note) for event in db.session.scalars(
        select(NeedEvent).where(NeedEvent.need_id == need.id).order_by(NeedEvent.id))]


# --- submission ---------------------------------------------------------------------------

def test_public_submission(app, world):
    with scoped(app, world):
        need = submit("  3号楼东侧路灯坏了一周  ")
        assert need.number == 1 and need.status == NEED_NEW and need.source == SOURCE_PUBLIC
        assert need.description == "3号楼东侧路灯坏了一周" and need.entered_by_id is None
        assert len(need.status_code) == 10 and set(need.status_code) <= set(services.CODE_ALPHABET)
        assert events(need) == [(NEED_NEW, "")]
        assert services.get_by_code(need.status_code).id == need.id
        assert services.get_by_code(services.display_code(need.status_code).lower()).id == need.id
        assert services.get_by_code(" " + services.display_code(need.status_code) + " ").id == need.id
        assert services.get_by_code("abc") is None
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "need.submit"))
        assert audit.actor_id is None and audit.after == {"category": "道路设施", "source": "public"}
        assert submit().number == 2


def test_counter_submission_records_the_staff_member(app, world):
    with scoped(app, world):
        need = submit(actor=user(world.staff))
        assert need.source == SOURCE_COUNTER and need.entered_by_id == world.staff.id
        assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "need.submit")) == world.staff.id


def test_unknown_category_is_refused(app, world):
    with scoped(app, world):
        with pytest.raises(NeedError, match="Choose one of the categories"):
            submit(category="不存在的类别")
        db.session.flush()
        assert db.session.scalar(select(func.count(Need.id))) == 0


# --- support ------------------------------------------------------------------------------

def test_support_once_per_person(app, world):
    with scoped(app, world):
        need = submit()
        resident = services.supporter_key(user=user(world.resident))
        visitor = services.supporter_key(visitor="random-visitor-id-1")
        assert resident == f"user:{world.resident.id}"
        assert visitor.startswith("visitor:") and "random-visitor-id-1" not in visitor
        assert services.support(need, resident) is True
        assert services.support(need, resident) is False
        assert services.support(need, visitor) is True
        assert services.support(need, services.supporter_key(visitor="random-visitor-id-1")) is False
        assert need.support_count == 2
        assert db.session.scalar(select(func.count(NeedSupport.id))) == 2
        other = submit("另一件事")
        assert services.supported_numbers([need, other], resident) == {need.number}


def test_closed_needs_take_no_support(app, world):
    with scoped(app, world):
        need = submit()
        services.decline([need], reason="不属于社区职责", actor=user(world.staff))
        assert services.support(need, "user:1") is False
        assert need.support_count == 0


# --- triage -------------------------------------------------------------------------------

def test_accept_and_decline_with_reason(app, world):
    with scoped(app, world):
        staff = user(world.staff)
        first, second = submit(), submit("小区门口垃圾桶满了")
        assert services.accept([first], actor=staff) == 1
        assert services.decline([second], reason="  已由物业处理  ", actor=staff) == 1
        assert first.status == NEED_ACCEPTED and events(first)[-1] == (NEED_ACCEPTED, "")
        assert second.status == NEED_DECLINED and second.status_reason == "已由物业处理"
        assert events(second)[-1] == (NEED_DECLINED, "已由物业处理")
        assert services.decline([first], reason="重复", actor=staff) == 1, "an accepted need may still be declined"
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "Need")
                                     .order_by(AuditEntry.id)).all()
        assert actions == ["need.submit", "need.submit", "need.accepted", "need.declined", "need.declined"]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_decline_without_reason_is_refused(app, world, reason):
    with scoped(app, world):
        need = submit()
        before = state(need)
        with pytest.raises(NeedError, match="reason"):
            services.decline([need], reason=reason, actor=user(world.staff))
        assert state(need) == before


def test_illegal_transitions_change_nothing(app, world):
    with scoped(app, world):
        staff = user(world.staff)
        declined, fresh, accepted = submit("一"), submit("二"), submit("三")
        services.decline([declined], reason="不受理", actor=staff)
        services.accept([accepted], actor=staff)
        before = [state(need) for need in (declined, fresh, accepted)]
        audit_rows = db.session.scalar(select(func.count(AuditEntry.id)))
        with pytest.raises(NeedError, match=f"#{declined.number}"):
            services.accept([fresh, declined], actor=staff)
        with pytest.raises(NeedError, match=f"#{accepted.number}"):
            services.accept([accepted], actor=staff)
        with pytest.raises(NeedError):
            services.decline([fresh, declined], reason="再拒", actor=staff)
        with pytest.raises(NeedError):
            services.merge([declined], into=fresh, actor=staff)
        assert [state(need) for need in (declined, fresh, accepted)] == before
        assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_rows


def test_merge_moves_supporters_without_double_counting(app, world):
    with scoped(app, world):
        staff = user(world.staff)
        main, duplicate, another = submit("路灯坏了"), submit("3号楼路灯不亮"), submit("路灯晚上不亮")
        for need, keys in ((main, ["a", "b"]), (duplicate, ["b", "c"]), (another, ["c", "d", "a"])):
            for key in keys:
                services.support(need, f"visitor:{key}")
        assert services.merge([main, duplicate, another], into=main, actor=staff) == 2
        assert main.support_count == 4, "a, b, c, d: each person once"
        assert db.session.scalar(select(func.count(NeedSupport.id)).where(NeedSupport.need_id == main.id)) == 4
        for need in (duplicate, another):
            assert need.status == NEED_MERGED and need.merged_into_id == main.id
            assert events(need)[-1] == (NEED_MERGED, f"Merged into need #{main.number}")
        assert main.status == NEED_NEW
        assert [need.number for need in services.merged_from(main)] == [duplicate.number, another.number]
        assert services.support(main, "visitor:a") is False, "a merged-in supporter still supports only once"


def test_merge_into_a_closed_need_is_refused(app, world):
    with scoped(app, world):
        staff = user(world.staff)
        closed, duplicate = submit("一"), submit("二")
        services.decline([closed], reason="不受理", actor=staff)
        services.support(duplicate, "visitor:x")
        before = state(duplicate), state(closed)
        with pytest.raises(NeedError, match="new or accepted"):
            services.merge([duplicate], into=closed, actor=staff)
        assert (state(duplicate), state(closed)) == before


def test_merge_of_nothing_but_the_target_is_refused(app, world):
    with scoped(app, world):
        need = submit()
        with pytest.raises(NeedError, match="at least one"):
            services.merge([need], into=need, actor=user(world.staff))
        assert need.status == NEED_NEW


def test_bulk_limit(app, world):
    with scoped(app, world):
        needs = [submit(f"需求{index}") for index in range(services.MAX_BULK + 1)]
        with pytest.raises(NeedError, match=f"at most {services.MAX_BULK}"):
            services.accept(needs, actor=user(world.staff))
        assert db.session.scalar(select(func.count(Need.id)).where(Need.status == NEED_NEW)) == services.MAX_BULK + 1
        assert services.accept(needs[:services.MAX_BULK], actor=user(world.staff)) == services.MAX_BULK
        with pytest.raises(NeedError, match="at least one"):
            services.accept([], actor=user(world.staff))


# --- filters ------------------------------------------------------------------------------

def numbers(filters: NeedFilters) -> list[int]:
    return [need.number for need in db.session.scalars(services.needs_query(filters, tenant_zone(_tenant())))]


def _tenant():
    from app.tenancy.models import Tenant
    from app.tenancy.scoping import current_tenant_id

    return db.session.get(Tenant, current_tenant_id(db.session))


@pytest.fixture
def listed(app, world):
    """Five needs with known dates (UTC), buildings and supporters."""
    with scoped(app, world):
        rows = [
            ("道路设施", "3号楼东侧路灯坏了", "3号楼", datetime(2026, 11, 1, 2, 0), 2),
            ("环境卫生", "垃圾桶满了，气味很大", "5号楼", datetime(2026, 11, 10, 16, 30), 5),  # 11-11 00:30 local
            ("道路设施", "小区北门路灯不亮", "12号楼", datetime(2026, 11, 15, 8, 0), 0),
            ("养老助老", "独居老人需要助餐", "3号楼", datetime(2026, 11, 18, 3, 0), 9),
            ("道路设施", "路面坑洼 100% 需要修", "B座7号楼", datetime(2026, 11, 19, 3, 0), 1),
        ]
        for category, description, building, submitted, supporters in rows:
            need = submit(description, category=category, building=building)
            need.submitted_at = submitted
            for index in range(supporters):
                services.support(need, f"visitor:{need.number}-{index}")
        services.accept([services.get_need(3)], actor=user(world.staff))
        db.session.commit()


@pytest.mark.usefixtures("listed")
@pytest.mark.parametrize(("filters", "expected"), [
    (NeedFilters(), [5, 4, 3, 2, 1]),
    (NeedFilters(sort="oldest"), [1, 2, 3, 4, 5]),
    (NeedFilters(sort="support"), [4, 2, 1, 5, 3]),
    (NeedFilters(status=NEED_NEW), [5, 4, 2, 1]),
    (NeedFilters(status=NEED_ACCEPTED), [3]),
    (NeedFilters(category="道路设施"), [5, 3, 1]),
    (NeedFilters(building="3号楼"), [4, 1]),
    (NeedFilters(building="2号"), []),  # from the start of the building: "12号楼" is not building 2
    (NeedFilters(building="12"), [3]),
    (NeedFilters(building="b座"), [5]),
    (NeedFilters(search="b座7"), [5]),
    (NeedFilters(search="7号楼"), [5]),
    (NeedFilters(search="路灯"), [3, 1]),
    (NeedFilters(search="助餐"), [4]),
    (NeedFilters(search="王阿姨"), [5, 4, 3, 2, 1]),
    (NeedFilters(search="#4"), [4]),
    (NeedFilters(search="100%"), [5]),
    (NeedFilters(search="%"), [5]),
    (NeedFilters(search="_"), []),
    (NeedFilters(date_from=date(2026, 11, 11)), [5, 4, 3, 2]),  # 16:30 UTC on the 10th is the 11th in Shanghai
    (NeedFilters(date_to=date(2026, 11, 10)), [1]),
    (NeedFilters(date_from=date(2026, 11, 11), date_to=date(2026, 11, 15)), [3, 2]),
    (NeedFilters(category="道路设施", building="3号楼", search="路灯", status=NEED_NEW), [1]),
])
def test_filters(app, world, filters, expected):
    with scoped(app, world):
        assert numbers(filters) == expected


@pytest.mark.usefixtures("listed")
def test_counts_by_status_follow_the_other_filters(app, world):
    with scoped(app, world):
        zone = tenant_zone(_tenant())
        assert services.counts_by_status() == {NEED_NEW: 4, NEED_ACCEPTED: 1}
        assert services.counts_by_status(NeedFilters(status=NEED_ACCEPTED, search="路灯"), zone) == {
            NEED_NEW: 1, NEED_ACCEPTED: 1}
        assert services.waiting_for_triage() == 4
        public = [need.number for need in db.session.scalars(services.public_needs_query(sort="support"))]
        assert public == [4, 2, 1, 5, 3]
        services.decline([services.get_need(4)], reason="不受理", actor=user(world.staff))
        assert [need.number for need in db.session.scalars(services.public_needs_query(category="道路设施"))] == [5, 3, 1]
        assert 4 not in [need.number for need in db.session.scalars(services.public_needs_query())]


def test_other_tenants_needs_stay_out_of_lists(app, factory, world):
    other = make_projects_world(app, factory, name="别的社区")
    with scoped(app, other):
        submit("别的社区的路灯")
    with scoped(app, world):
        submit("本社区的路灯")
        assert [need.description for need in db.session.scalars(services.needs_query(NeedFilters(search="路灯"),
                                                                                    tenant_zone(_tenant())))] == [
            "本社区的路灯"]
        assert services.counts_by_status() == {NEED_NEW: 1}


# --- photos and display helpers -----------------------------------------------------------

def image_bytes(fmt="PNG", size=(2400, 1200), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else (10, 120, 200, 0)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "RGB"), ("PNG", "RGBA"), ("JPEG", "RGB")])
def test_photos_are_reencoded_as_jpeg(fmt, mode):
    out = services.reencode_photo(image_bytes(fmt, mode=mode))
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == "JPEG" and image.size == (services.PHOTO_MAX_SIDE, services.PHOTO_MAX_SIDE // 2)
        assert not image.getexif()


def test_photo_location_data_is_dropped():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated, so the re-encoded photo is turned upright
    Image.new("RGB", (300, 100), (200, 30, 30)).save(buffer, format="JPEG", exif=exif)
    with Image.open(io.BytesIO(services.reencode_photo(buffer.getvalue()))) as image:
        assert image.size == (100, 300) and not image.getexif()


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Choose an image file"),
    (b"not an image at all", "not a JPEG or PNG"),
    (image_bytes("GIF", size=(20, 20)), "Only JPEG and PNG"),
    (image_bytes("PNG", size=(20, 20))[:60], "not a JPEG or PNG"),
    (b"\x89PNG" + b"0" * (services.PHOTO_MAX_BYTES + 1), "larger than 5 MB"),
])
def test_bad_photos_are_refused(app, data, message):
    with app.test_request_context(), pytest.raises(NeedError, match=message):
        services.reencode_photo(data)


def test_too_many_pixels_are_refused(app):
    with app.test_request_context(), pytest.raises(NeedError, match="too many pixels"):
        services.reencode_photo(image_bytes(size=(300, 300)), max_pixels=300 * 299)


@pytest.mark.parametrize(("phone", "masked"), [
    ("13800000001", "138****0001"), ("+86 138 0000 0001", "138****0001"), ("0537-1234567", "053****4567"),
    ("12345", "****"), ("", "****"),
])
def test_mask_phone(phone, masked):
    assert services.mask_phone(phone) == masked


def test_display_code():
    assert services.display_code("abcdefghjk") == "ABCD-EFGH-JK"
    assert services.normalise_code(" ABCD-efgh jk ") == "abcdefghjk"
