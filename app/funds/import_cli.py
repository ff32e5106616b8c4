"""``flask donations import FILE --tenant SLUG`` (being built)."""

from flask.cli import AppGroup

donations_cli = AppGroup("donations", help="Donations: import bank statements and platform exports.")
