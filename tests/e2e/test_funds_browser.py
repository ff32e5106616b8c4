"""The donation form in a real browser: as-you-type checks, the in-kind switch, one record per double click."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.funds.models import Donation
from app.funds.tenant_section import apply_funds
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from tests.e2e.conftest import sign_in
from tests.funds_world import FUNDS

pytestmark = pytest.mark.e2e


@pytest.fixture
def funded(live_server, community):
    with live_server.app.app_context(), tenant_scope(db.session, community.tenant.id):
        apply_funds(db.session.get(Tenant, community.tenant.id), FUNDS, None)
        db.session.commit()
    return community


def donations(live_server, tenant_id):
    with live_server.app.app_context(), tenant_scope(db.session, tenant_id):
        return db.session.scalars(select(Donation)).all()


def test_record_a_donation_with_live_checks(page, live_server, funded):
    sign_in(page, funded.staff)
    page.goto(f"/c/{funded.tenant.slug}/funds/donations/new")
    page.evaluate("window.__noReload = 1")
    page.fill("input[name=donor_name]", "邹城市某建材公司")
    page.fill("input[name=amount]", "1,234.567")
    expect(page.locator("#amount-errors .error")).to_be_visible()
    page.fill("input[name=amount]", "1,234.56")
    expect(page.locator("#amount-errors .error")).to_have_count(0)
    page.select_option("select[name=channel]", "in_kind")
    expect(page.locator("input[name='items-0-description']")).to_be_visible()
    expect(page.locator("input[name=amount]")).to_have_count(0)
    assert page.evaluate("window.__noReload") == 1, "the channel switch happened in place"
    # htmx wires up swapped-in content as it settles; a person cannot switch back faster than that.
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request')")
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=channel]", "cash")
    expect(page.locator("input[name=amount]")).to_be_visible()
    page.fill("input[name=amount]", "1,234.56")
    submit = page.locator("#donation-form button[type=submit]")
    submit.dblclick()
    page.wait_for_url(f"**/c/{funded.tenant.slug}/funds/donations/*")
    expect(page.locator("main")).to_contain_text("¥1,234.56")
    recorded = donations(live_server, funded.tenant.id)
    assert len(recorded) == 1 and recorded[0].amount_fen == 123_456, "a double click records one donation"
