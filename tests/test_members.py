"""Invitations, activation, member management."""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Invitation, Membership, User
from app.extensions import db
from app.tenancy.scoping import all_tenants
from tests.conftest import login


def roles_of(app, user_id, tenant_id):
    with app.app_context(), all_tenants(db.session):
        return sorted(db.session.scalars(select(Membership.role).where(
            Membership.user_id == user_id, Membership.tenant_id == tenant_id)).all())


def invite(client, slug, **data):
    response = client.post(f"/c/{slug}/members/invite", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True)
    if "data-activation-link" not in body:
        return None
    return body.split('class="copy-field"')[0].rsplit('value="', 1)[1].split('"')[0]


def test_invite_new_person_who_sets_own_password(app, client, factory):
    community = factory.tenant(name="铁西社区")
    staff = factory.user(roles={community: "staff"})
    login(client, staff)
    link = invite(client, community.slug, name="王大爷", mobile="13900001111", role="resident")
    assert link and "/activate/" in link
    path = link.split("localhost", 1)[1]
    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200 and "铁西社区" in page.get_data(as_text=True)
    short = newcomer.post(path, data={"name": "王大爷", "password": "short", "confirm": "short"})
    assert short.status_code == 422
    done = newcomer.post(path, data={"name": "王建华", "password": "wang-pass-2026", "confirm": "wang-pass-2026"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/c/{community.slug}/")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.mobile == "13900001111"))
        assert user.name == "王建华"
    assert roles_of(app, user.id, community.id) == ["resident"]
    assert newcomer.get(f"/c/{community.slug}/").status_code == 200
    assert app.test_client().get(path).status_code == 404, "an activation link works once"
    assert app.test_client().post("/login", data={"login": "13900001111", "password": "wang-pass-2026"}).status_code == 302


def test_existing_user_accepts_after_signing_in(app, client, factory):
    first = factory.tenant()
    second = factory.tenant()
    staff = factory.user(roles={second: "staff"})
    volunteer = factory.user("志愿者老张", roles={first: "resident"})
    login(client, staff)
    link = invite(client, second.slug, name="老张", email=volunteer.email, role="council")
    path = link.split("localhost", 1)[1]
    other = app.test_client()
    page = other.get(path).get_data(as_text=True)
    assert "/login?next=" in page
    assert other.post(path, data={"name": "x", "password": "whatever-123", "confirm": "whatever-123"}).status_code == 302
    assert roles_of(app, volunteer.id, second.id) == []
    login(other, volunteer)
    assert other.post(path).status_code == 302
    assert roles_of(app, volunteer.id, second.id) == ["council"]
    switcher = other.get(f"/c/{second.slug}/").get_data(as_text=True)
    assert f"/c/{first.slug}/" in switcher, "a user with several communities switches from the header"


def test_invitation_needs_email_or_mobile_and_valid_values(client, factory):
    community = factory.tenant()
    login(client, factory.user(roles={community: "staff"}))
    for data in ({"name": "无联系方式", "role": "resident"},
                 {"name": "坏手机", "mobile": "12345", "role": "resident"},
                 {"name": "坏邮箱", "email": "not-an-email", "role": "resident"},
                 {"name": "坏角色", "email": "a@example.cn", "role": "overseer"}):
        response = client.post(f"/c/{community.slug}/members/invite", data=data)
        assert response.status_code == 422, data
        assert "data-activation-link" not in response.get_data(as_text=True)


def test_htmx_invite_returns_fragment(client, factory):
    community = factory.tenant()
    login(client, factory.user(roles={community: "staff"}))
    bad = client.post(f"/c/{community.slug}/members/invite", data={"name": "", "role": "resident"},
                      headers={"HX-Request": "true"})
    assert bad.status_code == 422
    assert "<html" not in bad.get_data(as_text=True) and 'id="invite"' in bad.get_data(as_text=True)
    assert bad.headers["Vary"] == "HX-Request" or "HX-Request" in bad.headers["Vary"]


def test_revoked_and_expired_invitations_do_not_work(app, client, factory):
    community = factory.tenant()
    staff = factory.user(roles={community: "staff"})
    number, token = factory.invitation(community, staff)
    _, expired_token = factory.invitation(community, staff)
    with app.app_context(), all_tenants(db.session):
        invitation = db.session.scalar(select(Invitation).where(Invitation.tenant_id == community.id,
                                                                Invitation.number == number + 1))
        invitation.expires_at = invitation.created_at - timedelta(days=1)
        db.session.commit()
    login(client, staff)
    assert client.post(f"/c/{community.slug}/members/invitations/{number}/revoke").status_code == 302
    assert app.test_client().get(f"/activate/{token}").status_code == 404
    assert app.test_client().get(f"/activate/{expired_token}").status_code == 404
    assert app.test_client().get("/activate/made-up-token-xyz").status_code == 404


def test_remove_role_but_not_own_staff_role(app, client, factory):
    community = factory.tenant()
    staff = factory.user(roles={community: "staff"})
    resident = factory.user("要移除的居民", roles={community: "resident"})
    login(client, staff)
    with app.app_context(), all_tenants(db.session):
        numbers = dict(db.session.execute(select(Membership.user_id, Membership.number).where(
            Membership.tenant_id == community.id)).all())
    client.post(f"/c/{community.slug}/members/{numbers[resident.id]}/remove")
    assert roles_of(app, resident.id, community.id) == []
    response = client.post(f"/c/{community.slug}/members/{numbers[staff.id]}/remove", follow_redirects=True)
    assert roles_of(app, staff.id, community.id) == ["staff"]
    assert response.status_code == 200


def test_member_search_and_paging(make_app):
    from tests.conftest import Factory

    app = make_app(PAGE_SIZE=5)
    factory = Factory(app)
    community = factory.tenant()
    staff = factory.user("管理员", roles={community: "staff"})
    for index in range(11):
        factory.user(f"居民{index:02d}", roles={community: "resident"})
    factory.user("张三丰", roles={community: "resident"}, mobile="13700002222")
    client = app.test_client()
    login(client, staff)
    first = client.get(f"/c/{community.slug}/members/").get_data(as_text=True)
    assert first.count("<tr>") == 1 + 5
    assert "?page=2" in first and "?page=0" not in first
    third = client.get(f"/c/{community.slug}/members/?page=3").get_data(as_text=True)
    assert third.count("<tr>") == 1 + 3
    assert "?page=4" not in third
    found = client.get(f"/c/{community.slug}/members/?q=张三", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "张三丰" in found and "居民03" not in found and "<html" not in found
    by_phone = client.get(f"/c/{community.slug}/members/?q=1370000").get_data(as_text=True)
    assert "张三丰" in by_phone
    beyond = client.get(f"/c/{community.slug}/members/?page=99")
    assert beyond.status_code == 200
