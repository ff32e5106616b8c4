"""The close-out report (结项报告) as PDF: the same figures as the close-out page, from one ``Report``.

Printed documents are Chinese whatever the reader's language (see ``app.reports.pdf``), so the
labels here are Chinese text. A project still closing prints as a draft (草稿).
"""

from flask import current_app

from app.closeout import charts, services
from app.core import storage
from app.projects.models import CANCELLED, CLOSED, CLOSING, IN_PROGRESS
from app.projects.pdf import chinese_date, chinese_numeral, project_code
from app.reports.pdf import render_pdf

STATUS = {IN_PROGRESS: "实施中", CLOSING: "结项中", CLOSED: "已结项", CANCELLED: "已取消"}


def budget_chart(report: services.Report, *, chinese: bool = True, chart_id: str = "budget-chart"):
    """The per-line chart; ``chinese`` for print, else the reader's language (the web page)."""
    if chinese:
        labels = {"title": "预算与实际支出（按预算科目）", "budget_label": "预算", "spent_label": "实际支出",
                  "over_label": "超出预算", "empty_text": "无预算科目"}
    else:
        from flask_babel import gettext as _

        labels = {"title": _("Budget and spending per budget line"), "budget_label": _("Budget"),
                  "spent_label": _("Spent"), "over_label": _("Over budget"), "empty_text": _("No budget lines")}
    return charts.budget_vs_spent(list(report.money.lines), chart_id=chart_id, **labels)


def printable_photos(report: services.Report, tenant) -> list[services.Photo]:
    """Only photos whose files are there (a missing file would fail the whole render)."""
    root = current_app.config["UPLOAD_FOLDER"]
    return [photo for photo in report.photos if storage.path_for(root, tenant.id, photo.key) is not None]


def render_closeout_pdf(tenant, project) -> bytes:
    report = services.report(project)
    return render_pdf(tenant, "closeout/report_pdf.html", {
        "report": report, "chart": budget_chart(report), "photos": printable_photos(report, tenant),
        "status": STATUS.get(project.status, project.status), "code": project_code(project),
        "chinese_date": chinese_date, "chinese_numeral": chinese_numeral, "points": services.points,
        "percent_of": services.percent_text})
