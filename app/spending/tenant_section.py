"""The ``[approval]`` section: who approves a spending request (支出审批), by amount.

```toml
[approval]
staff_limit_yuan = 5000        # up to this amount, staff approve alone
finance_limit_yuan = 20000     # optional: above the staff limit and up to this, finance approves alone
                               #   (leave out: no such band); above both, finance checks and the council votes
line_tolerance_percent = 10    # a budget line may be overspent by this share of its budget
vote_days = 7                  # how long the council's vote stays open before staff may close it
```

Nobody approves, checks or votes on their own request. The council's vote follows the
``[council]`` quorum and majority. With the defaults (staff limit ¥5,000, no finance band,
tolerance 0) requests up to ¥5,000 need one member of staff, larger ones finance and a council vote.
"""

from app.tenancy.definitions import (
    Setting,
    register_section,
    settings_section,
    tenant_settings,
    whole_number,
)

MAX_LIMIT_YUAN = 100_000_000
APPROVAL_SETTINGS = {
    "staff_limit_yuan": Setting(5000, whole_number(0, MAX_LIMIT_YUAN)),
    "finance_limit_yuan": Setting(0, whole_number(0, MAX_LIMIT_YUAN)),
    "line_tolerance_percent": Setting(0, whole_number(0, 100)),
    "vote_days": Setting(7, whole_number(1, 90)),
}


def approval_rules(tenant) -> dict:
    """The tenant's rules; a finance limit at or below the staff limit means no band for finance alone."""
    rules = tenant_settings(tenant, "approval", APPROVAL_SETTINGS)
    return {**rules, "finance_limit_yuan": max(rules["finance_limit_yuan"], rules["staff_limit_yuan"])}


register_section(settings_section("approval", APPROVAL_SETTINGS, order=23))
