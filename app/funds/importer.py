"""Import donations from an Excel (.xlsx) or CSV file that staff upload.

Every row is read and checked first (parsing, ``services.validate_donation``, duplicates);
by default nothing is recorded when any row is wrong, with ``partial=True`` the good rows
are. Duplicates are skipped and reported, never recorded twice: a row whose channel and
reference number are already recorded (or appear on an earlier line of the file), or a
row already imported. Each row's idempotency key is a hash of what the row says (date,
donor, type, amount, channel, reference, fund, note) and how many identical rows came
before it in the file, so a re-uploaded file — re-saved, with lines added or columns
moved — cannot record a row twice, even without a reference number.

Line numbers are the spreadsheet's row numbers (the header is usually line 1). Messages
are lazy translations, rendered where they are shown. Nothing here commits.
"""

import csv
import hashlib
import io
import json
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from os import PathLike
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from app.audit import services as audit
from app.core.money import FORMAT_MESSAGE, MoneyError, parse_yuan
from app.extensions import db
from app.funds import ledger, services
from app.funds.forms import CHANNEL_LABELS, DONOR_TYPE_LABELS
from app.funds.ledger import LedgerError
from app.funds.models import CHANNELS, DONOR_TYPES, Donation, Fund
from app.funds.services import DonationInput, DuplicateDonation, FundError, ItemInput
from app.tenancy.scoping import tenant_scope

MAX_ROWS = 5_000
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_NAME_LENGTH = 100  # Donor.name
MAX_REFERENCE_LENGTH = 100  # Donation.reference
MAX_ITEM_DESCRIPTION = 200  # DonationItem.description
IN_KIND_DESCRIPTION = "实物捐赠"
KEY_PREFIX = "import"
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits; more is binary noise from a formula

DEFAULT_DONOR_TYPE = "person"
DEFAULT_CHANNEL = "cash"

COLUMNS = ("date", "donor_name", "donor_type", "amount", "channel", "reference", "fund", "anonymous", "note")
REQUIRED_COLUMNS = ("date", "donor_name", "amount")
COLUMN_TITLES = {"date": "日期", "donor_name": "捐赠人", "donor_type": "捐赠人类型", "amount": "金额",
                 "channel": "渠道", "reference": "流水号", "fund": "基金", "anonymous": "匿名", "note": "备注"}
HEADER_ALIASES = {
    "date": ("date", "received_on", "received", "donation_date", "日期", "捐赠日期", "捐款日期", "收款日期",
             "到账日期", "入账日期", "交易日期"),
    "donor_name": ("donor_name", "donor", "name", "捐赠人", "捐赠人姓名", "捐赠人名称", "捐赠者", "捐赠者姓名",
                   "捐款人", "捐款人姓名", "捐赠方", "捐赠单位", "捐赠人/单位", "姓名", "名称"),
    "donor_type": ("donor_type", "type", "捐赠人类型", "捐赠者类型", "捐赠人类别", "捐赠方类型", "类型", "类别"),
    "amount": ("amount", "amount_yuan", "sum", "金额", "捐赠金额", "捐款金额", "金额元"),
    "channel": ("channel", "method", "payment_method", "渠道", "捐赠渠道", "捐赠方式", "捐款方式", "方式",
                "收款方式", "支付方式", "付款方式"),
    "reference": ("reference", "ref", "reference_number", "reference_no", "transaction_id", "流水号", "参考号",
                  "交易流水号", "银行流水号", "交易号", "交易单号", "订单号", "单号", "凭证号"),
    "fund": ("fund", "fund_key", "fund_name", "基金", "基金名称", "所属基金", "入账基金", "捐入基金"),
    "anonymous": ("anonymous", "anon", "匿名", "是否匿名"),
    "note": ("note", "notes", "memo", "remark", "remarks", "comment", "备注", "说明", "附言"),
}
DONOR_TYPE_WORDS = {"个人": "person", "企业": "company", "公司": "company", "商户": "shop", "商家": "shop",
                    "共建单位": "co_building_unit", "党员": "party_member", "居民": "resident"}
