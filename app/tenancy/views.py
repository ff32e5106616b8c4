from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.accounts import services as accounts
from app.audit.services import search_entries
from app.core.htmx import is_htmx, render, render_invalid
from app.extensions import db
from app.funds.ledger import fund_balances
from app.tenancy import services
from app.tenancy.forms import LogoForm, ProfileForm
from app.tenancy.models import PROFILE_FIELDS
from app.tenancy.services import TenantError
from app.tenancy.web import can, public, require, tenant_blueprint

bp = tenant_blueprint("tenancy", __name__)


@bp.route("/")
@public
def home():
    """Staff see the dashboard; other members their home; everyone else the public page."""
    if not current_user.is_authenticated or not (g.roles or current_user.is_platform_admin):
        return redirect(url_for("public.index"))
    if can("dashboard.view"):
        recent = db.session.scalars(search_entries().limit(8)).all()
        return render("tenancy/dashboard.html", recent=recent, member_count=accounts.list_members_count(),
                      invitations=accounts.open_invitations() if can("members.view") else [],
                      balances=fund_balances() if can("funds.view") else [], work=_work_waiting(),
                      project_state_label=project_state_label)
    return render("tenancy/member_home.html")


def project_state_label(state: str) -> str:
    from app.projects.workflow import STATE_LABELS

    return STATE_LABELS.get(state, state)


def _work_waiting() -> dict:
    """What waits for someone on the dashboard: triage, projects by state, reviews, objections."""
    from app.council import services as council
    from app.needs import services as needs
    from app.projects import services as projects
    from app.spending import services as spending

    return {"needs_new": needs.waiting_for_triage() if can("needs.view") else None,
            "spending": spending.waiting_for(current_user, g.roles, platform_admin=current_user.is_platform_admin)
            if can("spending.view") else None,
            "projects": projects.counts_by_status() if can("projects.view") else {},
            "reviews_open": council.count_open_reviews() if can("council.view") else None,
            "my_votes": council.reviews_waiting_for(current_user) if can("council.vote") else None,
            "objections": projects.unanswered_objections_count() if can("projects.view") else None}


@bp.route("/profile")
@require("profile.view")
def profile():
    return render("tenancy/profile.html", fields=PROFILE_FIELDS, logo_form=LogoForm())


def _check_field(field: str) -> None:
    if field not in PROFILE_FIELDS:
        abort(404)


@bp.route("/profile/<field>")
@require("profile.view")
def profile_field(field):
    _check_field(field)
    return render("tenancy/profile.html", "tenancy/_profile_field.html", field=field, fields=PROFILE_FIELDS,
                  logo_form=LogoForm())


@bp.route("/profile/<field>/edit", methods=["GET", "POST"])
@require("profile.edit")
def edit_profile_field(field):
    """Inline editing of one field: the form fragment, and saving it."""
    _check_field(field)
    formdata = None
    if request.method == "POST":
        formdata = MultiDict(g.tenant.profile())
        for key in (field, "csrf_token"):
            if key in request.form:
                formdata[key] = request.form[key]
    form = ProfileForm(formdata=formdata, data=g.tenant.profile())
    if form.validate_on_submit():
        services.update_profile(g.tenant, {field: form[field].data or ""}, actor=current_user)
        if not is_htmx():
            flash(_("The community profile has been saved."), "success")
            return redirect(url_for("tenancy.profile"))
        return render("tenancy/profile.html", "tenancy/_profile_field.html", field=field, fields=PROFILE_FIELDS,
                      logo_form=LogoForm())
    page = render_invalid if form.is_submitted() else render
    return page("tenancy/profile_edit.html", "tenancy/_profile_field_form.html", form=form, field=field)


@bp.route("/profile/edit", methods=["GET", "POST"])
@require("profile.edit")
def edit_profile():
    """The whole profile as one form (works without JavaScript)."""
    form = ProfileForm(data=g.tenant.profile())
    if form.validate_on_submit():
        try:
            services.update_profile(g.tenant, {name: form[name].data or "" for name in PROFILE_FIELDS},
                                    actor=current_user)
        except TenantError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The community profile has been saved."), "success")
            return redirect(url_for("tenancy.profile"))
    page = render_invalid if form.is_submitted() else render
    return page("tenancy/profile_edit.html", form=form, field=None)


@bp.route("/profile/logo", methods=["POST"])
@require("profile.edit")
def upload_logo():
    form = LogoForm()
    if form.validate_on_submit():
        try:
            services.set_logo(g.tenant, form.logo.data.read(current_app.config["LOGO_MAX_BYTES"] + 1),
                              actor=current_user, limits=services.logo_limits(current_app.config),
                              upload_root=current_app.config["UPLOAD_FOLDER"])
        except TenantError as error:
            form.logo.errors.append(str(error))
        else:
            flash(_("The logo has been updated."), "success")
            return redirect(url_for("tenancy.profile"))
    return render_invalid("tenancy/profile.html", "tenancy/_logo_form.html", fields=PROFILE_FIELDS, logo_form=form)


@bp.route("/communities")
@require("subtree.view")
def communities():
    """For overseers: every tenant below this one."""
    return render("tenancy/communities.html", tenants=services.descendants(g.tenant))
