"""The ``[[matching]]`` tables of a tenant definition: who matches what the community raises (配捐).

```toml
[[matching]]
key = "county"                    # lowercase letters, digits, '-' or '_'; names the rule in URLs and the ledger
body = "县慈善总会"                # the matching body (县慈善总会, 种子基金 …)
fund = "charity"                  # the fund the matching money goes to (must accept restricted money)
budget_per_year_yuan = 200000     # the body's matching budget per calendar year
rate_percent_min = 10             # a rate chosen per project within a range (阳谷: 10%–50%) …
rate_percent_max = 50
cap_per_project_yuan = 20000      # optional: at most this much for one project
cap_per_donor_per_day_yuan = 999  # optional: only the first ¥999 a donor gives a project per day is matched
eligible_categories = ["医疗健康", "养老助老"]  # optional: need categories of the project's needs ([] = all)
eligible_funds = ["charity"]      # optional: only gifts to these funds are matched ([] = all)
paid = "as_received"              # "as_received" (a grant per gift) or "at_close" (one grant when fundraising closes)

[[matching]]
key = "seed"
body = "种子基金"
fund = "charity"
budget_per_year_yuan = 50000
tiers = [                         # … or tiers by amount raised, marginal like tax brackets:
  { up_to_yuan = 10000, rate_percent = 10 },   # the first ¥10,000 raised is matched at 10%,
  { up_to_yuan = 30000, rate_percent = 20 },   # the next ¥20,000 at 20%,
  { rate_percent = 30 },                       # everything above ¥30,000 at 30% (leave this out: nothing above)
]
# … or a fixed rate: rate_percent = 50
```

Give exactly one of ``rate_percent``, ``rate_percent_min`` + ``rate_percent_max``, or ``tiers``.
Amounts are whole yuan here and integer fen everywhere else. The rules are kept in
``tenant.settings["matching"]`` as written; a file without ``[[matching]]`` leaves the stored
rules alone, and ``matching = []`` removes them (grants already made stay on record).
"""

import re

from sqlalchemy import select

from app.extensions import db
from app.tenancy.definitions import ConfigSection, Report, SyncContext, register_section
from app.tenancy.models import Tenant

SECTION_KEY = "matching"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
RULE_KEYS = ("key", "body", "fund", "budget_per_year_yuan", "rate_percent", "rate_percent_min", "rate_percent_max",
             "tiers", "cap_per_project_yuan", "cap_per_donor_per_day_yuan", "eligible_categories", "eligible_funds",
             "paid")
TIER_KEYS = ("up_to_yuan", "rate_percent")
PAID_AS_RECEIVED = "as_received"
PAID_AT_CLOSE = "at_close"
MAX_YUAN = 100_000_000  # one rule's amounts stay within what a community fund can hold
MAX_RULES = 20
MAX_TIERS = 10
MAX_RATE = 100


