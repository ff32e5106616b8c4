"""Sign-in sessions: new session on login, timeouts, logout and password change, rate limits."""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import LoginSession
from app.audit.models import AuditEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.tenancy.scoping import all_tenants
from tests.conftest import TEST_PASSWORD, login


def live_sessions(app, user_id):
    with app.app_context():
        return db.session.scalars(
            select(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        ).all()


def test_login_with_email_or_mobile(app, factory):
    community = factory.tenant()
    by_email = factory.user(roles={community: "staff"}, email="Li.Hong@Example.cn")
    by_mobile = factory.user(roles={community: "staff"}, mobile="13812345678")
    for login_text in ("li.hong@example.cn", " LI.HONG@example.cn "):
        response = app.test_client().post("/login", data={"login": login_text, "password": TEST_PASSWORD})
        assert response.status_code == 302, login_text
    for login_text in ("13812345678", "+86 138-1234-5678"):
        response = app.test_client().post("/login", data={"login": login_text, "password": TEST_PASSWORD})
        assert response.status_code == 302, login_text
    assert by_email.id != by_mobile.id


def test_wrong_password_is_refused_and_audited(app, client, factory):
    user = factory.user()
    response = client.post("/login", data={"login": user.login, "password": "wrong-password"})
    assert response.status_code == 422
    assert "/logout" not in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    with app.app_context(), all_tenants(db.session):
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_ref == str(user.id))).all()
    assert "auth.login_failed" in actions


def test_disabled_user_cannot_sign_in(app, client, factory):
    from app.accounts.models import User

    user = factory.user()
    with app.app_context():
        db.session.get(User, user.id).is_disabled = True
        db.session.commit()
    assert login(client, user).status_code == 422


def test_login_starts_a_new_session(app, client, factory):
    user = factory.user()
    with client.session_transaction() as cookie:
        cookie["planted"] = "by-attacker"
    login(client, user)
    with client.session_transaction() as cookie:
        assert "planted" not in cookie
        first = cookie["sid"]
    client.post("/logout")
    login(client, user)
    with client.session_transaction() as cookie:
        assert cookie["sid"] != first


def test_logout_ends_the_session(app, client, factory):
    user = factory.user()
    login(client, user)
    with client.session_transaction() as cookie:
        stolen = dict(cookie)
    assert len(live_sessions(app, user.id)) == 1
    assert client.post("/logout").status_code == 302
    assert live_sessions(app, user.id) == []
    replay = app.test_client()
    with replay.session_transaction() as cookie:
        cookie.update(stolen)
    assert replay.get("/account").status_code == 302


def test_idle_timeout(app, client, factory):
    user = factory.user()
    login(client, user)
    assert client.get("/account").status_code == 200
    with app.app_context():
        for login_session in db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)):
            login_session.last_seen_at = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
        db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        reasons = db.session.scalars(select(LoginSession.ended_reason).where(LoginSession.user_id == user.id)).all()
    assert reasons == ["idle_timeout"]


def test_absolute_timeout_even_when_active(app, client, factory):
    user = factory.user()
    login(client, user)
    with app.app_context():
        for login_session in db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)):
            login_session.created_at = utcnow() - app.config["SESSION_ABSOLUTE_TIMEOUT"] - timedelta(minutes=1)
            login_session.last_seen_at = utcnow()
        db.session.commit()
    assert client.get("/account").status_code == 302
    with app.app_context():
        reasons = db.session.scalars(select(LoginSession.ended_reason).where(LoginSession.user_id == user.id)).all()
    assert reasons == ["absolute_timeout"]


def test_password_change_ends_other_sessions(app, factory):
    user = factory.user()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user)
    login(laptop, user)
    assert len(live_sessions(app, user.id)) == 2
    response = laptop.post("/account", data={"current_password": TEST_PASSWORD, "password": "a-new-password-9",
                                             "confirm": "a-new-password-9"})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert len(live_sessions(app, user.id)) == 1
    fresh = app.test_client()
    assert fresh.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 422
    assert fresh.post("/login", data={"login": user.login, "password": "a-new-password-9"}).status_code == 302


def test_password_change_needs_current_password(app, client, factory):
    user = factory.user()
    login(client, user)
    response = client.post("/account", data={"current_password": "not-it", "password": "a-new-password-9",
                                             "confirm": "a-new-password-9"})
    assert response.status_code == 422
    mismatch = client.post("/account", data={"current_password": TEST_PASSWORD, "password": "a-new-password-9",
                                             "confirm": "something-else"})
    assert mismatch.status_code == 422
    assert app.test_client().post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302


def test_sign_out_other_devices(app, factory):
    user = factory.user()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user)
    login(laptop, user)
    laptop.post("/account/end-other-sessions")
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200


def test_login_rate_limited_per_account(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_IP="100 per minute")
    from tests.conftest import Factory

    user = Factory(app).user()
    client = app.test_client()
    codes = [client.post("/login", data={"login": user.login, "password": "wrong"}).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    blocked = client.post("/login", data={"login": user.login, "password": TEST_PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True) or "次数过多" in blocked.get_data(as_text=True)
    other = Factory(app).user()
    assert client.post("/login", data={"login": other.login, "password": TEST_PASSWORD}).status_code == 302


def test_login_rate_limited_per_ip(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_IP="5 per minute")
    client = app.test_client()
    codes = [client.post("/login", data={"login": f"nobody{i}@example.cn", "password": "x"}).status_code
             for i in range(6)]
    assert codes[:5] == [422] * 5
    assert codes[5] == 429
    other_ip = client.post("/login", data={"login": "someone@example.cn", "password": "x"},
                           environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_ip.status_code == 422