CHANNEL_WORDS = {"现金": "cash", "银行转账": "bank_transfer", "转账": "bank_transfer", "银行汇款": "bank_transfer",
                 "网络平台": "online_platform", "指定网络平台": "online_platform", "网络捐赠": "online_platform",
                 "实物": "in_kind", "捐物": "in_kind", "物资": "in_kind"}
YES = {"是", "yes", "y", "true", "1", "匿名", "√", "✓"}
NO = {"否", "no", "n", "false", "0", "", "不匿名", "实名"}

NOT_A_SPREADSHEET = _l("Upload an Excel (.xlsx) or CSV file.")
OLD_EXCEL = _l("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV.")
EMPTY_FILE = _l("The file is empty.")
TOO_LARGE = _l("The file is too large (at most %(megabytes)s MB).", megabytes=MAX_FILE_BYTES // (1024 * 1024))
BAD_EXCEL = _l("This file could not be read as an Excel workbook (.xlsx).")
BAD_CSV = _l("This file could not be read as CSV text.")
BAD_ENCODING = _l("The CSV file's text encoding is not UTF-8 or GB18030; save it as “CSV UTF-8”.")
NO_ROWS = _l("The file has a header but no donation rows.")
def _too_many_rows(limit: int):
    return _l("The file has more than %(rows)s rows; split it into smaller files.", rows=f"{limit:,}")
NO_FUND = _l("This community has no fund to record donations in.")
NO_DATE = _l("Enter the date.")
BAD_DATE = _l("Write the date as 2026-11-20, 2026/11/20 or 2026年11月20日.")
NO_AMOUNT = _l("Enter the amount.")
NAME_TOO_LONG = _l("The donor's name is too long (at most %(length)s characters).", length=MAX_NAME_LENGTH)
REFERENCE_TOO_LONG = _l("The reference number is too long (at most %(length)s characters).",
                        length=MAX_REFERENCE_LENGTH)
BAD_ANONYMOUS = _l("Write 是 or 否 (yes or no) in the anonymous column.")
ALREADY_IMPORTED = _l("Already imported from this file.")
ALREADY_RECORDED = _l("A donation with this channel and reference number is already recorded.")


def _unknown_column(header: str):
    return _l("Unknown column “%(column)s”.", column=header)


def _repeated_column(header: str):
    return _l("The column “%(column)s” appears twice.", column=header)


def _missing_column(key: str):
    return _l("Missing column: %(column)s.", column=f"{key} ({COLUMN_TITLES[key]})")


def _headerless_column(letter: str):
    return _l("Column %(column)s has data but no header.", column=letter)


def _unknown_donor_type(value: str):
    return _l("Unknown donor type “%(value)s”.", value=value)


def _unknown_channel(value: str):
    return _l("Unknown channel “%(value)s”.", value=value)


def _unknown_fund(value: str):
    return _l("Unknown fund “%(value)s”.", value=value)


def _repeated_reference(line: int):
    return _l("Same channel and reference number as line %(line)s.", line=line)


class Problem(NamedTuple):
    """A problem on one line (``line`` is None for the file as a whole)."""

    line: int | None
    message: object  # a lazy string; str() renders it in the current locale


@dataclass
class ImportReport:
    filename: str
    partial: bool = False
    content_hash: str = ""
    rows: int = 0  # rows read (not counting the header and blank rows)
    duplicates: int = 0  # rows skipped as duplicates
    errors: int = 0  # rows with errors, plus problems with the file as a whole
    problems: list[Problem] = field(default_factory=list)
    donations: list[Donation] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return len(self.donations)

    @property
    def failed(self) -> bool:
        """Nothing was imported because of errors."""
        return self.errors > 0 and not self.donations

    def file_error(self, message, line: int | None = None) -> None:
        self.errors += 1
        self.problems.append(Problem(line, message))


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; ``problems`` say why."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(*(str(problem.message) for problem in problems))
        self.problems = list(problems)


class _Row(NamedTuple):
    line: int
    cells: list


@dataclass
class _Table:
    header: _Row
    rows: list[_Row]
    content_hash: str


@dataclass
class _Checked:
    """A row after checking: good (``data``), a duplicate, or with errors (``problems``)."""

    line: int
    data: DonationInput | None = None
    problems: list = field(default_factory=list)
    duplicate: bool = False


# --- the whole import ---------------------------------------------------------------------

def import_donations(source, filename: str | None = None, *, tenant, actor, today: date,
                     partial: bool = False, max_rows: int = MAX_ROWS) -> ImportReport:
    """Check every row of the file, then record the good ones (all or nothing unless ``partial``).

    ``source`` is the file's bytes, a path or a binary file object; ``filename`` decides the
    format (.xlsx or .csv). Runs in ``tenant``'s scope, in the current transaction: the
    caller commits (when ``report.imported``) or rolls back.
    """
    if filename is None and isinstance(source, str | PathLike):
        filename = Path(source).name
    report = ImportReport(filename=filename or "", partial=partial)
    with tenant_scope(db.session, tenant.id):
        try:
            table = _read_table(_read_source(source), filename or "", max_rows)
        except ImportFileError as error:
            for problem in error.problems:
                report.file_error(problem.message, problem.line)
            return report
        report.content_hash = table.content_hash
        report.rows = len(table.rows)
        columns = _map_header(table, report)
        fund_lookup = _FundLookup()
        if fund_lookup.default is None:
            report.file_error(NO_FUND)
        if report.errors:
            return report

        checked = _check_rows(table, columns, _Lookups(fund_lookup), today)
        for row in checked:
            report.problems.extend(Problem(row.line, message) for message in row.problems)
            if row.duplicate:
                report.duplicates += 1
            elif row.problems:
                report.errors += 1
        if report.errors and not partial:
            return report
        _record(report, [row for row in checked if row.data is not None], actor=actor, today=today)
        report.problems.sort(key=lambda problem: problem.line or 0)
        if report.donations:
            audit.record("donation.imported", actor=actor, tenant=tenant, object_type="DonationImport",
                         object_ref=table.content_hash[:16], object_label=report.filename,
                         after={"file": report.filename, "rows": report.rows, "imported": report.imported,
                                "duplicates": report.duplicates, "errors": report.errors, "partial": partial})
    return report


class _Abandon(Exception):
    """Undo every row recorded so far (all-or-nothing import)."""


def _record(report: ImportReport, rows: list[_Checked], *, actor, today: date) -> None:
    try:
        with db.session.begin_nested(), ledger.batched_balances():
            for row in rows:
                try:
                    donation, created = services.record_donation(row.data, actor=actor, today=today)
                except DuplicateDonation as error:  # recorded meanwhile by someone else
                    report.duplicates += 1
                    report.problems.append(Problem(row.line, error.args[0]))
                    continue
                except (FundError, LedgerError) as error:
                    report.errors += 1
                    report.problems.append(Problem(row.line, error.args[0]))
                    if not report.partial:
                        raise _Abandon from error
                    continue
                if created:
                    report.donations.append(donation)
                else:
                    report.duplicates += 1
                    report.problems.append(Problem(row.line, ALREADY_IMPORTED))
    except _Abandon:
        report.donations.clear()


# --- checking rows ------------------------------------------------------------------------

class _FundLookup:
    def __init__(self) -> None:
        self.by_key: dict[str, Fund] = {}
        self.by_name: dict[str, Fund] = {}
        for fund in services.funds():
            self.by_key.setdefault(fund.key.casefold(), fund)
            self.by_name.setdefault(_fold(fund.name), fund)
        self.default = services.default_fund()

    def find(self, text: str) -> Fund | None:
        if not text:
            return self.default
        return self.by_key.get(text.strip().casefold()) or self.by_name.get(_fold(text))


class _Lookups:
    """What a row's words may mean: funds, donor types and channels (built once per import)."""

    def __init__(self, funds: _FundLookup) -> None:
        self.funds = funds
        self.donor_types = _words(DONOR_TYPES, DONOR_TYPE_LABELS, DONOR_TYPE_WORDS)
        self.channels = _words(CHANNELS, CHANNEL_LABELS, CHANNEL_WORDS)


def _check_rows(table: _Table, columns: dict[str, int], lookups: _Lookups, today: date) -> list[_Checked]:
    checked, occurrences = [], {}
    for row in table.rows:
        data, problems = _parse_row(row, columns, lookups, today)
        if data is not None:
            content = _row_content(data)
            occurrences[content] = occurrences.get(content, 0) + 1
            data.idempotency_key = _row_key(content, occurrences[content])
        checked.append(_Checked(row.line, data, problems))
    keys = [row.data.idempotency_key for row in checked if row.data is not None]
    imported = set()
    for start in range(0, len(keys), 500):
        imported.update(db.session.scalars(select(Donation.idempotency_key)
                                           .where(Donation.idempotency_key.in_(keys[start:start + 500]))))
    for row in checked:
        if row.data is not None and row.data.idempotency_key in imported:
            row.data, row.problems, row.duplicate = None, [ALREADY_IMPORTED], True
    _mark_repeated_references(checked)
    return checked


def _row_content(data: DonationInput) -> str:
    """What makes a row the same row again, whatever file or line it comes in."""
    amount = sum(item.quantity * item.unit_value_fen for item in data.items) if data.items else data.amount_fen
    return "\x1f".join([data.received_on.isoformat(), data.donor_name.strip(), data.donor_type, str(amount),
                        data.channel, data.reference.strip(), data.fund.key, data.note.strip()])


def _row_key(content: str, occurrence: int) -> str:
    """The idempotency key of the n-th identical row: re-uploads (edited or not) never record it twice."""
    digest = hashlib.sha256(f"{content}\x1f{occurrence}".encode()).hexdigest()
    return f"{KEY_PREFIX}:{digest[:48]}"


def _mark_repeated_references(checked: list[_Checked]) -> None:
    """Good rows whose channel and reference are already recorded, or on an earlier good line."""
    good = [row for row in checked if row.data is not None and row.data.reference]
    recorded = set()
    references = sorted({row.data.reference for row in good})
    for start in range(0, len(references), 500):
        chunk = references[start:start + 500]
        recorded.update(tuple(row) for row in db.session.execute(select(Donation.channel, Donation.reference)
                                           .where(Donation.reference.in_(chunk), Donation.reversal_entry_id.is_(None))))
    first_line: dict[tuple[str, str], int] = {}
    for row in good:
        pair = (row.data.channel, row.data.reference)
        if pair in recorded:
            message = ALREADY_RECORDED
        elif pair in first_line:
            message = _repeated_reference(first_line[pair])
        else:
            first_line[pair] = row.line
            continue
        row.data, row.duplicate = None, True
        row.problems.append(message)


def _parse_row(row: _Row, columns: dict[str, int], lookups: _Lookups, today: date):
    """The row as a ``DonationInput`` and no problems, or None and every problem of the row."""
    def cell(name: str):
        index = columns.get(name)
        return row.cells[index] if index is not None and index < len(row.cells) else None

    problems = []
    received_on = _checked(_parse_date, cell("date"), problems)
    amount_fen = _checked(_parse_amount, cell("amount"), problems)
    anonymous = _checked(_parse_anonymous, cell("anonymous"), problems)
    donor_name = _text(cell("donor_name"))
    if len(donor_name) > MAX_NAME_LENGTH:
        problems.append(NAME_TOO_LONG)
    reference = _text(cell("reference"))
    if len(reference) > MAX_REFERENCE_LENGTH:
        problems.append(REFERENCE_TOO_LONG)
    donor_type_text = _text(cell("donor_type"))
    donor_type = lookups.donor_types.get(_fold(donor_type_text)) if donor_type_text else DEFAULT_DONOR_TYPE
    if donor_type is None:
        problems.append(_unknown_donor_type(donor_type_text))
    channel_text = _text(cell("channel"))
    channel = lookups.channels.get(_fold(channel_text)) if channel_text else DEFAULT_CHANNEL
    if channel is None:
        problems.append(_unknown_channel(channel_text))
    fund_text = _text(cell("fund"))
    fund = lookups.funds.find(fund_text)
    if fund is None:
        problems.append(_unknown_fund(fund_text))
    note = _text(cell("note"))

    # The service's own rules; values already found wrong stand in as harmless ones, so
    # that every problem of the row is reported once.
    valid_channel = channel or DEFAULT_CHANNEL
    valid_amount = amount_fen or 1
    data = DonationInput(donor_name=donor_name, donor_type=donor_type or DEFAULT_DONOR_TYPE,
                         channel=valid_channel, fund=fund or lookups.funds.default,
                         received_on=received_on or today, amount_fen=valid_amount, reference=reference,
                         anonymous=bool(anonymous), note=note)
    if valid_channel == "in_kind":
        description = (note or IN_KIND_DESCRIPTION)[:MAX_ITEM_DESCRIPTION]
        data.items = [ItemInput(description=description, quantity=1, unit="", unit_value_fen=valid_amount)]
    problems.extend(services.validate_donation(data, today))
    return (None if problems else data), problems


def _checked(parse, value, problems: list):
    try:
        return parse(value)
    except _CellError as error:
        problems.append(error.message)
        return None


class _CellError(ValueError):
    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


# --- values -------------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})(?:\s*日)?"
    r"|(?P<compact_year>\d{4})(?P<compact_month>\d{2})(?P<compact_day>\d{2})"
)
_TIME = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?")


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool | time):
        raise _CellError(BAD_DATE)
    text = _text(value)
    if not text:
        raise _CellError(NO_DATE)
    text = unicodedata.normalize("NFKC", text)
    match = _DATE.match(text)
    rest = text[match.end():] if match else ""
    if match is None or (rest.strip() and _TIME.fullmatch(rest) is None):  # a time of day may follow
        raise _CellError(BAD_DATE)
    parts = [match["year"], match["month"], match["day"]] if match["year"] else \
        [match["compact_year"], match["compact_month"], match["compact_day"]]
    try:
        return date(*(int(part) for part in parts))
    except ValueError:
        raise _CellError(BAD_DATE) from None


