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
    "funds.index": [("GET", lambda w: "/funds/", None)],
    "funds.donations": [("GET", lambda w: "/funds/donations/", None), ("GET", lambda w: "/funds/donations/?q=甲", None)],
    "funds.new_donation": [
        ("GET", lambda w: "/funds/donations/new", None),
        ("GET", lambda w: f"/funds/donations/new?donor={w.a_donor_number}", None),
        ("POST", lambda w: "/funds/donations/new", lambda: {
            "donor_type": "resident", "donor_name": "新捐赠人", "channel": "cash", "amount": "12.50",
            "fund": "charity", "received_on": "2026-11-01"}),
        ("POST", lambda w: f"/funds/donations/new?donor={w.a_donor_number}", lambda: {
            "donor_type": "resident", "donor_name": "新", "channel": "cash", "amount": "1", "fund": "charity",
            "received_on": "2026-11-01"}),
    ],
    "funds.check_donation_field": [("POST", lambda w: "/funds/donations/check/amount", lambda: {"amount": "1.234"})],
    "funds.donation": [("GET", lambda w: f"/funds/donations/{w.a_donation_number}", None)],
    "funds.receipt": [("GET", lambda w: f"/funds/donations/{w.a_donation_number}/receipt.pdf", None)],
    "funds.reverse": [("POST", lambda w: f"/funds/donations/{w.a_donation_number}/reverse", lambda: {"reason": "录错"})],
    "funds.donors": [("GET", lambda w: "/funds/donors/", None), ("GET", lambda w: "/funds/donors/?q=甲", None)],
    "funds.suggest_donors": [("GET", lambda w: "/funds/donors/suggest?q=甲", None)],
    "funds.donor": [("GET", lambda w: f"/funds/donors/{w.a_donor_number}", None)],
    "funds.donor_statement": [("GET", lambda w: f"/funds/donors/{w.a_donor_number}/statement-2026.pdf", None)],
    "funds.exports": [("GET", lambda w: "/funds/exports", None),
                      ("GET", lambda w: "/funds/exports?date_from=2026-01-01&date_to=2026-12-31", None)],
    "funds.export_file": [("GET", lambda w, kind=kind, fmt=fmt: f"/funds/exports/{kind}.{fmt}?date_from=2026-01-01&date_to=2026-12-31", None)
                          for kind in ("journal", "donations") for fmt in ("csv", "xlsx")],
    "funds.new_fund": [("GET", lambda w: "/funds/new", None),
                       ("POST", lambda w: "/funds/new", lambda: {"key": "newfund", "name": "新基金"})],
    "funds.edit_fund": [("GET", lambda w: "/funds/charity/edit", None),
                        ("POST", lambda w: "/funds/charity/edit", lambda: {"key": "charity", "name": "被改名的基金"})],
    "funds.import_file": [("GET", lambda w: "/funds/import", None),
                          ("POST", lambda w: "/funds/import", lambda: {"file": (_csv(), "import.csv")})],
    "funds.transfer": [
        ("GET", lambda w: "/funds/transfer", None),
        ("POST", lambda w: "/funds/transfer", lambda: {"source": "charity", "target": "development", "amount": "1.00",
                                                        "reason": "调拨", "occurred_on": "2026-11-01"}),
    ],
}

# Endpoints whose sample request names one of tenant A's objects by its number.
OBJECT_ENDPOINTS = {"members.remove", "members.revoke", "funds.donation", "funds.receipt", "funds.reverse",
                    "funds.donor", "funds.donor_statement"}


def _png():
    import io

    return io.BytesIO(png_bytes())


def _csv():
    import io

    return io.BytesIO("date,donor_name,donor_type,amount,channel,reference,fund,anonymous,note\n"
                      "2026-11-01,跨租户导入,resident,10.00,cash,,charity,no,\n".encode())


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


DOMAIN_CASE_MODULES = ("tests.cases_extra", "tests.cases_needs", "tests.cases_projects", "tests.cases_council",
                       "tests.cases_matching", "tests.cases_spending", "tests.cases_closeout")


def _merge_domain_cases() -> None:
    """Each domain keeps its cases in its own module: ``EXTRA_CASES`` and ``EXTRA_OBJECT_ENDPOINTS``."""
    import importlib

    for name in DOMAIN_CASE_MODULES:
        module = importlib.import_module(name)
        CASES.update(module.EXTRA_CASES)
        OBJECT_ENDPOINTS.update(module.EXTRA_OBJECT_ENDPOINTS)


_merge_domain_cases()
