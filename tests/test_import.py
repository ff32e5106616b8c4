"""Importing donations from Excel and CSV files: formats, Chinese headers and labels, bad rows,
partial imports, duplicates, re-imports, file problems and the ``flask donations import`` command."""

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.funds import importer, ledger, services
from app.funds.importer import import_donations
from app.funds.models import CATEGORY_CASH, CATEGORY_IN_KIND, Donation
from app.funds.services import DonationInput
from app.funds.verify import verify
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from tests.funds_world import TODAY, fund, make_funds_world

HEADER = "date,donor_name,donor_type,amount,channel,reference,fund,anonymous,note"


@pytest.fixture
def world(app, factory):
    return make_funds_world(app, factory)


@dataclass
class Result:
    """What an import did, read inside its app context (messages in English)."""

    rows: int
    imported: int
    duplicates: int
    errors: int
    failed: bool
    problems: list[tuple[int | None, str]]
    donations: list[dict] = field(default_factory=list)

    def lines(self) -> list[int | None]:
        return [line for line, _message in self.problems]

    def message(self, line: int) -> str:
        return " | ".join(message for number, message in self.problems if number == line)


def run_import(app, world, source, filename=None, *, partial=False, today=TODAY) -> Result:
    """Import like a caller does: commit when something was imported, else roll back."""
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        tenant = db.session.get(Tenant, world.tenant.id)
        report = import_donations(source, filename, tenant=tenant, actor=None, today=today, partial=partial)
        with force_locale("en"):
            problems = [(problem.line, str(problem.message)) for problem in report.problems]
        donations = [{"donor": d.donor.name, "donor_type": d.donor.donor_type, "amount_fen": d.amount_fen,
                      "channel": d.channel, "reference": d.reference, "fund": d.fund.key, "anonymous": d.anonymous,
                      "received_on": d.received_on, "note": d.note, "key": d.idempotency_key,
                      "items": [(i.description, i.quantity, i.unit_value_fen) for i in d.items]}
                     for d in report.donations]
        result = Result(report.rows, report.imported, report.duplicates, report.errors, report.failed, problems,
                        donations)
        if report.imported:
            db.session.commit()
        else:
            db.session.rollback()
        return result


