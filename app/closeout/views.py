"""Close-out pages: write the close-out, close or cancel the project, the close-out report PDF."""

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.closeout import services
from app.closeout.forms import CancelForm, CloseForm, CloseoutForm
from app.closeout.pdf import budget_chart, render_closeout_pdf
from app.closeout.services import CloseoutError
from app.closeout.tenant_section import LEFTOVER_PROJECT
from app.core.htmx import render
from app.core.web import or_404
from app.projects import services as projects_service
from app.projects import workflow
from app.projects.models import CLOSED, CLOSING
from app.projects.workflow import WorkflowError
from app.reports.pdf import pdf_response
from app.tenancy.services import local_today
from app.tenancy.web import public, require, tenant_blueprint

bp = tenant_blueprint("closeout", __name__, "/closeout")
public_bp = tenant_blueprint("public_closeout", __name__, "/public/closeout")

OCCASION_LABELS = {"close": _l("At close"), "cancel": _l("On cancellation")}


@bp.app_context_processor
def _closeout_helpers():
    """For the partials the project pages and the receipt trace include."""
    return {"closeout_record": services.get_closeout, "closeout_notices": services.transfers_out,
            "closeout_received": services.transfers_in,
            "closeout_points": services.points, "closeout_percent": services.percent_text,
            "closeout_cancel_needs_receiver": services.cancel_needs_receiver}


@bp.context_processor
def _labels():
    return {"state_label": lambda state: workflow.STATE_LABELS.get(state, state),
            "occasion_label": lambda occasion: OCCASION_LABELS.get(occasion, occasion)}


def _today():
    return local_today(g.tenant)


def _project(number: int):
    return or_404(projects_service.get_project(number))


def _page(project, *, status: int = 200, form=None, close_form=None, cancel_form=None, problems=(), fragment=None):
    report = services.report(project)
    candidates = services.receiving_candidates(project)
    return render("closeout/project.html", fragment, status=status, project=project, report=report,
                  chart=budget_chart(report, chinese=False), form=form or CloseoutForm.for_report(report),
                  close_form=close_form or CloseForm(formdata=None, candidates=candidates),
                  cancel_form=cancel_form or CancelForm(formdata=None, candidates=candidates),
                  problems=list(problems), blockers=_blockers(project),
                  leftover_project=report.rule == LEFTOVER_PROJECT,
                  can_cancel=workflow.find(project.status, "cancel") is not None)


def _blockers(project) -> list:
    """What closing would still refuse, shown before staff press the button."""
    return services.unfinished(project) if project.status == CLOSING else []


@bp.route("/projects/<int:number>")
@require("closeout.view")
def project(number):
    return _page(_project(number))


@bp.route("/projects/<int:number>/report", methods=["POST"])
@require("closeout.edit")
def save(number):
    project = _project(number)
    form = CloseoutForm()
    if form.validate_on_submit():
        try:
            services.save_closeout(project, form.to_input(), actor=current_user)
        except CloseoutError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Close-out saved."), "success")
            return redirect(url_for("closeout.project", number=number))
    return _page(project, status=422, form=form, fragment="closeout/_report_form.html")


def _receiver(form):
    """The receiving project the form names (one of the offered choices), or None."""
    number = form.receiving_number()
    return projects_service.get_project(number) if number is not None else None


@bp.route("/projects/<int:number>/close", methods=["POST"])
@require("projects.close")
def close(number):
    project = _project(number)
    form = CloseForm(candidates=services.receiving_candidates(project))
    if not form.validate_on_submit():
        return _page(project, status=422, close_form=form)
    try:
        services.close(project, to=_receiver(form), message=form.message.data or "", actor=current_user,
                       roles=g.roles, today=_today(), platform_admin=current_user.is_platform_admin)
    except WorkflowError as error:
        if error.forbidden:
            abort(403)
        return _page(project, status=409, close_form=form, problems=error.problems)
    flash(_("The project is closed; the close-out report is ready."), "success")
    return redirect(url_for("closeout.project", number=number))


@bp.route("/projects/<int:number>/cancel", methods=["POST"])
@require("projects.cancel")
def cancel(number):
    project = _project(number)
    form = CancelForm(candidates=services.receiving_candidates(project))
    if not form.validate_on_submit():
        return _page(project, status=422, cancel_form=form)
    try:
        services.cancel(project, to=_receiver(form), note=form.note.data or "", actor=current_user, roles=g.roles,
                        today=_today(), platform_admin=current_user.is_platform_admin)
    except WorkflowError as error:
        if error.forbidden:
            abort(403)
        return _page(project, status=409, cancel_form=form, problems=error.problems)
    flash(_("The project is cancelled; its leftover money has moved."), "success")
    return redirect(url_for("projects.project", number=number))


@bp.route("/projects/<int:number>/report.pdf")
@require("closeout.view")
def report_pdf(number):
    project = _project(number)
    return pdf_response(render_closeout_pdf(g.tenant, project), f"结项报告-{project.number}.pdf")


@public_bp.route("/<int:number>.pdf", endpoint="report_pdf")
@public
def public_report_pdf(number):
    project = or_404(projects_service.get_published(number))
    if project.status != CLOSED:
        abort(404)
    return pdf_response(render_closeout_pdf(g.tenant, project), f"结项报告-{project.number}.pdf")
