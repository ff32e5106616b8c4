"""``flask tenants sync|export`` and ``flask demo logins``."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.tenancy import definitions
from app.tenancy.models import Tenant
from app.tenancy.services import get_by_slug, logo_limits
from app.tenancy.sync import sync

tenants_cli = AppGroup("tenants", help="Tenant definitions (tenants/*.toml).")
demo_cli = AppGroup("demo", help="Demo data for trying Linli out.")

DEMO_PASSWORD = "linli-demo-2026"


@tenants_cli.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--create-only", is_flag=True, help="Create missing tenants; leave existing ones as they are.")
def sync_command(paths, create_only):
    """Create or update tenants from TOML files (default: the tenants/ folder)."""
    paths = list(paths) or [Path(current_app.root_path).parent / "tenants"]
    result = sync(paths, upload_root=current_app.config["UPLOAD_FOLDER"], logo_limits=logo_limits(current_app.config),
                  create_only=create_only)
    if not result.ok:
        db.session.rollback()
        for problem in result.problems:
            click.echo(str(problem), err=True)
        click.echo(f"Nothing applied: {len(result.problems)} problem(s).", err=True)
        sys.exit(1)
    db.session.commit()
    for slug in result.created:
        click.echo(f"created   {slug}")
    for slug, fields in result.updated.items():
        click.echo(f"updated   {slug}: {', '.join(fields)}")
    for slug in result.unchanged:
        click.echo(f"unchanged {slug}")
    for slug in result.skipped:
        click.echo(f"kept      {slug} (exists; --create-only)")


@tenants_cli.command("export")
@click.argument("slug")
def export_command(slug):
    """Print a tenant's definition as TOML."""
    tenant = get_by_slug(slug)
    if tenant is None:
        click.echo(f"No tenant '{slug}'.", err=True)
        sys.exit(1)
    click.echo(definitions.export_toml(tenant), nl=False)


@tenants_cli.command("list")
def list_command():
    """List tenants as a tree."""
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()

    def show(parent_id, depth):
        for tenant in tenants:
            if tenant.parent_id == parent_id:
                click.echo(f"{'  ' * depth}{tenant.slug:<14} {tenant.kind:<10} {tenant.name}")
                show(tenant.id, depth + 1)

    show(None, 0)


@demo_cli.command("donations")
def demo_donations():
    """Record the demo donations from the seed reports (communities that have none yet)."""
    from app.core.money import format_yuan
    from app.core.timeutil import utcnow
    from app.funds.demo import seed_demo_donations

    made = seed_demo_donations(utcnow().date())
    db.session.commit()
    for name, count, total in made:
        click.echo(f"  {name}: {count} donations, {format_yuan(total)}")


@demo_cli.command("projects")
def demo_projects():
    """Needs, council members and projects from the seed reports (communities that have no project yet).

    The projects spend money from the funds, so the demo donations are recorded first (if not yet).
    """
    from app.accounts.demo import ensure_demo_logins
    from app.core.timeutil import utcnow
    from app.funds.demo import seed_demo_donations
    from app.projects.demo import seed_demo_projects

    seed_demo_donations(utcnow().date())
    ensure_demo_logins(DEMO_PASSWORD)
    made = seed_demo_projects(utcnow().date(), DEMO_PASSWORD)
    db.session.commit()
    for name, projects, needs, council_login in made:
        click.echo(f"  {name}: {projects} projects, {needs} needs; council member login {council_login}")


@demo_cli.command("logins")
def demo_logins():
    """Create one staff login per community and one overseer per street; print them."""
    from app.accounts.demo import ensure_demo_logins

    rows = ensure_demo_logins(DEMO_PASSWORD)
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for tenant_name, role, login in rows:
        click.echo(f"  {login:<32} {role:<9} {tenant_name}")


