"""The fund pages: recording donations through the form, receipts as PDF, reversals, transfers."""

import subprocess

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_CASH, Donation
from app.tenancy.scoping import tenant_scope
from tests.conftest import login
from tests.funds_world import make_funds_world

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app, factory):
    return make_funds_world(app, factory, name="铁西社区")


def form(**extra):
    return {"donor_type": "company", "donor_name": "邹城市某建材公司", "donor_phone": "", "channel": "cash",
            "amount": "12,345.67", "fund": "charity", "received_on": "2026-11-20", "note": ""} | extra


def donations(app, world):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        return db.session.scalars(select(Donation).order_by(Donation.id)).all()


def cash(app, world, key="charity"):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        return {f.key: b for f, b in ledger.fund_balances()}[key].get(CATEGORY_CASH, 0)


def test_record_donation_through_the_form(app, client, world):
    login(client, world.staff)
    response = client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(idempotency_key="abc"))
    assert response.status_code == 302
    [donation] = donations(app, world)
    assert donation.amount_fen == 1_234_567
    assert response.headers["Location"].endswith(f"/funds/donations/{donation.number}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "壹万贰仟叁佰肆拾伍元陆角柒分" in page and "¥12,345.67" in page
    again = client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(idempotency_key="abc"))
    assert again.status_code == 302 and len(donations(app, world)) == 1, "a double submit records one donation"
    assert cash(app, world) == 1_234_567


@pytest.mark.parametrize(("amount", "fragment"), [
    ("12.345", "two decimals"), ("0", "greater than zero"), ("-5", "greater than zero"), ("abc", "yuan"),
    ("", "Enter the amount"),
])
def test_bad_amounts_are_explained(app, client, world, amount, fragment):
    client.post("/language", data={"locale": "en"})
    login(client, world.staff)
    response = client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(amount=amount), headers=HX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert fragment in body and "<html" not in body
    assert donations(app, world) == []


def test_channel_switch_shows_item_rows(client, world):
    login(client, world.staff)
    response = client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(channel="in_kind"),
                           headers=HX | {"HX-Trigger-Name": "channel"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "items-0-description" in body and 'name="amount"' not in body
    assert 'class="error"' not in body
    bank = client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(channel="bank_transfer"),
                       headers=HX | {"HX-Trigger-Name": "channel"}).get_data(as_text=True)
    assert 'name="reference"' in bank


def test_in_kind_donation_through_the_form(app, client, world):
    login(client, world.staff)
    data = form(channel="in_kind", amount="", donor_type="shop", donor_name="丰农惠民驿站",
                **{"items-0-description": "大米", "items-0-quantity": "20", "items-0-unit": "袋",
                   "items-0-unit_value": "50", "items-1-description": "食用油", "items-1-quantity": "10",
                   "items-1-unit": "桶", "items-1-unit_value": "89.90"})
    assert client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=data).status_code == 302
    [donation] = donations(app, world)
    assert donation.amount_fen == 20 * 5_000 + 10 * 8_990
    missing_value = form(channel="in_kind", amount="", **{"items-0-description": "旧衣物", "items-0-quantity": "3"})
    assert client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=missing_value).status_code == 422


