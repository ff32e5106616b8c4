"""Test fixtures: a migrated database (SQLite or PostgreSQL), a fresh transaction per test.

``LINLI_TEST_DB=postgres`` runs the suite on PostgreSQL at ``TEST_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); the suite creates its own database
there and drops it at the end. Otherwise it runs on a SQLite file in a temporary folder.

Each test runs inside one outer transaction that is rolled back at the end; every app
context (each request, each factory call) gets its own session joined to it through a
SAVEPOINT, so requests behave as in production (new session, new tenant scope) and a
request's commit is real for later requests of the same test.
"""

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, text

from app import create_app
from app.config import Config, normalise_database_url
from app.extensions import db

TEST_PASSWORD = "correct-horse-42"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def backend() -> str:
    return os.environ.get("LINLI_TEST_DB", "sqlite")


class TestConfig(Config):
    __test__ = False
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_LIMIT_PER_IP = "1000 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "1000 per minute"
    SERVER_NAME = None
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast in tests; production uses scrypt

    def __init__(self, database_url: str, instance_path: Path, **overrides) -> None:
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SQLALCHEMY_ENGINE_OPTIONS = {}
        self.INSTANCE_PATH = instance_path
        self.UPLOAD_FOLDER = instance_path / "uploads"
        for key, value in overrides.items():
            setattr(self, key, value)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A migrated, empty database for the whole run; dropped afterwards (PostgreSQL)."""
    if backend() == "postgres":
        url = make_postgres_database()
        try:
            migrate_database(url, tmp_path_factory.mktemp("migrate"))
            yield url
        finally:
            drop_postgres_database(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'linli-test.db'}"
        migrate_database(url, tmp_path_factory.mktemp("migrate"))
        yield url


def make_postgres_database() -> str:
    base = normalise_database_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG))
    name = f"linli_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate_database(url: str, instance_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(TestConfig(url, instance_path))
    with app.app_context():
        upgrade(revision="heads")  # branches being developed side by side are merged before they land
        db.engine.dispose()


class JoinedSession(FlaskSession):
    """Uses the test's connection (and its outer transaction) for every statement."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build apps whose sessions join one rolled-back transaction; ``make_app(**config)``."""
    made = []

    def build(**overrides):
        app = create_app(TestConfig(database_url, tmp_path / f"instance{len(made)}", **overrides))
        with app.app_context():
            connection = db.engine.connect()
            transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        made.append((app, connection, transaction, original))
        app.extensions["test_connection"] = connection
        return app

    yield build
    for app, connection, transaction, original in reversed(made):
        db.session = original
        transaction.rollback()
        connection.close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def english_app(make_app):
    """Service messages are asserted in English (outside a request they use the default locale)."""
    return make_app(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def english_world(english_app, factory):
    from tests.funds_world import make_funds_world

    return make_funds_world(english_app, factory)


@contextmanager
def undone(app):
    """Whatever happens inside (requests included) is rolled back afterwards."""
    savepoint = app.extensions["test_connection"].begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories ------------------------------------------------------------------------

@dataclass(frozen=True)
class TenantRef:
    id: int
    slug: str
    name: str
    kind: str


@dataclass
class UserRef:
    id: int
    email: str | None
    mobile: str | None
    name: str
    password: str = TEST_PASSWORD
    roles: dict = field(default_factory=dict)

    @property
    def login(self) -> str:
        return self.email or self.mobile


class Factory:
    """Makes committed rows, each in its own app context like a request would."""

    def __init__(self, app):
        self.app = app
        self.counter = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def tenant(self, slug=None, *, kind="community", parent: TenantRef | None = None, **fields) -> TenantRef:
        from app.tenancy.models import Tenant

        slug = slug or f"t{self._next()}-{uuid.uuid4().hex[:4]}"
        with self.app.app_context():
            tenant = Tenant(slug=slug, name=fields.pop("name", f"测试{slug}社区"), kind=kind,
                            parent_id=parent.id if parent else None, **fields)
            db.session.add(tenant)
            db.session.commit()
            return TenantRef(tenant.id, tenant.slug, tenant.name, tenant.kind)

    def user(self, name=None, *, email=None, mobile=None, roles: dict | None = None, admin=False,
             password=TEST_PASSWORD) -> UserRef:
        """``roles``: {TenantRef: "staff"} or {TenantRef: ["staff", "finance"]}."""
        from app.accounts import services
        from app.tenancy.models import Tenant
        from app.tenancy.scoping import tenant_scope

        number = self._next()
        if email is None and mobile is None:
            email = f"user{number}-{uuid.uuid4().hex[:6]}@example.cn"
        with self.app.app_context():
            user = services.create_user(name=name or f"用户{number}", password=password, email=email,
                                        mobile=mobile, platform_admin=admin)
            for tenant_ref, tenant_roles in (roles or {}).items():
                tenant = db.session.get(Tenant, tenant_ref.id)
                for role in [tenant_roles] if isinstance(tenant_roles, str) else tenant_roles:
                    with tenant_scope(db.session, tenant.id):
                        services.add_membership(tenant, user, role, actor=None)
            db.session.commit()
            return UserRef(user.id, user.email, user.mobile, user.name, password, dict(roles or {}))

    def invitation(self, tenant: TenantRef, by: UserRef, *, role="resident", name="受邀居民", email=None):
        from datetime import timedelta

        from app.accounts import services
        from app.accounts.models import User
        from app.tenancy.models import Tenant
        from app.tenancy.scoping import tenant_scope

        email = email or f"invitee{self._next()}-{uuid.uuid4().hex[:6]}@example.cn"
        with self.app.app_context(), tenant_scope(db.session, tenant.id):
            invitation, token = services.invite(db.session.get(Tenant, tenant.id), name=name, email=email,
                                                mobile=None, role=role, actor=db.session.get(User, by.id),
                                                valid_for=timedelta(days=7))
            db.session.commit()
            return invitation.number, token


@pytest.fixture
def factory(app):
    return Factory(app)


def login(client, user: UserRef, password: str | None = None):
    """Sign in through the real form; returns the response."""
    return client.post("/login", data={"login": user.login, "password": password or user.password})


@pytest.fixture
def login_as(client):
    def do(user: UserRef):
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


@pytest.fixture
def committed_app(tmp_path):
    """An app on its own database where commits are real (threads, real transactions); dropped afterwards."""
    app, url = make_committed_app(tmp_path)
    yield app
    close_committed_app(app, url)


@pytest.fixture
def english_committed_app(tmp_path):
    """``committed_app`` whose service messages are English."""
    app, url = make_committed_app(tmp_path, BABEL_DEFAULT_LOCALE="en")
    yield app
    close_committed_app(app, url)


COMMITTED_POOL_SIZE = 12  # more than any concurrency test's threads


def make_committed_app(tmp_path, **overrides):
    url = make_postgres_database() if backend() == "postgres" else f"sqlite:///{tmp_path / 'committed.db'}"
    migrate_database(url, tmp_path / "migrate")
    options = {"pool_size": COMMITTED_POOL_SIZE} if backend() == "postgres" else {}
    return create_app(TestConfig(url, tmp_path / "instance", SQLALCHEMY_ENGINE_OPTIONS=options, **overrides)), url


def close_committed_app(app, url: str) -> None:
    with app.app_context():
        db.engine.dispose()
    if backend() == "postgres":
        drop_postgres_database(url)
