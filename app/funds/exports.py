"""Exports for the bookkeeper: the journal and the donations of a date range, as CSV or Excel."""

import csv
import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.funds.models import Donation, JournalEntry, LedgerAccount, Posting

JOURNAL_HEADER = ["凭证号", "日期", "类型", "摘要", "科目代码", "科目名称", "借方(元)", "贷方(元)", "冲销凭证号", "冲销原因"]
DONATION_HEADER = ["序号", "收到日期", "捐赠人", "捐赠人类型", "金额(元)", "渠道", "参考号", "基金", "限定用途", "匿名",
                   "收据编号", "状态", "备注"]


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def journal_rows(date_from: date, date_to: date) -> list[list]:
    """One row per posting of the entries dated within the range, in entry order."""
    reversed_entry = db.aliased(JournalEntry)
    rows = db.session.execute(
        select(JournalEntry.number, JournalEntry.occurred_on, JournalEntry.kind, JournalEntry.memo,
               LedgerAccount.code, LedgerAccount.name, Posting.amount_fen, reversed_entry.number, JournalEntry.reason)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .outerjoin(reversed_entry, JournalEntry.reverses_id == reversed_entry.id)
        .where(JournalEntry.occurred_on >= date_from, JournalEntry.occurred_on <= date_to)
        .order_by(JournalEntry.occurred_on, JournalEntry.number, Posting.id)
    ).all()
    return [[number, occurred.isoformat(), kind, memo, code, name, _yuan(amount) if amount > 0 else "",
             _yuan(-amount) if amount < 0 else "", reverses or "", reason]
            for number, occurred, kind, memo, code, name, amount, reverses, reason in rows]


def donation_rows(date_from: date, date_to: date, labels: dict) -> list[list]:
    donations = db.session.scalars(
        select(Donation).where(Donation.received_on >= date_from, Donation.received_on <= date_to)
        .order_by(Donation.received_on, Donation.number)
    ).all()
    return [[d.number, d.received_on.isoformat(), d.donor.name, str(labels["donor_type"].get(d.donor.donor_type, "")),
             _yuan(d.amount_fen), str(labels["channel"].get(d.channel, d.channel)), d.reference, d.fund.name,
             "是" if d.restricted else "否", "是" if d.anonymous else "否", d.receipt_code,
             "已冲销" if d.is_reversed else "有效", d.note] for d in donations]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plain_cell(value):
    """Text a spreadsheet will not run as a formula (names come from imported files)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def as_csv(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a BOM, so Excel on Chinese Windows opens it with the right characters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[plain_cell(value) for value in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append([plain_cell(value) for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
