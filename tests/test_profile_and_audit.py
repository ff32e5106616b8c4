"""Community profile editing (inline and whole form), the audit log, language, home pages."""

from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.models import Tenant
from app.tenancy.scoping import all_tenants
from tests.conftest import login

HX = {"HX-Request": "true"}


def tenant_row(app, tenant_id):
    with app.app_context():
        return db.session.get(Tenant, tenant_id).profile()


def test_inline_edit_returns_fragments_and_saves(app, client, factory):
    community = factory.tenant(contact_person="旧联系人")
    login(client, factory.user("社工小李", roles={community: "staff"}))
    form = client.get(f"/c/{community.slug}/profile/contact_person/edit", headers=HX)
    body = form.get_data(as_text=True)
    assert form.status_code == 200 and "<html" not in body and 'value="旧联系人"' in body
    saved = client.post(f"/c/{community.slug}/profile/contact_person/edit", data={"contact_person": "新联系人"},
                        headers=HX)
    assert saved.status_code == 200
    assert "新联系人" in saved.get_data(as_text=True) and "<form" not in saved.get_data(as_text=True)
    assert tenant_row(app, community.id)["contact_person"] == "新联系人"
    with app.app_context(), all_tenants(db.session):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tenant.profile_updated",
                                                           AuditEntry.tenant_id == community.id))
    assert entry.before == {"contact_person": "旧联系人"} and entry.after == {"contact_person": "新联系人"}
    assert entry.actor_id is not None


