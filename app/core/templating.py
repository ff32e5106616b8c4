"""Template filters and globals shared by every page."""

from flask import Flask, current_app, g, request
from flask_babel import LazyString, format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.forms import ROLE_LABELS
from app.tenancy.web import can

KIND_LABELS = {"district": _l("District"), "street": _l("Street"), "community": _l("Community")}
ACTION_LABELS = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed sign-in"),
    "auth.logout": _l("Signed out"),
    "auth.password_changed": _l("Changed password"),
    "user.created": _l("Account created"),
    "membership.added": _l("Role given"),
    "membership.removed": _l("Role removed"),
    "invitation.created": _l("Invitation created"),
    "invitation.revoked": _l("Invitation revoked"),
    "invitation.accepted": _l("Invitation accepted"),
    "tenant.created": _l("Community created"),
    "tenant.synced": _l("Definition synced"),
    "tenant.profile_updated": _l("Profile edited"),
    "tenant.logo_updated": _l("Logo changed"),
}
FIELD_LABELS = {
    "name": _l("Name"), "description": _l("Description"), "contact_person": _l("Contact person"),
    "phone": _l("Phone"), "email": _l("E-mail"), "address": _l("Address"), "locale": _l("Language"),
    "timezone": _l("Timezone"), "kind": _l("Kind"), "parent": _l("Above it"), "logo": _l("Logo"),
    "user": _l("Person"), "role": _l("Role"), "mobile": _l("Mobile number"),
    "other_sessions_ended": _l("Other devices signed out"),
}
AUDIT_VALUE_LIMIT = 120


def audit_value(key: str, value) -> str:
    """An audit before/after value as staff should read it (labels, not codes; long text cut)."""
    if value is None or value == "":
        return "—"
    if key == "role":
        return str(ROLE_LABELS.get(value, value))
    if key == "kind":
        return str(KIND_LABELS.get(value, value))
    text = str(value)
    return text if len(text) <= AUDIT_VALUE_LIMIT else text[:AUDIT_VALUE_LIMIT] + "…"


def local_datetime(value, format="yyyy-MM-dd HH:mm"):
    """A stored naive-UTC timestamp shown in the request's timezone."""
    from datetime import UTC

    if value is None:
        return ""
    return format_datetime(value.replace(tzinfo=UTC), format)


def current_language_code() -> str:
    """The LANGUAGES key in use ("zh_CN" or "en"); Babel itself says "zh_Hans_CN"."""
    from babel import Locale
    from flask_babel import get_locale

    locale = get_locale()
    for code in current_app.config["LANGUAGES"]:
        if Locale.parse(code) == locale:
            return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def switchable_tenants():
    """The header's community switcher: every tenant the user belongs to."""
    if not current_user.is_authenticated:
        return []
    if "switchable_tenants" not in g:
        from app.accounts.services import tenants_of

        g.switchable_tenants = [tenant for tenant, _roles in tenants_of(current_user)]
    return g.switchable_tenants


def escape_lazy_strings(value):
    """Lazy translations are plain text: render them as ``str`` so autoescaping applies.

    Flask-Babel's ``LazyString.__html__`` marks its text safe, which would let values
    interpolated into a message (an imported file's header, a fund name) through as HTML.
    """
    return str(value) if isinstance(value, LazyString) else value


def init_templating(app: Flask) -> None:
    from app.core.money import chinese_capital, format_yuan

    app.jinja_env.finalize = escape_lazy_strings
    from app.funds.forms import CHANNEL_LABELS, DONOR_TYPE_LABELS

    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["yuan"] = format_yuan
    app.jinja_env.filters["capital"] = chinese_capital
    app.jinja_env.globals.update(
        donor_type_label=lambda key: DONOR_TYPE_LABELS.get(key, key),
        channel_label=lambda key: CHANNEL_LABELS.get(key, key),
    )
    app.jinja_env.globals.update(
        can=can,
        role_label=lambda role: ROLE_LABELS.get(role, role),
        kind_label=lambda kind: KIND_LABELS.get(kind, kind),
        action_label=lambda action: ACTION_LABELS.get(action, action),
        field_label=lambda field: FIELD_LABELS.get(field, field),
        audit_value=audit_value,
        switchable_tenants=switchable_tenants,
    )

    @app.context_processor
    def _globals():
        return {
            "tenant": g.get("tenant"),
            "current_locale": current_language_code(),
            "languages": current_app.config["LANGUAGES"],
            "request_path": request.full_path.rstrip("?"),
        }
