"""CSRF on every POST, security headers, the pinned htmx, uploads and error pages."""

import base64
import hashlib
from pathlib import Path

import pytest

from tests.conftest import TestConfig, login
from tests.world import build_world, png_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            yield rule


def fill(rule, world) -> str:
    values = {"slug": world.a.slug, "number": "1", "field": "name", "token": "x" * 20, "key": "charity",
              "section": "budget", "need_number": "1", "objection_id": "1", "version": "1", "code": "x" * 10}
    return rule.build({key: values[key] for key in rule.arguments}, append_unknown=False)[1]


def test_every_post_route_requires_csrf(csrf_app):
    from tests.conftest import Factory

    world = build_world(csrf_app, Factory(csrf_app))
    client = csrf_app.test_client()
    login_response = client.post("/login", data={"login": world.users_a["staff"].login, "password": "x"})
    assert login_response.status_code == 400
    checked = []
    for rule in post_rules(csrf_app):
        path = fill(rule, world)
        response = client.post(path, data={"name": "no token"})
        assert response.status_code == 400, f"POST {path} answered {response.status_code} without a CSRF token"
        body = response.get_data(as_text=True)
        assert "expired" in body or "过期" in body
        checked.append(rule.endpoint)
    assert {"accounts.login", "accounts.logout", "tenancy.upload_logo", "members.invite"} <= set(checked)


def test_csrf_token_from_page_is_accepted(csrf_app):
    from tests.conftest import Factory

    user = Factory(csrf_app).user()
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"login": user.login, "password": user.password, "csrf_token": token})
    assert response.status_code == 302


