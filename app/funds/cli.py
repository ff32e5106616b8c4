"""``flask ledger verify`` — run it nightly (cron) and alert on a non-zero exit."""

import sys

import click
from flask.cli import AppGroup

from app.funds.verify import verify
from app.tenancy.services import get_by_slug

ledger_cli = AppGroup("ledger", help="The community fund ledger.")


@ledger_cli.command("verify")
@click.option("--tenant", "slug", default=None, help="Check one tenant only.")
def verify_command(slug):
    """Check every ledger invariant; exit 1 with a report when any is violated."""
    tenant_id = None
    if slug:
        tenant = get_by_slug(slug)
        if tenant is None:
            click.echo(f"No tenant '{slug}'.", err=True)
            sys.exit(2)
        tenant_id = tenant.id
    violations = verify(tenant_id)
    if violations:
        click.echo(f"LEDGER CHECK FAILED: {len(violations)} violation(s)", err=True)
        for violation in violations:
            click.echo(f"  {violation}", err=True)
        sys.exit(1)
    click.echo("Ledger OK: every entry balances, balances match postings, receipts are unique.")
