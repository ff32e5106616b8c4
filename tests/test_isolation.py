"""Isolation matrix: every tenant route, requested across tenants, never shows or changes the other's data."""

import pytest
from sqlalchemy import select

from app.accounts.models import Invitation, Membership
from app.extensions import db
from app.funds.models import Donation, Fund, LedgerAccount
from app.tenancy.models import Tenant
from app.tenancy.scoping import all_tenants
from tests.cases import CASES, OBJECT_ENDPOINTS, request, tenant_rules, world_paths
from tests.conftest import login, undone
from tests.world import A_MARKERS, build_world


def test_every_tenant_route_has_a_cross_tenant_case(app):
    missing = [endpoint for endpoint in tenant_rules(app) if endpoint not in CASES]
    assert not missing, f"add cross-tenant cases to tests/cases.py for: {missing}"


def test_every_tenant_view_declares_its_access(app):
    undeclared = [endpoint for endpoint in tenant_rules(app) if not hasattr(app.view_functions[endpoint], "access")]
    assert not undeclared, f"decorate with @require(...) or @public: {undeclared}"


@pytest.fixture
def world(app, factory):
    return build_world(app, factory)


def snapshot(app, world):
    """What a cross-tenant request must never change: tenant A's rows."""
    with app.app_context(), all_tenants(db.session):
        tenant = db.session.get(Tenant, world.a.id)
        memberships = db.session.scalars(select(Membership.number).where(Membership.tenant_id == world.a.id)).all()
        invitations = db.session.execute(
            select(Invitation.number, Invitation.revoked_at).where(Invitation.tenant_id == world.a.id)).all()
        donations = db.session.execute(select(Donation.number, Donation.reversal_entry_id)
                                       .where(Donation.tenant_id == world.a.id)).all()
        balances = db.session.execute(select(LedgerAccount.code, LedgerAccount.balance_fen)
                                      .where(LedgerAccount.tenant_id == world.a.id)).all()
        funds = db.session.execute(select(Fund.key, Fund.name).where(Fund.tenant_id == world.a.id)).all()
        return (tenant.profile(), tenant.logo_key, sorted(memberships), sorted(invitations), sorted(donations),
                sorted(balances), sorted(funds))


def test_other_tenants_objects_through_own_slug(app, world):
    """B's staff, B's slug, A's object numbers: 404 for objects, never A's data, A unchanged."""
    before = snapshot(app, world)
    failures = []
    for endpoint in sorted(CASES):
        for method, path, data in world_paths(world, endpoint):
            with undone(app):
                client = app.test_client()
                login(client, world.users_b["staff"])
                response = request(client, method, world.b.slug, path, data)
            body = response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
            failures += [f"{method} {path} leaked {marker}" for marker in A_MARKERS if marker in body]
            if endpoint in OBJECT_ENDPOINTS and response.status_code != 404:
                failures.append(f"{method} {path}: {response.status_code}, expected 404")
            if response.status_code >= 500 or (endpoint == "public.logo" and response.status_code != 404):
                failures.append(f"{method} {path}: {response.status_code}")
    assert not failures, failures
    assert snapshot(app, world) == before


def test_other_tenants_slug_as_non_member(app, world):
    """B's staff, A's slug: protected pages 404 (no existence leak), public ones stay public."""
    before = snapshot(app, world)
    client = app.test_client()
    login(client, world.users_b["staff"])
    failures = []
    for endpoint in sorted(CASES):
        view = app.view_functions[endpoint]
        for method, path, data in world_paths(world, endpoint):
            response = request(client, method, world.a.slug, path, data)
            if view.access == "public":
                if response.status_code not in (200, 302, 404, 429):
                    failures.append(f"{method} {path}: public, answered {response.status_code}")
                continue
            if response.status_code != 404:
                failures.append(f"{method} {path}: {response.status_code}, expected 404")
            failures += [f"{method} {path} leaked {marker}" for marker in A_MARKERS
                         if marker in response.get_data(as_text=True)]
    assert not failures, failures
    assert snapshot(app, world) == before


def test_unknown_slug_is_404(client, world):
    login(client, world.users_b["staff"])
    for path in ("/c/no-such-place/", "/c/no-such-place/public/", "/c/no-such-place/members/"):
        assert client.get(path).status_code == 404


def test_member_list_shows_only_own_tenant(app, client, world):
    login(client, world.users_a["staff"])
    body = client.get(f"/c/{world.a.slug}/members/").get_data(as_text=True)
    assert "甲社工" in body and "甲居民三" in body
    assert "乙社工" not in body and "乙居民" not in body
    audit = client.get(f"/c/{world.a.slug}/audit/?action=invitation").get_data(as_text=True)
    assert "甲受邀人" in audit and "乙受邀人" not in audit
