from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.core.htmx import render, render_invalid
from app.core.pagination import paginate
from app.core.web import or_404, query_int
from app.funds import exports as exports_service
from app.funds import ledger, services
from app.funds.forms import (
    CHANNEL_LABELS,
    DONOR_TYPE_LABELS,
    DateRangeForm,
    DonationForm,
    FundForm,
    ImportForm,
    ReverseForm,
    TransferForm,
)
from app.funds.importer import import_donations
from app.funds.ledger import LedgerError
from app.funds.services import DonationInput, FundError, ItemInput
from app.projects import services as projects_service
from app.reports.pdf import pdf_response, render_pdf
from app.tenancy.services import local_today
from app.tenancy.web import require, tenant_blueprint

bp = tenant_blueprint("funds", __name__, "/funds")


def _local_today():
    return local_today(g.tenant)


@bp.route("/")
@require("funds.view")
def index():
    return render("funds/index.html", balances=ledger.fund_balances(), recent=services.latest_donations(10))


@bp.route("/donations/")
@require("funds.view")
def donations():
    search = request.args.get("q", "").strip()[:50]
    page = paginate(services.donations_query(search=search), query_int("page", 1),
                    current_app.config["PAGE_SIZE"])
    return render("funds/donations.html", "funds/_donation_list.html", page=page, search=search)


def _donation_input(form: DonationForm) -> DonationInput:
    fund = services.get_fund(form.fund.data) or abort(400)
    project = None
    if (form.project.data or "").isdigit() and len(form.project.data) < 10:
        project = projects_service.get_project(int(form.project.data)) or abort(400)
    items = [ItemInput(item.form.description.data or "", item.form.quantity.data or 0, item.form.unit.data or "",
                       item.form.unit_value.fen or 0) for item in form.filled_items()]
    return DonationInput(donor_name=form.donor_name.data, donor_type=form.donor_type.data,
                         donor_phone=form.donor_phone.data or "", channel=form.channel.data, fund=fund,
                         received_on=form.received_on.data, amount_fen=form.amount.fen, items=items,
                         reference=form.reference.data or "", restricted=form.restricted.data,
                         anonymous=form.anonymous.data, note=form.note.data or "",
                         idempotency_key=form.idempotency_key.data or None, project=project)


@bp.route("/donations/new", methods=["GET", "POST"])
@require("funds.record")
def new_donation():
    funds = services.funds()
    if not funds:
        flash(_("This community has no fund yet. Add one to the tenant definition first."), "error")
        return redirect(url_for("funds.index"))
    default = services.default_fund()
    known = services.get_donor(query_int("donor")) if request.method == "GET" else None
    donor_data = {"donor_name": known.name, "donor_type": known.donor_type, "donor_phone": known.phone} if known else {}
    designated = projects_service.get_project(query_int("project")) if request.method == "GET" else None
    form = DonationForm(funds=funds, projects=projects_service.fundraising_projects(), fund=default.key,
                        received_on=_local_today(), project=str(designated.number) if designated else "",
                        **donor_data)
    if request.method == "POST" and request.headers.get("HX-Trigger-Name") in ("channel", "donor_type"):
        return render("funds/donation_new.html", "funds/_donation_form.html", form=form)
    picked = services.get_donor(query_int("donor")) if request.method == "POST" and "donor" in request.args else None
    if picked is not None:  # a suggested donor picked in the form: keep everything else that was typed
        form.donor_name.data, form.donor_type.data, form.donor_phone.data = picked.name, picked.donor_type, picked.phone
        return render("funds/donation_new.html", "funds/_donation_form.html", form=form)
    if form.validate_on_submit():
        try:
            donation, created = services.record_donation(_donation_input(form), actor=current_user,
                                                         today=_local_today())
        except (FundError, LedgerError) as error:
            form.form_errors.append(str(error))
        else:
            if created:
                flash(_("Donation recorded. Receipt code: %(code)s", code=services.display_receipt_code(
                    donation.receipt_code)), "success")
            return redirect(url_for("funds.donation", number=donation.number))
    page = render_invalid if form.is_submitted() else render
    return page("funds/donation_new.html", "funds/_donation_form.html", form=form)


