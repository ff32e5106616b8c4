"""End-to-end fixtures: a live server on its own committed database, and Chromium via Playwright.

The server is built once per session with ``create_app(TestConfig(...))`` and CSRF
protection on (as in production). Its database is separate from the rolled-back one the
other tests use: a fresh SQLite file, or (``LINLI_TEST_DB=postgres``) a fresh PostgreSQL
database that is dropped at the end. Every test makes its own tenant and user.

The machine has no internet: requests to the htmx CDN are aborted by default, which
exercises the local fallback in ``base.html``; ``open_page(cdn="genuine" | "tampered")``
answers them with the local vendor file's bytes, intact or altered.
"""

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.conftest import (
    Factory,
    TenantRef,
    TestConfig,
    UserRef,
    backend,
    drop_postgres_database,
    make_postgres_database,
    migrate_database,
)

ROOT = Path(__file__).resolve().parents[2]
CDN_PATTERN = "https://cdn.jsdelivr.net/**"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@dataclass
class LiveServer:
    url: str
    app: object
    factory: Factory

    @property
    def fallback_path(self) -> str:
        return f"/static/vendor/htmx-{self.app.config['HTMX_VERSION']}.min.js"

    @property
    def vendor_file(self) -> Path:
        return ROOT / "static" / "vendor" / f"htmx-{self.app.config['HTMX_VERSION']}.min.js"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    postgres = backend() == "postgres"
    url = make_postgres_database() if postgres else f"sqlite:///{tmp / 'linli-e2e.db'}"
    try:
        migrate_database(url, tmp / "migrate")
        app = create_app(TestConfig(url, tmp / "instance", WTF_CSRF_ENABLED=True))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="linli-e2e-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(f"http://127.0.0.1:{server.port}", app, Factory(app))
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            with app.app_context():
                db.engine.dispose()
    finally:
        if postgres:
            drop_postgres_database(url)


@pytest.fixture(scope="session")
def browser():
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass
class BrowserPage:
    """A page in its own browser context, with the requests it made."""

    page: Page
    requests: list[str] = field(default_factory=list)
    cdn_hits: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser: Browser, live_server: LiveServer):
    """``open_page(cdn="abort" | "genuine" | "tampered")``: a fresh context (no cookies) and page."""
    contexts = []

    def open_(cdn: str = "abort") -> BrowserPage:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        result = BrowserPage(page)
        page.on("request", lambda request: result.requests.append(request.url))
        body = live_server.vendor_file.read_bytes()
        if cdn == "tampered":
            body = b"window.__tampered = 1;\n" + body

        def answer_cdn(route: Route) -> None:
            result.cdn_hits.append(route.request.url)
            if cdn == "abort":
                route.abort("internetdisconnected")
            else:
                route.fulfill(status=200, body=body, headers={
                    "Content-Type": "application/javascript; charset=utf-8",
                    "Access-Control-Allow-Origin": "*",
                })

        page.route(CDN_PATTERN, answer_cdn)
        return result

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page) -> Page:
    return open_page().page


@dataclass(frozen=True)
class Community:
    tenant: TenantRef
    staff: UserRef


@pytest.fixture
def community(live_server: LiveServer, request) -> Community:
    """A community of this test's own, with one staff user."""
    factory = live_server.factory
    tenant = factory.tenant(name=f"E2E{request.node.name[:20]}社区")
    staff = factory.user("李红梅", roles={tenant: "staff"})
    return Community(tenant, staff)


def sign_in(page: Page, user: UserRef) -> None:
    """Sign in through the real form (CSRF token included by the page)."""
    page.goto("/login")
    page.fill("input[name=login]", user.login)
    page.fill("input[name=password]", user.password)
    page.click("form button[type=submit].primary")
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))
