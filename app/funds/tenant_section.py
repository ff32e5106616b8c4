"""The ``purposes`` list and ``[[funds]]`` sections of a tenant definition.

```toml
purposes = ["扶贫", "济困", "扶老", "助残", "社区服务", "环境保护"]

[[funds]]
key = "charity"
name = "慈善基金"
purposes = ["扶贫", "济困", "扶老", "助残"]
default = true
accepts_restricted = true      # may hold money designated to projects (专款专用)
description = "……"
```
"""

import re

from sqlalchemy import select

from app.extensions import db
from app.funds import ledger
from app.funds.models import Fund
from app.tenancy.definitions import ConfigSection, Report, SyncContext, register_section
from app.tenancy.models import Tenant

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
FUND_KEYS = ("key", "name", "purposes", "default", "accepts_restricted", "description")
PURPOSES_KEY = "purposes"
TENANT_PURPOSES_SETTING = "purposes"


def validate_purposes(raw, report: Report, context: SyncContext) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(item, str) and item.strip() for item in raw):
        report.error("purposes", "must be a list of names, e.g. [\"扶贫\", \"济困\"]")
        return []
    clean = [item.strip() for item in raw]
    if len(set(clean)) != len(clean):
        report.error("purposes", "lists a purpose twice")
    return clean


def validate_funds(raw, report: Report, context: SyncContext) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        report.error("funds", "must be one or more [[funds]] tables")
        return []
    purposes = _purposes_in_same_file(report, context)
    clean, keys = [], set()
    for index, fund in enumerate(raw):
        where = f"funds.{index}"
        if not isinstance(fund, dict):
            report.error(where, "must be a table")
            continue
        for key in fund:
            if key not in FUND_KEYS:
                report.error(f"{where}.{key}", "unknown key")
        key = fund.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            report.error(f"{where}.key", "use lowercase letters, digits, '-' or '_' (start with a letter)")
        elif key in keys:
            report.error(f"{where}.key", f"'{key}' is used twice")
        keys.add(key)
        name = fund.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            report.error(f"{where}.name", "is required (at most 100 characters)")
        fund_purposes = fund.get("purposes", [])
        if not isinstance(fund_purposes, list) or not all(isinstance(item, str) for item in fund_purposes):
            report.error(f"{where}.purposes", "must be a list of names")
            fund_purposes = []
        for purpose in fund_purposes:
            if purposes is not None and purpose not in purposes:
                report.error(f"{where}.purposes", f"'{purpose}' is not in the tenant's purposes list")
        for flag in ("default", "accepts_restricted"):
            if flag in fund and not isinstance(fund[flag], bool):
                report.error(f"{where}.{flag}", "must be true or false")
        description = fund.get("description", "")
        if not isinstance(description, str):
            report.error(f"{where}.description", "must be text")
            description = ""
        clean.append({"key": key, "name": (name or "").strip() if isinstance(name, str) else "",
                      "purposes": list(fund_purposes), "default": fund.get("default") is True,
                      "accepts_restricted": fund.get("accepts_restricted", True) is not False,
                      "description": description.strip()})
    if sum(1 for fund in clean if fund["default"]) > 1:
        report.error("funds", "only one fund can be the default")
    for index, fund in enumerate(clean):
        held = _restricted_money_held(report, context, fund["key"]) if not fund["accepts_restricted"] else 0
        if held:
            report.error(f"funds.{index}.accepts_restricted",
                         f"the fund holds {held / 100:,.2f} yuan of restricted money; it must keep accepting it")
    return clean


def _restricted_money_held(report: Report, context: SyncContext, fund_key) -> int:
    """Restricted money the existing fund holds (0 for a new tenant or fund)."""
    from app.funds.models import CATEGORY_RESTRICTED, LedgerAccount
    from app.tenancy.scoping import tenant_scope

    slug = next((f.slug for f in context.files if str(f.path) == report.file), None)
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
    if tenant is None or not isinstance(fund_key, str):
        return 0
    with tenant_scope(db.session, tenant.id):
        balance = db.session.scalar(select(LedgerAccount.balance_fen).where(
            LedgerAccount.code == ledger.account_code(CATEGORY_RESTRICTED, fund_key)))
    return int(balance or 0)


def _purposes_in_same_file(report: Report, context: SyncContext) -> list[str] | None:
    for tenant_file in context.files:
        if str(tenant_file.path) == report.file:
            raw = tenant_file.raw.get(PURPOSES_KEY)
            return [item.strip() for item in raw if isinstance(item, str)] if isinstance(raw, list) else None
    return None


def apply_purposes(tenant: Tenant, clean: list[str], actor) -> list[str]:
    settings = dict(tenant.settings or {})
    if settings.get(TENANT_PURPOSES_SETTING) == clean:
        return []
    settings[TENANT_PURPOSES_SETTING] = clean
    tenant.settings = settings
    return ["purposes"]


def apply_funds(tenant: Tenant, clean: list[dict], actor) -> list[str]:
    """Create or update the funds named in the file (funds are never deleted by a sync)."""
    changes = []
    existing = {fund.key: fund for fund in db.session.scalars(select(Fund))}
    for position, values in enumerate(clean):
        fund = existing.get(values["key"])
        if fund is None:
            fund = Fund(tenant_id=tenant.id, key=values["key"])
            db.session.add(fund)
            changes.append(f"funds.{values['key']} created")
        before = (fund.name, fund.purposes, fund.is_default, fund.accepts_restricted, fund.description, fund.position)
        fund.name, fund.purposes, fund.is_default = values["name"], values["purposes"], values["default"]
        fund.accepts_restricted, fund.description, fund.position = (values["accepts_restricted"],
                                                                    values["description"], position)
        db.session.flush()
        ledger.ensure_fund_accounts(fund)
        after = (fund.name, fund.purposes, fund.is_default, fund.accepts_restricted, fund.description, fund.position)
        if before != after and f"funds.{values['key']} created" not in changes:
            changes.append(f"funds.{values['key']}")
    return changes


def export_purposes(tenant: Tenant):
    return (tenant.settings or {}).get(TENANT_PURPOSES_SETTING)


def export_funds(tenant: Tenant) -> list[dict]:
    return [{"key": fund.key, "name": fund.name, "purposes": list(fund.purposes), "default": fund.is_default,
             "accepts_restricted": fund.accepts_restricted, "description": fund.description}
            for fund in db.session.scalars(select(Fund).where(Fund.tenant_id == tenant.id)
                                           .order_by(Fund.position, Fund.id))]


register_section(ConfigSection(key=PURPOSES_KEY, validate=validate_purposes, apply=apply_purposes,
                               export=export_purposes, order=10))
register_section(ConfigSection(key="funds", validate=validate_funds, apply=apply_funds, export=export_funds,
                               order=11))
