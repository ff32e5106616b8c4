"""Project pages for staff (plan editor, workflow, versions, objections) and the public project pages."""

import segno
from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.core import storage
from app.core.htmx import is_htmx, render, render_invalid
from app.core.money import MoneyError, parse_yuan
from app.core.pagination import paginate
from app.core.web import or_404, query_int
from app.extensions import limiter
from app.matching.services import matching_summary
from app.needs import services as needs_service
from app.needs.services import NeedError
from app.projects import plan as plan_module
from app.projects import services, workflow
from app.projects.forms import (
    AnswerForm,
    DetailsForm,
    LinkNeedForm,
    NoteForm,
    ObjectionForm,
    ProjectForm,
    UpdateForm,
    section_form,
    without_row,
)
from app.projects.models import PROJECT_STATES
from app.projects.services import ProjectError
from app.projects.workflow import WorkflowError
from app.reports.pdf import pdf_response
from app.spending.money import project_money
from app.tenancy.services import local_today
from app.tenancy.web import can, public, require, tenant_blueprint

bp = tenant_blueprint("projects", __name__, "/projects")
public_bp = tenant_blueprint("public_projects", __name__, "/public/projects")

PAGE_SIZE = 30
VERSION_STATUS_LABELS = {"in_review": _l("In review"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                         "superseded": _l("Superseded")}
CHANGE_LABELS = {"added": _l("Added"), "removed": _l("Removed"), "changed": _l("Changed")}


@bp.context_processor
@public_bp.context_processor
def _labels():
    return {"state_label": lambda state: workflow.STATE_LABELS.get(state, state),
            "action_label": lambda action: workflow.ACTION_LABELS.get(action, action),
            "section_label": lambda section: plan_module.SECTION_LABELS[section],
            "need_status_label": lambda status: needs_service.STATUS_LABELS.get(status, status),
            "line_total": plan_module.line_total_fen, "plan_sections": plan_module.SECTIONS,
            "budget_total": plan_module.budget_total_fen, "funding_total": plan_module.funding_total_fen,
            "version_status_label": lambda status: VERSION_STATUS_LABELS.get(status, status),
            "change_label": lambda kind: CHANGE_LABELS.get(kind, kind),
            "field_label": lambda name: plan_module.FIELD_LABELS.get(name, name),
            "has_endpoint": lambda name: name in current_app.view_functions,
            "update_states": services.UPDATE_STATES}


def frozen_plan(version) -> dict:
    """A version's plan with every section, keeping what the snapshot adds (organisation, needs, summary)."""
    return {**version.plan, **plan_module.normalised(version.plan)}


def _project(number: int):
    return or_404(services.get_project(number))


def _today():
    return local_today(g.tenant)


@bp.route("/")
@require("projects.view")
def index():
    state = request.args.get("status", "")
    state = state if state in PROJECT_STATES else ""
    search = request.args.get("q", "").strip()[:50]
    page = paginate(services.projects_query(status=state, search=search), query_int("page", 1), PAGE_SIZE)
    return render("projects/index.html", "projects/_list.html", page=page, state=state, search=search,
                  counts=services.counts_by_status(), states=PROJECT_STATES)


@bp.route("/new", methods=["GET", "POST"])
@require("projects.edit")
def new():
    form = ProjectForm()
    if request.method == "GET" and request.args.getlist("need"):
        form.need_numbers.data = ", ".join(request.args.getlist("need")[:50])
    if form.validate_on_submit():
        numbers = form.numbers()
        found = needs_service.needs_by_numbers(numbers)
        missing = sorted(set(numbers) - {need.number for need in found})
        if missing:
            form.need_numbers.errors.append(_("No such need: %(numbers)s", numbers=", ".join(map(str, missing))))
        else:
            try:
                project = services.create_project(title=form.title.data, summary=form.summary.data,
                                                  actor=current_user, needs=found)
            except (NeedError, ProjectError) as error:
                form.need_numbers.errors.append(str(error))
            else:
                flash(_("Project #%(number)s created. Write its plan section by section.", number=project.number),
                      "success")
                return redirect(url_for("projects.project", number=project.number))
    page = render_invalid if form.is_submitted() else render
    return page("projects/new.html", form=form, needs=needs_service.needs_by_numbers(form.numbers()))


def _buttons(project) -> list:
    """The workflow buttons, without the start that does not fit the plan (with or without crowdfunding)."""
    offered = workflow.available(project, g.roles, platform_admin=current_user.is_platform_admin)
    if project.status == "approved":
        unfit = "start_work" if services.crowdfunding_goal_fen(project) > 0 else "start_fundraising"
        offered = [t for t in offered if t.action != unfit]
    return offered


def _project_page(project, *, status: int = 200, problems=(), note_form=None, update_form=None):
    return render("projects/project.html", status=status, project=project, problems=list(problems),
                  updates=services.updates_of(project), update_form=update_form or UpdateForm(),
                  transitions=_buttons(project), progress=services.progress(project, _today()),
                  note_form=note_form or NoteForm(), link_form=LinkNeedForm(), answer_form=AnswerForm(),
                  fund_names=services.fund_names(), plan=plan_module.normalised(project.plan),
                  on_notice=services.on_notice(project, _today()), today=_today(),
                  editable=project.status in services.EDITABLE_STATES and can("projects.edit"))


@bp.route("/<int:number>")
@require("projects.view")
def project(number):
    return _project_page(_project(number))


@bp.route("/<int:number>/details", methods=["GET", "POST"])
@require("projects.edit")
def edit_details(number):
    project = _project(number)
    form = DetailsForm(obj=project)
    if form.validate_on_submit():
        try:
            services.update_details(project, title=form.title.data, summary=form.summary.data, actor=current_user)
        except ProjectError as error:
            form.form_errors.append(str(error))
        else:
            return redirect(url_for("projects.project", number=number))
    page = render_invalid if form.is_submitted() else render
    return page("projects/details.html", form=form, project=project)


def _section_or_404(section: str) -> str:
    if section not in plan_module.SECTIONS:
        abort(404)
    return section


@bp.route("/<int:number>/plan/<section>")
@require("projects.view")
def section(number, section):
    project = _project(number)
    return render("projects/section.html", "projects/_section.html", project=project,
                  section=_section_or_404(section), plan=plan_module.normalised(project.plan),
                  fund_names=services.fund_names(),
                  editable=project.status in services.EDITABLE_STATES and can("projects.edit"))


@bp.route("/<int:number>/plan/<section>/edit", methods=["GET", "POST"])
@require("projects.edit")
def edit_section(number, section):
    """One plan section's form: add or remove rows (re-rendered, nothing saved) or save."""
    project = _project(number)
    section = _section_or_404(section)
    funds = list(services.fund_names().items())
    document = plan_module.normalised(project.plan)
    if project.status not in services.EDITABLE_STATES:
        flash(_("Only a draft plan can be edited: first use “Amend the approved plan” or “Revise the plan”."), "error")
        return render("projects/section.html", "projects/_section.html", status=409, project=project, section=section,
                      plan=document, fund_names=services.fund_names(), editable=False)
    if request.method == "GET":
        form = section_form(section, value=document[section], fund_choices=funds)
        if section == "team" and project.organisation:
            form.organisation.data = project.organisation.name
            form.organisation_contact.data = project.organisation.contact
            form.organisation_phone.data = project.organisation.phone
        return _section_editor(project, section, form)
    formdata = request.form
    if request.form.get("remove_row", "").isdigit():
        formdata = without_row(request.form, int(request.form["remove_row"]))
    form = section_form(section, formdata=formdata, fund_choices=funds)
    if "add_row" in request.form or "remove_row" in request.form:
        if "add_row" in request.form and len(form.rows) < form.rows.max_entries:
            form.rows.append_entry()
            section_form_choices(form, funds)
        return _section_editor(project, section, form)
    if not form.validate():
        return _section_editor(project, section, form, status=422)
    try:
        services.save_section(project, section, form.value(), actor=current_user)
        if section == "team":
            services.set_organisation(project, name=form.organisation.data, contact=form.organisation_contact.data,
                                      phone=form.organisation_phone.data, actor=current_user)
    except ProjectError as error:
        form.form_errors.append(str(error))
        return _section_editor(project, section, form, status=422)
    if not is_htmx():
        flash(_("Saved."), "success")
        return redirect(url_for("projects.project", number=number, _anchor=f"plan-{section}"))
    return render("projects/_section.html", project=project, section=section, plan=plan_module.normalised(project.plan),
                  fund_names=services.fund_names(), editable=True, saved=True)


def section_form_choices(form, funds) -> None:
    from wtforms.fields.choices import SelectChoice

    for entry in form.rows:
        if "fund" in entry.form._fields:
            entry.form.fund.choices = [SelectChoice(key, name) for key, name in funds]


def _section_editor(project, section, form, *, status: int = 200):
    return render("projects/section_edit.html", "projects/_section_edit.html", status=status, project=project,
                  section=section, form=form, totals=_budget_totals(form) if section == "budget" else None,
                  budget_total=project.budget_total_fen)


def _lenient_fen(text) -> int:
    try:
        return parse_yuan(text or "")
    except MoneyError:
        return 0


def _budget_totals(form) -> dict:
    lines = [plan_module.line_total_fen((entry.form.quantity.data or "").strip(), _lenient_fen(entry.form.unit_price.data))
             for entry in form.rows]
    return {"lines": lines, "total": sum(lines)}


@bp.route("/<int:number>/plan/budget/totals", methods=["POST"])
@require("projects.edit")
def budget_totals(number):
    """Line totals and the grand total of the budget being typed, as out-of-band swaps."""
    project = _project(number)
    form = section_form("budget", formdata=request.form, fund_choices=list(services.fund_names().items()))
    return render("projects/_budget_totals.html", project=project, totals=_budget_totals(form))


@bp.route("/<int:number>/needs", methods=["POST"])
@require("projects.edit")
def link_need(number):
    project = _project(number)
    form = LinkNeedForm()
    if form.validate_on_submit():
        need = needs_service.get_need(form.need.data)
        try:
            if need is None:
                raise ProjectError(_("No such need: %(numbers)s", numbers=form.need.data))
            services.link_need(project, need, actor=current_user)
        except (ProjectError, NeedError) as error:
            flash(str(error), "error")
            return _project_page(project, status=422)
        flash(_("Need #%(number)s linked.", number=need.number), "success")
    return redirect(url_for("projects.project", number=number, _anchor="plan-background"))


@bp.route("/<int:number>/needs/<int:need_number>/unlink", methods=["POST"])
@require("projects.edit")
def unlink_need(number, need_number):
    project = _project(number)
    need = or_404(needs_service.get_need(need_number))
    try:
        services.unlink_need(project, need, actor=current_user)
    except (ProjectError, NeedError) as error:
        flash(str(error), "error")
        return _project_page(project, status=422)
    return redirect(url_for("projects.project", number=number, _anchor="plan-background"))


def _transition_view(action: str):
    def view(number):
        project = _project(number)
        form = NoteForm()
        if not form.validate_on_submit():
            return _project_page(project, status=422, note_form=form)
        try:
            services.transition(project, action, actor=current_user, roles=g.roles, today=_today(),
                                note=form.note.data or "", platform_admin=current_user.is_platform_admin)
        except WorkflowError as error:
            if error.forbidden:
                abort(403)
            return _project_page(project, status=409, problems=error.problems, note_form=form)
        flash(_("%(action)s: done.", action=workflow.ACTION_LABELS[action]), "success")
        return redirect(url_for("projects.project", number=number))

    view.__name__ = action
    return view


for _transition in {t.action: t for t in workflow.TRANSITIONS}.values():  # one route per action
    if _transition.manual:
        bp.add_url_rule(f"/<int:number>/actions/{_transition.action}", view_func=require(_transition.permission)(
            _transition_view(_transition.action)), methods=["POST"])


@bp.route("/<int:number>/versions/<int:version>")
@require("projects.view")
def version(number, version):
    project = _project(number)
    record = or_404(next((item for item in project.versions if item.version == version), None))
    return render("projects/version.html", project=project, version=record, plan=frozen_plan(record),
                  fund_names=services.fund_names())


@bp.route("/<int:number>/diff")
@require("projects.view")
def diff(number):
    project = _project(number)
    versions = [item.version for item in project.versions]
    if not versions:
        abort(404)
    new_number = query_int("to", versions[-1])
    old_number = query_int("from", versions[-2] if len(versions) > 1 else versions[-1])
    changes = services.versions_diff(project, old_number, new_number)
    if changes is None:
        abort(404)
    return render("projects/diff.html", project=project, changes=changes, old_number=old_number,
                  new_number=new_number, versions=versions, fund_names=services.fund_names())


@bp.route("/<int:number>/plan.pdf")
@require("projects.view")
def plan_pdf(number):
    from app.projects.pdf import render_plan_pdf

    project = _project(number)
    return pdf_response(render_plan_pdf(g.tenant, project), f"项目计划书-{project.number}-草稿.pdf")


@bp.route("/<int:number>/versions/<int:version>/plan.pdf")
@require("projects.view")
def version_pdf(number, version):
    from app.projects.pdf import render_plan_pdf

    project = _project(number)
    record = or_404(next((item for item in project.versions if item.version == version), None))
    return pdf_response(render_plan_pdf(g.tenant, project, record), f"项目计划书-{project.number}-v{version}.pdf")


@bp.route("/<int:number>/updates", methods=["POST"])
@require("projects.edit")
def post_update(number):
    project = _project(number)
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            services.post_update(project, body=form.body.data, percent_done=form.percent_done.data,
                                 photos=form.photo_bytes(), actor=current_user,
                                 upload_root=current_app.config["UPLOAD_FOLDER"])
        except ProjectError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Progress posted; it shows on the public page."), "success")
            return redirect(url_for("projects.project", number=number, _anchor="progress"))
    return _project_page(project, status=422, update_form=form)


@bp.route("/<int:number>/objections/<int:objection_id>/answer", methods=["POST"])
@require("objections.answer")
def answer_objection(number, objection_id):
    project = _project(number)
    objection = or_404(services.get_objection(project, objection_id))
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer_objection(objection, answer=form.answer.data, actor=current_user)
        except ProjectError as error:
            form.answer.errors.append(str(error))
        else:
            flash(_("Answer recorded."), "success")
            return redirect(url_for("projects.project", number=number, _anchor="objections"))
    flash(_("Write the answer to the objection."), "error")
    return _project_page(project, status=422)


# --- public pages ------------------------------------------------------------------------------

@public_bp.route("/", endpoint="index")
@public
def public_index():
    page = paginate(services.published_query(), query_int("page", 1), PAGE_SIZE)
    return render("projects/public_index.html", "projects/_public_list.html", page=page, today=_today())


def _published(number: int):
    return or_404(services.get_published(number))


def qr_svg(url: str, scale: int = 4) -> Markup:
    """An inline SVG QR code of ``url`` (for posters and WeChat groups)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=scale, border=2))


def _public_page(project, form=None, *, status: int = 200, filed: bool = False):
    version = project.approved_version
    return render("projects/public_project.html", "projects/_objection_form.html", status=status, project=project,
                  progress=services.progress(project, _today()), donations=services.project_donations(project, 50),
                  matching_lines=matching_summary(project, _today()),
                  updates=services.updates_of(project), money=project_money(project),
                  qr=qr_svg(url_for("public_projects.project", number=project.number, _external=True)),
                  version=version, plan=frozen_plan(version) if version else plan_module.normalised(project.plan),
                  form=form or ObjectionForm(), on_notice=services.on_notice(project, _today()), filed=filed,
                  fund_names=services.fund_names())


@public_bp.route("/<int:number>", endpoint="project")
@public
def public_project(number):
    return _public_page(_published(number))


@public_bp.route("/<int:number>/objections", methods=["POST"], endpoint="object")
@public
@limiter.limit(lambda: current_app.config["PUBLIC_FORM_LIMIT"], methods=["POST"])
def file_objection(number):
    project = _published(number)
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _public_page(project, form, status=422)
    if form.is_bot():
        return _public_page(project, filed=True)
    try:
        services.file_objection(project, form.to_input(), today=_today())
    except ProjectError as error:
        form.form_errors.append(str(error))
        return _public_page(project, form, status=422)
    return _public_page(project, filed=True)


@public_bp.route("/<int:number>/poster", endpoint="poster")
@public
def public_poster(number):
    """A printable A4 poster with the QR code of the project page (for notice boards)."""
    project = _published(number)
    link = url_for("public_projects.project", number=project.number, _external=True)
    return render("projects/poster.html", project=project, link=link, qr=qr_svg(link, scale=10),
                  progress=services.progress(project, _today()))


@public_bp.route("/<int:number>/updates/<int:update_id>/photos/<int:index>", endpoint="update_photo")
@public
def public_update_photo(number, update_id, index):
    project = _published(number)
    update_row = or_404(services.get_update(project, update_id))
    key = update_row.photo_keys[index] if index < len(update_row.photo_keys) else None
    path = storage.path_for(current_app.config["UPLOAD_FOLDER"], g.tenant.id, key)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=3600)


@public_bp.route("/<int:number>/plan.pdf", endpoint="plan_pdf")
@public
def public_plan_pdf(number):
    from app.projects.pdf import render_plan_pdf

    project = _published(number)
    if project.approved_version is None:
        abort(404)
    return pdf_response(render_plan_pdf(g.tenant, project, project.approved_version, public=True),
                        f"项目计划书-{project.number}.pdf")
