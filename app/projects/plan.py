"""The project plan (项目计划书) as one JSON document: its shape, totals, validation and diff.

```
{"background": "...",
 "targets":    [{"name", "unit", "baseline", "target"}],          numbers as decimal text
 "budget":     [{"key", "item", "quantity", "unit", "unit_price_fen", "fund"}],
 "activities": [{"name", "starts_on", "ends_on", "owner"}],       ISO dates
 "team":       [{"name", "role", "phone"}],
 "funding":    {"allocations": [{"fund", "amount_fen"}], "crowdfunding_goal_fen", "expected_matching_fen"},
 "risks":      [{"risk", "mitigation"}]}
```

A budget line keeps its ``key`` across versions so spending can be matched to it later.
Line totals are ``quantity × unit price`` rounded half up to the fen, computed here only.
"""

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from app.core.money import format_yuan

ROW_SECTIONS: dict[str, tuple[str, ...]] = {
    "targets": ("name", "unit", "baseline", "target"),
    "budget": ("key", "item", "quantity", "unit", "unit_price_fen", "fund"),
    "activities": ("name", "starts_on", "ends_on", "owner"),
    "team": ("name", "role", "phone"),
    "risks": ("risk", "mitigation"),
}
SECTIONS = ("background", "targets", "budget", "activities", "team", "funding", "risks")
SECTION_LABELS = {
    "background": _l("Background and linked needs"),
    "targets": _l("Measurable targets"),
    "budget": _l("Budget"),
    "activities": _l("Execution plan"),
    "team": _l("Team and undertaking organisation"),
    "funding": _l("Funding plan"),
    "risks": _l("Risks"),
    "summary": _l("Summary"),
    "organisation": _l("Undertaking organisation"),
    "needs": _l("Linked needs"),
}
FIELD_LABELS = {
    "name": _l("Name"), "unit": _l("Unit"), "baseline": _l("Baseline"), "target": _l("Target"),
    "item": _l("Expense item"), "quantity": _l("Quantity"), "unit_price_fen": _l("Unit price"), "fund": _l("Fund"),
    "starts_on": _l("Start"), "ends_on": _l("End"), "owner": _l("Owner"), "role": _l("Duty in the project"),
    "phone": _l("Phone"), "risk": _l("Risk"), "mitigation": _l("Mitigation"),
    "background": _l("Background"), "crowdfunding_goal_fen": _l("Crowdfunding goal"),
    "expected_matching_fen": _l("Expected matching"), "amount_fen": _l("Amount"), "key": _l("Line"),
}
MAX_ROWS = 200
QUANTITY_LIMIT = Decimal("1000000000")


def new_line_key() -> str:
    return secrets.token_hex(4)


def empty_plan() -> dict:
    return {"background": "", "targets": [], "budget": [], "activities": [], "team": [],
            "funding": {"allocations": [], "crowdfunding_goal_fen": 0, "expected_matching_fen": 0}, "risks": []}


def normalised(plan: dict | None) -> dict:
    """``plan`` with every section present (older or partial documents read safely)."""
    result = empty_plan()
    for key, value in (plan or {}).items():
        if key in result:
            result[key] = value
    funding = {**empty_plan()["funding"], **(result["funding"] or {})}
    result["funding"] = funding
    return result


