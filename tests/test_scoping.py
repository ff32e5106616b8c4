"""The tenant scope on the ORM: selects, bulk updates and deletes, inserts, bypass."""

import pytest
from sqlalchemy import delete, func, select, update

from app.accounts.models import Invitation, Membership, User
from app.audit.models import AuditEntry
from app.extensions import db
from app.tenancy.numbering import next_number
from app.tenancy.scoping import ALL_TENANTS, TenantScopeError, all_tenants, tenant_scope
from tests.world import build_world


@pytest.fixture
def world(app, factory):
    return build_world(app, factory)


def count_memberships(tenant_id=None):
    query = select(func.count()).select_from(Membership)
    if tenant_id is not None:
        query = query.where(Membership.tenant_id == tenant_id)
    return db.session.scalar(query)


def test_select_sees_only_current_tenant(app, world):
    with app.app_context(), tenant_scope(db.session, world.b.id):
        rows = db.session.scalars(select(Membership)).all()
        assert {row.tenant_id for row in rows} == {world.b.id}
        assert db.session.scalar(select(Membership).where(Membership.number == world.a_membership_number)) is None
        names = db.session.scalars(select(User.name).join(Membership, Membership.user_id == User.id)).all()
        assert all(name.startswith("乙") for name in names)
        assert db.session.scalar(select(func.count()).select_from(select(Membership).subquery())) == len(rows)


def test_query_without_scope_fails_loudly(app, world):
    with app.app_context(), pytest.raises(TenantScopeError):
        db.session.scalars(select(Membership)).all()


def test_global_models_need_no_scope(app, world):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) >= 10


def test_bypass_is_explicit(app, world):
    with app.app_context():
        with all_tenants(db.session):
            every = count_memberships()
        assert db.session.scalar(select(func.count()).select_from(Membership).execution_options(**ALL_TENANTS)) == every
        with tenant_scope(db.session, world.a.id):
            own = count_memberships()
        assert every > own > 0


def test_bulk_update_and_delete_are_scoped(app, world):
    with app.app_context():
        with tenant_scope(db.session, world.b.id):
            db.session.execute(update(Invitation).values(name="批量改名"))
            db.session.execute(delete(Invitation))
        with all_tenants(db.session):
            names = db.session.scalars(select(Invitation.name).where(Invitation.tenant_id == world.a.id)).all()
            remaining_b = db.session.scalar(
                select(func.count()).select_from(Invitation).where(Invitation.tenant_id == world.b.id))
        assert "批量改名" not in names and len(names) == 3
        assert remaining_b == 0


def test_insert_takes_tenant_from_scope(app, world):
    with app.app_context(), tenant_scope(db.session, world.b.id):
        entry = AuditEntry(action="test.scoped")
        db.session.add(entry)
        db.session.flush()
        assert entry.tenant_id == world.b.id


def test_insert_for_another_tenant_is_refused(app, world):
    with app.app_context(), tenant_scope(db.session, world.b.id):
        db.session.add(Membership(tenant_id=world.a.id, user_id=world.outsider.id, role="resident"))
        with pytest.raises(TenantScopeError):
            db.session.flush()


def test_insert_without_tenant_outside_scope_is_refused(app, world):
    with app.app_context():
        db.session.add(Membership(user_id=world.outsider.id, role="resident"))
        with pytest.raises(TenantScopeError):
            db.session.flush()


def test_rows_cannot_move_between_tenants(app, world):
    with app.app_context(), tenant_scope(db.session, world.a.id):
        membership = db.session.scalar(select(Membership).where(Membership.number == world.a_membership_number))
        membership.tenant_id = world.b.id
        with pytest.raises(TenantScopeError):
            db.session.flush()


def test_numbers_are_per_tenant_and_sequential(app, world):
    with app.app_context():
        with tenant_scope(db.session, world.a.id):
            numbers_a = sorted(db.session.scalars(select(Membership.number)).all())
        with tenant_scope(db.session, world.b.id):
            numbers_b = sorted(db.session.scalars(select(Membership.number)).all())
        assert numbers_a == list(range(1, len(numbers_a) + 1))
        assert numbers_b == list(range(1, len(numbers_b) + 1))
        connection = db.session.connection()
        first = next_number(connection, world.b.id, "probe")
        assert [first, next_number(connection, world.b.id, "probe")] == [1, 2]
        assert next_number(connection, world.a.id, "probe") == 1