LIVE_FIELDS = ("donor_name", "donor_phone", "reference", "amount")


@bp.route("/donors/suggest")
@require("funds.record")
def suggest_donors():
    """Existing donors matching a name or phone, to pick in the donation form."""
    return render("funds/_donor_suggestions.html", donors=services.find_donors(request.args.get("q", "")[:50], 8))


@bp.route("/donations/check/<field>", methods=["POST"])
@require("funds.record")
def check_donation_field(field):
    """As-you-type validation of one field of the donation form: its error messages only."""
    if field not in LIVE_FIELDS:
        abort(404)
    form = DonationForm(funds=services.funds())
    form.validate()
    return render("funds/_field_errors.html", field=form[field])


@bp.route("/donations/<int:number>")
@require("funds.view")
def donation(number):
    record = or_404(services.get_donation(number))
    return render("funds/donation.html", donation=record, reverse_form=ReverseForm(),
                  code=services.display_receipt_code(record.receipt_code))


@bp.route("/donations/<int:number>/receipt.pdf")
@require("funds.view")
def receipt(number):
    record = or_404(services.get_donation(number))
    pdf = render_pdf(g.tenant, "funds/receipt_pdf.html", {"donation": record, "issued_on": _local_today(),
                     "code": services.display_receipt_code(record.receipt_code)})
    return pdf_response(pdf, f"捐赠收据-{record.receipt_code}.pdf", as_attachment=False)


@bp.route("/donations/<int:number>/reverse", methods=["POST"])
@require("funds.reverse")
def reverse(number):
    record = or_404(services.get_donation(number))
    form = ReverseForm()
    if form.validate_on_submit():
        try:
            services.reverse_donation(record, reason=form.reason.data, actor=current_user, today=_local_today())
        except (FundError, LedgerError) as error:
            flash(str(error), "error")
        else:
            flash(_("The donation has been reversed."), "success")
            return redirect(url_for("funds.donation", number=number))
    return render_invalid("funds/donation.html", donation=record, reverse_form=form,
                          code=services.display_receipt_code(record.receipt_code))


@bp.route("/transfer", methods=["GET", "POST"])
@require("funds.transfer")
def transfer():
    funds = services.funds()
    form = TransferForm(funds=funds, occurred_on=_local_today())
    if form.validate_on_submit():
        try:
            services.transfer(source=services.get_fund(form.source.data), target=services.get_fund(form.target.data),
                              amount_fen=form.amount.fen, reason=form.reason.data, actor=current_user,
                              occurred_on=form.occurred_on.data, today=_local_today(),
                              idempotency_key=form.idempotency_key.data or None)
        except (FundError, LedgerError) as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The money has been moved."), "success")
            return redirect(url_for("funds.index"))
    page = render_invalid if form.is_submitted() else render
    return page("funds/transfer.html", form=form)


# --- donors -----------------------------------------------------------------------------

@bp.route("/donors/")
@require("funds.view")
def donors():
    search = request.args.get("q", "").strip()[:50]
    page = paginate(services.donor_query(search), query_int("page", 1),
                    current_app.config["PAGE_SIZE"])
    return render("funds/donors.html", "funds/_donor_list.html", page=page, search=search)


@bp.route("/donors/<int:number>")
@require("funds.view")
def donor(number):
    record = or_404(services.get_donor(number))
    history = services.donor_donations(record)
    return render("funds/donor.html", donor=record, history=history, years=services.donor_years(record),
                  total=services.donor_totals(record))


@bp.route("/donors/<int:number>/statement-<int(min=1900, max=9999):year>.pdf")
@require("funds.view")
def donor_statement(number, year):
    record = or_404(services.get_donor(number))
    history = [d for d in services.donor_donations(record, year) if not d.is_reversed]
    if not history:
        abort(404)
    pdf = render_pdf(g.tenant, "funds/donor_statement_pdf.html",
                     {"donor": record, "year": year, "donations": history,
                      "total": sum(d.amount_fen for d in history), "issued_on": _local_today()})
    return pdf_response(pdf, f"{year}年度捐赠证明-{record.name}.pdf", as_attachment=False)


