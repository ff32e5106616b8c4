"""Needs through HTTP: the public form and its abuse protection, status pages, +1, staff triage, counter mode."""

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.core import storage
from app.core.timeutil import utcnow
from app.extensions import db
from app.needs import services
from app.needs.models import (
    NEED_ACCEPTED,
    NEED_DECLINED,
    NEED_MERGED,
    NEED_NEW,
    SOURCE_COUNTER,
    Need,
)
from app.needs.services import NeedInput
from tests.conftest import Factory, login
from tests.projects_world import CATEGORIES, make_projects_world, scoped, user

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory)


def english(client):
    client.post("/language", data={"locale": "en"})
    return client


def form(**extra):
    return {"category": "道路设施", "description": "3号楼东侧路灯坏了一周，晚上很黑", "building": "3号楼",
            "location": "东侧小路", "contact_name": "王阿姨", "contact_phone": "13800000001", "website": ""} | extra


def png(size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def all_needs(app, world) -> list[Need]:
    with scoped(app, world):
        return db.session.scalars(select(Need).order_by(Need.number)).all()


def make_needs(app, world, count, **fields) -> list[int]:
    """``count`` public needs; ``fields`` may vary them by index (callables)."""
    with scoped(app, world):
        made = []
        for index in range(count):
            values = {"category": "道路设施", "description": f"需求{index}", "building": "1号楼", "location": "",
                      "contact_name": "居民", "contact_phone": "13800000001"}
            values |= {key: value(index) if callable(value) else value for key, value in fields.items()}
            made.append(services.submit_need(NeedInput(**values), categories=CATEGORIES).number)
        db.session.commit()
        return made


def statuses(app, world) -> dict[int, str]:
    return {need.number: need.status for need in all_needs(app, world)}


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the public form ----------------------------------------------------------------------

def test_public_form_gives_a_status_code(app, client, world):
    base = f"/c/{world.tenant.slug}/public/needs"
    page = text(client.get(f"{base}/new"))
    assert 'name="website"' in page and "<div hidden" in page and 'enctype="multipart/form-data"' in page
    assert all(f'<option value="{name}">{name}</option>' in page for name in CATEGORIES)
    response = client.post(f"{base}/new", data=form())
    assert response.status_code == 302
    [need] = all_needs(app, world)
    assert need.description == "3号楼东侧路灯坏了一周，晚上很黑" and need.source == "public"
    assert need.contact_phone == "13800000001" and need.photo_key is None
    assert response.headers["Location"] == f"{base}/status/{need.status_code}"
    status = client.get(response.headers["Location"])
    body = text(status)
    assert status.status_code == 200
    code = services.display_code(need.status_code)
    assert body.count(code) >= 2, "in the flash and in large print on the page"
    assert "3号楼东侧路灯坏了一周" in body and "道路设施" in body
    assert "138****0001" in body and "13800000001" not in body


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"description": ""}, "description", "Describe the need."),
    ({"description": "   "}, "description", "Describe the need."),
    ({"description": "长" * 1001}, "description", "At most 1000 characters"),
    ({"category": ""}, "category", "Choose a category."),
    ({"category": "不存在"}, "category", "Choose one of the categories."),
    ({"contact_phone": "12345"}, "contact_phone", "Enter a mobile number"),
    ({"contact_phone": "1380000000"}, "contact_phone", "Enter a mobile number"),
    ({"contact_phone": ""}, "contact_phone", "Give a phone number."),
    ({"contact_name": ""}, "contact_name", "Give a name we can ask for."),
    ({"building": "楼" * 101}, "building", "Field cannot be longer than 100 characters."),
])
def test_bad_input_is_explained_next_to_its_field(app, client, world, changes, field, message):
    english(client)
    response = client.post(f"/c/{world.tenant.slug}/public/needs/new", data=form(**changes))
    assert response.status_code == 422
    body = text(response)
    block = re.search(rf'<div class="field has-error" id="field-{field}">(.*?)</div>\s*</div>', body, re.S)
    assert block is not None and message in block.group(1)
    for name, value in form(**changes).items():
        if name not in changes and name != "website" and value and name != "category":
            assert value in body, f"{name} was kept"
    assert all_needs(app, world) == []


