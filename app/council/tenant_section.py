"""The ``[council]`` section: who decides and how (规范化评审).

```toml
[council]
members = 7           # seats on the council
quorum = 5            # votes (abstentions count) needed for a decision
majority = "simple"   # "simple": more than half of the votes approve; "two_thirds": at least 2/3 approve
review_days = 7       # how long a review stays open before staff may close it
```
"""

from app.tenancy.definitions import (
    Setting,
    one_of,
    register_section,
    settings_section,
    tenant_settings,
    whole_number,
)

MAJORITY_SIMPLE = "simple"
MAJORITY_TWO_THIRDS = "two_thirds"
COUNCIL_SETTINGS = {
    "members": Setting(7, whole_number(1, 99)),
    "quorum": Setting(5, whole_number(1, 99)),
    "majority": Setting(MAJORITY_SIMPLE, one_of(MAJORITY_SIMPLE, MAJORITY_TWO_THIRDS)),
    "review_days": Setting(7, whole_number(1, 90)),
}


def _quorum_within_seats(clean: dict) -> list[tuple[str, str]]:
    """``clean`` holds only values that passed their own check (a bad one is reported already)."""
    if "quorum" in clean and "members" in clean and clean["quorum"] > clean["members"]:
        return [("quorum", f"cannot be more than the {clean['members']} members")]
    return []


def council_rules(tenant) -> dict:
    return tenant_settings(tenant, "council", COUNCIL_SETTINGS)


register_section(settings_section("council", COUNCIL_SETTINGS, order=21, cross_check=_quorum_within_seats))
