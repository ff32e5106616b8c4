"""Spending pages: requests list, a project's lines and requests, a new request, one request's workflow."""

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.htmx import render, render_invalid
from app.core.pagination import paginate
from app.core.web import or_404, query_int
from app.council.forms import CHOICE_LABELS, VoteForm
from app.projects import services as projects_service
from app.projects import workflow
from app.projects.models import IN_PROGRESS
from app.spending import money, services
from app.spending.forms import FilesForm, PayForm, RequestForm, uploads
from app.spending.models import REQUEST_STATES
from app.spending.services import Forbidden, RequestInput, SpendingError
from app.spending.tenant_section import approval_rules
from app.tenancy.services import local_today
from app.tenancy.web import require, tenant_blueprint

bp = tenant_blueprint("spending", __name__, "/spending")


@bp.context_processor
def _labels():
    return {"request_state_label": lambda state: services.STATE_LABELS.get(state, state),
            "route_label": lambda route: services.ROUTE_LABELS.get(route, route),
            "event_label": lambda action: services.EVENT_LABELS.get(action, action),
            "button_label": lambda step: services.BUTTON_LABELS[step.event_action],
            "state_label": lambda state: workflow.STATE_LABELS.get(state, state),
            "choice_label": lambda choice: CHOICE_LABELS.get(choice, choice)}


def _today():
    return local_today(g.tenant)


def _upload_root():
    return current_app.config["UPLOAD_FOLDER"]


@bp.route("/")
@require("spending.view")
def index():
    state = request.args.get("status", "open")
    state = state if state in (*REQUEST_STATES, "open", "") else "open"
    search = request.args.get("q", "").strip()[:50]
    page = paginate(services.requests_query(status=state, search=search), query_int("page", 1),
                    current_app.config["PAGE_SIZE"])
    return render("spending/index.html", "spending/_request_list.html", page=page, state=state, search=search,
                  counts=services.counts_by_status(), states=REQUEST_STATES, projects=services.projects_in_progress(),
                  waiting=services.waiting_for(current_user, g.roles, platform_admin=current_user.is_platform_admin))


def _project_page(project, *, form: RequestForm | None = None, status: int = 200):
    lines = services.line_statuses(project)
    form = form or RequestForm(formdata=None, lines=lines, purposes=services.purposes(g.tenant))
    page_render = render_invalid if status == 422 else render
    return page_render("spending/project.html", project=project, lines=lines, form=form,
                       money=money.project_money(project), requests=services.project_requests(project),
                       fund_names=projects_service.fund_names(), rules=approval_rules(g.tenant),
                       can_request=project.status == IN_PROGRESS)


@bp.route("/projects/<int:number>")
@require("spending.view")
def project(number):
    return _project_page(or_404(projects_service.get_project(number)))


@bp.route("/projects/<int:number>/new", methods=["POST"])
@require("spending.request")
def new_request(number):
    project = or_404(projects_service.get_project(number))
    form = RequestForm(lines=services.line_statuses(project), purposes=services.purposes(g.tenant))
    if form.validate_on_submit():
        data = RequestInput(line_key=form.line.data, amount_fen=form.amount.fen, payee=form.payee.data,
                            category=form.category.data, purpose=form.purpose.data)
        try:
            created = services.submit_request(project, data, files=uploads(form.files), actor=current_user,
                                              upload_root=_upload_root())
        except SpendingError as error:
            form.form_errors.extend(services.problems_of(error))
        else:
            flash(_("Request #%(number)s submitted: %(route)s.", number=created.number,
                    route=services.ROUTE_LABELS[created.route]), "success")
            return redirect(url_for("spending.request_page", number=created.number))
    return _project_page(project, form=form, status=422)


def _request(number: int):
    return or_404(services.get_request(number))


def _request_page(spending_request, *, status: int = 200, problems=(), vote_form=None, files_form=None,
                  pay_form=None):
    page_render = render_invalid if status == 422 else render
    return page_render("spending/request.html", spending_request=spending_request, problems=list(problems),
                       steps=services.available_steps(spending_request, current_user, g.roles,
                                                      platform_admin=current_user.is_platform_admin),
                       vote_form=vote_form or VoteForm(formdata=None),
                       pay_form=pay_form or PayForm(formdata=None, paid_on=_today()),
                       files_form=files_form or FilesForm(formdata=None),
                       my_vote=services.vote_of(spending_request, current_user),
                       tally=services.tally_of(spending_request) if spending_request.vote_rules else None,
                       today=_today())