def test_receipt_pdf_reads_back(app, client, world, tmp_path):
    login(client, world.staff)
    client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form())
    [donation] = donations(app, world)
    response = client.get(f"/c/{world.tenant.slug}/funds/donations/{donation.number}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "receipt.pdf"
    path.write_bytes(response.get_data())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("公益事业捐赠收据", "铁西社区", "邹城市某建材公司", "壹万贰仟叁佰肆拾伍元陆角柒分",
                     "¥12,345.67", donation.receipt_code[:4], "12%", "第 1 页 共 1 页"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts and " yes yes " in fonts


def test_finance_reverses_a_mistake(app, client, factory, world):
    login(client, world.staff)
    client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form())
    [donation] = donations(app, world)
    assert client.post(f"/c/{world.tenant.slug}/funds/donations/{donation.number}/reverse",
                       data={"reason": "录错"}).status_code == 403
    client.post("/logout")
    login(client, world.finance)
    missing_reason = client.post(f"/c/{world.tenant.slug}/funds/donations/{donation.number}/reverse", data={})
    assert missing_reason.status_code == 422
    ok = client.post(f"/c/{world.tenant.slug}/funds/donations/{donation.number}/reverse", data={"reason": "重复录入"})
    assert ok.status_code == 302
    assert cash(app, world) == 0
    assert donations(app, world)[0].is_reversed


def test_transfer_through_the_form(app, client, world):
    login(client, world.finance)
    client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(amount="1000"))
    data = {"source": "charity", "target": "development", "amount": "400", "reason": "年度调拨",
            "occurred_on": "2026-11-20"}
    assert client.post(f"/c/{world.tenant.slug}/funds/transfer", data=data).status_code == 302
    assert cash(app, world) == 60_000 and cash(app, world, "development") == 40_000
    too_much = client.post(f"/c/{world.tenant.slug}/funds/transfer", data=data | {"amount": "600.01"})
    assert too_much.status_code == 422
    assert cash(app, world) == 60_000
    dashboard = client.get(f"/c/{world.tenant.slug}/funds/").get_data(as_text=True)
    assert "¥600.00" in dashboard and "¥400.00" in dashboard


def test_donation_list_search_and_count(app, client, world):
    login(client, world.staff)
    for index, name in enumerate(["李大妈", "王大爷", "李师傅"]):
        client.post(f"/c/{world.tenant.slug}/funds/donations/new",
                    data=form(donor_type="resident", donor_name=name, amount=str(10 + index)))
    body = client.get(f"/c/{world.tenant.slug}/funds/donations/?q=李", headers=HX).get_data(as_text=True)
    assert "李大妈" in body and "李师傅" in body and "王大爷" not in body
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        assert db.session.scalar(select(func.count()).select_from(Donation)) == 3


