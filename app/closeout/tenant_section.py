"""The ``[closeout]`` section: where leftover restricted money goes, and how a project is evaluated (结项).

```toml
[closeout]
leftover = "fund"     # restricted money a project still holds when it closes or is cancelled:
                      #   "fund": back to the general money of the fund it sits in;
                      #   "project": to another project staff choose (its donors get a public notice)
criteria = [          # the evaluation (社会化评估): each scored 0–100; weights add up to 100
  { key = "residents", name = "居民满意度测评", weight = 60 },
  { key = "staff", name = "社区评分", weight = 20 },
  { key = "council", name = "议事会评分", weight = 20 },
]
```

Without the section a community returns leftovers to the fund and uses the three criteria
above (residents' survey 60, staff 20, council 20). A close-out keeps a copy of the criteria
it was scored by, so changing them later never rewrites a closed project's evaluation.
"""

import re

from flask_babel import lazy_gettext as _l

from app.tenancy.definitions import ConfigSection, Report, SyncContext, register_section
from app.tenancy.models import Tenant

SECTION_KEY = "closeout"
LEFTOVER_FUND = "fund"
LEFTOVER_PROJECT = "project"
LEFTOVER_RULES = (LEFTOVER_FUND, LEFTOVER_PROJECT)
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,29}$")
SECTION_KEYS = ("leftover", "criteria")
CRITERION_KEYS = ("key", "name", "weight")
MAX_CRITERIA = 10
MAX_NAME = 50
TOTAL_WEIGHT = 100

DEFAULT_CRITERIA = (
    {"key": "residents", "name": _l("Residents' satisfaction survey"), "weight": 60},
    {"key": "staff", "name": _l("Staff score"), "weight": 20},
    {"key": "council", "name": _l("Council score"), "weight": 20},
)


def _whole(value, low: int, high: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


def validate_closeout(raw, report: Report, context: SyncContext) -> dict:
    if not isinstance(raw, dict):
        report.error(SECTION_KEY, "must be a table")
        return {}
    for name in raw:
        if name not in SECTION_KEYS:
            report.error(f"{SECTION_KEY}.{name}", "unknown key")
    clean = {}
    leftover = raw.get("leftover", LEFTOVER_FUND)
    if leftover not in LEFTOVER_RULES:
        report.error(f"{SECTION_KEY}.leftover", f"must be one of {', '.join(LEFTOVER_RULES)}")
    clean["leftover"] = leftover
    if "criteria" in raw:
        clean["criteria"] = _validate_criteria(raw["criteria"], f"{SECTION_KEY}.criteria", report)
    return clean


def _validate_criteria(criteria, where: str, report: Report) -> list[dict]:
    if not isinstance(criteria, list) or not criteria or len(criteria) > MAX_CRITERIA:
        report.error(where, f"must be a list of 1 to {MAX_CRITERIA} tables {{ key = …, name = …, weight = … }}")
        return []
    clean, keys, names = [], set(), set()
    for index, criterion in enumerate(criteria):
        at = f"{where}.{index}"
        if not isinstance(criterion, dict):
            report.error(at, "must be a table { key = …, name = …, weight = … }")
            continue
        for name in criterion:
            if name not in CRITERION_KEYS:
                report.error(f"{at}.{name}", "unknown key")
        key, name, weight = criterion.get("key"), criterion.get("name"), criterion.get("weight")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            report.error(f"{at}.key", "use lowercase letters, digits, '-' or '_' (start with a letter, at most 30)")
        elif key in keys:
            report.error(f"{at}.key", f"'{key}' is used twice")
        keys.add(key)
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            report.error(f"{at}.name", f"is required: what is scored (at most {MAX_NAME} characters)")
        elif name.strip() in names:
            report.error(f"{at}.name", f"'{name.strip()}' is used twice")
        else:
            names.add(name.strip())
        if not _whole(weight, 1, TOTAL_WEIGHT):
            report.error(f"{at}.weight", f"is required: a whole number from 1 to {TOTAL_WEIGHT}")
        clean.append({"key": key, "name": name.strip() if isinstance(name, str) else "", "weight": weight})
    weights = [item["weight"] for item in clean]
    if all(_whole(weight, 1, TOTAL_WEIGHT) for weight in weights) and sum(weights) != TOTAL_WEIGHT:
        report.error(where, f"the weights add up to {sum(weights)}; they must add up to {TOTAL_WEIGHT}")
    return clean


def apply_closeout(tenant: Tenant, clean: dict, actor) -> list[str]:
    stored = dict(tenant.settings or {})
    if stored.get(SECTION_KEY) == clean:
        return []
    stored[SECTION_KEY] = clean
    tenant.settings = stored
    return [SECTION_KEY]


def export_closeout(tenant: Tenant):
    return (tenant.settings or {}).get(SECTION_KEY)


def leftover_rule(tenant: Tenant) -> str:
    rule = ((tenant.settings or {}).get(SECTION_KEY) or {}).get("leftover")
    return rule if rule in LEFTOVER_RULES else LEFTOVER_FUND


def criteria(tenant: Tenant) -> list[dict]:
    """The tenant's evaluation criteria (the defaults' names stay translatable until stored)."""
    stored = ((tenant.settings or {}).get(SECTION_KEY) or {}).get("criteria")
    return [dict(item) for item in stored or DEFAULT_CRITERIA]


register_section(ConfigSection(key=SECTION_KEY, validate=validate_closeout, apply=apply_closeout,
                               export=export_closeout, order=24))