def write_csv(tmp_path, rows, *, header=HEADER, name="donations.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode(encoding))
    return path


def balances(app, world) -> dict[str, dict[str, int]]:
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        return {fund.key: values for fund, values in ledger.fund_balances()}


def donation_count(app, world) -> int:
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        return db.session.scalar(select(func.count()).select_from(Donation))


def ledger_problems(app, world) -> list:
    with app.app_context():
        return verify(world.tenant.id)


# --- good files ---------------------------------------------------------------------------

GOOD_ROWS = [
    "2026-11-01,张三,person,100,cash,,,否,",
    '2026-11-02,邹城市某建材公司,company,"1,234.50",bank_transfer,BANK-001,development,no,',
    "2026-11-03,李四,resident,50.5,online_platform,PLAT-9,慈善基金,yes,腾讯公益",
    "2026-11-04,丰农惠民驿站,shop,300,in_kind,,charity,,大米 20 袋",
    "2026-11-05,王阿姨,resident,80,in_kind,,,,",
]


def test_all_good_csv_is_imported_into_the_right_funds(app, world, tmp_path):
    result = run_import(app, world, write_csv(tmp_path, GOOD_ROWS), "donations.csv")

    assert (result.rows, result.imported, result.duplicates, result.errors) == (5, 5, 0, 0)
    assert result.problems == [] and not result.failed
    charity = balances(app, world)["charity"]
    assert (charity[CATEGORY_CASH], charity[CATEGORY_IN_KIND]) == (10_000 + 5_050, 30_000 + 8_000)
    assert balances(app, world)["development"][CATEGORY_CASH] == 123_450
    first, company, platform, rice, unnamed = result.donations
    assert (first["donor"], first["donor_type"], first["channel"], first["fund"], first["anonymous"]) == \
        ("张三", "person", "cash", "charity", False)
    assert (company["reference"], company["fund"], company["received_on"]) == ("BANK-001", "development",
                                                                               date(2026, 11, 2))
    assert (platform["fund"], platform["anonymous"], platform["note"]) == ("charity", True, "腾讯公益")
    assert rice["items"] == [("大米 20 袋", 1, 30_000)] and rice["amount_fen"] == 30_000
    assert unnamed["items"] == [("实物捐赠", 1, 8_000)]
    assert first["key"].startswith("import:") and len(first["key"]) <= 64
    assert ledger_problems(app, world) == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_headers_and_labels(app, world, tmp_path, encoding):
    header = "日期,捐赠人姓名,捐赠人类型,金额（元）,捐赠方式,流水号,基金,匿名,备注"
    rows = [
        '2026/11/18,邹城市某建材公司,企业,"¥2,000.00",银行转账,ZC-778,发展基金,否,',
        "2026年11月19日,王阿姨,居民,200元,现金,,,是,",
        "2026-11-20,丰农惠民驿站,商户,500,实物,,,,食用油 10 桶",
        "2026-11-20,新竹物业,共建单位,１２３４.５,网络平台,WL-1,慈善基金,否,",
        "2026-11-20,张书记,党员,88,现金,,,,",
        "2026-11-20,刘先生,个人,12,现金,,,,",
    ]
    path = write_csv(tmp_path, rows, header=header, encoding=encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # so the GB18030 fallback is what reads it

    result = run_import(app, world, path)

    assert (result.imported, result.errors) == (6, 0), result.problems
    assert [(d["donor_type"], d["channel"], d["fund"], d["amount_fen"], d["anonymous"]) for d in result.donations] == [
        ("company", "bank_transfer", "development", 200_000, False),
        ("resident", "cash", "charity", 20_000, True),
        ("shop", "in_kind", "charity", 50_000, False),
        ("co_building_unit", "online_platform", "charity", 123_450, False),
        ("party_member", "cash", "charity", 8_800, False),
        ("person", "cash", "charity", 1_200, False),
    ]
    assert [d["received_on"] for d in result.donations[:3]] == [date(2026, 11, 18), date(2026, 11, 19), TODAY]
    assert balances(app, world)["development"][CATEGORY_CASH] == 200_000
    assert balances(app, world)["charity"][CATEGORY_CASH] == 20_000 + 123_450 + 8_800 + 1_200
    assert balances(app, world)["charity"][CATEGORY_IN_KIND] == 50_000
    assert ledger_problems(app, world) == []


def test_header_variants_and_blank_columns(app, world, tmp_path):
    header = " Date ,Donor Name,AMOUNT,Channel,参考号,Fund,,"
    rows = ["2026-11-01 09:30:00,张三,100,Bank Transfer,B-1,DEVELOPMENT,,", "", "2026.11.02,李四,5,CASH,,,,"]
    result = run_import(app, world, write_csv(tmp_path, rows, header=header))

    assert (result.rows, result.imported, result.errors) == (2, 2, 0), result.problems
    assert [(d["channel"], d["fund"], d["donor_type"]) for d in result.donations] == [
        ("bank_transfer", "development", "person"), ("cash", "charity", "person")]


def build_xlsx(path, rows, header=("日期", "捐赠人", "金额", "渠道", "流水号", "基金", "匿名")):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def test_xlsx_with_date_and_numeric_cells(app, world, tmp_path):
    path = build_xlsx(tmp_path / "捐赠.xlsx", [
        (datetime(2026, 11, 18), "邹城市某建材公司", 1234.5, "银行转账", 20261118001, "development", False),
        (date(2026, 11, 19), "王阿姨", 200, "现金", None, None, "是"),
        ("2026/11/20", "李四", 0.1 + 0.2, "cash", None, None, None),  # 0.30000000000000004 from a formula
        (None, None, None, None, None, None, None),
        (20261120, "赵五", "1,000", "online_platform", "WX-1", "慈善基金", 0),
    ])
    result = run_import(app, world, path)

    assert (result.rows, result.imported, result.errors) == (4, 4, 0), result.problems
    company, auntie, li, zhao = result.donations
    assert (company["received_on"], company["amount_fen"], company["reference"]) == \
        (date(2026, 11, 18), 123_450, "20261118001")
    assert (auntie["received_on"], auntie["amount_fen"], auntie["anonymous"]) == (date(2026, 11, 19), 20_000, True)
    assert li["amount_fen"] == 30
    assert zhao["received_on"] == TODAY and zhao["amount_fen"] == 100_000
    assert balances(app, world)["development"][CATEGORY_CASH] == 123_450
    assert balances(app, world)["charity"][CATEGORY_CASH] == 20_000 + 30 + 100_000
    assert ledger_problems(app, world) == []


def test_xlsx_bad_cells_are_reported_by_spreadsheet_row(app, world, tmp_path):
    path = build_xlsx(tmp_path / "bad.xlsx", [
        (datetime(2026, 11, 18), "甲", 12.345, "现金", None, None, None),
        (None, None, None, None, None, None, None),
        (True, "乙", 10, "现金", None, None, None),
        (datetime(2026, 11, 18), "丙", datetime(2026, 1, 1), "现金", None, None, None),
    ])
    result = run_import(app, world, path)
    assert result.lines() == [2, 4, 5] and result.failed
    assert "two decimals" in result.message(2)
    assert "2026-11-20" in result.message(4)
    assert "amount in yuan" in result.message(5)


def test_xlsx_from_another_program_without_styles(app, world, tmp_path):
    """openpyxl warns about workbooks without a style sheet; the import reads them quietly."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>日期</t></is></c><c r="B1" t="inlineStr"><is><t>捐赠人</t></is></c><c r="C1" t="inlineStr"><is><t>金额</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>2026-11-20</t></is></c><c r="B2" t="inlineStr"><is><t>张三</t></is></c><c r="C2"><v>66.6</v></c></row>'
        "</sheetData></worksheet>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    result = run_import(app, world, buffer.getvalue(), "export.xlsx")
    assert (result.imported, result.errors) == (1, 0), result.problems
    assert result.donations[0]["amount_fen"] == 6_660


def test_upload_stream_is_accepted(app, world):
    data = ("\n".join([HEADER, GOOD_ROWS[0]]) + "\n").encode()
    result = run_import(app, world, io.BytesIO(data), "upload.csv")
    assert result.imported == 1


# --- bad rows -----------------------------------------------------------------------------

BAD_FILE = [
    "2026-11-01,张三,person,100,cash,,,,",  # 2 good
    "2026-13-01,李四,person,100,cash,,,,",  # 3 no such month
    "2026-11-02,王五,person,12.345,cash,,,,",  # 4
    "2026-11-02,,person,10,cash,,,,",  # 5
    "2026-11-02,赵六,alien,10,cash,,,,",  # 6
    "2026-11-02,钱七,person,10,bitcoin,,,,",  # 7
    "2026-11-02,孙八,person,10,bank_transfer,,,,",  # 8
    "2026-11-02,周九,person,10,cash,,nofund,,",  # 9
    "2026-11-21,吴十,person,10,cash,,,,",  # 10 after TODAY
    "",  # 11 blank: skipped, still counted as a line
    "2026-11-02,郑十一,person,10,cash,,,maybe,",  # 12
    "2026-11-02,冯十二,person,,cash,,,,",  # 13
    "11/02/2026,陈十三,person,-5,cash,,,,",  # 14 two problems
    "2026-11-03,褚十四,person,200,现金,,发展基金,否,",  # 15 good
]
BAD_LINES = {
    3: "Write the date as 2026-11-20",
    4: "At most two decimals",
    5: "Give the donor's name.",
    6: "Unknown donor type “alien”.",
    7: "Unknown channel “bitcoin”.",
    8: "reference number",
    9: "Unknown fund “nofund”.",
    10: "cannot be in the future",
    12: "anonymous column",
    13: "Enter the amount.",
    14: "Write the date as 2026-11-20",
}


def test_bad_rows_stop_the_whole_import_and_each_is_reported(app, world, tmp_path):
    result = run_import(app, world, write_csv(tmp_path, BAD_FILE))

    assert (result.rows, result.imported, result.duplicates, result.errors) == (13, 0, 0, 11)
    assert result.failed
    assert result.lines() == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 14]
    for line, message in BAD_LINES.items():
        assert message in result.message(line), (line, result.message(line))
    assert "greater than zero" in result.message(14)
    assert donation_count(app, world) == 0
    assert balances(app, world)["charity"].get(CATEGORY_CASH, 0) == 0


def test_partial_imports_the_good_rows(app, world, tmp_path):
    result = run_import(app, world, write_csv(tmp_path, BAD_FILE), partial=True)

    assert (result.rows, result.imported, result.duplicates, result.errors) == (13, 2, 0, 11)
    assert not result.failed
    assert sorted({line for line, _ in result.problems}) == sorted(BAD_LINES)
    assert [d["donor"] for d in result.donations] == ["张三", "褚十四"]
    assert balances(app, world)["charity"][CATEGORY_CASH] == 10_000
    assert balances(app, world)["development"][CATEGORY_CASH] == 20_000
    assert ledger_problems(app, world) == []


def test_partial_with_only_bad_rows_imports_nothing(app, world, tmp_path):
    result = run_import(app, world, write_csv(tmp_path, BAD_FILE[1:3]), partial=True)
    assert (result.imported, result.errors, result.failed) == (0, 2, True)


# --- duplicates ---------------------------------------------------------------------------

def record_bank_transfer(app, world, reference):
    with app.app_context(), tenant_scope(db.session, world.tenant.id):
        services.record_donation(DonationInput(donor_name="已登记公司", donor_type="company", channel="bank_transfer",
                                               reference=reference, fund=fund("charity"), received_on=TODAY,
                                               amount_fen=50_000), actor=None, today=TODAY)
        db.session.commit()


def test_duplicates_in_the_file_and_in_the_database_are_skipped(app, world, tmp_path):
    record_bank_transfer(app, world, "BANK-1")
    rows = [
        "2026-11-01,甲公司,company,100,bank_transfer,BANK-1,,,",  # 2 already recorded
        "2026-11-01,乙公司,company,100,bank_transfer,BANK-2,,,",  # 3
        "2026-11-01,乙公司,company,100,bank_transfer,BANK-2,,,",  # 4 same as line 3
        "2026-11-01,丙平台,company,100,online_platform,BANK-1,,,",  # 5 another channel: not a duplicate
        "2026-11-01,丁,person,100,cash,,,,",  # 6
        "2026-11-01,丁,person,100,cash,,,,",  # 7 no reference: two gifts
    ]
    result = run_import(app, world, write_csv(tmp_path, rows))

    assert (result.rows, result.imported, result.duplicates, result.errors) == (6, 4, 2, 0)
    assert not result.failed
    assert result.lines() == [2, 4]
    assert "already recorded" in result.message(2)
    assert result.message(4) == "Same channel and reference number as line 3."
    assert balances(app, world)["charity"][CATEGORY_CASH] == 50_000 + 4 * 10_000
    assert ledger_problems(app, world) == []


def test_duplicates_are_reported_but_bad_rows_still_stop_the_import(app, world, tmp_path):
    record_bank_transfer(app, world, "BANK-1")
    rows = ["2026-11-01,甲公司,company,100,bank_transfer,BANK-1,,,", "2026-11-01,乙,person,abc,cash,,,,",
            "2026-11-01,丙,person,1,cash,,,,"]
    result = run_import(app, world, write_csv(tmp_path, rows))
    assert (result.imported, result.duplicates, result.errors, result.failed) == (0, 1, 1, True)
    assert result.lines() == [2, 3]
    assert donation_count(app, world) == 1


def test_reimporting_the_same_file_imports_nothing(app, world, tmp_path):
    path = write_csv(tmp_path, GOOD_ROWS)
    first = run_import(app, world, path)
    before = balances(app, world)

    again = run_import(app, world, path)

    assert first.imported == 5
    assert (again.rows, again.imported, again.duplicates, again.errors, again.failed) == (5, 0, 5, 0, False)
    assert again.problems == [(line, "Already imported from this file.") for line in range(2, 7)]
    assert balances(app, world) == before and donation_count(app, world) == 5
    assert ledger_problems(app, world) == []


def test_the_same_rows_saved_as_excel_are_recognised(app, world, tmp_path):
    """The content hash is of the cells, so re-saving the rows in another format changes nothing."""
    rows = [("2026-11-01", "张三", "100", "cash"), ("2026-11-02", "李四", "5.5", "cash")]
    csv_path = write_csv(tmp_path, [",".join(row) for row in rows], header="date,donor_name,amount,channel")
    xlsx_path = build_xlsx(tmp_path / "same.xlsx", [(datetime(2026, 11, 1), "张三", 100, "cash"),
                                                    (datetime(2026, 11, 2), "李四", 5.5, "cash")],
                           header=("date", "donor_name", "amount", "channel"))
    assert run_import(app, world, csv_path).imported == 2
    again = run_import(app, world, xlsx_path)
    assert (again.imported, again.duplicates) == (0, 2)
    assert donation_count(app, world) == 2


def test_a_partial_import_can_be_rerun_after_fixing_nothing(app, world, tmp_path):
    path = write_csv(tmp_path, BAD_FILE)
    assert run_import(app, world, path, partial=True).imported == 2
    again = run_import(app, world, path, partial=True)
    assert (again.imported, again.duplicates, again.errors) == (0, 2, 11)
    assert donation_count(app, world) == 2


# --- problems with the file ---------------------------------------------------------------

@pytest.mark.parametrize(("header", "rows", "expected"), [
    ("date,amount,channel", ["2026-11-01,100,cash"], [(1, "Missing column: donor_name (捐赠人).")]),
    ("channel,note", ["cash,x"], [(1, "Missing column: date (日期)."), (1, "Missing column: donor_name (捐赠人)."),
                                  (1, "Missing column: amount (金额).")]),
    ("date,donor_name,amount,colour", ["2026-11-01,张三,100,red"], [(1, "Unknown column “colour”.")]),
    ("date,捐赠人,捐赠人姓名,amount", ["2026-11-01,张三,张三,100"], [(1, "The column “捐赠人姓名” appears twice.")]),
    ("date,donor_name,amount", ["2026-11-01,张三,100", "2026-11-01,李四,100,extra"],
     [(3, "Column D has data but no header.")]),
])
def test_header_problems(app, world, tmp_path, header, rows, expected):
    result = run_import(app, world, write_csv(tmp_path, rows, header=header))
    assert result.problems == expected
    assert result.failed and result.imported == 0
    assert donation_count(app, world) == 0


def not_xlsx_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("donations.pdf", b"%PDF-1.4\n", "Upload an Excel (.xlsx) or CSV file."),
    ("donations", b"date,donor_name,amount\n", "Upload an Excel (.xlsx) or CSV file."),
    ("donations.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Old Excel files (.xls)"),
    ("donations.xlsx", b"date,donor_name,amount\n", "could not be read as an Excel workbook"),
    ("donations.xlsx", not_xlsx_zip(), "could not be read as an Excel workbook"),
    ("donations.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "could not be read as CSV text"),
    ("donations.csv", not_xlsx_zip(), "could not be read as CSV text"),
    ("donations.csv", b"", "The file is empty."),
    ("donations.csv", b"\xef\xbb\xbf\r\n , \r\n", "The file is empty."),
    ("donations.csv", b"date,donor_name,amount\r\n", "no donation rows"),
    ("donations.csv", b"date,donor_name,amount\n\xff\xfe\xff,x,1\n", "not UTF-8 or GB18030"),
])
def test_files_that_cannot_be_imported(app, world, filename, data, message):
    result = run_import(app, world, data, filename)
    assert len(result.problems) == 1 and result.problems[0][0] is None
    assert message in result.problems[0][1]
    assert result.failed and result.imported == 0


def test_row_limit(app, world, tmp_path):
    rows = [f"2026-11-01,捐赠人{i},1,cash" for i in range(importer.MAX_ROWS + 1)]
    result = run_import(app, world, write_csv(tmp_path, rows, header="date,donor_name,amount,channel"))
    assert result.problems == [(None, "The file has more than 5,000 rows; split it into smaller files.")]
    assert result.failed and donation_count(app, world) == 0


def test_row_limit_counts_donation_rows_only(app, world, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    rows = ["2026-11-01,甲,1,cash", "", "", "2026-11-01,乙,1,cash"]
    result = run_import(app, world, write_csv(tmp_path, rows, header="date,donor_name,amount,channel"))
    assert result.imported == 2


def test_no_fund_yet(app, factory, tmp_path):
    tenant = factory.tenant()

    @dataclass
    class Bare:
        tenant: object

    result = run_import(app, Bare(tenant), write_csv(tmp_path, GOOD_ROWS[:1]))
    assert result.problems == [(None, "This community has no fund to record donations in.")]


def test_other_communities_are_not_touched(app, factory, world, tmp_path):
    other = make_funds_world(app, factory, name="别的社区")
    record_bank_transfer(app, other, "BANK-001")
    result = run_import(app, world, write_csv(tmp_path, GOOD_ROWS))
    assert result.imported == 5  # BANK-001 belongs to the other community
    assert donation_count(app, other) == 1
    assert ledger_problems(app, other) == []


# --- the command --------------------------------------------------------------------------

def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=["donations", "import", *map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


CLI_ROWS = ["2026-11-01,张三,person,100,cash,,,,", "2026-11-02,某公司,company,200,bank_transfer,B-7,development,,"]


def test_cli_imports_and_commits(app, world, tmp_path):
    path = write_csv(tmp_path, CLI_ROWS)
    result = invoke(app, path, "--tenant", world.tenant.slug)

    assert result.exit_code == 0, result.output
    assert "2 row(s) read, 2 imported, 0 duplicate(s), 0 error(s)." in result.output
    assert "line" not in result.output
    assert donation_count(app, world) == 2
    assert balances(app, world)["development"][CATEGORY_CASH] == 20_000
    assert ledger_problems(app, world) == []

    again = invoke(app, path, "--tenant", world.tenant.slug)
    assert again.exit_code == 0, again.output
    assert "0 imported, 2 duplicate(s), 0 error(s)." in again.output
    assert [line.split(":")[0] for line in again.output.splitlines()[:2]] == ["line 2", "line 3"]
    assert donation_count(app, world) == 2


def test_cli_with_errors_imports_nothing(app, world, tmp_path):
    path = write_csv(tmp_path, [*CLI_ROWS, "2026-11-02,李四,person,oops,cash,,,,", "2026-11-02,,person,1,cash,,,,"])
    result = invoke(app, path, "--tenant", world.tenant.slug)

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["line 4", "line 5"]
    assert "4 row(s) read, 0 imported, 0 duplicate(s), 2 error(s)." in result.output
    assert lines[-1] == "Nothing imported."
    assert donation_count(app, world) == 0


def test_cli_partial(app, world, tmp_path):
    path = write_csv(tmp_path, [*CLI_ROWS, "2026-11-02,李四,person,oops,cash,,,,"])
    result = invoke(app, path, "--tenant", world.tenant.slug, "--partial")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("line 4: ")
    assert "3 row(s) read, 2 imported, 0 duplicate(s), 1 error(s)." in result.output
    assert donation_count(app, world) == 2
    assert ledger_problems(app, world) == []


def test_cli_file_problems_and_unknown_tenant(app, world, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    result = invoke(app, path, "--tenant", world.tenant.slug)
    assert result.exit_code == 1
    assert not result.output.startswith("line")
    assert "0 row(s) read, 0 imported, 0 duplicate(s), 1 error(s)." in result.output

    result = invoke(app, write_csv(tmp_path, CLI_ROWS), "--tenant", "no-such-community")
    assert result.exit_code == 1
    assert "No tenant 'no-such-community'." in result.output
    assert donation_count(app, world) == 0


def test_reuploading_an_edited_file_records_nothing_twice(app, factory):
    """A blank first line or an extra empty column changes the file, not the rows (review finding)."""
    world = make_funds_world(app, factory)
    original = "date,donor_name,amount\n2026-11-01,王大妈,100\n2026-11-01,李大爷,200\n2026-11-01,李大爷,200\n"
    edited = "\ndate,donor_name,amount,note\n2026-11-01,王大妈,100,\n2026-11-01,李大爷,200,\n2026-11-01,李大爷,200,\n"
    with app.test_request_context():
        tenant = db.session.get(Tenant, world.tenant.id)
        first = import_donations(original.encode(), "a.csv", tenant=tenant, actor=None, today=TODAY)
        again = import_donations(edited.encode(), "b.csv", tenant=tenant, actor=None, today=TODAY)
        assert first.imported == 3, "two identical rows in one file are two gifts"
        assert (again.imported, again.duplicates) == (0, 3)