def _parse_amount(value) -> int:
    if isinstance(value, bool | date | time):
        raise _CellError(FORMAT_MESSAGE)
    text = _number_text(value) if isinstance(value, float) else _text(value)
    if not text:
        raise _CellError(NO_AMOUNT)
    try:
        return parse_yuan(text)
    except MoneyError as error:
        raise _CellError(error.message) from None


def _parse_anonymous(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _fold(_text(value))
    if text in YES:
        return True
    if text in NO:
        return False
    raise _CellError(BAD_ANONYMOUS)


def _number_text(value: float) -> str:
    """A numeric cell as decimal text, without binary floating-point rounding (1234.5 → ``1234.5``)."""
    try:
        number = Decimal(str(value))
        if len(number.as_tuple().digits) > EXCEL_DIGITS:  # 0.30000000000000004 from =0.1+0.2 → 0.3
            number = Decimal(format(value, f".{EXCEL_DIGITS}g"))
    except (InvalidOperation, ValueError):
        return str(value)
    return format(number, "f")


def _text(value) -> str:
    """A cell as the text it shows (numbers without a trailing ``.0``, dates as 2026-11-20)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else _number_text(value)
    return str(value).strip()


def _fold(text: str) -> str:
    """Text compared loosely: full-width as half-width, any case, without spaces, ``_`` or ``-``."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\s_\-]+", "", text)