def decimal_or_none(text) -> Decimal | None:
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def line_total_fen(quantity, unit_price_fen) -> int:
    amount = decimal_or_none(quantity)
    if amount is None or not isinstance(unit_price_fen, int):
        return 0
    return int((amount * unit_price_fen).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def budget_total_fen(plan: dict) -> int:
    return sum(line_total_fen(line.get("quantity"), line.get("unit_price_fen")) for line in normalised(plan)["budget"])


def budget_by_fund(plan: dict) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in normalised(plan)["budget"]:
        totals[line.get("fund") or ""] = totals.get(line.get("fund") or "", 0) + line_total_fen(
            line.get("quantity"), line.get("unit_price_fen"))
    return totals


def funding_total_fen(plan: dict) -> int:
    funding = normalised(plan)["funding"]
    allocated = sum(int(item.get("amount_fen") or 0) for item in funding["allocations"])
    return allocated + int(funding["crowdfunding_goal_fen"] or 0) + int(funding["expected_matching_fen"] or 0)


def parse_date(text) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except (TypeError, ValueError):
        return None


def validate(plan: dict, fund_names: dict[str, str]) -> list[str]:
    """Every problem that keeps the plan from going to the council, in the user's language."""
    plan = normalised(plan)
    problems: list[str] = []
    if not str(plan["background"]).strip():
        problems.append(_l("Background: describe why the project is needed."))
    if not plan["targets"]:
        problems.append(_l("Targets: add at least one measurable target."))
    for number, target in enumerate(plan["targets"], 1):
        if not str(target.get("name", "")).strip():
            problems.append(_l("Targets, row %(row)s: the name is missing.", row=number))
        if decimal_or_none(target.get("target")) is None:
            problems.append(_l("Targets, row %(row)s: the target must be a number.", row=number))
        if str(target.get("baseline", "")).strip() and decimal_or_none(target.get("baseline")) is None:
            problems.append(_l("Targets, row %(row)s: the baseline must be a number.", row=number))
    if not plan["budget"]:
        problems.append(_l("Budget: add at least one budget line."))
    for number, line in enumerate(plan["budget"], 1):
        if not str(line.get("item", "")).strip():
            problems.append(_l("Budget, line %(row)s: the item is missing.", row=number))
        quantity = decimal_or_none(line.get("quantity"))
        if quantity is None or quantity <= 0:
            problems.append(_l("Budget, line %(row)s: the quantity must be greater than zero.", row=number))
        price = line.get("unit_price_fen")
        if not isinstance(price, int) or price <= 0:
            problems.append(_l("Budget, line %(row)s: the unit price must be greater than zero.", row=number))
        if line.get("fund") not in fund_names:
            problems.append(_l("Budget, line %(row)s: choose the fund that pays for it.", row=number))
    if not plan["activities"]:
        problems.append(_l("Execution plan: add at least one activity with dates."))
    for number, activity in enumerate(plan["activities"], 1):
        starts, ends = parse_date(activity.get("starts_on")), parse_date(activity.get("ends_on"))
        if not str(activity.get("name", "")).strip():
            problems.append(_l("Execution plan, row %(row)s: the activity is missing.", row=number))
        if starts is None or ends is None:
            problems.append(_l("Execution plan, row %(row)s: enter a start and an end date.", row=number))
        elif ends < starts:
            problems.append(_l("Execution plan, row %(row)s: the end date is before the start date.", row=number))
    if not plan["team"]:
        problems.append(_l("Team: name at least the person responsible."))
    for number, member in enumerate(plan["team"], 1):
        if not str(member.get("name", "")).strip():
            problems.append(_l("Team, row %(row)s: the name is missing.", row=number))
    for allocation in plan["funding"]["allocations"]:
        if allocation.get("fund") not in fund_names:
            problems.append(_l("Funding plan: an allocation names a fund that does not exist."))
    budget, funding = budget_total_fen(plan), funding_total_fen(plan)
    if budget != funding:
        problems.append(_l("Funding plan: fund allocations, crowdfunding goal and expected matching add up to "
                           "%(funding)s but the budget is %(budget)s.",
                           funding=format_yuan(funding), budget=format_yuan(budget)))
    return problems


@dataclass
class Change:
    section: str
    kind: str  # added | removed | changed
    label: str
    before: dict | str | None
    after: dict | str | None


def _row_label(section: str, row: dict) -> str:
    first = ROW_SECTIONS[section][1] if section == "budget" else ROW_SECTIONS[section][0]
    return str(row.get(first, ""))


def _row_identity(section: str, row: dict, index: int):
    return row.get("key") if section == "budget" and row.get("key") else (index if section != "targets" else
                                                                           row.get("name") or index)


def _snapshot_changes(old: dict, new: dict) -> list[Change]:
    """What a frozen version holds besides the sections: summary, organisation, linked needs (by number)."""
    changes = [Change(key, "changed", "", old.get(key), new.get(key))
               for key in ("summary", "organisation") if old.get(key) != new.get(key)]
    before = {need.get("number"): need for need in old.get("needs") or []}
    after = {need.get("number"): need for need in new.get("needs") or []}
    changes += [Change("needs", "added", f"#{number}", None, need)
                for number, need in after.items() if number not in before]
    changes += [Change("needs", "removed", f"#{number}", need, None)
                for number, need in before.items() if number not in after]
    return changes


def diff(old: dict, new: dict) -> list[Change]:
    """What changed between two plans, section by section (rows matched by key, name or position)."""
    changes = _snapshot_changes(old or {}, new or {})
    old, new = normalised(old), normalised(new)
    if old["background"] != new["background"]:
        changes.append(Change("background", "changed", "", old["background"], new["background"]))
    for section in ROW_SECTIONS:
        before = {_row_identity(section, row, index): row for index, row in enumerate(old[section])}
        after = {_row_identity(section, row, index): row for index, row in enumerate(new[section])}
        for identity, row in after.items():
            if identity not in before:
                changes.append(Change(section, "added", _row_label(section, row), None, row))
            elif before[identity] != row:
                changes.append(Change(section, "changed", _row_label(section, row), before[identity], row))
        for identity, row in before.items():
            if identity not in after:
                changes.append(Change(section, "removed", _row_label(section, row), row, None))
    if old["funding"] != new["funding"]:
        changes.append(Change("funding", "changed", "", old["funding"], new["funding"]))
    return changes
