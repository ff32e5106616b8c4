"""Demo logins for the demo tenants (used by ``make run``)."""

from sqlalchemy import select

from app.accounts import services
from app.accounts.models import ROLE_FINANCE, ROLE_OVERSEER, ROLE_STAFF, User
from app.extensions import db
from app.tenancy.models import KIND_COMMUNITY, KIND_STREET, Tenant
from app.tenancy.scoping import tenant_scope


def finance_login(tenant: Tenant) -> str:
    return f"{tenant.slug}-finance@demo.linli.cn"


def ensure_demo_logins(password: str) -> list[tuple[str, str, str]]:
    """Idempotently make ``<slug>@demo.linli.cn`` staff/overseer users and ``<slug>-finance@…`` bookkeepers.

    Returns (tenant, role, login) rows.
    """
    rows = []
    tenants = db.session.scalars(
        select(Tenant).where(Tenant.kind.in_([KIND_COMMUNITY, KIND_STREET])).order_by(Tenant.kind, Tenant.slug)
    ).all()
    for tenant in tenants:
        wanted = ([(ROLE_STAFF, f"{tenant.slug}@demo.linli.cn", "社工"), (ROLE_FINANCE, finance_login(tenant), "财务")]
                  if tenant.kind == KIND_COMMUNITY else [(ROLE_OVERSEER, f"{tenant.slug}@demo.linli.cn", "督导")])
        for role, email, title in wanted:
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = services.create_user(name=f"{tenant.name}{title}", password=password, email=email)
            with tenant_scope(db.session, tenant.id):
                services.add_membership(tenant, user, role, actor=None)
            rows.append((tenant.name, role, email))
    return rows