def _words(keys: Iterable[str], labels: dict, words: dict[str, str]) -> dict[str, str]:
    """Folded word → key: the keys, the Chinese words staff use, the labels in every language."""
    table = {_fold(key): key for key in keys}
    table.update((_fold(word), key) for word, key in words.items())
    for locale in ("en", *current_app.config.get("LANGUAGES", ())):
        with force_locale(locale):
            for key, label in labels.items():
                table.setdefault(_fold(str(label)), key)
    return table


# --- the header ---------------------------------------------------------------------------

def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold().strip()
    text = re.sub(r"\s*\([^()]*\)\s*$", "", text)  # 金额（元）, amount (yuan)
    return re.sub(r"[\s_\-*.:/]+", "", text)


_ALIASES = {_header_key(alias): key for key, aliases in HEADER_ALIASES.items() for alias in aliases}


def _map_header(table: _Table, report: ImportReport) -> dict[str, int]:
    """Column index of each known column; header problems go to ``report``."""
    header = table.header
    columns: dict[str, int] = {}
    width = max(len(row.cells) for row in [header, *table.rows])
    for index in range(width):
        title = _text(header.cells[index]) if index < len(header.cells) else ""
        if not title:
            line = next((row.line for row in table.rows if index < len(row.cells) and _text(row.cells[index])),
                        None)
            if line is not None:
                report.file_error(_headerless_column(get_column_letter(index + 1)), line)
            continue
        key = _ALIASES.get(_header_key(title))
        if key is None:
            report.file_error(_unknown_column(title), header.line)
        elif key in columns:
            report.file_error(_repeated_column(title), header.line)
        else:
            columns[key] = index
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            report.file_error(_missing_column(key), header.line)
    return columns


