"""Tenant resolution for ``/c/<slug>/...`` and access checks for tenant pages.

Every blueprint under ``/c/<slug>`` is made with :func:`tenant_blueprint`: the slug is
resolved once per request (unknown slug: 404), the tenant goes on ``g.tenant`` and into
the session's scope, and the user's roles there on ``g.roles``. Each view then declares
who may see it with ``@require("permission")`` or ``@public``; a test walks the URL map
and fails on a tenant view that declares neither.
"""

from functools import wraps

from flask import Blueprint, abort, current_app, g, url_for
from flask_login import current_user

from app.accounts.permissions import allowed
from app.accounts.services import roles_in
from app.extensions import db, login_manager
from app.tenancy.scoping import set_session_tenant
from app.tenancy.services import get_by_slug


def _load_tenant(endpoint, values) -> None:
    if values is None or "slug" not in values:
        return
    tenant = get_by_slug(values.pop("slug"))
    if tenant is None:
        abort(404)
    g.tenant = tenant
    set_session_tenant(db.session, tenant.id)
    g.roles = roles_in(current_user, tenant)


def _add_slug(endpoint, values) -> None:
    tenant = g.get("tenant")
    if tenant is not None and "slug" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "slug"):
        values["slug"] = tenant.slug


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    blueprint = Blueprint(name, import_name, url_prefix=f"/c/<slug>{url_prefix}")
    blueprint.url_value_preprocessor(_load_tenant)
    blueprint.url_defaults(_add_slug)
    return blueprint


def can(permission: str) -> bool:
    """For templates and views: may the current user do this in the current tenant?"""
    if not current_user.is_authenticated or g.get("tenant") is None:
        return False
    return allowed(permission, g.get("roles", frozenset()), platform_admin=current_user.is_platform_admin)


def require(permission: str):
    """Signed-in users with the permission only; non-members get 404, members without it 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not g.roles and not current_user.is_platform_admin:
                abort(404)
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = permission
        return wrapped

    return decorator


def public(view):
    """Mark a tenant view as open to everyone (the disclosure pages, public forms)."""
    view.access = "public"
    return view


def tenant_url(endpoint: str, tenant=None, **values) -> str:
    tenant = tenant or g.tenant
    return url_for(endpoint, slug=tenant.slug, **values)
