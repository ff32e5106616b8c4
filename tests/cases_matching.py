"""Cross-tenant cases for the matching routes (merged into tests/cases.py CASES)."""

PAID = {"settled_on": "2026-11-21", "note": "县慈善总会转账"}

EXTRA_CASES: dict[str, list[tuple]] = {
    "matching.index": [("GET", lambda w: "/matching/", None),
                       ("GET", lambda w: f"/matching/?rule={w.extra['a_matching_rule_key']}&page=2", None)],
    "matching.settle_rule": [("POST", lambda w: f"/matching/rules/{w.extra['a_matching_rule_key']}/settle",
                              lambda: dict(PAID))],
    "matching.settle_grant": [("POST", lambda w: f"/matching/grants/{w.extra['a_matching_grant_number']}/settle",
                               lambda: dict(PAID))],
    "matching.project": [("GET", lambda w: f"/matching/projects/{w.extra['a_matching_project_number']}", None)],
    "matching.choose_rate": [("POST", lambda w: f"/matching/projects/{w.extra['a_matching_project_number']}/rate",
                              lambda: {"rule": "seed", "rate_percent": "30"})],
}
EXTRA_OBJECT_ENDPOINTS: set[str] = {"matching.settle_rule", "matching.settle_grant", "matching.project",
                                    "matching.choose_rate"}