def test_htmx_header_token_is_accepted(csrf_app):
    from tests.conftest import Factory

    factory = Factory(csrf_app)
    community = factory.tenant()
    staff = factory.user(roles={community: "staff"})
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    client.post("/login", data={"login": staff.login, "password": staff.password, "csrf_token": token})
    page = client.get(f"/c/{community.slug}/profile").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(f"/c/{community.slug}/profile/phone/edit", data={"phone": "0537-1234567"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert "0537-1234567" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' https://cdn.jsdelivr.net 'nonce-" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    nonce = csp.split("'nonce-")[1].split("'")[0]
    body = response.get_data(as_text=True)
    assert f'<script nonce="{nonce}">' in body
    assert body.count("<script nonce=") == 1


def test_pinned_htmx_matches_local_copy(app):
    local = ROOT / "static" / "vendor" / f"htmx-{app.config['HTMX_VERSION']}.min.js"
    digest = base64.b64encode(hashlib.sha384(local.read_bytes()).digest()).decode()
    assert app.config["HTMX_INTEGRITY"] == f"sha384-{digest}"
    assert app.config["HTMX_VERSION"] in app.config["HTMX_CDN_URL"]
    body = app.test_client().get("/login").get_data(as_text=True)
    assert f'integrity="{app.config["HTMX_INTEGRITY"]}"' in body
    assert f"/static/vendor/htmx-{app.config['HTMX_VERSION']}.min.js" in body


def test_healthz_reports_unreachable_database(tmp_path):
    from app import create_app

    broken = create_app(TestConfig(f"sqlite:///{tmp_path}/missing/dir/x.db", tmp_path))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_error_pages_are_chinese_by_default(client):
    body = client.get("/c/nowhere/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert "404" in body


@pytest.fixture
def staff_client(app, client, factory):
    community = factory.tenant()
    staff = factory.user(roles={community: "staff"})
    login(client, staff)
    return client, community


def test_logo_upload_reencodes_png(app, staff_client):
    from PIL import Image

    client, community = staff_client
    response = client.post(f"/c/{community.slug}/profile/logo", data={"logo": (_io(png_bytes((900, 300))), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    logo = client.get(f"/c/{community.slug}/public/logo.png")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    image = Image.open(_io(logo.get_data()))
    assert max(image.size) == app.config["LOGO_MAX_SIDE"]
    logo.close()
    stored = list((Path(app.config["UPLOAD_FOLDER"]) / str(community.id)).glob("logo-*.png"))
    assert len(stored) == 1
    assert "static" not in str(stored[0])


def test_logo_accepts_jpeg(staff_client):
    from PIL import Image

    client, community = staff_client
    buffer = _io()
    Image.new("RGB", (50, 50), (10, 200, 10)).save(buffer, format="JPEG")
    response = client.post(f"/c/{community.slug}/profile/logo", data={"logo": (_io(buffer.getvalue()), "a.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302


@pytest.mark.parametrize(("payload", "message"), [
    (b"GIF89a" + b"\x00" * 100, "PNG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "PNG"),
    (b"%PDF-1.4 not an image", "PNG"),
])
def test_logo_wrong_type_is_refused(app, staff_client, payload, message):
    client, community = staff_client
    response = client.post(f"/c/{community.slug}/profile/logo", data={"logo": (_io(payload), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert client.get(f"/c/{community.slug}/public/logo.png").status_code == 404


def test_real_gif_is_refused_with_type_message(staff_client):
    from PIL import Image

    client, community = staff_client
    buffer = _io()
    Image.new("RGB", (20, 20)).save(buffer, format="GIF")
    response = client.post(f"/c/{community.slug}/profile/logo", data={"logo": (_io(buffer.getvalue()), "a.gif")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "PNG" in response.get_data(as_text=True) and "JPEG" in response.get_data(as_text=True)


def staff_signed_in(make_app, **config):
    """An app with ``config``, one community and its staff member signed in: (client, community)."""
    from tests.conftest import Factory

    app = make_app(**config)
    factory = Factory(app)
    community = factory.tenant()
    client = app.test_client()
    login(client, factory.user(roles={community: "staff"}))
    return client, community


def test_logo_too_large_is_refused(make_app):
    client, community = staff_signed_in(make_app, LOGO_MAX_BYTES=10_000)
    big = png_bytes((400, 400), (1, 2, 3))
    noisy = _noise_png(200)
    assert len(noisy) > 10_000, len(big)
    response = client.post(f"/c/{community.slug}/profile/logo", data={"logo": (_io(noisy), "big.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "MB" in response.get_data(as_text=True)


def test_request_body_over_the_cap_is_413(make_app):
    client, community = staff_signed_in(make_app, MAX_CONTENT_LENGTH=50_000)
    response = client.post(f"/c/{community.slug}/profile/logo", data={"logo": (_io(b"x" * 100_000), "big.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "413" in body


def _io(data: bytes = b""):
    import io

    return io.BytesIO(data)


def _noise_png(side: int) -> bytes:
    import os

    from PIL import Image

    buffer = _io()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_server_error_page_is_chinese_and_nothing_is_saved(make_app):
    from sqlalchemy import select

    from app.extensions import db
    from app.tenancy.models import Tenant
    from tests.conftest import Factory

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    community = Factory(app).tenant(name="原名社区")

    @app.route("/boom")
    def boom():
        db.session.get(Tenant, community.id).name = "半途改名"
        db.session.flush()
        raise RuntimeError("simulated failure")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "500" in body and "未保存" in body
    with app.app_context():
        assert db.session.scalar(select(Tenant.name).where(Tenant.id == community.id)) == "原名社区"


def test_user_data_inside_translated_messages_is_escaped(app):
    from flask import render_template_string
    from flask_babel import lazy_gettext

    with app.test_request_context():
        message = lazy_gettext("Unknown purpose: %(names)s", names='<b hx-post="/x" hx-trigger="load">坏</b>')
        html = render_template_string("<p>{{ message }}</p>", message=message)
    assert "<b hx-post" not in html and "&lt;b hx-post" in html


@pytest.mark.parametrize("path", [
    "/c/{a}/funds/donations/99999999999999999999",
    "/c/{a}/funds/donors/99999999999999999999",
    "/c/{a}/funds/donations/new?donor=99999999999999999999",
    "/c/{a}/funds/donations/?page=99999999999999999999",
    "/c/{a}/funds/donors/1/statement-0.pdf",
    "/c/{a}/funds/donors/1/statement-99999.pdf",
    "/c/{a}/audit/?date_from=0001-01-01&date_to=9999-12-31",
    "/c/ab%00c/public/",
    "/c/{a}/funds/donations/?q=%00",
    "/c/{a}/members/?q=a%00b",
])
def test_odd_input_never_gives_500(app, client, factory, path):
    community = factory.tenant()
    login(client, factory.user(roles={community: ["staff", "finance"]}))
    response = client.get(path.format(a=community.slug))
    assert response.status_code in (200, 302, 400, 404, 422), response.status_code


def test_nul_byte_in_a_form_is_refused(client):
    assert client.post("/login", data={"login": "a\x00b", "password": "x"}).status_code == 400


def test_a_busy_database_does_not_fail_a_page_view(make_app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.extensions import db

    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def locked():
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", locked)
    client = app.test_client()
    assert client.get("/login").status_code == 200, "a page view drops its incidental writes"
    monkeypatch.setattr(db.session, "rollback", lambda: None)
    response = client.post("/language", data={"locale": "en"})
    assert response.status_code == 500, "a real write that cannot commit is an error, not silence"
