"""End-to-end: sign-in, inline profile editing with htmx, language switch, CSRF, htmx loading."""

import re

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from app.accounts.models import User
from app.extensions import db
from app.tenancy.models import Tenant
from tests.e2e.conftest import ROOT, sign_in

pytestmark = pytest.mark.e2e


def stored_profile(live_server, tenant_id: int) -> dict:
    with live_server.app.app_context():
        return db.session.get(Tenant, tenant_id).profile()


def stored_user_locale(live_server, user_id: int) -> str | None:
    with live_server.app.app_context():
        return db.session.get(User, user_id).locale


def chinese(message: str) -> str | None:
    """The compiled zh_CN translation of ``message``, if the catalog has one yet."""
    # Whatever the catalog folder is called (Babel's own name for zh_CN is zh_Hans_CN).
    translations = Translations.load(str(ROOT / "app" / "translations"), ["zh_CN", "zh_Hans_CN", "zh"])
    translated = translations.gettext(message)
    return translated if translated != message else None


def open_profile(page, community):
    sign_in(page, community.staff)
    page.goto(f"/c/{community.tenant.slug}/profile")
    expect(page.locator("#profile-name .profile-value")).to_have_text(community.tenant.name)
    assert page.evaluate("typeof window.htmx") == "object"
    page.evaluate("window.__noReload = 1")


def start_editing(page, field: str):
    row = page.locator(f"#profile-{field}")
    row.locator("a.button").click()
    form = page.locator(f"form#profile-{field}")
    expect(form).to_be_visible()
    return form


# --- 1. sign-in --------------------------------------------------------------------------

def test_staff_signs_in_and_lands_on_dashboard(page, live_server, community):
    slug = community.tenant.slug
    sign_in(page, community.staff)
    expect(page).to_have_url(f"{live_server.url}/c/{slug}/")
    expect(page.locator("header .brand")).to_contain_text(community.tenant.name)
    expect(page.locator("main h1")).to_have_text(community.tenant.name)
    # Signed in for real: the profile page (staff only) opens instead of redirecting to /login.
    page.goto(f"/c/{slug}/profile")
    expect(page).to_have_url(f"{live_server.url}/c/{slug}/profile")