@bp.route("/<int:number>", endpoint="request_page")
@require("spending.view")
def request_page(number):
    return _request_page(_request(number))


def _step(number: int, action: str, **extra):
    """Run one workflow step; refusals re-render the request with the reasons (422, or 403 for the role)."""
    spending_request = _request(number)
    note = request.form.get("note", "")
    try:
        services.act(spending_request, action, actor=current_user, roles=g.roles, today=_today(), note=note,
                     platform_admin=current_user.is_platform_admin, **extra)
    except Forbidden:
        abort(403)
    except SpendingError as error:
        return _request_page(spending_request, status=422, problems=services.problems_of(error),
                             pay_form=PayForm() if action == "pay" else None)
    flash(_("%(action)s: request #%(number)s is now “%(state)s”.",
            action=services.BUTTON_LABELS.get(action, action), number=number,
            state=services.STATE_LABELS[spending_request.status]), "success")
    return redirect(url_for("spending.request_page", number=number))


@bp.route("/<int:number>/approve", methods=["POST"])
@require("spending.approve")
def approve(number):
    return _step(number, "approve")


@bp.route("/<int:number>/check", methods=["POST"])
@require("spending.check")
def check(number):
    """Finance approves a middle-sized request, or checks a large one and opens the council's vote."""
    return _step(number, "check")


@bp.route("/<int:number>/reject", methods=["POST"])
@require("spending.approve")
def reject(number):
    return _step(number, "reject")


@bp.route("/<int:number>/withdraw", methods=["POST"])
@require("spending.request")
def withdraw(number):
    return _step(number, "withdraw")


@bp.route("/<int:number>/reverse", methods=["POST"])
@require("spending.pay")
def reverse(number):
    """Finance reverses a mistaken payment (a reversing entry; the request is then “payment reversed”)."""
    return _step(number, "reverse")


@bp.route("/<int:number>/pay", methods=["POST"])
@require("spending.pay")
def pay(number):
    form = PayForm()
    if not form.validate_on_submit():
        return _request_page(_request(number), status=422, pay_form=form)
    return _step(number, "pay", paid_on=form.paid_on.data)


@bp.route("/<int:number>/vote", methods=["POST"])
@require("spending.vote")
def vote(number):
    spending_request = _request(number)
    form = VoteForm()
    if form.validate_on_submit():
        try:
            services.cast_vote(spending_request, voter=current_user, choice=form.choice.data,
                               comment=form.comment.data or "", today=_today())
        except SpendingError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Your vote is recorded."), "success")
            return redirect(url_for("spending.request_page", number=number, _anchor="vote"))
    return _request_page(spending_request, status=422, vote_form=form)


@bp.route("/<int:number>/close-vote", methods=["POST"])
@require("spending.approve")
def close_vote(number):
    spending_request = _request(number)
    try:
        services.close_vote(spending_request, actor=current_user, today=_today())
    except SpendingError as error:
        return _request_page(spending_request, status=422, problems=[str(error)])
    flash(_("The vote is closed: request #%(number)s is now “%(state)s”.", number=number,
            state=services.STATE_LABELS[spending_request.status]), "success")
    return redirect(url_for("spending.request_page", number=number))


@bp.route("/<int:number>/files", methods=["POST"])
@require("spending.attach")
def add_files(number):
    spending_request = _request(number)
    form = FilesForm()
    if form.validate_on_submit():
        try:
            services.add_files(spending_request, uploads(form.files), actor=current_user, upload_root=_upload_root())
        except SpendingError as error:
            form.files.errors.append(str(error))
        else:
            flash(_("Files added."), "success")
            return redirect(url_for("spending.request_page", number=number, _anchor="files"))
    return _request_page(spending_request, status=422, files_form=form)


@bp.route("/<int:number>/files/<int:attachment_id>")
@require("spending.view")
def attachment(number, attachment_id):
    """An invoice: photos shown inline, PDFs downloaded (never rendered in the app's origin)."""
    row = or_404(services.get_attachment(_request(number), attachment_id))
    path = services.attachment_path(row, _upload_root())
    if path is None:
        abort(404)
    is_pdf = row.content_type == "application/pdf"
    return send_file(path, mimetype=row.content_type, as_attachment=is_pdf, download_name=row.filename,
                     max_age=0)
