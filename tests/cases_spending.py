"""Cross-tenant cases for the spending routes (merged into tests/cases.py CASES)."""

import io

from tests.spending_world import invoice_png


def _project(w) -> int:
    return w.extra["a_spending_project_number"]


def _request(w) -> int:
    return w.extra["a_spending_request_number"]


NEW_REQUEST = {"line": "road0001", "amount": "100", "payee": "被篡改", "category": "扶贫", "purpose": "被篡改"}

EXTRA_CASES: dict[str, list[tuple]] = {
    "spending.index": [("GET", lambda w: "/spending/", None), ("GET", lambda w: "/spending/?status=paid&q=甲", None)],
    "spending.project": [("GET", lambda w: f"/spending/projects/{_project(w)}", None)],
    "spending.new_request": [("POST", lambda w: f"/spending/projects/{_project(w)}/new", lambda: dict(NEW_REQUEST))],
    "spending.request_page": [("GET", lambda w: f"/spending/{_request(w)}", None)],
    "spending.approve": [("POST", lambda w: f"/spending/{_request(w)}/approve", lambda: {})],
    "spending.check": [("POST", lambda w: f"/spending/{_request(w)}/check", lambda: {})],
    "spending.reject": [("POST", lambda w: f"/spending/{_request(w)}/reject", lambda: {"note": "被篡改"})],
    "spending.withdraw": [("POST", lambda w: f"/spending/{_request(w)}/withdraw", lambda: {"note": "被篡改"})],
    "spending.pay": [("POST", lambda w: f"/spending/{_request(w)}/pay", lambda: {"paid_on": "2026-10-20"})],
    "spending.reverse": [("POST", lambda w: f"/spending/{_request(w)}/reverse", lambda: {"note": "被篡改"})],
    "spending.vote": [("POST", lambda w: f"/spending/{_request(w)}/vote", lambda: {"choice": "approve"})],
    "spending.close_vote": [("POST", lambda w: f"/spending/{_request(w)}/close-vote", lambda: {})],
    "spending.add_files": [("POST", lambda w: f"/spending/{_request(w)}/files",
                            lambda: {"files": (io.BytesIO(invoice_png()), "被篡改.png")})],
    "spending.attachment": [("GET", lambda w: f"/spending/{_request(w)}/files/{w.extra['a_spending_attachment_id']}",
                             None)],
}
EXTRA_OBJECT_ENDPOINTS: set[str] = set(EXTRA_CASES) - {"spending.index"}
