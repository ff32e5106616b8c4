"""The public disclosure pages (信息公开): balances, income chart, donations, statements, trace, open data."""

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale

from app.disclosure import charts, services
from app.extensions import db
from app.funds.services import (
    DonationInput,
    ItemInput,
    display_receipt_code,
    record_donation,
    reverse_donation,
    transfer,
)
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from app.tenancy.services import local_today
from tests.conftest import login
from tests.funds_world import fund, make_funds_world

HX = {"HX-Request": "true"}
PHONES = ("13912345678", "13800001111")
TRACE_LIMIT = 4


@pytest.fixture
def app(make_app):
    return make_app(PUBLIC_TRACE_LIMIT=f"{TRACE_LIMIT} per minute", PAGE_SIZE=3)


@dataclass
class Ledger:
    slug: str
    this_month: date
    last_month: date
    codes: dict[str, str]


def gift(name, amount_fen, on, *, donor_type="resident", fund_key="charity", phone="", **extra):
    return DonationInput(donor_name=name, donor_type=donor_type, channel=extra.pop("channel", "cash"),
                         fund=fund(fund_key), received_on=on, amount_fen=amount_fen, donor_phone=phone, **extra)


@pytest.fixture
def ledger_world(app, factory):
    """新竹社区 with known gifts in two months, a reversal, a transfer and goods in kind.

    Last month: charity ← 张桂英 ¥500 (resident), 长春某建材公司 ¥2,000 (company, restricted).
    This month: charity ← anonymous 王秘密 ¥300, 错录捐赠人 ¥777 (reversed), rice in kind ¥1,000;
    development ← 李大爷 ¥100 (person); ¥200 moved charity → development.
    Closing: charity ¥2,600 (¥2,000 restricted, ¥1,000 in kind apart), development ¥300.
    """
    world = make_funds_world(app, factory, name="新竹社区")
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        today = local_today(db.session.get(Tenant, world.tenant.id))
        this_month = today.replace(day=1)
        last_month = services.add_months(this_month, -1)
        codes = {}
        for key, data in [
            ("resident", gift("张桂英", 50_000, last_month + timedelta(days=9), phone=PHONES[0])),
            ("company", gift("长春某建材公司", 200_000, last_month + timedelta(days=20), donor_type="company",
                             restricted=True)),
            ("anonymous", gift("王秘密", 30_000, this_month, phone=PHONES[1], anonymous=True)),
            ("mistake", gift("错录捐赠人", 77_700, this_month)),
            ("person", gift("李大爷", 10_000, this_month, donor_type="person", fund_key="development")),
            ("in_kind", gift("丰农惠民驿站", None, this_month, donor_type="shop", channel="in_kind",
                             items=[ItemInput("大米", 20, "袋", 5_000)])),
        ]:
            if key == "anonymous":  # the transfer is dated before this month's other movements
                transfer(source=fund("charity"), target=fund("development"), amount_fen=20_000, reason="年度调拨",
                         actor=None, occurred_on=this_month)
            donation, _ = record_donation(data, actor=None, today=today)
            codes[key] = donation.receipt_code
            if key == "mistake":
                reverse_donation(donation, reason="录错", actor=None, today=today)
        db.session.commit()
    return world, Ledger(world.tenant.slug, this_month, last_month, codes)


def private_strings(ledger: Ledger) -> list[str]:
    codes = list(ledger.codes.values())
    return [*PHONES, *codes, *(display_receipt_code(code) for code in codes), "王秘密", "错录捐赠人"]


def key(month: date) -> str:
    return services.month_key(month)


def fen(text: str) -> int:
    """``¥2,600.00`` / ``-¥12.00`` as fen."""
    match = re.fullmatch(r"(-?)¥([\d,]+)\.(\d\d)", text.strip())
    assert match, text
    value = int(match[2].replace(",", "")) * 100 + int(match[3])
    return -value if match[1] else value