# --- reading files ------------------------------------------------------------------------

def _read_source(source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | PathLike):
        path = Path(source)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFileError(Problem(None, TOO_LARGE))
        data = path.read_bytes()
    else:  # a binary file object (an upload's stream)
        data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(Problem(None, TOO_LARGE))
    return data


def _read_table(data: bytes, filename: str, max_rows: int = MAX_ROWS) -> _Table:
    """The header and the non-blank rows of an .xlsx or .csv file, or ``ImportFileError``."""
    suffix = Path(filename).suffix.casefold()
    if suffix == ".xls":
        raise ImportFileError(Problem(None, OLD_EXCEL))
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise ImportFileError(Problem(None, NOT_A_SPREADSHEET))
    if not data.strip():
        raise ImportFileError(Problem(None, EMPTY_FILE))
    rows = _xlsx_rows(data) if suffix in (".xlsx", ".xlsm") else _csv_rows(data)
    with closing(rows):  # on an early error, end the reader (and its warning filter) now
        return _table(rows, max_rows)


def _table(rows: Iterator[list], max_rows: int) -> _Table:
    header = None
    body: list[_Row] = []
    digest = hashlib.sha256()
    for line, cells in enumerate(rows, start=1):
        texts = [_text(value) for value in cells]
        while texts and not texts[-1]:
            texts.pop()
        if not texts:
            continue
        digest.update(json.dumps([line, texts], ensure_ascii=False).encode() + b"\n")
        if header is None:
            header = _Row(line, list(cells[:len(texts)]))
            continue
        if len(body) == max_rows:
            raise ImportFileError(Problem(None, _too_many_rows(max_rows)))
        body.append(_Row(line, list(cells[:len(texts)])))
    if header is None:
        raise ImportFileError(Problem(None, EMPTY_FILE))
    if not body:
        raise ImportFileError(Problem(None, NO_ROWS))
    return _Table(header, body, digest.hexdigest())


def _csv_rows(data: bytes) -> Iterator[list]:
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in data or data.startswith(b"PK\x03\x04"):
        raise ImportFileError(Problem(None, BAD_CSV))
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(Problem(None, BAD_ENCODING))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:
        raise ImportFileError(Problem(None, BAD_CSV)) from None


def _xlsx_rows(data: bytes) -> Iterator[list]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(Problem(None, BAD_EXCEL))
    # openpyxl warns about features of other programs' files it does not keep (styles,
    # data validation, ...); they do not matter for reading values.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ImportFileError(Problem(None, BAD_EXCEL)) from None
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            yield from (list(row) for row in sheet.iter_rows(values_only=True))
        except ImportFileError:
            raise
        except Exception:
            raise ImportFileError(Problem(None, BAD_EXCEL)) from None
        finally:
            workbook.close()