def test_every_problem_at_once_and_values_kept(app, client, world):
    english(client)
    response = client.post(f"/c/{world.tenant.slug}/public/needs/new",
                           data=form(description="", contact_phone="abc", location="北门",
                                     photo=(io.BytesIO(b"plain text"), "photo.png")),
                           content_type="multipart/form-data")
    body = text(response)
    assert response.status_code == 422
    for message in ("Describe the need.", "Enter a mobile number", "not a JPEG or PNG"):
        assert message in body
    assert 'value="北门"' in body and 'value="王阿姨"' in body and 'value="abc"' in body
    assert '<option selected value="道路设施">' in body


def test_validation_messages_are_chinese_by_default(client, world):
    body = text(client.post(f"/c/{world.tenant.slug}/public/needs/new", data=form(building="楼" * 101)))
    assert "不能" in body and "Field cannot be longer" not in body


def test_honeypot_stores_nothing(app, client, world):
    response = client.post(f"/c/{world.tenant.slug}/public/needs/new", data=form(website="http://spam.example"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/public/needs/")
    assert all_needs(app, world) == []
    invalid = client.post(f"/c/{world.tenant.slug}/public/needs/new", data=form(description="", website="x"))
    assert invalid.status_code == 302 and all_needs(app, world) == []


def test_public_form_is_rate_limited(make_app):
    app = make_app(PUBLIC_NEED_LIMIT="3 per minute;5 per day")
    world = make_projects_world(app, Factory(app))
    client = app.test_client()
    url = f"/c/{world.tenant.slug}/public/needs/new"
    codes = [client.post(url, data=form(description=f"第{index}条")).status_code for index in range(3)]
    codes.append(client.post(url, data=form(description="", website="")).status_code)
    assert codes == [302, 302, 302, 429]
    assert len(all_needs(app, world)) == 3
    assert client.get(url).status_code == 200, "the form itself is not limited"
    other_ip = client.post(url, data=form(), environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other_ip.status_code == 302 and len(all_needs(app, world)) == 4


def test_default_limit_is_five_a_minute(app, client, world):
    url = f"/c/{world.tenant.slug}/public/needs/new"
    codes = [client.post(url, data=form(description=f"第{index}条")).status_code for index in range(6)]
    assert codes == [302] * 5 + [429]


def test_photo_is_reencoded_and_served_to_staff_only(app, client, world):
    response = client.post(f"/c/{world.tenant.slug}/public/needs/new",
                           data=form(photo=(io.BytesIO(png()), "路灯.png")), content_type="multipart/form-data")
    assert response.status_code == 302
    [need] = all_needs(app, world)
    path = storage.path_for(app.config["UPLOAD_FOLDER"], world.tenant.id, need.photo_key)
    assert need.photo_key.startswith(f"{world.tenant.id}/need-") and need.photo_key.endswith(".jpg")
    with Image.open(path) as image:
        assert image.format == "JPEG" and image.size == (800, 600)
    status_page = text(client.get(response.headers["Location"]))
    assert "/photo" not in status_page
    photo_url = f"/c/{world.tenant.slug}/needs/{need.number}/photo"
    assert client.get(photo_url).status_code == 302  # anonymous: to the sign-in page
    resident = app.test_client()
    login(resident, world.resident)
    assert resident.get(photo_url).status_code == 403
    login(client, world.staff)
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and photo.data == path.read_bytes()
    photo.close()
    assert "private" in photo.headers["Cache-Control"] and "public" not in photo.headers["Cache-Control"]
    assert photo_url in text(client.get(f"/c/{world.tenant.slug}/needs/{need.number}"))


@pytest.mark.parametrize(("upload", "message"), [
    ((b"GIF89a not really", "photo.gif"), "not a JPEG or PNG"),
    ((b"%PDF-1.4 a document", "photo.png"), "not a JPEG or PNG"),
    ((png()[:100], "broken.png"), "not a JPEG or PNG"),
])
def test_non_image_photo_is_refused(app, client, world, upload, message):
    english(client)
    data, name = upload
    response = client.post(f"/c/{world.tenant.slug}/public/needs/new",
                           data=form(photo=(io.BytesIO(data), name)), content_type="multipart/form-data")
    assert response.status_code == 422
    block = re.search(r'id="field-photo">(.*?)</div>\s*</div>', text(response), re.S)
    assert block and message in block.group(1)
    assert all_needs(app, world) == []
    assert not list((app.config["UPLOAD_FOLDER"]).glob("*/need-*"))


def test_oversize_photo_is_refused(app, client, world):
    english(client)
    big = FileStorage(io.BytesIO(png() + b"\0" * (5 * 1024 * 1024)), filename="big.png", content_type="image/png")
    # Encoded in memory: the test client would spool a body this size to a temporary file it never closes.
    boundary, body = encode_multipart(form(photo=big))
    response = client.post(f"/c/{world.tenant.slug}/public/needs/new", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422 and "larger than 5 MB" in text(response)
    assert all_needs(app, world) == []


def test_gif_photo_is_refused(app, client, world):
    english(client)
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, format="GIF")
    buffer.seek(0)
    response = client.post(f"/c/{world.tenant.slug}/public/needs/new", data=form(photo=(buffer, "a.gif")),
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Only JPEG and PNG" in text(response)


# --- status pages -------------------------------------------------------------------------

def test_status_page_shows_the_history(app, client, world):
    [first, second] = make_needs(app, world, 2)
    with scoped(app, world):
        staff = user(world.staff)
        services.decline([services.get_need(first)], reason="该路段属于市政管理，已转交市政热线", actor=staff)
        services.merge([services.get_need(second)], into=services.get_need(make_needs_in_scope()), actor=staff)
        first_code, second_code = services.get_need(first).status_code, services.get_need(second).status_code
        db.session.commit()
    declined = text(client.get(f"/c/{world.tenant.slug}/public/needs/status/{first_code}"))
    assert "该路段属于市政管理，已转交市政热线" in declined
    assert declined.count("<li>") >= 2
    merged = text(english(client).get(f"/c/{world.tenant.slug}/public/needs/status/{second_code}"))
    # The note is stored in the community's language (zh_CN), whoever's screen caused the merge.
    assert "已合并到需求 #3" in merged and "same as need #3" in merged
    target = all_needs(app, world)[2]
    assert target.status_code not in merged, "the other submitter's code stays private"


def make_needs_in_scope() -> int:
    return services.submit_need(NeedInput("道路设施", "合并目标", "", "", "李四", "13900000002"),
                                categories=CATEGORIES).number


def test_unknown_code_is_404_with_a_lookup_form(client, world):
    response = client.get(f"/c/{world.tenant.slug}/public/needs/status/abcdefghjk")
    assert response.status_code == 404
    body = text(response)
    assert 'name="code"' in body and 'action="/c/' in body


def test_lookup_goes_to_the_status_page(app, client, world):
    make_needs(app, world, 1)
    [need] = all_needs(app, world)
    url = f"/c/{world.tenant.slug}/public/needs/status"
    assert client.get(url).status_code == 200
    response = client.get(url, query_string={"code": services.display_code(need.status_code)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/status/{need.status_code}")


def test_other_communitys_code_is_not_found(app, client, factory, world):
    other = make_projects_world(app, factory, name="别的社区")
    make_needs(app, other, 1)
    [need] = all_needs(app, other)
    assert client.get(f"/c/{world.tenant.slug}/public/needs/status/{need.status_code}").status_code == 404
    assert client.get(f"/c/{other.tenant.slug}/public/needs/status/{need.status_code}").status_code == 200


# --- public list and support --------------------------------------------------------------

def test_public_list_shows_open_needs_without_contacts(app, client, world):
    make_needs(app, world, 3, description=lambda i: f"公开需求{i}", contact_name="张三丰",
               category=lambda i: CATEGORIES[i])
    with scoped(app, world):
        services.decline([services.get_need(2)], reason="不受理", actor=user(world.staff))
        db.session.commit()
    body = text(client.get(f"/c/{world.tenant.slug}/public/needs/"))
    assert "公开需求0" in body and "公开需求2" in body and "公开需求1" not in body
    assert "13800000001" not in body and "138****" not in body and "张三丰" not in body
    filtered = client.get(f"/c/{world.tenant.slug}/public/needs/", query_string={"category": CATEGORIES[2]},
                          headers=HX)
    assert "公开需求2" in text(filtered) and "公开需求0" not in text(filtered) and "<html" not in text(filtered)


def test_support_once_per_visitor(app, client, world):
    [number] = make_needs(app, world, 1)
    english(client)
    url = f"/c/{world.tenant.slug}/public/needs/{number}/support"
    listing = client.get(f"/c/{world.tenant.slug}/public/needs/")
    cookie = listing.headers.get("Set-Cookie", "")
    assert "linli_visitor=" in cookie and "Max-Age=63072000" in cookie and "HttpOnly" in cookie
    first = client.post(url, headers=HX)
    assert first.status_code == 200
    assert "Supported" in text(first) and '<span class="support-count">1</span>' in text(first)
    assert "<html" not in text(first)
    again = client.post(url, headers=HX)
    assert '<span class="support-count">1</span>' in text(again) and "Supported" in text(again)
    other = english(app.test_client())
    assert other.post(url).status_code == 302
    assert '<span class="support-count">2</span>' in text(other.get(f"/c/{world.tenant.slug}/public/needs/"))
    assert all_needs(app, world)[0].support_count == 2
    page = text(client.get(f"/c/{world.tenant.slug}/public/needs/"))
    assert "Supported" in page and f'action="{url}"' not in page


def test_support_once_per_signed_in_user(app, world):
    [number] = make_needs(app, world, 1)
    url = f"/c/{world.tenant.slug}/public/needs/{number}/support"
    phone, laptop = app.test_client(), app.test_client()
    login(phone, world.resident)
    login(laptop, world.resident)
    assert phone.post(url).status_code == 302
    assert laptop.post(url).status_code == 302
    assert all_needs(app, world)[0].support_count == 1


def test_support_of_a_closed_need_is_refused(app, client, world):
    [number] = make_needs(app, world, 1)
    with scoped(app, world):
        services.decline([services.get_need(number)], reason="不受理", actor=user(world.staff))
        db.session.commit()
    response = client.post(f"/c/{world.tenant.slug}/public/needs/{number}/support", headers=HX)
    assert response.status_code == 422
    assert all_needs(app, world)[0].support_count == 0
    assert client.post(f"/c/{world.tenant.slug}/public/needs/999/support").status_code == 404


def test_support_is_rate_limited(make_app):
    app = make_app(PUBLIC_SUPPORT_LIMIT="2 per minute")
    world = make_projects_world(app, Factory(app))
    numbers = make_needs(app, world, 3)
    client = app.test_client()
    codes = [client.post(f"/c/{world.tenant.slug}/public/needs/{number}/support").status_code for number in numbers]
    assert codes == [302, 302, 429]
    assert [need.support_count for need in all_needs(app, world)] == [1, 1, 0]


def test_support_redirect_stays_on_the_list(app, client, world):
    [number] = make_needs(app, world, 1)
    url = f"/c/{world.tenant.slug}/public/needs/{number}/support"
    back = f"/c/{world.tenant.slug}/public/needs/?sort=support&page=1"
    assert client.post(url, data={"next": back}).headers["Location"] == back
    for evil in ("https://evil.example/", "//evil.example/", f"/c/{world.tenant.slug}/needs/"):
        response = app.test_client().post(url, data={"next": evil})
        assert response.headers["Location"] == f"/c/{world.tenant.slug}/public/needs/"


# --- staff: the triage list ---------------------------------------------------------------

@pytest.fixture
def many(app, world):
    """120 needs: every third about street lights, buildings 1-4, supporters = index % 7, one a day."""
    numbers = make_needs(app, world, 120, description=lambda i: f"第{i}条：" + ("路灯不亮" if i % 3 == 0 else "其他事"),
                         building=lambda i: f"{i % 4 + 1}号楼", category=lambda i: CATEGORIES[i % 3])
    with scoped(app, world):
        start = utcnow() - timedelta(days=200)
        for index, need in enumerate(db.session.scalars(select(Need).order_by(Need.number))):
            need.submitted_at = start + timedelta(days=index)
            need.support_count = index % 7
        db.session.commit()
    return numbers


def rows(body: str) -> list[int]:
    return [int(number) for number in re.findall(r'<tr data-number="(\d+)">', body)]


@pytest.mark.usefixtures("many")
def test_triage_list_pages_and_filters(app, client, world):
    login(client, world.staff)
    base = f"/c/{world.tenant.slug}/needs/"
    first = text(client.get(base))
    assert rows(first) == list(range(120, 70, -1))
    assert f'href="{base}?page=2"' in first
    assert rows(text(client.get(base, query_string={"page": 3}))) == list(range(20, 0, -1))
    assert rows(text(client.get(base, query_string={"page": 99}))) == list(range(20, 0, -1))
    lights = text(client.get(base, query_string={"q": "路灯"}, headers=HX))
    assert "<html" not in lights and 'id="need-list"' in lights
    assert rows(lights) == [number for number in range(120, 0, -1) if (number - 1) % 3 == 0][:50]
    combined = client.get(base, query_string={"q": "路灯", "building": "1号楼", "category": CATEGORIES[0],
                                              "sort": "oldest"})
    assert rows(text(combined)) == [number for number in range(1, 121) if (number - 1) % 12 == 0]
    by_support = rows(text(client.get(base, query_string={"sort": "support"})))
    supports = {number: (number - 1) % 7 for number in range(1, 121)}
    assert [supports[number] for number in by_support] == sorted((supports[n] for n in by_support), reverse=True)
    assert by_support[0] == 119 and supports[by_support[-1]] == 4


@pytest.mark.usefixtures("many")
def test_triage_list_dates_and_status_tabs(app, client, world):
    login(client, world.staff)
    with scoped(app, world):
        services.accept(services.needs_by_numbers([1, 4, 7]), actor=user(world.staff))
        newest = services.get_need(120).submitted_at
        db.session.commit()
    base = f"/c/{world.tenant.slug}/needs/"
    day = (newest + timedelta(hours=8)).date()  # Asia/Shanghai
    recent = rows(text(client.get(base, query_string={"date_from": (day - timedelta(days=2)).isoformat(),
                                                     "date_to": day.isoformat()})))
    assert recent == [120, 119, 118]
    accepted = text(client.get(base, query_string={"status": "accepted", "q": "路灯"}))
    assert rows(accepted) == [7, 4, 1]
    assert re.search(r'data-status="accepted"[^>]*>\s*[^<]*· 3</a>', accepted)
    assert re.search(r'data-status="new"[^>]*>\s*[^<]*· 37</a>', accepted), "tabs count within the other filters"
    assert 'name="status" value="accepted" form="need-filters"' in accepted
    bad = client.get(base, query_string={"date_from": "2026-13-45"})
    assert bad.status_code == 422 and len(rows(text(bad))) == 50


def test_triage_list_is_for_staff_council_and_overseers(client, world):
    login(client, world.resident)
    assert client.get(f"/c/{world.tenant.slug}/needs/").status_code == 403
    login(client, world.council[0])
    body = text(client.get(f"/c/{world.tenant.slug}/needs/"))
    assert 'name="numbers"' not in body and "bulk-actions" not in body


@pytest.mark.usefixtures("many")
def test_bulk_accept_keeps_the_filters(app, client, world):
    english(client)
    login(client, world.staff)
    filters = {"q": "路灯", "category": CATEGORIES[0], "sort": "oldest"}
    response = client.post(f"/c/{world.tenant.slug}/needs/bulk",
                           data={"numbers": ["1", "13"], "action": "accept", "page": "1", **filters}, headers=HX)
    body = text(response)
    assert response.status_code == 200 and "2 needs processed." in body and "<html" not in body
    assert rows(body)[:3] == [1, 4, 7] and "其他事" not in body
    assert statuses(app, world)[1] == NEED_ACCEPTED and statuses(app, world)[13] == NEED_ACCEPTED
    plain = client.post(f"/c/{world.tenant.slug}/needs/bulk",
                        data={"numbers": ["25"], "action": "accept", **filters, "page": "1"})
    assert plain.status_code == 302
    location = plain.headers["Location"]
    assert "sort=oldest" in location and "q=%E8%B7%AF%E7%81%AF" in location and "page" not in location
    assert "1 need processed." in text(client.get(location))


@pytest.mark.usefixtures("many")
def test_bulk_decline_needs_a_reason(app, client, world):
    english(client)
    login(client, world.staff)
    before = statuses(app, world)
    response = client.post(f"/c/{world.tenant.slug}/needs/bulk",
                           data={"numbers": ["1", "2"], "action": "decline", "reason": " ", "page": "3"},
                           headers=HX)
    body = text(response)
    assert response.status_code == 422 and "Give the reason for declining" in body
    assert 'value="1" id="pick-1" aria-label="Select need #1" checked' in body, "the selection is kept"
    assert statuses(app, world) == before
    done = client.post(f"/c/{world.tenant.slug}/needs/bulk",
                       data={"numbers": ["1", "2"], "action": "decline", "reason": "不属于社区职责"}, headers=HX)
    assert done.status_code == 200
    with scoped(app, world):
        assert [(n.status, n.status_reason) for n in services.needs_by_numbers([1, 2])] == [
            (NEED_DECLINED, "不属于社区职责")] * 2


@pytest.mark.usefixtures("many")
def test_bulk_refusals_change_nothing(app, client, world):
    english(client)
    login(client, world.staff)
    with scoped(app, world):
        services.decline(services.needs_by_numbers([3]), reason="不受理", actor=user(world.staff))
        db.session.commit()
    before = statuses(app, world)
    cases = [
        ({"numbers": ["1", "3"], "action": "accept"}, "cannot become"),
        ({"numbers": [], "action": "accept"}, "Select at least one need."),
        ({"numbers": ["1", "999"], "action": "accept"}, "Need #999 was not found."),
        ({"numbers": ["1", "2"], "action": "merge"}, "Enter the number of the need to merge into."),
        ({"numbers": ["1", "2"], "action": "merge", "merge_into": "3"}, "new or accepted"),
        ({"numbers": ["1"], "action": "merge", "merge_into": "1"}, "cannot be merged into itself"),
        ({"numbers": ["1"], "action": ""}, "Choose what to do"),
        ({"numbers": [str(number) for number in range(1, 121)], "action": "accept"}, "#3"),
    ]
    for data, message in cases:
        response = client.post(f"/c/{world.tenant.slug}/needs/bulk", data=data, headers=HX)
        assert response.status_code == 422 and message in text(response), data
        assert statuses(app, world) == before
    plain = client.post(f"/c/{world.tenant.slug}/needs/bulk", data={"numbers": ["1", "3"], "action": "accept",
                                                                      "status": "new"})
    assert plain.status_code == 302 and "status=new" in plain.headers["Location"]
    assert "cannot become" in text(client.get(plain.headers["Location"]))
    assert statuses(app, world) == before


def test_bulk_limit_through_http(app, client, world):
    english(client)
    make_needs(app, world, services.MAX_BULK + 1)
    login(client, world.staff)
    numbers = [str(number) for number in range(1, services.MAX_BULK + 2)]
    response = client.post(f"/c/{world.tenant.slug}/needs/bulk", data={"numbers": numbers, "action": "accept"},
                           headers=HX)
    assert response.status_code == 422 and f"at most {services.MAX_BULK}" in text(response)
    assert set(statuses(app, world).values()) == {NEED_NEW}


def test_bulk_merge_through_http(app, client, world):
    make_needs(app, world, 3, description=lambda i: f"路灯{i}")
    with scoped(app, world):
        for number, keys in ((1, ["a"]), (2, ["a", "b"]), (3, ["c"])):
            for key in keys:
                services.support(services.get_need(number), f"visitor:{key}")
        db.session.commit()
    login(client, world.staff)
    response = client.post(f"/c/{world.tenant.slug}/needs/bulk",
                           data={"numbers": ["1", "2", "3"], "action": "merge", "merge_into": "2"})
    assert response.status_code == 302
    needs = all_needs(app, world)
    assert [need.status for need in needs] == [NEED_MERGED, NEED_NEW, NEED_MERGED]
    assert needs[1].support_count == 3 and needs[0].merged_into_id == needs[1].id
    detail = text(client.get(f"/c/{world.tenant.slug}/needs/2"))
    assert '/needs/1">#1</a>' in detail and '/needs/3">#3</a>' in detail


def test_bulk_is_for_triage_staff_only(app, client, world):
    make_needs(app, world, 1)
    login(client, world.council[0])
    assert client.post(f"/c/{world.tenant.slug}/needs/bulk", data={"numbers": ["1"], "action": "accept"}) \
        .status_code == 403
    assert statuses(app, world) == {1: NEED_NEW}


def test_other_tenants_numbers_are_not_touched(app, client, factory, world):
    other = make_projects_world(app, factory, name="别的社区")
    make_needs(app, world, 2)
    make_needs(app, other, 1)
    login(client, other.staff)
    response = client.post(f"/c/{other.tenant.slug}/needs/bulk",
                           data={"numbers": ["1", "2"], "action": "decline", "reason": "越权"}, headers=HX)
    assert response.status_code == 422
    assert statuses(app, world) == {1: NEED_NEW, 2: NEED_NEW} and statuses(app, other) == {1: NEED_NEW}
    assert client.get(f"/c/{world.tenant.slug}/needs/1").status_code == 404
    assert client.post(f"/c/{world.tenant.slug}/needs/1/triage", data={"action": "accept"}).status_code == 404
    assert statuses(app, world) == {1: NEED_NEW, 2: NEED_NEW}


# --- staff: one need ----------------------------------------------------------------------

def test_need_page_and_triage_from_it(app, client, world):
    english(client)
    make_needs(app, world, 2, contact_phone="13912345678")
    login(client, world.staff)
    url = f"/c/{world.tenant.slug}/needs/1"
    page = text(client.get(url))
    assert "13912345678" in page, "staff see the whole number"
    assert 'name="reason"' in page and 'value="merge"' in page
    refused = client.post(f"{url}/triage", data={"action": "decline", "reason": ""})
    body = text(refused)
    assert refused.status_code == 422
    assert re.search(r'id="field-reason">.*Give the reason for declining', body, re.S)
    merged_badly = client.post(f"{url}/triage", data={"action": "merge", "merge_into": "1"})
    assert merged_badly.status_code == 422 and "cannot be merged into itself" in text(merged_badly)
    assert statuses(app, world) == {1: NEED_NEW, 2: NEED_NEW}
    accepted = client.post(f"{url}/triage", data={"action": "accept"})
    assert accepted.status_code == 302 and accepted.headers["Location"] == url
    assert "Need #1: Accepted." in text(client.get(url))
    again = client.post(f"{url}/triage", data={"action": "accept"})
    assert again.status_code == 422 and "cannot become" in text(again)
    assert client.post(f"{url}/triage", data={"action": "merge", "merge_into": "2"}).status_code == 302
    page = text(client.get(url))
    assert "Merged into" in page and f'/c/{world.tenant.slug}/needs/2">#2</a>' in page and 'name="reason"' not in page
    assert client.get(f"/c/{world.tenant.slug}/needs/1/photo").status_code == 404


def test_optional_project_links(app, world):
    from app.needs.views import optional_url

    with app.test_request_context(f"/c/{world.tenant.slug}/needs/"):
        assert optional_url("no_such.endpoint", number=1) is None
        assert optional_url("public_needs.index", slug=world.tenant.slug) == f"/c/{world.tenant.slug}/public/needs/"


# --- counter mode -------------------------------------------------------------------------

def test_counter_entry_on_behalf_of_a_resident(app, client, world):
    english(client)
    login(client, world.staff)
    url = f"/c/{world.tenant.slug}/needs/new"
    assert "on their behalf" in text(client.get(url))
    response = client.post(url, data=form(contact_name="赵大爷", contact_phone="0537-1234567",
                                          photo=(io.BytesIO(png()), "p.png")), content_type="multipart/form-data")
    assert response.status_code == 302
    [need] = all_needs(app, world)
    assert need.source == SOURCE_COUNTER and need.entered_by_id == world.staff.id and need.photo_key
    assert response.headers["Location"] == f"/c/{world.tenant.slug}/needs/{need.number}"
    page = text(client.get(response.headers["Location"]))
    assert services.display_code(need.status_code) in page and "0537-1234567" in page
    assert "Entered at the counter on behalf of the resident" in page and "铁西社区社工" in page
    bad = client.post(url, data=form(contact_phone="", description=""))
    assert bad.status_code == 422 and "Give a phone number." in text(bad) and len(all_needs(app, world)) == 1


@pytest.mark.parametrize("role", ["council", "resident", "finance"])
def test_counter_entry_is_for_staff(client, world, role):
    who = world.council[0] if role == "council" else getattr(world, role)
    login(client, who)
    assert client.get(f"/c/{world.tenant.slug}/needs/new").status_code == 403
    assert client.post(f"/c/{world.tenant.slug}/needs/new", data=form()).status_code == 403


def test_bulk_start_a_project_from_selected_needs(app, client, factory):
    from tests.projects_world import make_projects_world, scoped

    world = make_projects_world(app, factory)
    with scoped(app, world):
        from app.extensions import db
        from app.needs import services as needs

        made = [needs.submit_need(needs.NeedInput("道路设施", f"路灯坏了{index}", "3号楼", "", "张三", "13800000001"),
                                  categories=["道路设施"]) for index in range(2)]
        db.session.commit()
        numbers = [need.number for need in made]
    login(client, world.staff)
    response = client.post(f"/c/{world.tenant.slug}/needs/bulk", data={"action": "project",
                                                                       "numbers": [str(n) for n in numbers]})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "路灯坏了0" in page and "路灯坏了1" in page