def test_donor_directory_history_and_statement(app, client, world, tmp_path):
    login(client, world.staff)
    for amount, day in (("100", "2025-12-30"), ("200", "2026-03-01"), ("300.50", "2026-11-20")):
        client.post(f"/c/{world.tenant.slug}/funds/donations/new",
                    data=form(donor_type="company", donor_name="鲁抗医药", amount=amount, received_on=day))
    client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(donor_name="另一家公司", amount="5"))
    listing = client.get(f"/c/{world.tenant.slug}/funds/donors/?q=鲁抗", headers=HX).get_data(as_text=True)
    assert "鲁抗医药" in listing and "另一家公司" not in listing
    number = listing.split("/funds/donors/")[1].split('"')[0]
    page = client.get(f"/c/{world.tenant.slug}/funds/donors/{number}").get_data(as_text=True)
    assert "¥600.50" in page and "statement-2026.pdf" in page and "statement-2025.pdf" in page
    pdf = client.get(f"/c/{world.tenant.slug}/funds/donors/{number}/statement-2026.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf.get_data())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "2026年度捐赠证明" in text and "鲁抗医药" in text and "¥500.50" in text and "伍佰元伍角" in text
    assert "¥100.00" not in text, "only the year's donations"
    assert client.get(f"/c/{world.tenant.slug}/funds/donors/{number}/statement-2019.pdf").status_code == 404


def test_exports_csv_and_excel(app, client, world):
    import io

    from openpyxl import load_workbook

    login(client, world.finance)
    client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(amount="88.80", received_on="2026-11-02"))
    client.post(f"/c/{world.tenant.slug}/funds/donations/new",
                data=form(amount="1", donor_name="早先的人", received_on="2026-09-02"))
    query = "date_from=2026-11-01&date_to=2026-11-30"
    journal = client.get(f"/c/{world.tenant.slug}/funds/exports/journal.csv?{query}")
    assert journal.status_code == 200 and journal.mimetype == "text/csv"
    text = journal.get_data().decode("utf-8-sig")
    assert "凭证号" in text and "88.80" in text and "早先的人" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 2, "one row per posting"
    workbook = load_workbook(io.BytesIO(client.get(
        f"/c/{world.tenant.slug}/funds/exports/donations.xlsx?{query}").get_data()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][2] == "捐赠人" and rows[1][2] == "邹城市某建材公司" and rows[1][4] == "88.80" and len(rows) == 2
    bad = client.get(f"/c/{world.tenant.slug}/funds/exports/journal.csv?date_from=2026-12-01&date_to=2026-11-01")
    assert bad.status_code == 422
    assert client.get(f"/c/{world.tenant.slug}/funds/exports/passwords.csv?{query}").status_code == 404


def test_fields_are_checked_as_you_type(client, world):
    client.post("/language", data={"locale": "en"})
    login(client, world.staff)
    url = f"/c/{world.tenant.slug}/funds/donations/check"
    bad = client.post(f"{url}/amount", data=form(amount="1.234"), headers=HX).get_data(as_text=True)
    assert "two decimals" in bad and "<html" not in bad
    good = client.post(f"{url}/amount", data=form(amount="1,234.50"), headers=HX).get_data(as_text=True)
    assert good.strip() == ""
    assert "required" in client.post(f"{url}/donor_name", data=form(donor_name=""), headers=HX).get_data(as_text=True)
    assert client.post(f"{url}/password", data=form(), headers=HX).status_code == 404
    page = client.get(f"/c/{world.tenant.slug}/funds/donations/new").get_data(as_text=True)
    assert 'hx-post="/c/' in page and "/funds/donations/check/amount" in page


def test_staff_edit_and_create_funds(app, client, world):
    with app.app_context():
        from app.tenancy.models import Tenant

        db.session.get(Tenant, world.tenant.id).settings = {"purposes": ["扶贫", "济困", "社区服务", "环境保护"]}
        db.session.commit()
    login(client, world.staff)
    edit = {"key": "charity", "name": "铁西慈善基金", "description": "新的说明", "purposes": ["扶贫", "济困"],
            "is_default": "y", "accepts_restricted": "y"}
    assert client.post(f"/c/{world.tenant.slug}/funds/charity/edit", data=edit).status_code == 302
    unknown = client.post(f"/c/{world.tenant.slug}/funds/charity/edit", data=edit | {"purposes": ["炒股"]})
    assert unknown.status_code == 422
    created = client.post(f"/c/{world.tenant.slug}/funds/new",
                          data={"key": "green", "name": "环保基金", "purposes": ["环境保护"], "is_default": "y"})
    assert created.status_code == 302
    duplicate = client.post(f"/c/{world.tenant.slug}/funds/new", data={"key": "green", "name": "再来一个"})
    assert duplicate.status_code == 422
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        from app.funds.models import Fund

        funds = {f.key: f for f in db.session.scalars(select(Fund))}
        assert funds["charity"].name == "铁西慈善基金" and funds["charity"].purposes == ["扶贫", "济困"]
        assert funds["green"].is_default and not funds["charity"].is_default
        assert ledger.fund_account(funds["green"], CATEGORY_CASH).balance_fen == 0
    client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(restricted="y", amount="10"))
    refuse = client.post(f"/c/{world.tenant.slug}/funds/charity/edit", data=edit | {"accepts_restricted": ""})
    assert refuse.status_code == 422


def test_finance_cannot_manage_funds(client, world):
    login(client, world.finance)
    assert client.get(f"/c/{world.tenant.slug}/funds/new").status_code == 403


