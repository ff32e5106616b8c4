"""``flask users create``: accounts for scripting, optionally with a role in a tenant."""

import pytest
from sqlalchemy import func, select

from app.accounts.models import Membership, User
from app.audit.models import AuditEntry
from app.extensions import db
from app.tenancy.scoping import all_tenants

PASSWORD = "a-long-enough-password-7"

# AccountError messages are translated; a command may show them in either language.
EMAIL_TAKEN = {"This e-mail address is already registered.", "该邮箱地址已被注册。"}
MOBILE_TAKEN = {"This mobile number is already registered.", "该手机号码已被注册。"}
LOGIN_REQUIRED = {"An e-mail address or mobile number is required.", "邮箱地址和手机号码须至少填写一项。"}
COMMUNITY_ONLY = {"This role exists only in communities.", "该角色仅适用于社区。"}
NO_OVERSEER_HERE = {"Overseers belong to a street or district, not to a community.",
                    "督导只能设在街道或区/县，不能设在社区。"}


def create_user(app, *args):
    return app.test_cli_runner().invoke(args=["users", "create", *args])


def assert_exit(result, code: int) -> None:
    """The command ended with ``code`` through a normal exit, not through a crash."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def users(app) -> list[dict]:
    with app.app_context():
        return [{"id": user.id, "email": user.email, "mobile": user.mobile, "name": user.name,
                 "admin": user.is_platform_admin}
                for user in db.session.scalars(select(User).order_by(User.id))]


def memberships(app, user_id: int) -> list[tuple[str, int]]:
    with app.app_context(), all_tenants(db.session):
        rows = db.session.scalars(select(Membership).where(Membership.user_id == user_id)).all()
        return sorted((membership.role, membership.tenant_id) for membership in rows)


def audit_actions(app) -> list[str]:
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_create_staff_member_who_can_then_sign_in(app, client, factory):
    community = factory.tenant("tiexi", name="铁西社区")

    result = create_user(app, "--email", "Li.Hongmei@Example.cn", "--password", PASSWORD, "--name", " 李红梅 ",
                         "--tenant", "tiexi", "--role", "staff")

    assert_exit(result, 0)
    [user] = users(app)
    assert user == {"id": user["id"], "email": "li.hongmei@example.cn", "mobile": None, "name": "李红梅",
                    "admin": False}
    assert result.stdout == f"Created user {user['id']} (li.hongmei@example.cn) as staff in tiexi\n"
    assert memberships(app, user["id"]) == [("staff", community.id)]
    assert audit_actions(app) == ["user.created", "membership.added"]

    response = client.post("/login", data={"login": "li.hongmei@example.cn", "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/tiexi/")
    assert client.get("/c/tiexi/").status_code == 200


def test_create_user_without_a_tenant(app, client):
    result = create_user(app, "--mobile", "+86 138-0013-8000", "--password", PASSWORD, "--name", "王芳")

    assert_exit(result, 0)
    [user] = users(app)
    assert user["mobile"] == "13800138000"
    assert result.stdout == f"Created user {user['id']} (13800138000)\n"
    assert memberships(app, user["id"]) == []
    response = client.post("/login", data={"login": "138 0013 8000", "password": PASSWORD})
    assert response.status_code == 302


def test_create_platform_admin(app):
    result = create_user(app, "--email", "admin@example.cn", "--password", PASSWORD, "--name", "管理员",
                         "--platform-admin")

    assert_exit(result, 0)
    [user] = users(app)
    assert user["admin"] is True


def test_overseer_on_a_street(app, factory):
    district = factory.tenant("yanggu", kind="district", name="阳谷县")
    street = factory.tenant("shizilou", kind="street", name="狮子楼街道", parent=district)

    result = create_user(app, "--email", "du@example.cn", "--password", PASSWORD, "--name", "督导",
                         "--tenant", "shizilou", "--role", "overseer")

    assert_exit(result, 0)
    [user] = users(app)
    assert memberships(app, user["id"]) == [("overseer", street.id)]


def test_duplicate_email_fails(app, factory):
    existing = factory.user("张三", email="zhang@example.cn")

    result = create_user(app, "--email", "ZHANG@example.cn", "--password", PASSWORD, "--name", "另一个张三")

    assert_exit(result, 1)
    assert result.stdout == ""
    assert result.stderr.strip() in EMAIL_TAKEN
    assert [user["id"] for user in users(app)] == [existing.id]


def test_duplicate_mobile_fails(app, factory):
    factory.user("李四", mobile="13900139000")

    result = create_user(app, "--mobile", "139-0013-9000", "--password", PASSWORD, "--name", "另一个李四")

    assert_exit(result, 1)
    assert result.stderr.strip() in MOBILE_TAKEN
    assert user_count(app) == 1


def test_email_or_mobile_is_required(app):
    result = create_user(app, "--password", PASSWORD, "--name", "无名")

    assert_exit(result, 1)
    assert result.stderr.strip() in LOGIN_REQUIRED
    assert user_count(app) == 0


@pytest.mark.parametrize("args", [["--tenant", "tiexi"], ["--role", "staff"]], ids=["tenant-only", "role-only"])
def test_tenant_and_role_go_together(app, factory, args):
    factory.tenant("tiexi", name="铁西社区")

    result = create_user(app, "--email", "x@example.cn", "--password", PASSWORD, "--name", "某人", *args)

    assert_exit(result, 2)
    assert result.stderr == "--tenant and --role go together.\n"
    assert user_count(app) == 0


def test_unknown_tenant_fails(app):
    result = create_user(app, "--email", "x@example.cn", "--password", PASSWORD, "--name", "某人",
                         "--tenant", "nowhere", "--role", "staff")

    assert_exit(result, 1)
    assert result.stderr == "No tenant 'nowhere'.\n"
    assert user_count(app) == 0


def test_unknown_role_is_a_usage_error(app, factory):
    factory.tenant("tiexi", name="铁西社区")

    result = create_user(app, "--email", "x@example.cn", "--password", PASSWORD, "--name", "某人",
                         "--tenant", "tiexi", "--role", "mayor")

    assert_exit(result, 2)
    assert "mayor" in result.stderr
    assert user_count(app) == 0


@pytest.mark.parametrize(("kind", "role", "messages"), [
    ("street", "staff", COMMUNITY_ONLY),
    ("community", "overseer", NO_OVERSEER_HERE),
])
def test_role_that_does_not_fit_the_tenant_creates_no_user(app, factory, kind, role, messages):
    parent = factory.tenant("dist", kind="district", name="区") if kind == "community" else None
    factory.tenant("place", kind=kind, name="某地", parent=parent)

    result = create_user(app, "--email", "x@example.cn", "--password", PASSWORD, "--name", "某人",
                         "--tenant", "place", "--role", role)

    assert_exit(result, 1)
    assert result.stderr.strip() in messages
    assert user_count(app) == 0  # the user made before the membership failed is rolled back
    assert "user.created" not in audit_actions(app)
