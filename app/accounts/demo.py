"""Demo logins for the demo tenants (used by ``make run``)."""

from sqlalchemy import select

from app.accounts import services
from app.accounts.models import ROLE_OVERSEER, ROLE_STAFF, User
from app.extensions import db
from app.tenancy.models import KIND_COMMUNITY, KIND_STREET, Tenant
from app.tenancy.scoping import tenant_scope


def ensure_demo_logins(password: str) -> list[tuple[str, str, str]]:
    """Idempotently make ``<slug>@demo.linli.cn`` staff/overseer users; returns (tenant, role, login)."""
    rows = []
    tenants = db.session.scalars(
        select(Tenant).where(Tenant.kind.in_([KIND_COMMUNITY, KIND_STREET])).order_by(Tenant.kind, Tenant.slug)
    ).all()
    for tenant in tenants:
        role = ROLE_STAFF if tenant.kind == KIND_COMMUNITY else ROLE_OVERSEER
        email = f"{tenant.slug}@demo.linli.cn"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            name = f"{tenant.name}{'社工' if role == ROLE_STAFF else '督导'}"
            user = services.create_user(name=name, password=password, email=email)
        with tenant_scope(db.session, tenant.id):
            services.add_membership(tenant, user, role, actor=None)
        rows.append((tenant.name, role, email))
    return rows
