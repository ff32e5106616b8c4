"""``flask donations import FILE --tenant SLUG [--partial]``: donations from an .xlsx or CSV file."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db
from app.funds.importer import import_donations
from app.tenancy.scoping import tenant_scope
from app.tenancy.services import get_by_slug, local_today

donations_cli = AppGroup("donations", help="Donations: import bank statements and platform exports.")


@donations_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "slug", required=True, help="The community whose funds receive the donations.")
@click.option("--partial", is_flag=True, help="Import the good rows even when other rows have errors.")
def import_command(path: Path, slug: str, partial: bool):
    """Import donations from an Excel (.xlsx) or CSV file.

    Every row is checked first; without --partial nothing is imported when any row has an
    error. Duplicates (the same channel and reference number, or rows of a file already
    imported) are skipped. Exits 1 when nothing was imported because of errors.
    """
    tenant = get_by_slug(slug)
    if tenant is None:
        click.echo(f"No tenant '{slug}'.", err=True)
        sys.exit(1)
    today = local_today(tenant)
    with tenant_scope(db.session, tenant.id):
        report = import_donations(path, path.name, tenant=tenant, actor=None, today=today, partial=partial)
        for problem in report.problems:
            click.echo(f"line {problem.line}: {problem.message}" if problem.line else str(problem.message))
        summary = (f"{path.name}: {report.rows} row(s) read, {report.imported} imported, "
                   f"{report.duplicates} duplicate(s), {report.errors} error(s).")
        if report.imported:
            db.session.commit()
        else:
            db.session.rollback()
    click.echo(summary)
    if report.failed:
        click.echo("Nothing imported.")
        sys.exit(1)
