"""Role checks for every tenant route, driven by the permission table."""

import pytest

from app.accounts.permissions import PERMISSIONS
from tests.cases import CASES, request, world_paths
from tests.conftest import login, undone
from tests.world import build_world

ROLES = ["staff", "finance", "council", "partner", "resident", "overseer", "admin"]


def user_for(world, role):
    if role == "overseer":
        return world.overseer
    if role == "admin":
        return world.admin
    return world.users_a[role]


def expected_allowed(app, endpoint, role) -> bool:
    access = app.view_functions[endpoint].access
    return access == "public" or role == "admin" or role in PERMISSIONS[access]


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_role_matrix(app, factory, endpoint):
    """Every role against every sample request; each role starts from the same data."""
    world = build_world(app, factory)
    for role in ROLES:
        allowed = expected_allowed(app, endpoint, role)
        with undone(app):
            client = app.test_client()
            login(client, user_for(world, role))
            for method, path, data in world_paths(world, endpoint):
                response = request(client, method, world.a.slug, path, data)
                if allowed:
                    assert response.status_code not in (401, 403, 404, 500), f"{role} {method} {path}"
                else:
                    assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"


def test_anonymous_is_sent_to_login(app, factory):
    world = build_world(app, factory)
    failures = []
    for endpoint in sorted(CASES):
        public = app.view_functions[endpoint].access == "public"
        for method, path, data in world_paths(world, endpoint):
            with undone(app):
                response = request(app.test_client(), method, world.a.slug, path, data)
            location = response.headers.get("Location", "")
            if public and (response.status_code not in (200, 302) or "/login" in location):
                failures.append(f"{method} {path}: public, answered {response.status_code} {location}")
            if not public and (response.status_code != 302 or "/login?next=" not in location):
                failures.append(f"{method} {path}: answered {response.status_code} {location}")
    assert not failures, failures


def test_outsider_gets_404_not_403(app, client, factory):
    world = build_world(app, factory)
    login(client, world.outsider)
    assert client.get(f"/c/{world.a.slug}/members/").status_code == 404
    assert client.get(f"/c/{world.a.slug}/").headers["Location"].endswith(f"/c/{world.a.slug}/public/")


def test_overseer_reads_but_cannot_write(app, client, factory):
    world = build_world(app, factory)
    login(client, world.overseer)
    assert client.get(f"/c/{world.a.slug}/members/").status_code == 200
    assert client.get(f"/c/{world.a.slug}/audit/").status_code == 200
    assert client.post(f"/c/{world.a.slug}/profile/edit", data={"name": "改名"}).status_code == 403
    street = client.get(f"/c/{world.street.slug}/communities").get_data(as_text=True)
    assert "甲社区" in street and "乙社区" in street


def test_overseer_of_another_street_sees_nothing(app, client, factory):
    world = build_world(app, factory)
    other_street = factory.tenant(kind="street", name="别的街道")
    stranger = factory.user("别的督导", roles={other_street: "overseer"})
    login(client, stranger)
    assert client.get(f"/c/{world.a.slug}/members/").status_code == 404
    assert "甲社区" not in client.get(f"/c/{other_street.slug}/communities").get_data(as_text=True)


def test_resident_cannot_reach_staff_pages(app, client, factory):
    world = build_world(app, factory)
    login(client, world.users_a["resident"])
    slug = world.a.slug
    for path in ("/members/", "/members/invite", "/audit/", "/profile", "/profile/edit", "/communities"):
        assert client.get(f"/c/{slug}{path}").status_code == 403, path
    home = client.get(f"/c/{slug}/")
    assert home.status_code == 200
    assert "甲居民" in home.get_data(as_text=True)
    assert client.post(f"/c/{slug}/members/{world.a_membership_number}/remove").status_code == 403
