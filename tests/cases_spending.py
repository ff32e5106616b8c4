"""Cross-tenant cases for the spending routes (merged into tests/cases.py CASES)."""

EXTRA_CASES: dict[str, list[tuple]] = {}
EXTRA_OBJECT_ENDPOINTS: set[str] = set()
