"""What each role may do in a tenant. One table, checked by ``require`` in the views."""

from app.accounts.models import (
    ROLE_COUNCIL,
    ROLE_FINANCE,
    ROLE_OVERSEER,
    ROLE_PARTNER,
    ROLE_RESIDENT,
    ROLE_STAFF,
)

PERMISSIONS: dict[str, frozenset[str]] = {
    "home.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_COUNCIL, ROLE_PARTNER, ROLE_RESIDENT, ROLE_OVERSEER}),
    "dashboard.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_COUNCIL, ROLE_OVERSEER}),
    "profile.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_COUNCIL, ROLE_OVERSEER}),
    "profile.edit": frozenset({ROLE_STAFF}),
    "members.view": frozenset({ROLE_STAFF, ROLE_OVERSEER}),
    "members.manage": frozenset({ROLE_STAFF}),
    "audit.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_OVERSEER}),
    "subtree.view": frozenset({ROLE_OVERSEER}),
    "funds.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_COUNCIL, ROLE_OVERSEER}),
    "funds.record": frozenset({ROLE_STAFF, ROLE_FINANCE}),
    "funds.transfer": frozenset({ROLE_STAFF, ROLE_FINANCE}),
    "funds.reverse": frozenset({ROLE_FINANCE}),
    "funds.manage": frozenset({ROLE_STAFF}),
    "funds.export": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_OVERSEER}),
    "needs.view": frozenset({ROLE_STAFF, ROLE_COUNCIL, ROLE_OVERSEER}),
    "needs.enter": frozenset({ROLE_STAFF}),
    "needs.triage": frozenset({ROLE_STAFF}),
    "projects.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_COUNCIL, ROLE_OVERSEER}),
    "projects.edit": frozenset({ROLE_STAFF}),
    "projects.submit": frozenset({ROLE_STAFF}),
    "projects.review": frozenset({ROLE_STAFF}),
    "projects.decide": frozenset({ROLE_STAFF, ROLE_COUNCIL}),
    "projects.start": frozenset({ROLE_STAFF}),
    "projects.cancel": frozenset({ROLE_STAFF}),
    "projects.close": frozenset({ROLE_STAFF}),
    "closeout.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_COUNCIL, ROLE_OVERSEER}),
    "closeout.edit": frozenset({ROLE_STAFF}),
    "objections.answer": frozenset({ROLE_STAFF}),
    "council.view": frozenset({ROLE_STAFF, ROLE_COUNCIL, ROLE_OVERSEER}),
    "council.vote": frozenset({ROLE_COUNCIL}),
    "council.manage": frozenset({ROLE_STAFF}),
    "matching.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_OVERSEER}),
    "spending.view": frozenset({ROLE_STAFF, ROLE_FINANCE, ROLE_COUNCIL, ROLE_OVERSEER}),
    "spending.request": frozenset({ROLE_STAFF}),
    "spending.approve": frozenset({ROLE_STAFF, ROLE_FINANCE}),
    "spending.check": frozenset({ROLE_FINANCE}),
    "spending.attach": frozenset({ROLE_STAFF, ROLE_FINANCE}),
    "spending.vote": frozenset({ROLE_COUNCIL}),
    "spending.pay": frozenset({ROLE_FINANCE}),
}


def allowed(permission: str, roles: frozenset[str], *, platform_admin: bool = False) -> bool:
    if platform_admin:
        return True
    return bool(PERMISSIONS[permission] & roles)
