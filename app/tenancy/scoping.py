"""Automatic tenant scoping of every ORM query.

The current tenant lives in ``session.info["tenant_id"]``, set once per request when the
URL's ``/c/<slug>`` is resolved (or by ``tenant_scope`` in commands and tests). A
``do_orm_execute`` listener adds ``with_loader_criteria`` for :class:`TenantScoped` to
every ORM SELECT, UPDATE and DELETE, so a forgotten filter cannot leak another tenant's
rows. Without a current tenant, queries of tenant-owned models fail loudly instead of
returning everything. Platform-level code bypasses the scope explicitly and greppably with
``all_tenants()`` or the ``ALL_TENANTS`` execution option.

Not covered (by SQLAlchemy's design): ``text()`` SQL and Core ``Connection.execute``.
INSERTs get their tenant from the scope in ``before_flush`` and may not name another one.
"""

from contextlib import contextmanager

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import (
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
    with_loader_criteria,
)

TENANT_KEY = "tenant_id"
BYPASS_KEY = "all_tenants_depth"
ALL_TENANTS = {"all_tenants": True}


class TenantScopeError(RuntimeError):
    """A tenant-owned row was queried or written outside of, or across, a tenant scope."""


class TenantScoped:
    """Mixin for rows owned by one tenant (NOT NULL ``tenant_id``, scoped queries)."""

    __tenant_optional__ = False

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("tenants.id", ondelete="RESTRICT"),
            nullable=cls.__tenant_optional__,
            index=True,
        )

    @declared_attr
    def tenant(cls):
        return relationship("Tenant", lazy="select")


def current_tenant_id(session: Session) -> int | None:
    return session.info.get(TENANT_KEY)


def set_session_tenant(session: Session, tenant_id: int | None) -> None:
    session.info[TENANT_KEY] = tenant_id


def is_bypassed(session: Session) -> bool:
    return session.info.get(BYPASS_KEY, 0) > 0


@contextmanager
def all_tenants(session: Session):
    """Bypass tenant scoping for platform-level code. Keep every use easy to find."""
    session.info[BYPASS_KEY] = session.info.get(BYPASS_KEY, 0) + 1
    try:
        yield session
    finally:
        session.info[BYPASS_KEY] -= 1


@contextmanager
def tenant_scope(session: Session, tenant_id: int):
    """Run a block as if the request had resolved ``tenant_id`` (commands, tests)."""
    previous = session.info.get(TENANT_KEY)
    session.info[TENANT_KEY] = tenant_id
    try:
        yield session
    finally:
        session.info[TENANT_KEY] = previous


def _touches_tenant_data(orm_execute_state) -> bool:
    return any(issubclass(mapper.class_, TenantScoped) for mapper in orm_execute_state.all_mappers)


def _scope_orm_execute(orm_execute_state) -> None:
    if not (orm_execute_state.is_select or orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    if orm_execute_state.is_column_load or orm_execute_state.is_relationship_load:
        return
    session = orm_execute_state.session
    if orm_execute_state.execution_options.get("all_tenants") or is_bypassed(session):
        return
    tenant_id = current_tenant_id(session)
    if tenant_id is None:
        if _touches_tenant_data(orm_execute_state):
            raise TenantScopeError("Query of tenant-owned data outside a tenant scope; use tenant_scope() or all_tenants().")
        return
    orm_execute_state.statement = orm_execute_state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


def _check_tenant_on_flush(session: Session, flush_context, instances) -> None:
    tenant_id = current_tenant_id(session)
    bypassed = is_bypassed(session)
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None and obj.tenant is not None:
            obj.tenant_id = obj.tenant.id
        if obj.tenant_id is None:
            if tenant_id is not None:
                obj.tenant_id = tenant_id
            elif not type(obj).__tenant_optional__:
                raise TenantScopeError(f"New {type(obj).__name__} has no tenant and no tenant is in scope.")
        elif tenant_id is not None and obj.tenant_id != tenant_id and not bypassed:
            raise TenantScopeError(f"New {type(obj).__name__} names tenant {obj.tenant_id} inside tenant {tenant_id}.")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped) and session.is_modified(obj):
            history = _attribute_history(obj, "tenant_id")
            if history.deleted and history.deleted[0] is not None:
                raise TenantScopeError(f"{type(obj).__name__} may not move to another tenant.")


def _attribute_history(obj, name):
    from sqlalchemy import inspect

    return inspect(obj).attrs[name].history


def install_tenant_scoping(session_class: type[Session]) -> None:
    """Attach the scoping listeners once to the session class the app uses."""
    if not event.contains(session_class, "do_orm_execute", _scope_orm_execute):
        event.listen(session_class, "do_orm_execute", _scope_orm_execute)
        event.listen(session_class, "before_flush", _check_tenant_on_flush)