def _whole(value, low: int, high: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


def _file_section(report: Report, context: SyncContext, key: str):
    for tenant_file in context.files:
        if str(tenant_file.path) == report.file:
            return tenant_file.raw.get(key)
    return None


def _file_slug(report: Report, context: SyncContext) -> str | None:
    return next((f.slug for f in context.files if str(f.path) == report.file), None)


def _known_funds(report: Report, context: SyncContext) -> dict[str, bool] | None:
    """Fund key → accepts restricted money: from the same file's ``[[funds]]``, else the database."""
    raw = _file_section(report, context, "funds")
    if isinstance(raw, list):
        return {fund["key"]: fund.get("accepts_restricted", True) is not False for fund in raw
                if isinstance(fund, dict) and isinstance(fund.get("key"), str)}
    from app.funds.models import Fund
    from app.tenancy.scoping import tenant_scope

    slug = _file_slug(report, context)
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
    if tenant is None:
        return {}
    with tenant_scope(db.session, tenant.id):
        return {fund.key: fund.accepts_restricted for fund in db.session.scalars(select(Fund))}


def _known_categories(report: Report, context: SyncContext) -> list[str] | None:
    """The need categories after this sync (None when they cannot be told: the [needs] table is broken)."""
    from app.needs.tenant_section import DEFAULT_CATEGORIES

    raw = _file_section(report, context, "needs")
    if raw is None:
        slug = _file_slug(report, context)
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
        stored = ((tenant.settings or {}).get("needs") or {}).get("categories") if tenant is not None else None
        return list(stored or DEFAULT_CATEGORIES)
    if not isinstance(raw, dict):
        return None
    categories = raw.get("categories", DEFAULT_CATEGORIES)
    if not isinstance(categories, list) or not all(isinstance(item, str) for item in categories):
        return None
    return [item.strip() for item in categories]


def validate_matching(raw, report: Report, context: SyncContext) -> list[dict]:
    if not isinstance(raw, list):
        report.error(SECTION_KEY, "must be [[matching]] tables")
        return []
    if len(raw) > MAX_RULES:
        report.error(SECTION_KEY, f"at most {MAX_RULES} rules")
    funds = _known_funds(report, context)
    categories = _known_categories(report, context)
    clean, keys = [], set()
    for index, rule in enumerate(raw):
        where = f"{SECTION_KEY}.{index}"
        if not isinstance(rule, dict):
            report.error(where, "must be a table")
            continue
        clean.append(_validate_rule(rule, where, report, funds, categories, keys))
    return clean


def _validate_rule(rule: dict, where: str, report: Report, funds: dict[str, bool] | None,
                   categories: list[str] | None, keys: set[str]) -> dict:
    for name in rule:
        if name not in RULE_KEYS:
            report.error(f"{where}.{name}", "unknown key")
    key = rule.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        report.error(f"{where}.key", "use lowercase letters, digits, '-' or '_' (start with a letter, at most 40)")
    elif key in keys:
        report.error(f"{where}.key", f"'{key}' is used twice")
    else:
        keys.add(key)
    body = rule.get("body")
    if not isinstance(body, str) or not body.strip() or len(body.strip()) > 100:
        report.error(f"{where}.body", "is required: the matching body's name (at most 100 characters)")
    fund = rule.get("fund")
    if not isinstance(fund, str) or not fund:
        report.error(f"{where}.fund", "is required: the key of the fund the matching money goes to")
    elif funds is not None and fund not in funds:
        report.error(f"{where}.fund", f"'{fund}' is not a fund of this community")
    elif funds is not None and not funds[fund]:
        report.error(f"{where}.fund", f"'{fund}' does not accept restricted money, so it cannot hold a project's "
                                      "matching")
    budget = rule.get("budget_per_year_yuan")
    if not _whole(budget, 1, MAX_YUAN):
        report.error(f"{where}.budget_per_year_yuan", f"is required: a whole number of yuan from 1 to {MAX_YUAN}")
    clean = {"key": key, "body": body.strip() if isinstance(body, str) else "", "fund": fund,
             "budget_per_year_yuan": budget}
    clean.update(_validate_rate(rule, where, report))
    for name in ("cap_per_project_yuan", "cap_per_donor_per_day_yuan"):
        if name in rule:
            if _whole(rule[name], 1, MAX_YUAN):
                clean[name] = rule[name]
            else:
                report.error(f"{where}.{name}", f"must be a whole number of yuan from 1 to {MAX_YUAN}")
    clean["eligible_categories"] = _names(rule, "eligible_categories", where, report, categories,
                                          "is not one of the need categories")
    clean["eligible_funds"] = _names(rule, "eligible_funds", where, report, funds, "is not a fund of this community")
    paid = rule.get("paid", PAID_AS_RECEIVED)
    if paid not in (PAID_AS_RECEIVED, PAID_AT_CLOSE):
        report.error(f"{where}.paid", f"must be one of {PAID_AS_RECEIVED}, {PAID_AT_CLOSE}")
    clean["paid"] = paid
    return clean


def _validate_rate(rule: dict, where: str, report: Report) -> dict:
    given = [name for name in ("rate_percent", "rate_percent_min", "rate_percent_max", "tiers") if name in rule]
    schemes = {"fixed": "rate_percent" in rule, "range": "rate_percent_min" in rule or "rate_percent_max" in rule,
               "tiers": "tiers" in rule}
    if sum(schemes.values()) != 1:
        report.error(where, "give exactly one of rate_percent, rate_percent_min and rate_percent_max, or tiers"
                            + (f" (found {', '.join(given)})" if given else ""))
        return {}
    rate_problem = f"must be a whole number of percent from 1 to {MAX_RATE}"
    if schemes["fixed"]:
        if not _whole(rule["rate_percent"], 1, MAX_RATE):
            report.error(f"{where}.rate_percent", rate_problem)
        return {"rate_percent": rule["rate_percent"]}
    if schemes["range"]:
        low, high = rule.get("rate_percent_min"), rule.get("rate_percent_max")
        for name, value in (("rate_percent_min", low), ("rate_percent_max", high)):
            if name not in rule:
                report.error(f"{where}.{name}", "is required with a range of rates")
            elif not _whole(value, 1, MAX_RATE):
                report.error(f"{where}.{name}", rate_problem)
        if _whole(low, 1, MAX_RATE) and _whole(high, 1, MAX_RATE) and low >= high:
            report.error(f"{where}.rate_percent_max", "must be above rate_percent_min (use rate_percent for one rate)")
        return {"rate_percent_min": low, "rate_percent_max": high}
    return {"tiers": _validate_tiers(rule["tiers"], f"{where}.tiers", report)}


def _validate_tiers(tiers, where: str, report: Report) -> list[dict]:
    if not isinstance(tiers, list) or not tiers or len(tiers) > MAX_TIERS:
        report.error(where, f"must be a list of 1 to {MAX_TIERS} tables {{ up_to_yuan = …, rate_percent = … }}")
        return []
    clean, previous = [], 0
    for index, tier in enumerate(tiers):
        at = f"{where}.{index}"
        if not isinstance(tier, dict):
            report.error(at, "must be a table { up_to_yuan = …, rate_percent = … }")
            continue
        for name in tier:
            if name not in TIER_KEYS:
                report.error(f"{at}.{name}", "unknown key")
        if not _whole(tier.get("rate_percent"), 1, MAX_RATE):
            report.error(f"{at}.rate_percent", f"is required: a whole number of percent from 1 to {MAX_RATE}")
        up_to = tier.get("up_to_yuan")
        if up_to is None:
            if index != len(tiers) - 1:
                report.error(f"{at}.up_to_yuan", "only the last tier may leave it out (it then has no upper end)")
        elif not _whole(up_to, 1, MAX_YUAN):
            report.error(f"{at}.up_to_yuan", f"must be a whole number of yuan from 1 to {MAX_YUAN}")
        elif up_to <= previous:
            report.error(f"{at}.up_to_yuan", "must be above the tier before it")
        else:
            previous = up_to
        clean.append({name: tier[name] for name in TIER_KEYS if name in tier})
    return clean


def _names(rule: dict, name: str, where: str, report: Report, known, unknown_message: str) -> list[str]:
    value = rule.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        report.error(f"{where}.{name}", "must be a list of names ([] for all)")
        return []
    value = [item.strip() for item in value]
    if len(set(value)) != len(value):
        report.error(f"{where}.{name}", "lists a name twice")
    for item in value:
        if known is not None and item not in known:
            report.error(f"{where}.{name}", f"'{item}' {unknown_message}")
    return value


def apply_matching(tenant: Tenant, clean: list[dict], actor) -> list[str]:
    """Keep the rules on the tenant and open each rule's receivable account in its fund."""
    from app.matching.services import receivable_account

    stored = dict(tenant.settings or {})
    changed = stored.get(SECTION_KEY) != clean
    if changed:
        stored[SECTION_KEY] = clean
        tenant.settings = stored
        db.session.flush()
    from app.funds.models import Fund

    for rule in clean:
        fund = db.session.scalar(select(Fund).where(Fund.key == rule["fund"]))
        if fund is not None:
            receivable_account(rule["key"], rule["body"], fund)
    return [SECTION_KEY] if changed else []


def export_matching(tenant: Tenant):
    return (tenant.settings or {}).get(SECTION_KEY)


def stored_rules(tenant: Tenant) -> list[dict]:
    return list((tenant.settings or {}).get(SECTION_KEY) or [])


register_section(ConfigSection(key=SECTION_KEY, validate=validate_matching, apply=apply_matching,
                               export=export_matching, order=30))
