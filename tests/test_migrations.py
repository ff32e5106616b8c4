"""The schema comes only from migrations: models and migrations must agree."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app.extensions import db


def test_models_match_migrations(app):
    """Fails when a model changes without a migration (or a migration without the model)."""
    with app.app_context():
        connection = db.session.connection()
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ; add a migration: {differences}"


def test_database_is_at_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    with app.app_context():
        connection = db.session.connection()
        current = MigrationContext.configure(connection).get_current_heads()
        config = app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
    assert set(current) == set(heads)
    assert isinstance(app.extensions["migrate"].migrate, Migrate)


def test_every_tenant_owned_table_has_not_null_tenant(app):
    from app.tenancy.scoping import TenantScoped

    with app.app_context():
        inspector = inspect(db.session.connection())
        for mapper in db.Model.registry.mappers:
            cls = mapper.class_
            if not issubclass(cls, TenantScoped):
                continue
            columns = {column["name"]: column for column in inspector.get_columns(cls.__tablename__)}
            assert "tenant_id" in columns, cls.__name__
            assert columns["tenant_id"]["nullable"] == cls.__tenant_optional__, cls.__name__


def test_postgresql_connections_plan_with_real_parameters(tmp_path):
    """Generic plans made 1 ms tenant queries take 800 ms for the largest tenant (bench/README.md)."""
    from app import create_app
    from tests.conftest import TestConfig

    app = create_app(TestConfig("postgresql://postgres@127.0.0.1:5432/nowhere", tmp_path))
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert "plan_cache_mode=force_custom_plan" in options
    sqlite_app = create_app(TestConfig(f"sqlite:///{tmp_path}/x.db", tmp_path))
    assert "connect_args" not in sqlite_app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_database_session_uses_custom_plans_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        else:
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
