"""Cross-tenant cases for the matching routes (merged into tests/cases.py CASES)."""

EXTRA_CASES: dict[str, list[tuple]] = {}
EXTRA_OBJECT_ENDPOINTS: set[str] = set()
