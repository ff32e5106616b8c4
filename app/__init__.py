"""Linli 邻里: the application factory."""

from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Config, config_from_environment
from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    tenant = g.get("tenant")
    if tenant is not None and tenant.locale in languages:
        return tenant.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.timezone if tenant is not None else "Asia/Shanghai"


def create_app(config: Config | None = None) -> Flask:
    config = config or config_from_environment()
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(config.INSTANCE_PATH))
    app.config.from_object(config)
    from app.core.web import BoundedIntConverter, refuse_nul_bytes

    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul_bytes)
    if app.config.get("TRUSTED_PROXY_COUNT"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXY_COUNT"], x_proto=1)

    _configure_engine(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)

    from app.tenancy.numbering import install_numbering
    from app.tenancy.scoping import install_tenant_scoping

    install_tenant_scoping(_session_class())
    install_numbering(_session_class())

    from app.core.database import init_database
    from app.core.htmx import redirect_htmx_requests
    from app.core.security import init_security
    from app.core.views import register_error_handlers

    init_database(app)
    app.after_request(redirect_htmx_requests)
    init_security(app)
    register_error_handlers(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_commands(app)
    _register_login(app)
    return app


def _configure_engine(app: Flask) -> None:
    """On PostgreSQL always plan with the real parameters.

    Tenants differ in size by orders of magnitude; a generic plan for a prepared statement
    (psycopg prepares after five runs) assumes an average tenant and turned 1 ms queries into
    800 ms ones for the largest (see bench/README.md).
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("options", "-c plan_cache_mode=force_custom_plan")
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _session_class():
    from flask_sqlalchemy.session import Session

    return Session


def _register_blueprints(app: Flask) -> None:
    from app.accounts import views as accounts
    from app.audit import views as audit
    from app.closeout import tenant_section as closeout_section  # noqa: F401  ([closeout])
    from app.closeout import views as closeout
    from app.core import views as core
    from app.council import tenant_section as council_section  # noqa: F401  ([council])
    from app.council import views as council
    from app.disclosure import views as disclosure
    from app.funds import tenant_section as funds_section  # noqa: F401  (registers purposes, [[funds]])
    from app.funds import views as funds
    from app.matching import tenant_section as matching_section  # noqa: F401  ([[matching]])
    from app.matching import views as matching
    from app.needs import tenant_section as needs_section  # noqa: F401  ([needs])
    from app.needs import views as needs
    from app.projects import tenant_section as projects_section  # noqa: F401  ([projects])
    from app.projects import views as projects
    from app.spending import tenant_section as spending_section  # noqa: F401  ([approval])
    from app.spending import views as spending
    from app.tenancy import tenant_section  # noqa: F401  (registers the [tenant] section)
    from app.tenancy import views as tenancy

    for blueprint in (core.bp, accounts.bp, accounts.members_bp, tenancy.bp, disclosure.public_bp, audit.bp,
                      funds.bp, needs.bp, needs.public_bp, projects.bp, projects.public_bp, council.bp,
                      matching.bp, spending.bp, closeout.bp, closeout.public_bp):
        app.register_blueprint(blueprint)


def _register_template_helpers(app: Flask) -> None:
    from app.core import templating

    templating.init_templating(app)


def _register_commands(app: Flask) -> None:
    from app.accounts.cli import users_cli
    from app.funds.cli import ledger_cli
    from app.funds.import_cli import donations_cli
    from app.tenancy.cli import demo_cli, tenants_cli

    app.cli.add_command(tenants_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(donations_cli)


def _register_login(app: Flask) -> None:
    from app.accounts import services
    from app.accounts.views import SESSION_TOKEN

    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(user_id: str):
        policy = services.SessionPolicy(
            idle_timeout=app.config["SESSION_IDLE_TIMEOUT"],
            absolute_timeout=app.config["SESSION_ABSOLUTE_TIMEOUT"],
            touch_interval=app.config["SESSION_TOUCH_INTERVAL"],
        )
        login_session = services.resume_session(session.get(SESSION_TOKEN), policy)
        if login_session is None or str(login_session.user_id) != user_id:
            if session.get(SESSION_TOKEN):
                session.pop(SESSION_TOKEN, None)
                g.session_expired = True
            return None
        g.login_session = login_session
        return login_session.user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for
        from flask_babel import gettext as _

        from app.core.htmx import is_htmx

        if g.get("session_expired"):
            flash(_("Your session has expired. Please sign in again."), "info")
        target = url_for("accounts.login", next=request.full_path.rstrip("?"))
        if is_htmx():
            return "", 401, {"HX-Redirect": target}
        return redirect(target)
