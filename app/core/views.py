"""Health check and error pages (htmx-aware)."""

from flask import Blueprint, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.htmx import is_htmx
from app.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")


@bp.route("/")
def root():
    from flask import redirect, url_for
    from flask_login import current_user

    if current_user.is_authenticated:
        return redirect(url_for("accounts.my_communities"))
    return redirect(url_for("accounts.login"))


def error_response(code: int, reason: str = ""):
    template = "errors/_message.html" if is_htmx() else "errors/page.html"
    response = (render_template(template, code=code, reason=reason), code)
    return response


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, "csrf")

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda error, code=code: error_response(code))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return error_response(500)

    @app.before_request
    def _remember_ip():
        from app.audit.services import AUDIT_IP_KEY

        db.session.info[AUDIT_IP_KEY] = (request.remote_addr or "")[:64]
