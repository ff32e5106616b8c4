"""``flask users create`` for scripting."""

import sys

import click
from flask.cli import AppGroup

from app.accounts import services
from app.accounts.models import ROLES
from app.extensions import db
from app.tenancy.scoping import tenant_scope
from app.tenancy.services import get_by_slug

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create")
@click.option("--email", default=None)
@click.option("--mobile", default=None)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--tenant", "slug", default=None, help="Give the user a role in this tenant.")
@click.option("--role", type=click.Choice(ROLES), default=None)
@click.option("--platform-admin", is_flag=True)
def create(email, mobile, password, name, slug, role, platform_admin):
    """Create a user, optionally with a role in a tenant."""
    if bool(slug) != bool(role):
        click.echo("--tenant and --role go together.", err=True)
        sys.exit(2)
    tenant = get_by_slug(slug) if slug else None
    if slug and tenant is None:
        click.echo(f"No tenant '{slug}'.", err=True)
        sys.exit(1)
    try:
        user = services.create_user(name=name, password=password, email=email, mobile=mobile,
                                    platform_admin=platform_admin)
        if tenant is not None:
            with tenant_scope(db.session, tenant.id):
                services.add_membership(tenant, user, role, actor=None)
    except services.AccountError as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Created user {user.id} ({user.login_label})" + (f" as {role} in {slug}" if tenant else ""))