def test_inline_edit_invalid_value_is_422_and_not_saved(app, client, factory):
    community = factory.tenant(email="old@example.cn")
    login(client, factory.user(roles={community: "staff"}))
    response = client.post(f"/c/{community.slug}/profile/email/edit", data={"email": "not an email"}, headers=HX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'class="error"' in body and "<form" in body and "<html" not in body
    assert tenant_row(app, community.id)["email"] == "old@example.cn"
    blank_name = client.post(f"/c/{community.slug}/profile/name/edit", data={"name": "  "}, headers=HX)
    assert blank_name.status_code == 422


def test_inline_edit_only_touches_its_field(app, client, factory):
    community = factory.tenant(phone="0537-1111111", address="旧地址")
    login(client, factory.user(roles={community: "staff"}))
    client.post(f"/c/{community.slug}/profile/phone/edit", data={"phone": "0537-2222222", "address": "偷改"},
                headers=HX)
    row = tenant_row(app, community.id)
    assert row["phone"] == "0537-2222222" and row["address"] == "旧地址"


def test_unknown_profile_field_is_404(client, factory):
    community = factory.tenant()
    login(client, factory.user(roles={community: "staff"}))
    assert client.get(f"/c/{community.slug}/profile/logo_key/edit").status_code == 404
    assert client.post(f"/c/{community.slug}/profile/slug/edit", data={"slug": "x"}).status_code == 404


def test_whole_profile_form_without_javascript(app, client, factory):
    community = factory.tenant()
    login(client, factory.user(roles={community: "staff"}))
    data = {"name": "新竹社区", "description": "双轨基金\n第二行", "contact_person": "赵丽娟", "phone": "0431-87651288",
            "email": "xinzhu@example.cn", "address": "普阳街道", "locale": "zh_CN", "timezone": "Asia/Shanghai"}
    response = client.post(f"/c/{community.slug}/profile/edit", data=data)
    assert response.status_code == 302
    assert tenant_row(app, community.id)["description"] == "双轨基金\n第二行"
    bad = client.post(f"/c/{community.slug}/profile/edit", data=data | {"timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert tenant_row(app, community.id)["timezone"] == "Asia/Shanghai"
    public = client.get(f"/c/{community.slug}/public/").get_data(as_text=True)
    assert "新竹社区" in public and "赵丽娟" in public and "0431-87651288" in public and "第二行" in public


def test_public_page_needs_no_login(client, factory):
    community = factory.tenant(name="谷山社区", contact_person="刘建国", description="爱心医护站")
    body = client.get(f"/c/{community.slug}/public/").get_data(as_text=True)
    assert "谷山社区" in body and "刘建国" in body and "爱心医护站" in body
    assert client.get(f"/c/{community.slug}/public/logo.png").status_code == 404


def test_audit_log_filters_and_pages(app, client, factory):
    community = factory.tenant()
    staff = factory.user("审计社工", roles={community: "staff"})
    login(client, staff)
    for index in range(3):
        client.post(f"/c/{community.slug}/profile/phone/edit", data={"phone": f"0537-000000{index}"})
    with app.app_context():
        old = AuditEntry(tenant_id=community.id, action="tenant.profile_updated", object_label="很久以前",
                         created_at=utcnow() - timedelta(days=40))
        db.session.add(old)
        db.session.commit()
    everything = client.get(f"/c/{community.slug}/audit/").get_data(as_text=True)
    assert "0537-0000002" in everything and "很久以前" in everything
    only_tenant = client.get(f"/c/{community.slug}/audit/?action=membership").get_data(as_text=True)
    assert "0537-0000002" not in only_tenant
    recent = (utcnow() - timedelta(days=2)).date().isoformat()
    recent_only = client.get(f"/c/{community.slug}/audit/?date_from={recent}").get_data(as_text=True)
    assert "0537-0000002" in recent_only and "很久以前" not in recent_only
    by_actor = client.get(f"/c/{community.slug}/audit/?actor=审计").get_data(as_text=True)
    assert "0537-0000001" in by_actor
    nobody = client.get(f"/c/{community.slug}/audit/?actor=不存在的人", headers=HX).get_data(as_text=True)
    assert "0537-0000001" not in nobody and "<html" not in nobody
    bad_date = client.get(f"/c/{community.slug}/audit/?date_from=2026-13-45")
    assert bad_date.status_code == 200


def test_language_switch(app, client, factory):
    community = factory.tenant()
    login(client, factory.user(roles={community: "staff"}))
    assert '<html lang="zh-CN">' in client.get(f"/c/{community.slug}/").get_data(as_text=True)
    response = client.post("/language", data={"locale": "en", "next": f"/c/{community.slug}/profile"})
    assert response.headers["Location"].endswith(f"/c/{community.slug}/profile")
    english = client.get(f"/c/{community.slug}/profile").get_data(as_text=True)
    assert '<html lang="en">' in english and "Community profile" in english
    client.post("/language", data={"locale": "zh_CN", "next": "https://evil.example/"})
    assert '<html lang="zh-CN">' in client.get(f"/c/{community.slug}/").get_data(as_text=True)
    assert client.post("/language", data={"locale": "xx"}).status_code == 302


def test_language_choice_outlives_sign_in(app, client, factory):
    user = factory.user()
    client.post("/language", data={"locale": "en"})
    login(client, user)
    assert '<html lang="en">' in client.get("/me").get_data(as_text=True)


def test_staff_dashboard_and_member_home(client, factory):
    community = factory.tenant(name="育才社区")
    staff = factory.user(roles={community: "staff"})
    resident = factory.user("金麒麟居民", roles={community: "resident"})
    login(client, staff)
    dashboard = client.get(f"/c/{community.slug}/").get_data(as_text=True)
    assert "/audit/" in dashboard and "/members/" in dashboard
    client.post("/logout")
    login(client, resident)
    home = client.get(f"/c/{community.slug}/").get_data(as_text=True)
    assert "金麒麟居民" in home and "/audit/" not in home


def test_user_with_several_communities_chooses(client, factory):
    first = factory.tenant(name="铁西社区")
    second = factory.tenant(name="新竹社区")
    user = factory.user(roles={first: "staff", second: "council"})
    response = login(client, user)
    assert response.headers["Location"].endswith("/me")
    body = client.get("/me").get_data(as_text=True)
    assert "铁西社区" in body and "新竹社区" in body


def test_login_redirects_back_but_never_offsite(client, factory):
    community = factory.tenant()
    user = factory.user(roles={community: "staff"})
    response = client.post(f"/login?next=/c/{community.slug}/audit/", data={"login": user.login, "password": user.password})
    assert response.headers["Location"].endswith(f"/c/{community.slug}/audit/")
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(f"/login?next={target}", data={"login": user.login, "password": user.password})
        assert "evil" not in response.headers["Location"] and "javascript" not in response.headers["Location"]
        client.post("/logout")


def test_htmx_request_after_session_end_redirects_whole_page(client, factory):
    community = factory.tenant()
    response = client.get(f"/c/{community.slug}/profile/phone/edit", headers=HX)
    assert response.status_code == 401
    assert "/login" in response.headers["HX-Redirect"]


def test_public_page_shows_the_tenants_above(client, factory):
    district = factory.tenant(kind="district", name="阳谷县")
    street = factory.tenant(kind="street", parent=district, name="狮子楼街道")
    community = factory.tenant(parent=street, name="育才社区")
    body = client.get(f"/c/{community.slug}/public/").get_data(as_text=True)
    assert "阳谷县 · 狮子楼街道" in body


def test_platform_admin_sees_every_tenant(client, factory):
    district = factory.tenant(kind="district", name="绿园区")
    street = factory.tenant(kind="street", parent=district, name="普阳街道")
    factory.tenant(parent=street, name="新竹社区")
    admin = factory.user(admin=True)
    login(client, admin)
    body = client.get("/me").get_data(as_text=True)
    assert body.index("绿园区") < body.index("普阳街道") < body.index("新竹社区")
    ordinary = factory.user()
    client.post("/logout")
    login(client, ordinary)
    assert "绿园区" not in client.get("/me").get_data(as_text=True)


def test_inline_edit_without_javascript_returns_to_the_profile(app, client, factory):
    community = factory.tenant()
    login(client, factory.user(roles={community: "staff"}))
    response = client.post(f"/c/{community.slug}/profile/phone/edit", data={"phone": "0537-7654321"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/c/{community.slug}/profile")
    assert tenant_row(app, community.id)["phone"] == "0537-7654321"
