"""Engine set-up and the request's single commit point."""

from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.extensions import db


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a busy timeout, and writers serialised with BEGIN IMMEDIATE.

    pysqlite's own transaction handling is switched off (the documented recipe) so that
    SAVEPOINTs work and the write lock is taken when a transaction starts: SQLite ignores
    ``SELECT ... FOR UPDATE``, so this is how concurrent writers stay correct on it.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN" if _reading_request() else "BEGIN IMMEDIATE")


def _reading_request() -> bool:
    """GET and HEAD requests read (public PDFs take seconds): they must not hold the write lock.

    The rare write they make (touching a sign-in session) upgrades the transaction then.
    """
    from flask import has_request_context, request

    return has_request_context() and request.method in ("GET", "HEAD")


def keep_changes() -> None:
    """Commit this request's changes even though it answers with a 4xx (e.g. audit of a failed sign-in)."""
    g.keep_changes = True


def commit_or_rollback(response):
    """The one place a request's work is committed: on success, or when a view asked to keep it."""
    if response.status_code < 400 or g.get("keep_changes"):
        try:
            db.session.commit()
        except OperationalError:
            if not _reading_request():
                raise
            # A page view only ever writes bookkeeping (a session's "last seen"); on SQLite that
            # write can lose the race for the lock. Drop it rather than fail the page.
            db.session.rollback()
            current_app.logger.warning("Dropped the incidental writes of %s %s: database busy",
                                       request.method, request.path)
    else:
        db.session.rollback()
    return response


def init_database(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    app.after_request(commit_or_rollback)