def test_pick_an_existing_donor_in_the_form(client, world):
    login(client, world.staff)
    client.post(f"/c/{world.tenant.slug}/funds/donations/new",
                data=form(donor_type="party_member", donor_name="赵党员", donor_phone="13512345678", amount="50"))
    found = client.get(f"/c/{world.tenant.slug}/funds/donors/suggest?q=1351234", headers=HX).get_data(as_text=True)
    assert "赵党员" in found
    number = found.split("donor=")[1].split('"')[0]
    prefilled = client.get(f"/c/{world.tenant.slug}/funds/donations/new?donor={number}", headers=HX).get_data(as_text=True)
    assert 'value="赵党员"' in prefilled and 'value="13512345678"' in prefilled
    assert '<option selected value="party_member">' in prefilled or 'value="party_member" selected' in prefilled
    none = client.get(f"/c/{world.tenant.slug}/funds/donors/suggest?q=不存在", headers=HX).get_data(as_text=True)
    assert "赵党员" not in none


def test_htmx_submit_redirects_the_whole_page(app, client, world):
    login(client, world.staff)
    response = client.post(f"/c/{world.tenant.slug}/funds/donations/new", data=form(), headers=HX)
    assert response.status_code == 200 and response.get_data() == b""
    [donation] = donations(app, world)
    assert response.headers["HX-Redirect"].endswith(f"/funds/donations/{donation.number}")