# --- exports ----------------------------------------------------------------------------

EXPORT_KINDS = ("journal", "donations")
EXPORT_FORMATS = ("csv", "xlsx")


@bp.route("/exports")
@require("funds.export")
def exports():
    today = _local_today()
    form = DateRangeForm(request.args if request.args else None, date_from=today.replace(day=1), date_to=today)
    return render("funds/exports.html", form=form)


@bp.route("/exports/<kind>.<fmt>")
@require("funds.export")
def export_file(kind, fmt):
    if kind not in EXPORT_KINDS or fmt not in EXPORT_FORMATS:
        abort(404)
    form = DateRangeForm(request.args)
    if not form.validate():
        return render_invalid("funds/exports.html", form=form)
    start, end = form.date_from.data, form.date_to.data
    with force_locale("zh_CN"):
        if kind == "journal":
            header, rows = exports_service.JOURNAL_HEADER, exports_service.journal_rows(start, end)
        else:
            labels = {"donor_type": DONOR_TYPE_LABELS, "channel": CHANNEL_LABELS}
            header, rows = exports_service.DONATION_HEADER, exports_service.donation_rows(start, end, labels)
    name = f"{g.tenant.slug}-{kind}-{start.isoformat()}-{end.isoformat()}.{fmt}"
    disposition = f'attachment; filename="{name}"'
    if fmt == "csv":
        return Response(exports_service.as_csv(header, rows), mimetype="text/csv",
                        headers={"Content-Disposition": disposition})
    return Response(exports_service.as_xlsx(kind, header, rows),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": disposition})


# --- funds (staff edit what the tenant definition declared) -----------------------------

@bp.route("/new", methods=["GET", "POST"])
@require("funds.manage")
def new_fund():
    return _fund_form(None)


@bp.route("/<key>/edit", methods=["GET", "POST"])
@require("funds.manage")
def edit_fund(key):
    return _fund_form(or_404(services.get_fund(key)))


def _fund_form(fund):
    data = {} if fund is None else {"key": fund.key, "name": fund.name, "description": fund.description,
                                    "purposes": fund.purposes, "is_default": fund.is_default,
                                    "accepts_restricted": fund.accepts_restricted}
    form = FundForm(purposes=services.tenant_purposes(g.tenant), data=data or {"accepts_restricted": True})
    if fund is not None:
        form.key.data = fund.key
    if form.validate_on_submit():
        try:
            services.save_fund(g.tenant, fund=fund, key=form.key.data, name=form.name.data,
                               description=form.description.data or "", purposes=form.purposes.data,
                               is_default=form.is_default.data, accepts_restricted=form.accepts_restricted.data,
                               actor=current_user)
        except FundError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The fund has been saved."), "success")
            return redirect(url_for("funds.index"))
    page = render_invalid if form.is_submitted() else render
    return page("funds/fund_form.html", form=form, fund=fund)


# --- import -----------------------------------------------------------------------------

IMPORT_MAX_BYTES = 10 * 1024 * 1024
# A web request must finish well inside the server's timeout; larger files go through
# ``flask donations import`` (up to 5,000 rows).
WEB_IMPORT_MAX_ROWS = 1_000


@bp.route("/import", methods=["GET", "POST"])
@require("funds.record")
def import_file():
    """Upload a bank statement or platform export; every row is checked before anything is recorded."""
    form = ImportForm()
    if not form.validate_on_submit():
        page = render_invalid if form.is_submitted() else render
        return page("funds/import.html", "funds/_import.html", form=form, report=None)
    upload = form.file.data
    data = upload.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        form.file.errors.append(_("The file is larger than 10 MB."))
        return render_invalid("funds/import.html", "funds/_import.html", form=form, report=None)
    report = import_donations(data, upload.filename or "", tenant=g.tenant, actor=current_user,
                              today=_local_today(), partial=form.partial.data, max_rows=WEB_IMPORT_MAX_ROWS)
    status = 422 if report.errors and not report.donations else 200
    return render("funds/import.html", "funds/_import.html", status=status, form=ImportForm(formdata=None),
                  report=report)
