"""Cross-tenant cases contributed by other domains (merged into tests/cases.py CASES)."""

EXTRA_CASES: dict[str, list[tuple]] = {
    # Disclosure (信息公开): public pages, so B's slug shows B's data and A's slug A's public data.
    "public.donations": [("GET", lambda w: "/public/donations", None),
                         ("GET", lambda w: "/public/donations?page=2", None)],
    "public.statement": [("GET", lambda w: "/public/statements/2026-11", None)],
    "public.statement_pdf": [("GET", lambda w: "/public/statements/2026-11.pdf", None)],
    "public.trace": [
        ("GET", lambda w: "/public/trace", None),
        ("POST", lambda w: "/public/trace", lambda: {"code": "abcd-efgh-jk"}),
    ],
    "public.open_data": [("GET", lambda w: "/public/open-data.json", None)],
}
EXTRA_OBJECT_ENDPOINTS: set[str] = set()
