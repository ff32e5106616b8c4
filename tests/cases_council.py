"""Cross-tenant cases for the council routes (merged into tests/cases.py CASES).

A's project in review has an open review whose roster is A's one council member; the
approved project's review is closed. Neither project number exists in B.
"""

EXTRA_CASES: dict[str, list[tuple]] = {
    "council.index": [("GET", lambda w: "/council/", None), ("GET", lambda w: "/council/?page=2", None)],
    "council.review": [("GET", lambda w: f"/council/reviews/{w.a_review_project_number}", None),
                       ("GET", lambda w: f"/council/reviews/{w.a_approved_project_number}", None)],
    "council.vote": [
        ("POST", lambda w: f"/council/reviews/{w.a_review_project_number}/vote",
         lambda: {"choice": "approve", "comment": "同意"}),
        ("POST", lambda w: f"/council/reviews/{w.a_approved_project_number}/vote",
         lambda: {"choice": "reject", "comment": "改主意了"}),
    ],
    "council.close": [("POST", lambda w: f"/council/reviews/{w.a_review_project_number}/close", lambda: {}),
                      ("POST", lambda w: f"/council/reviews/{w.a_approved_project_number}/close", lambda: {})],
    "council.meeting": [("GET", lambda w: "/council/meeting", None)],
    "council.meeting_pdf": [("GET", lambda w: "/council/meeting.pdf", None)],
}
EXTRA_OBJECT_ENDPOINTS: set[str] = {"council.review", "council.vote", "council.close"}
