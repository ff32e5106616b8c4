"""Recording donations: channels, in kind, designation, idempotency, duplicates, receipt codes."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.funds import ledger, services
from app.funds.models import (
    CATEGORY_CASH,
    CATEGORY_IN_KIND,
    CATEGORY_RESTRICTED,
    Donation,
    JournalEntry,
)
from app.funds.services import (
    RECEIPT_ALPHABET,
    DonationInput,
    DuplicateDonation,
    FundError,
    ItemInput,
    display_receipt_code,
    normalise_receipt_code,
)
from app.funds.verify import verify
from app.tenancy.scoping import tenant_scope
from tests.funds_world import TODAY, fund, make_funds_world


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(english_world):
    return english_world


def donation_input(**extra):
    values = {"donor_name": "邹城市某建材公司", "donor_type": "company", "channel": "bank_transfer",
              "reference": "BANK-20261120-001", "fund": fund("charity"), "received_on": TODAY,
              "amount_fen": 1_234_567} | extra
    return DonationInput(**values)


def balances():
    return {f.key: b for f, b in ledger.fund_balances()}


def test_bank_transfer_donation_is_booked(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        donation, created = services.record_donation(donation_input(), actor=None, today=TODAY)
        assert created
        assert donation.donor.name == "邹城市某建材公司" and donation.donor.donor_type == "company"
        assert balances()["charity"][CATEGORY_CASH] == 1_234_567
        assert len(donation.receipt_code) == 10 and set(donation.receipt_code) <= set(RECEIPT_ALPHABET)
        assert donation.entry.kind == "donation" and len(donation.entry.postings) == 2
        assert verify(world.tenant.id) == []


def test_in_kind_donation_is_valued_from_items(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        items = [ItemInput("大米", 20, "袋", 5_000), ItemInput("食用油", 10, "桶", 8_990)]
        donation, _ = services.record_donation(
            donation_input(channel="in_kind", reference="", amount_fen=None, items=items, donor_type="shop",
                           donor_name="丰农惠民驿站"), actor=None, today=TODAY)
        assert donation.amount_fen == 20 * 5_000 + 10 * 8_990
        assert balances()["charity"][CATEGORY_IN_KIND] == donation.amount_fen
        assert balances()["charity"].get(CATEGORY_CASH, 0) == 0
        assert [item.total_fen for item in donation.items] == [100_000, 89_900]


def test_restricted_money_goes_to_restricted_account(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        services.record_donation(donation_input(restricted=True), actor=None, today=TODAY)
        assert balances()["charity"][CATEGORY_RESTRICTED] == 1_234_567
        with pytest.raises(FundError, match="restricted"):
            services.record_donation(donation_input(fund=fund("development"), restricted=True, reference="R2"),
                                     actor=None, today=TODAY)


@pytest.mark.parametrize(("changes", "message"), [
    ({"amount_fen": 0}, "greater than zero"),
    ({"amount_fen": -5}, "greater than zero"),
    ({"channel": "bitcoin"}, "channel"),
    ({"donor_type": "alien"}, "donor type"),
    ({"donor_name": "  "}, "name"),
    ({"reference": ""}, "reference"),
    ({"received_on": TODAY + timedelta(days=1)}, "future"),
    ({"channel": "in_kind", "items": []}, "items"),
    ({"channel": "in_kind", "items": [ItemInput("旧衣物", 0, "件", 100)]}, "quantity"),
])
def test_bad_donations_are_refused_and_nothing_is_written(app, world, changes, message):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        with pytest.raises(FundError, match=message):
            services.record_donation(donation_input(**changes), actor=None, today=TODAY)
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 0
        assert db.session.scalar(select(func.count()).select_from(Donation)) == 0


def test_same_idempotency_key_records_once(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        first, created_first = services.record_donation(donation_input(idempotency_key="k-1"), actor=None, today=TODAY)
        again, created_again = services.record_donation(donation_input(idempotency_key="k-1"), actor=None, today=TODAY)
        assert created_first and not created_again and first.id == again.id
        assert db.session.scalar(select(func.count()).select_from(Donation)) == 1
        assert balances()["charity"][CATEGORY_CASH] == 1_234_567


def test_same_channel_and_reference_is_a_duplicate(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        services.record_donation(donation_input(), actor=None, today=TODAY)
        with pytest.raises(DuplicateDonation):
            services.record_donation(donation_input(amount_fen=1), actor=None, today=TODAY)
        services.record_donation(donation_input(channel="online_platform"), actor=None, today=TODAY)
        assert db.session.scalar(select(func.count()).select_from(Donation)) == 2


def test_existing_donor_is_reused_by_name_and_phone(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        services.record_donation(donation_input(donor_type="resident", donor_name="李大妈", donor_phone="13800000001",
                                                channel="cash", reference=""), actor=None, today=TODAY)
        services.record_donation(donation_input(donor_type="resident", donor_name="李大妈", donor_phone="13800000001",
                                                channel="cash", reference="", amount_fen=500), actor=None, today=TODAY)
        services.record_donation(donation_input(donor_type="resident", donor_name="李大妈", donor_phone="13900000002",
                                                channel="cash", reference="", amount_fen=700), actor=None, today=TODAY)
        donors = services.find_donors("李大妈")
        assert len(donors) == 2
        assert sorted(services.donor_totals(d) for d in donors) == [700, 1_234_567 + 500]


def test_receipt_code_lookup_is_forgiving_and_tenant_scoped(app, factory, world):
    other = make_funds_world(app, factory, name="别的社区")
    with app.app_context():
        with tenant_scope(db.session, world.tenant.id):
            donation, _ = services.record_donation(donation_input(), actor=None, today=TODAY)
            code = donation.receipt_code
            shown = display_receipt_code(code)
            assert services.donation_for_receipt(shown.lower()).id == donation.id
            assert services.donation_for_receipt(f" {code[:5]} {code[5:]} ").id == donation.id
            assert services.donation_for_receipt("0O1IL-XXXX") is None
        with tenant_scope(db.session, other.tenant.id):
            assert services.donation_for_receipt(code) is None
    assert normalise_receipt_code("abc") is None


def test_receipt_codes_are_distinct(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        codes = {services.record_donation(donation_input(channel="cash", reference="", amount_fen=100 + i),
                                          actor=None, today=TODAY)[0].receipt_code for i in range(40)}
        assert len(codes) == 40
