"""One sample request per tenant endpoint, for the isolation matrix and the role checks.

Every rule under ``/c/<slug>/`` must have an entry here; ``test_isolation`` fails when a
new one has none. ``path`` is a function of the world giving the part after the slug;
object numbers are tenant A's.
"""

from tests.world import World, png_bytes

CASES: dict[str, list[tuple]] = {
    "tenancy.home": [("GET", lambda w: "/", None)],
    "tenancy.profile": [("GET", lambda w: "/profile", None)],
    "tenancy.profile_field": [("GET", lambda w: "/profile/contact_person", None)],
    "tenancy.edit_profile_field": [
        ("GET", lambda w: "/profile/contact_person/edit", None),
        ("POST", lambda w: "/profile/contact_person/edit", lambda: {"contact_person": "被篡改"}),
    ],
    "tenancy.edit_profile": [
        ("GET", lambda w: "/profile/edit", None),
        ("POST", lambda w: "/profile/edit", lambda: {"name": "被篡改", "locale": "zh_CN", "timezone": "Asia/Shanghai"}),
    ],
    "tenancy.upload_logo": [("POST", lambda w: "/profile/logo", lambda: {"logo": (_png(), "logo.png")})],
    "tenancy.communities": [("GET", lambda w: "/communities", None)],
    "public.index": [("GET", lambda w: "/public/", None)],
    "public.logo": [("GET", lambda w: "/public/logo.png", None)],
    "members.index": [("GET", lambda w: "/members/", None), ("GET", lambda w: "/members/?q=甲", None)],
    "members.invite": [
        ("GET", lambda w: "/members/invite", None),
        ("POST", lambda w: "/members/invite", lambda: {"name": "新人", "email": "new@example.cn", "role": "resident"}),
    ],
    "members.remove": [("POST", lambda w: f"/members/{w.a_membership_number}/remove", lambda: {})],
    "members.revoke": [("POST", lambda w: f"/members/invitations/{w.a_invitation_number}/revoke", lambda: {})],
    "audit.index": [("GET", lambda w: "/audit/", None), ("GET", lambda w: "/audit/?action=tenant", None)],
}

# Endpoints whose sample request names one of tenant A's objects by its number.
OBJECT_ENDPOINTS = {"members.remove", "members.revoke"}


def _png():
    import io

    return io.BytesIO(png_bytes())


def request(client, method: str, slug: str, path: str, data):
    url = f"/c/{slug}{path}"
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=data() if data else {}, content_type="multipart/form-data")
    response.get_data()
    response.close()
    return response


def tenant_rules(app):
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/c/<slug>")})


def world_paths(world: World, endpoint: str):
    return [(method, path(world), data) for method, path, data in CASES[endpoint]]
