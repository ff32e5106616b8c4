"""A community with the two funds of 绿园 新竹社区 (dual track), for ledger and donation tests."""

from dataclasses import dataclass
from datetime import date

from app.extensions import db
from app.funds.models import Fund
from app.funds.tenant_section import apply_funds
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from tests.conftest import Factory, TenantRef, UserRef

TODAY = date(2026, 11, 20)
FUNDS = [
    {"key": "charity", "name": "慈善基金", "purposes": ["扶贫", "济困"], "default": True,
     "accepts_restricted": True, "description": ""},
    {"key": "development", "name": "发展基金", "purposes": ["社区服务"], "default": False,
     "accepts_restricted": False, "description": ""},
]


@dataclass
class FundsWorld:
    tenant: TenantRef
    staff: UserRef
    finance: UserRef


def make_funds_world(app, factory: Factory, name="新竹社区") -> FundsWorld:
    tenant = factory.tenant(name=name)
    staff = factory.user(roles={tenant: "staff"})
    finance = factory.user(roles={tenant: "finance"})
    with app.app_context(), tenant_scope(db.session, tenant.id):
        apply_funds(db.session.get(Tenant, tenant.id), FUNDS, None)
        db.session.commit()
    return FundsWorld(tenant, staff, finance)


def fund(key: str) -> Fund:
    return db.session.scalar(db.select(Fund).where(Fund.key == key))