def test_wrong_password_is_refused_in_place(page, live_server, community):
    page.goto("/login")
    page.fill("input[name=login]", community.staff.login)
    page.fill("input[name=password]", "wrong-password-1")
    with page.expect_response(lambda r: r.url.startswith(f"{live_server.url}/login")
                              and r.request.method == "POST") as response:
        page.click("form button[type=submit].primary")
    assert response.value.status == 422
    expect(page.locator(".form-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))


# --- 2. inline profile editing -------------------------------------------------------------

def test_inline_edit_saves_without_reload(page, live_server, community):
    open_profile(page, community)
    form = start_editing(page, "contact_person")
    form.locator("input[name=contact_person]").fill("王建国")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/profile/contact_person/edit")) as sent:
        form.locator("button[type=submit]").click()
    # htmx swapped the row back in, with the new value, and the page was not reloaded.
    row = page.locator("div#profile-contact_person")
    expect(row.locator(".profile-value")).to_have_text("王建国")
    expect(page.locator("form#profile-contact_person")).to_have_count(0)
    assert page.evaluate("window.__noReload") == 1
    # The request went through htmx, carrying the CSRF token from <body hx-headers>.
    headers = sent.value.headers
    assert headers.get("hx-request") == "true"
    assert headers.get("x-csrftoken")
    # Stored for real.
    assert stored_profile(live_server, community.tenant.id)["contact_person"] == "王建国"
    page.reload()
    expect(page.locator("#profile-contact_person .profile-value")).to_have_text("王建国")
    assert page.evaluate("window.__noReload") is None


def test_inline_edit_of_name_updates_row_and_cancel_restores(page, live_server, community):
    open_profile(page, community)
    form = start_editing(page, "name")
    form.locator("input[name=name]").fill("幸福里社区")
    form.locator("button[type=submit]").click()
    expect(page.locator("div#profile-name .profile-value")).to_have_text("幸福里社区")
    assert stored_profile(live_server, community.tenant.id)["name"] == "幸福里社区"
    # Cancel brings the row back unchanged, again without a reload.
    form = start_editing(page, "phone")
    form.locator("input[name=phone]").fill("010-12345678")
    form.get_by_role("link").click()
    expect(page.locator("div#profile-phone .profile-value")).to_have_text("—")
    assert page.evaluate("window.__noReload") == 1
    assert stored_profile(live_server, community.tenant.id)["phone"] == ""


def test_inline_edit_invalid_email_shows_error_and_saves_nothing(page, live_server, community):
    before = stored_profile(live_server, community.tenant.id)
    open_profile(page, community)
    form = start_editing(page, "email")
    form.locator("input[name=email]").fill("not-an-email")
    with page.expect_response(lambda r: r.url.endswith("/profile/email/edit") and r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422
    # The 422 fragment was swapped in: still the form, now with the error on the field.
    form = page.locator("form#profile-email")
    expect(form.locator("#field-email.has-error .error")).to_be_visible()
    expect(form.locator("input[name=email]")).to_have_value("not-an-email")
    expect(form.locator("input[name=email]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#flashes .flash-error")).to_have_count(0)
    assert page.evaluate("window.__noReload") == 1
    assert stored_profile(live_server, community.tenant.id) == before
    # Correcting it saves.
    form.locator("input[name=email]").fill("juweihui@example.cn")
    form.locator("button[type=submit]").click()
    expect(page.locator("div#profile-email .profile-value")).to_have_text("juweihui@example.cn")
    assert stored_profile(live_server, community.tenant.id)["email"] == "juweihui@example.cn"
    assert page.evaluate("window.__noReload") == 1


# --- 3. language switch -------------------------------------------------------------------

def choose_language(page, code: str) -> None:
    menu = page.locator("details.menu")
    button = menu.locator(f"form.language-switch button[value={code}]")
    expect(button).to_be_hidden()  # inside the closed menu
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    with page.expect_response(lambda r: r.url.endswith("/language") and r.request.method == "POST") as answer:
        button.click()
    assert answer.value.status == 302
    page.wait_for_load_state()


def test_language_switch_from_header_menu(page, live_server, community):
    slug = community.tenant.slug
    sign_in(page, community.staff)
    page.goto(f"/c/{slug}/profile")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(page.locator("form.language-switch button[value=zh_CN]")).to_have_attribute("aria-current", "true")

    choose_language(page, "en")
    expect(page).to_have_url(f"{live_server.url}/c/{slug}/profile")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Community profile")
    expect(page.locator("details.menu button", has_text="Sign out")).to_have_count(1)
    expect(page.locator("form.language-switch button[value=en]")).to_have_attribute("aria-current", "true")
    assert stored_user_locale(live_server, community.staff.id) == "en"

    choose_language(page, "zh_CN")
    expect(page).to_have_url(f"{live_server.url}/c/{slug}/profile")
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(page.locator("form.language-switch button[value=zh_CN]")).to_have_attribute("aria-current", "true")
    assert stored_user_locale(live_server, community.staff.id) == "zh_CN"


def test_chinese_ui_uses_the_catalog(page, live_server, community):
    """By default the UI speaks Chinese, with the texts of the compiled zh_CN catalog."""
    for message in ("Sign in", "Menu", "Sign out", "Community profile", "Edit"):
        assert chinese(message), f"no Chinese for {message!r}"
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main h1")).to_have_text(chinese("Sign in"))
    sign_in(page, community.staff)
    page.goto(f"/c/{community.tenant.slug}/profile")
    header = page.locator("header")
    expect(header.locator("summary")).to_contain_text(chinese("Menu"))
    expect(header.locator("button", has_text=chinese("Sign out"))).to_have_count(1)
    expect(page.locator("main h1")).to_have_text(chinese("Community profile"))
    expect(page.locator("#profile-name a.button")).to_have_text(chinese("Edit"))


def test_language_choice_survives_sign_in(page, live_server):
    """Chosen on the sign-in page before signing in, and kept once signed in."""
    tenant = live_server.factory.tenant()
    user = live_server.factory.user(roles={tenant: "staff"})
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    choose_language(page, "en")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sign_in(page, user)
    expect(page).to_have_url(f"{live_server.url}/c/{tenant.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")


# --- 4. CSRF -------------------------------------------------------------------------------

def test_post_without_csrf_token_is_refused(page, live_server, community):
    slug = community.tenant.slug
    sign_in(page, community.staff)
    before = stored_profile(live_server, community.tenant.id)
    # page.request shares the context's cookies: signed in, but no token.
    edit = page.request.post(f"/c/{slug}/profile/contact_person/edit", form={"contact_person": "攻击者"},
                             headers={"HX-Request": "true"})
    assert edit.status == 400
    assert 'data-error-code="400"' in edit.text()
    language = page.request.post("/language", form={"locale": "en", "next": "/"}, max_redirects=0)
    assert language.status == 400
    wrong = page.request.post(f"/c/{slug}/profile/contact_person/edit", form={"contact_person": "攻击者"},
                              headers={"X-CSRFToken": "not-a-real-token"})
    assert wrong.status == 400
    assert stored_profile(live_server, community.tenant.id) == before
    assert stored_user_locale(live_server, community.staff.id) is None


def test_htmx_header_alone_carries_the_token(page, live_server, community):
    """Without the form's hidden token, the X-CSRFToken header from <body hx-headers> is enough."""
    open_profile(page, community)
    form = start_editing(page, "address")
    form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    form.locator("input[name=address]").fill("幸福路1号")
    form.locator("button[type=submit]").click()
    expect(page.locator("div#profile-address .profile-value")).to_have_text("幸福路1号")
    assert stored_profile(live_server, community.tenant.id)["address"] == "幸福路1号"

    # Without either, the request is refused and app.js shows the error; nothing is saved.
    form = start_editing(page, "address")
    form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    page.evaluate("document.body.removeAttribute('hx-headers')")
    form.locator("input[name=address]").fill("别处")
    with page.expect_response(lambda r: r.url.endswith("/profile/address/edit") and r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 400
    expect(page.locator('#flashes [data-error-code="400"]')).to_be_visible()
    expect(page.locator("form#profile-address input[name=address]")).to_have_value("别处")
    assert page.evaluate("window.__noReload") == 1
    assert stored_profile(live_server, community.tenant.id)["address"] == "幸福路1号"


# --- htmx from the CDN, or the local fallback ------------------------------------------------

def htmx_works(page, live_server, community) -> None:
    open_profile(page, community)
    assert page.evaluate("htmx.version") == live_server.app.config["HTMX_VERSION"]
    assert page.evaluate("window.__tampered") is None  # a tampered CDN copy never ran
    form = start_editing(page, "contact_person")
    expect(form.locator("input[name=contact_person]")).to_be_visible()
    assert page.evaluate("window.__noReload") == 1


def fallback_requests(opened, live_server) -> list[str]:
    return [url for url in opened.requests if url == live_server.url + live_server.fallback_path]


def test_htmx_falls_back_to_local_copy_when_cdn_unreachable(open_page, live_server, community):
    opened = open_page(cdn="abort")
    htmx_works(opened.page, live_server, community)
    assert opened.cdn_hits
    assert fallback_requests(opened, live_server)


def test_htmx_from_cdn_with_valid_integrity(open_page, live_server, community):
    opened = open_page(cdn="genuine")
    htmx_works(opened.page, live_server, community)
    assert opened.cdn_hits == [live_server.app.config["HTMX_CDN_URL"]] * len(opened.cdn_hits)
    assert len(opened.cdn_hits) >= 2  # the sign-in page and the profile page
    assert fallback_requests(opened, live_server) == []


def test_htmx_tampered_cdn_copy_is_rejected_and_fallback_used(open_page, live_server, community):
    opened = open_page(cdn="tampered")
    messages = []
    opened.page.on("console", lambda message: messages.append(message.text))
    htmx_works(opened.page, live_server, community)
    assert opened.cdn_hits
    assert fallback_requests(opened, live_server)
    assert any("integrity" in text.lower() for text in messages), messages