def test_import_page_all_or_nothing_then_partial(app, client, world):
    import io

    client.post("/language", data={"locale": "en"})
    login(client, world.staff)
    csv = ("date,donor_name,donor_type,amount,channel,reference,fund,anonymous,note\n"
           "2026-11-01,王记面馆,shop,200.00,bank_transfer,YH001,charity,no,\n"
           "2026-11-02,坏行,resident,12.345,cash,,charity,no,\n").encode()
    url = f"/c/{world.tenant.slug}/funds/import"
    refused = client.post(url, data={"file": (io.BytesIO(csv), "bank.csv")}, content_type="multipart/form-data",
                          headers=HX)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nothing was imported" in body and ">3<" in body
    assert donations(app, world) == []
    partial = client.post(url, data={"file": (io.BytesIO(csv), "bank.csv"), "partial": "y"},
                          content_type="multipart/form-data", headers=HX)
    assert partial.status_code == 200 and "1 donation(s) imported" in partial.get_data(as_text=True)
    assert [d.donor.name for d in donations(app, world)] == ["王记面馆"]
    again = client.post(url, data={"file": (io.BytesIO(csv), "bank.csv"), "partial": "y"},
                        content_type="multipart/form-data", headers=HX)
    assert "Duplicates skipped: 1" in again.get_data(as_text=True)
    assert len(donations(app, world)) == 1
    missing = client.post(url, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422


def test_web_import_is_capped_and_points_to_the_command(app, client, world):
    import io

    from app.funds.views import WEB_IMPORT_MAX_ROWS

    client.post("/language", data={"locale": "en"})
    login(client, world.staff)
    rows = ["date,donor_name,amount"] + [f"2026-11-01,捐赠人{i},10" for i in range(WEB_IMPORT_MAX_ROWS + 1)]
    response = client.post(f"/c/{world.tenant.slug}/funds/import",
                           data={"file": (io.BytesIO("\n".join(rows).encode()), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "more than 1,000 rows" in response.get_data(as_text=True)
    assert donations(app, world) == []


def test_review_findings_on_money(app, client, world, tmp_path):
    """Reversed references are free again, reversed receipts say void, transfers keep their dates honest."""
    client.post("/language", data={"locale": "en"})
    login(client, world.finance)
    slug = world.tenant.slug
    client.post(f"/c/{slug}/funds/donations/new", data=form(channel="bank_transfer", reference="TX-0001",
                                                            amount="10000", received_on="2026-11-02"))
    [wrong] = donations(app, world)
    client.post(f"/c/{slug}/funds/donations/{wrong.number}/reverse", data={"reason": "金额录错"})
    fixed = client.post(f"/c/{slug}/funds/donations/new", data=form(channel="bank_transfer", reference="TX-0001",
                                                                    amount="1000", received_on="2026-11-02"))
    assert fixed.status_code == 302, "a reversed donation frees its reference"
    pdf = client.get(f"/c/{slug}/funds/donations/{wrong.number}/receipt.pdf")
    path = tmp_path / "void.pdf"
    path.write_bytes(pdf.get_data())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "作废" in text
    transfer = {"source": "charity", "target": "development", "amount": "10", "reason": "调拨"}
    early = client.post(f"/c/{slug}/funds/transfer", data=transfer | {"occurred_on": "2026-01-15"})
    assert early.status_code == 422 and "on or after" in early.get_data(as_text=True)
    future = client.post(f"/c/{slug}/funds/transfer", data=transfer | {"occurred_on": "2099-12-31"})
    assert future.status_code == 422
    from zoneinfo import ZoneInfo

    from app.core.timeutil import to_local, utcnow

    today = to_local(utcnow(), ZoneInfo("Asia/Shanghai")).date().isoformat()
    twice = transfer | {"occurred_on": today, "idempotency_key": "same-click"}
    assert client.post(f"/c/{slug}/funds/transfer", data=twice).status_code == 302
    assert client.post(f"/c/{slug}/funds/transfer", data=twice).status_code == 302
    assert cash(app, world, "development") == 1_000, "a double click moves the money once"
    huge = client.post(f"/c/{slug}/funds/donations/new", data=form(
        channel="in_kind", amount="", **{"items-0-description": "金条", "items-0-quantity": "50000",
                                         "items-0-unit_value": "1000000000000"}))
    assert huge.status_code == 422
    reused = client.post(f"/c/{slug}/funds/donations/new", data=form(idempotency_key="k9", amount="100"))
    other = client.post(f"/c/{slug}/funds/donations/new", data=form(idempotency_key="k9", amount="888",
                                                                    donor_name="李四"))
    assert reused.status_code == 302 and other.status_code == 422
    assert "already submitted" in other.get_data(as_text=True)


def test_exports_cannot_carry_formulas(app, client, world):
    import io

    from openpyxl import load_workbook

    login(client, world.finance)
    client.post(f"/c/{world.tenant.slug}/funds/donations/new",
                data=form(donor_name='=HYPERLINK("http://evil.example","x")', received_on="2026-11-02"))
    query = "date_from=2026-11-01&date_to=2026-11-30"
    csv_text = client.get(f"/c/{world.tenant.slug}/funds/exports/donations.csv?{query}").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    response = client.get(f"/c/{world.tenant.slug}/funds/exports/donations.xlsx?{query}")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    cell = load_workbook(io.BytesIO(response.get_data())).active["C2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_form_adapts_to_the_donor_type(client, world):
    client.post("/language", data={"locale": "en"})
    login(client, world.staff)
    url = f"/c/{world.tenant.slug}/funds/donations/new"
    company = client.post(url, data=form(donor_type="company"), headers=HX | {"HX-Trigger-Name": "donor_type"})
    assert company.status_code == 200 and "registered name" in company.get_data(as_text=True)
    resident = client.post(url, data=form(donor_type="resident"), headers=HX | {"HX-Trigger-Name": "donor_type"})
    assert "registered name" not in resident.get_data(as_text=True)


def test_picking_a_donor_keeps_what_was_typed(client, world):
    login(client, world.staff)
    client.post(f"/c/{world.tenant.slug}/funds/donations/new",
                data=form(donor_type="party_member", donor_name="钱党员", donor_phone="13611112222", amount="50"))
    found = client.get(f"/c/{world.tenant.slug}/funds/donors/suggest?q=钱党员", headers=HX).get_data(as_text=True)
    number = found.split("donor=")[1].split('"')[0]
    typed = form(donor_name="钱", amount="321.00", note="春节慰问")
    picked = client.post(f"/c/{world.tenant.slug}/funds/donations/new?donor={number}", data=typed, headers=HX)
    body = picked.get_data(as_text=True)
    assert picked.status_code == 200
    assert 'value="钱党员"' in body and 'value="13611112222"' in body and 'value="321.00"' in body and "春节慰问" in body