class CellParser(HTMLParser):
    """Statement cells as {row: {fund key or "" for the total: text}}; tiles as {fund key: number text}."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.tiles: dict[str, str] = {}
        self.row = self.cell = self.tile = None
        self.in_number = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-row" in attrs:
            self.row = attrs["data-row"]
            self.rows[self.row] = {}
        elif tag == "td" and self.row and "data-fund" in attrs:
            self.cell = attrs["data-fund"]
            self.rows[self.row][self.cell] = ""
        elif "data-fund" in attrs and "fund-tile" in attrs.get("class", ""):
            self.tile = attrs["data-fund"]
        elif self.tile and "tile-number" in attrs.get("class", ""):
            self.in_number = True
            self.tiles[self.tile] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None
        elif tag == "tr":
            self.row = None
        elif tag == "span" and self.in_number:
            self.in_number = False
            self.tile = None

    def handle_data(self, data):
        if self.row and self.cell is not None:
            self.rows[self.row][self.cell] += data
        if self.in_number:
            self.tiles[self.tile] += data


def parse(body: str) -> CellParser:
    parser = CellParser()
    parser.feed(body)
    return parser


def statement_numbers(client, slug: str, month: date) -> dict[str, dict[str, int]]:
    response = client.get(f"/c/{slug}/public/statements/{key(month)}")
    assert response.status_code == 200
    return {row: {fund_key: fen(text) for fund_key, text in cells.items()}
            for row, cells in parse(response.get_data(as_text=True)).rows.items()}


# --- the public page ----------------------------------------------------------------------

def test_public_page_shows_balances_chart_and_latest_donations(client, ledger_world):
    world, ledger = ledger_world
    response = client.get(f"/c/{ledger.slug}/public/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    tiles = parse(body).tiles
    assert {name: fen(text) for name, text in tiles.items()} == {"charity": 260_000, "development": 30_000}
    assert "¥2,000.00" in body, "restricted money is shown"
    assert "¥1,000.00" in body, "goods in kind are shown apart"
    for name in ("张桂英", "长春某建材公司", "李大爷", "丰农惠民驿站"):
        assert name in body
    assert "Anonymous" in body or "匿名" in body
    for secret in private_strings(ledger):
        assert secret not in body, secret
    # Links to the last 12 months' statements, newest first.
    assert f"/public/statements/{key(ledger.this_month)}" in body
    assert f"/public/statements/{key(services.add_months(ledger.this_month, -11))}" in body
    assert f"/public/statements/{key(services.add_months(ledger.this_month, -12))}" not in body


def test_income_chart_has_a_bar_per_month_and_a_segment_per_source(client, ledger_world):
    world, ledger = ledger_world
    body = client.get(f"/c/{ledger.slug}/public/").get_data(as_text=True)
    svg = re.search(r"<svg[^>]*>.*?</svg>", body, re.S)[0]
    assert svg.count('class="bar"') == 12
    # last month: resident + company; this month: resident (the reversal nets out), person, in kind
    assert svg.count('class="seg"') == 5
    last, this = key(ledger.last_month), key(ledger.this_month)
    assert re.search(rf'data-bar="{last}">(<rect class="seg"[^>]*>.*?</rect>){{2}}</g>', svg)
    assert re.search(rf'data-bar="{this}">(<rect class="seg"[^>]*>.*?</rect>){{3}}</g>', svg)
    assert "¥2,000.00" in svg and "¥300.00" in svg  # tooltips
    assert 'style=' not in svg, "presentation attributes only (the CSP forbids inline styles)"


def test_income_by_month_from_month_totals(app, ledger_world):
    world, ledger = ledger_world
    with app.test_request_context(), tenant_scope(db.session, world.tenant.id):
        months, sources = services.income_months(ledger.this_month)
    assert [item.month for item in months][-2:] == [ledger.last_month, ledger.this_month]
    assert sources == ["donation_person", "donation_company", "donation_resident", "in_kind"]
    assert months[-2].by_source == {"donation_person": 0, "donation_company": 200_000, "donation_resident": 50_000,
                                    "in_kind": 0}
    assert months[-1].by_source == {"donation_person": 10_000, "donation_company": 0, "donation_resident": 30_000,
                                    "in_kind": 100_000}
    assert sum(item.total_fen for item in months[:-2]) == 0


def test_public_page_of_an_empty_community(client, factory):
    tenant = factory.tenant(name="空社区", contact_person="赵主任")
    body = client.get(f"/c/{tenant.slug}/public/").get_data(as_text=True)
    assert "空社区" in body and "赵主任" in body


# --- donations list -----------------------------------------------------------------------

def test_donation_list_pages_without_private_data(client, ledger_world):
    world, ledger = ledger_world
    first = client.get(f"/c/{ledger.slug}/public/donations")
    body = first.get_data(as_text=True)
    assert first.status_code == 200 and "<html" in body
    assert "5 donations" in body or "5" in re.search(r'<p class="muted">([^<]*)</p>', body)[1]
    assert 'hx-push-url="true"' in body and "page=2" in body
    pages = [body] + [client.get(f"/c/{ledger.slug}/public/donations?page=2", headers=HX).get_data(as_text=True)]
    assert "<html" not in pages[1], "htmx paging gets the fragment"
    everything = "".join(pages)
    for name in ("张桂英", "长春某建材公司", "李大爷", "丰农惠民驿站"):
        assert everything.count(name) == 1, name
    assert everything.count("Anonymous") + everything.count("匿名") >= 1
    for secret in private_strings(ledger):
        assert secret not in everything, secret


# --- monthly statements -------------------------------------------------------------------

def test_statement_numbers_add_up_and_match_the_dashboard(client, ledger_world):
    world, ledger = ledger_world
    last = statement_numbers(client, ledger.slug, ledger.last_month)
    this = statement_numbers(client, ledger.slug, ledger.this_month)
    assert last["opening"] == {"charity": 0, "development": 0, "": 0}
    assert last["income:donation_resident"]["charity"] == 50_000
    assert last["income:donation_company"]["charity"] == 200_000
    assert last["closing"] == {"charity": 250_000, "development": 0, "": 250_000}
    assert this["opening"] == last["closing"]
    assert this["income:donation_resident"] == {"charity": 30_000, "development": 0, "": 30_000}
    assert this["income:donation_person"] == {"charity": 0, "development": 10_000, "": 10_000}
    assert "income:in_kind" not in this, "goods in kind are not money income"
    assert this["transfers_in"] == {"charity": 0, "development": 20_000, "": 20_000}
    assert this["transfers_out"] == {"charity": 20_000, "development": 0, "": 20_000}
    assert this["closing"] == {"charity": 260_000, "development": 30_000, "": 290_000}
    assert this["restricted"]["charity"] == 200_000
    assert this["in_kind_received"]["charity"] == 100_000 and this["in_kind_closing"]["charity"] == 100_000
    for numbers in (last, this):
        for fund_key in ("charity", "development", ""):
            moved = (numbers.get("transfers_in", {}).get(fund_key, 0)
                     - numbers.get("transfers_out", {}).get(fund_key, 0))
            assert (numbers["opening"][fund_key] + numbers["income_total"][fund_key] + moved
                    - numbers["spending"][fund_key]) == numbers["closing"][fund_key]
            assert numbers["spending"][fund_key] == 0
    login(client, world.staff)
    dashboard = parse(client.get(f"/c/{ledger.slug}/funds/").get_data(as_text=True)).tiles
    assert {name: fen(text) for name, text in dashboard.items()} == {
        name: this["closing"][name] for name in ("charity", "development")}


def test_statement_shows_transfer_counterparts(client, ledger_world):
    world, ledger = ledger_world
    body = client.get(f"/c/{ledger.slug}/public/statements/{key(ledger.this_month)}").get_data(as_text=True)
    assert re.search(r"发展基金.*¥200\.00.*慈善基金", body)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "garbage", "20261", "2026-11-01", "0000-01"])
def test_bad_months_are_404(client, ledger_world, month):
    world, ledger = ledger_world
    assert client.get(f"/c/{ledger.slug}/public/statements/{month}").status_code == 404
    assert client.get(f"/c/{ledger.slug}/public/statements/{month}.pdf").status_code == 404


def test_future_month_is_404_and_long_ago_is_empty(client, ledger_world):
    world, ledger = ledger_world
    future = key(services.add_months(ledger.this_month, 1))
    assert client.get(f"/c/{ledger.slug}/public/statements/{future}").status_code == 404
    numbers = statement_numbers(client, ledger.slug, date(1999, 1, 1))
    assert all(value == 0 for cells in numbers.values() for value in cells.values())


def test_statement_pdf_reads_back(app, client, ledger_world, tmp_path):
    world, ledger = ledger_world
    response = client.get(f"/c/{ledger.slug}/public/statements/{key(ledger.this_month)}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    path = tmp_path / "statement.pdf"
    path.write_bytes(response.get_data())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    with app.test_request_context(), force_locale("zh_CN"):
        company = services.source_label("donation_company")
    month = f"{ledger.this_month.year}年{ledger.this_month.month}月"
    for expected in ("月度资金公示表", "新竹社区", month, "期初余额", "期末余额", "¥2,500.00", "¥2,600.00",
                     "¥300.00", "¥2,900.00", "调出", "制表人", "第 1 页 共 1 页", company):
        assert expected in text, expected
    for secret in private_strings(ledger):
        assert secret not in text


# --- trace --------------------------------------------------------------------------------

def test_trace_by_receipt_code(client, ledger_world):
    world, ledger = ledger_world
    code = ledger.codes["company"]
    typed = f" {code[:4].lower()} {code[4:8]}-{code[8:].lower()} "
    response = client.post(f"/c/{ledger.slug}/public/trace", data={"code": typed})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "¥2,000.00" in body and "慈善基金" in body
    assert "¥2,600.00" in body, "where it sits: the fund's balance now"
    assert "专款专用" in body and "长春某建材公司" not in body
    assert ledger.last_month.replace(day=21).isoformat() in body


def test_trace_of_a_reversed_and_of_an_anonymous_gift(client, ledger_world):
    world, ledger = ledger_world
    client.post("/language", data={"locale": "en"})
    reversed_body = client.post(f"/c/{ledger.slug}/public/trace",
                                data={"code": ledger.codes["mistake"]}).get_data(as_text=True)
    assert "¥777.00" in reversed_body and "was reversed" in reversed_body
    anonymous = client.post(f"/c/{ledger.slug}/public/trace", data={"code": ledger.codes["anonymous"]},
                            headers=HX)
    body = anonymous.get_data(as_text=True)
    assert anonymous.status_code == 200 and "<html" not in body and 'id="trace"' in body
    assert "¥300.00" in body and "王秘密" not in body and PHONES[1] not in body


def test_wrong_code_and_other_communitys_code_find_nothing(app, client, factory, ledger_world):
    world, ledger = ledger_world
    other = make_funds_world(app, factory, name="铁西社区")
    with app.app_context(), tenant_scope(db.session, other.tenant.id):
        donation, _ = record_donation(gift("铁西捐赠人", 12_300, date(2026, 1, 5)), actor=None, today=date(2026, 1, 5))
        other_code = donation.receipt_code
        db.session.commit()
    client.post("/language", data={"locale": "en"})
    for code in (other_code, "2345-6789-AB"):
        response = client.post(f"/c/{ledger.slug}/public/trace", data={"code": code})
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "No donation with this receipt code" in body
        assert "¥123.00" not in body and "铁西" not in body
    own = client.post(f"/c/{other.tenant.slug}/public/trace", data={"code": other_code}).get_data(as_text=True)
    assert "¥123.00" in own
    malformed = client.post(f"/c/{ledger.slug}/public/trace", data={"code": "abc"})
    assert malformed.status_code == 422 and "10 letters and digits" in malformed.get_data(as_text=True)


def test_trace_lookups_are_rate_limited(client, ledger_world):
    world, ledger = ledger_world
    for attempt in range(TRACE_LIMIT):
        response = client.post(f"/c/{ledger.slug}/public/trace", data={"code": f"2345-6789-A{attempt + 2}"})
        assert response.status_code == 200
    assert client.post(f"/c/{ledger.slug}/public/trace", data={"code": ledger.codes["company"]}).status_code == 429
    assert client.get(f"/c/{ledger.slug}/public/trace").status_code == 200, "the form itself is not limited"


# --- open data ----------------------------------------------------------------------------

def test_open_data_shape_and_no_private_data(client, ledger_world):
    world, ledger = ledger_world
    response = client.get(f"/c/{ledger.slug}/public/open-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n", "deterministic order"
    assert client.get(f"/c/{ledger.slug}/public/open-data.json").get_data(as_text=True) == text
    assert data["currency"] == "CNY" and data["unit"] == "fen"
    assert [(item["key"], item["name"], item["balance_fen"]) for item in data["funds"]] == [
        ("charity", "慈善基金", 260_000), ("development", "发展基金", 30_000)]
    rows = {(row["month"], row["fund"], row["source"]): row["amount_fen"] for row in data["monthly_totals"]}
    assert rows == {
        (key(ledger.last_month), "charity", "donation_resident"): 50_000,
        (key(ledger.last_month), "charity", "donation_company"): 200_000,
        (key(ledger.this_month), "charity", "donation_resident"): 30_000,
        (key(ledger.this_month), "charity", "in_kind"): 100_000,
        (key(ledger.this_month), "development", "donation_person"): 10_000,
    }
    for secret in [*private_strings(ledger), "张桂英", "长春某建材公司", "李大爷"]:
        assert secret not in text, secret


# --- the SVG builder ----------------------------------------------------------------------

def test_chart_escapes_text_and_draws_negative_values():
    bars = [charts.Bar("2026-10", "10月", "2026"), charts.Bar("2026-11", "<11>")]
    series = [charts.Series("a", '<script>"x"</script>', "#c2410c", (5_000, -2_000)),
              charts.Series("b", "B & C", "#1d4ed8", (0, 1_000))]
    svg = str(charts.stacked_bars(bars, series, title="收入 <图>", axis_label="元", empty_text="无"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "B &amp; C" in svg and "&lt;11&gt;" in svg
    assert svg.count('class="bar"') == 2 and svg.count('class="seg"') == 3
    assert ">-20<" in svg, "the axis goes below zero for a reversal"
    empty = str(charts.stacked_bars(bars, [], title="t", axis_label="元", empty_text="本期无收入"))
    assert "本期无收入" in empty and 'class="seg"' not in empty


@pytest.mark.parametrize(("span", "step"), [(1, 1), (9, 5), (10_000, 5_000), (123_456, 50_000), (800_000, 200_000)])
def test_nice_steps(span, step):
    assert charts.nice_step(span) == step
