"""Disclosure (信息公开): what a community publishes to everyone, without login."""
import json

from flask import Response, abort, current_app, g, send_file

from app.core import storage
from app.core.htmx import render, render_invalid
from app.core.pagination import paginate
from app.core.web import query_int
from app.disclosure import services
from app.disclosure.forms import TraceForm
from app.extensions import limiter
from app.reports.pdf import pdf_response, render_pdf
from app.tenancy import services as tenancy
from app.tenancy.web import public, tenant_blueprint

public_bp = tenant_blueprint("public", __name__, "/public")
LATEST_DONATIONS = 10


@public_bp.context_processor
def _helpers():
    return {"source_label": services.source_label, "month_label": services.month_label,
            "month_key": services.month_key}


@public_bp.route("/")
@public
def index():
    today = tenancy.local_today(g.tenant)
    months, sources = services.income_months(today)
    return render("disclosure/index.html", tenant_ancestors=list(reversed(tenancy.ancestors(g.tenant))),
                  balances=services.fund_balances(), months=months, sources=sources,
                  chart=services.income_chart(months, sources), latest=services.latest_donations(LATEST_DONATIONS),
                  statement_months=list(reversed(services.recent_months(today))), trace_form=TraceForm())


@public_bp.route("/logo.png")
@public
def logo():
    path = storage.path_for(current_app.config["UPLOAD_FOLDER"], g.tenant.id, g.tenant.logo_key)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=300)


@public_bp.route("/donations")
@public
def donations():
    page = paginate(services.public_donations_query(), query_int("page", 1),
                    current_app.config["PAGE_SIZE"])
    return render("disclosure/donations.html", "disclosure/_donation_list.html", page=services.public_page(page))


def _statement(month_text: str) -> services.Statement:
    today = tenancy.local_today(g.tenant)
    month = services.parse_month(month_text, today)
    if month is None:
        abort(404)
    return services.month_statement(month, today)


@public_bp.route("/statements/<month>")
@public
def statement(month):
    record = _statement(month)
    return render("disclosure/statement.html", statement=record,
                  previous=services.month_key(services.add_months(record.month, -1)),
                  following=services.month_key(services.add_months(record.month, 1)) if record.complete else None)


@public_bp.route("/statements/<month>.pdf")
@public
def statement_pdf(month):
    record = _statement(month)

    def chart():
        """Built while the PDF renders, so its labels are in the document's language too."""
        return services.income_chart(*services.income_months(record.month), width=640, plot_height=110,
                                     font_size=14)

    pdf = render_pdf(g.tenant, "disclosure/statement_pdf.html", {
        "statement": record, "chart": chart, "printed_on": tenancy.local_today(g.tenant)})
    return pdf_response(pdf, f"{g.tenant.name}{record.month.year}年{record.month.month}月资金公示表.pdf",
                        as_attachment=False)


@public_bp.route("/trace", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config.get("PUBLIC_TRACE_LIMIT", "10 per minute"), methods=["POST"])
def trace():
    form = TraceForm()
    if not form.validate_on_submit():
        page = render_invalid if form.is_submitted() else render
        return page("disclosure/trace.html", "disclosure/_trace.html", form=form, result=None, looked_up=False)
    return render("disclosure/trace.html", "disclosure/_trace.html", form=form,
                  result=services.trace(form.code.data), looked_up=True)


@public_bp.route("/open-data.json")
@public
def open_data():
    body = json.dumps(services.open_data(g.tenant), ensure_ascii=False, sort_keys=True, indent=2)
    response = Response(body + "\n", mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
