"""Residents' needs: the public form, status link and +1; staff entry at the counter and triage."""

import secrets
from functools import partial

from flask import (
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.routing import BuildError

from app.accounts.models import User
from app.core import storage
from app.core.htmx import is_htmx, render, render_invalid
from app.core.pagination import paginate
from app.core.web import or_404, query_int
from app.extensions import db, limiter
from app.needs import services
from app.needs.forms import SORT_LABELS, BulkForm, CounterNeedForm, FilterForm, PublicNeedForm
from app.needs.models import NEED_STATES
from app.needs.services import NeedError, NeedFilters, NeedInput
from app.needs.tenant_section import need_categories
from app.tenancy.services import tenant_zone
from app.tenancy.web import public, require, tenant_blueprint

bp = tenant_blueprint("needs", __name__, "/needs")
public_bp = tenant_blueprint("public_needs", __name__, "/public/needs")

TRIAGE_PAGE_SIZE = 50
PUBLIC_NEED_LIMIT = "5 per minute;30 per day"
PUBLIC_SUPPORT_LIMIT = "20 per minute;200 per day"
VISITOR_COOKIE = "linli_visitor"
VISITOR_MAX_AGE = 2 * 365 * 24 * 3600


def optional_url(endpoint: str, **values) -> str | None:
    """A link to a page another part of the app may not have yet (projects): None until it exists."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.context_processor
@public_bp.context_processor
def _helpers():
    return {"status_label": lambda status: services.STATUS_LABELS.get(status, status),
            "display_code": services.display_code, "mask_phone": services.mask_phone, "sort_labels": SORT_LABELS}


def _categories() -> list[str]:
    return need_categories(g.tenant)


def _checked_photo(form) -> bytes | None:
    """The uploaded photo re-encoded as JPEG, or None (no photo, or a problem noted on the field)."""
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return services.reencode_photo(upload.read(services.PHOTO_MAX_BYTES + 1))
    except NeedError as error:
        form.photo.errors = [*form.photo.errors, str(error)]
        return None


def _need_input(form, photo: bytes | None) -> NeedInput:
    key = None
    if photo is not None:
        key = storage.save(current_app.config["UPLOAD_FOLDER"], g.tenant.id, "need", photo, suffix=".jpg")
    return NeedInput(category=form.category.data, description=form.description.data,
                     building=form.building.data or "", location=form.location.data or "",
                     contact_name=form.contact_name.data, contact_phone=form.contact_phone.data, photo_key=key)


def _submit(form, *, actor):
    """Validate the form and its photo together (every problem at once); the new need, or None."""
    valid = form.validate_on_submit()
    photo = _checked_photo(form) if form.is_submitted() else None
    if not valid or form.photo.errors:
        return None
    try:
        return services.submit_need(_need_input(form, photo), categories=_categories(), actor=actor)
    except NeedError as error:
        form.form_errors.append(str(error))
        return None


# --- public: submit, follow, support ------------------------------------------------------

def _visitor_id() -> str:
    """An anonymous visitor's random id, kept in a long-lived cookie (set on first use)."""
    visitor = request.cookies.get(VISITOR_COOKIE, "")
    if 16 <= len(visitor) <= 64 and visitor.replace("-", "").replace("_", "").isalnum():
        return visitor
    if "new_visitor" not in g:
        g.new_visitor = secrets.token_urlsafe(18)

        @after_this_request
        def _remember(response):
            response.set_cookie(VISITOR_COOKIE, g.new_visitor, max_age=VISITOR_MAX_AGE, httponly=True,
                                samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
            return response

    return g.new_visitor


def _supporter_key() -> str:
    if current_user.is_authenticated:
        return services.supporter_key(user=current_user)
    return services.supporter_key(visitor=_visitor_id())


@public_bp.route("/", endpoint="index")
@public
def public_index():
    category = request.args.get("category", "")
    category = category if category in _categories() else ""
    sort = "support" if request.args.get("sort") == "support" else "newest"
    page = paginate(services.public_needs_query(category=category, sort=sort), query_int("page", 1),
                    current_app.config["PAGE_SIZE"])
    return render("needs/public_index.html", "needs/_public_list.html", page=page, category=category, sort=sort,
                  categories=_categories(), supported_numbers=services.supported_numbers(page.items, _supporter_key()))


@public_bp.route("/new", methods=["GET", "POST"], endpoint="new")
@public
@limiter.limit(lambda: current_app.config.get("PUBLIC_NEED_LIMIT", PUBLIC_NEED_LIMIT), methods=["POST"])
def public_new():
    form = PublicNeedForm(categories=_categories())
    if form.is_submitted() and form.website.data:
        # A robot filled in the hidden field: answer as if all went well, store nothing.
        current_app.logger.info("Need form honeypot filled in from %s", request.remote_addr)
        flash(_("Thank you. Your need has been received."), "success")
        return redirect(url_for("public_needs.index"))
    need = _submit(form, actor=None)
    if need is not None:
        flash(_("Thank you. Your need has been received. Save your status code: %(code)s",
                code=services.display_code(need.status_code)), "success")
        return redirect(url_for("public_needs.status", code=need.status_code))
    page = render_invalid if form.is_submitted() else render
    return page("needs/public_new.html", form=form)


@public_bp.route("/status", endpoint="lookup")
@public
def public_lookup():
    """The look-up form; a typed code (any spelling) goes to its status page."""
    code = services.normalise_code(request.args.get("code", ""))
    if code:
        return redirect(url_for("public_needs.status", code=code))
    return render("needs/public_lookup.html", code="", unknown=False)


@public_bp.route("/status/<code>", endpoint="status")
@public
def public_status(code):
    need = services.get_by_code(code)
    if need is None:
        return render("needs/public_lookup.html", status=404, code=code[:40], unknown=True)
    return render("needs/public_status.html", need=need,
                  project_url=optional_url("public_projects.project", number=need.project.number)
                  if need.project is not None else None)


@public_bp.route("/<int:number>/support", methods=["POST"], endpoint="support")
@public
@limiter.limit(lambda: current_app.config.get("PUBLIC_SUPPORT_LIMIT", PUBLIC_SUPPORT_LIMIT), methods=["POST"])
def public_support(number):
    need = or_404(services.get_need(number))
    key = _supporter_key()
    added = services.support(need, key)
    supported = added or services.supported_by(need, key)
    if is_htmx():
        return render("needs/_support.html", need=need, supported=supported, status=200 if need.is_open else 422)
    if not need.is_open:
        flash(_("Need #%(number)s is no longer open for support.", number=need.number), "error")
    elif added:
        flash(_("Thank you for your support."), "success")
    else:
        flash(_("You already support this need."), "info")
    return redirect(_back_to_list(request.form.get("next", "")))


def _back_to_list(target: str) -> str:
    """Back to the public list page the button was on (only ever that list)."""
    home = url_for("public_needs.index")
    return target if target.startswith(home) and "//" not in target and "\\" not in target else home


# --- staff: counter entry, triage ---------------------------------------------------------

def _filters(source) -> tuple[FilterForm, NeedFilters]:
    form = FilterForm(source, categories=_categories())
    form.validate()

    def good(name):
        return None if form[name].errors else form[name].data

    filters = NeedFilters(status=good("status") or "", category=good("category") or "",
                          building=good("building") or "", search=good("q") or "",
                          date_from=good("date_from"), date_to=good("date_to"), sort=good("sort") or "newest")
    return form, filters


def _list_url(args: dict, **changes) -> str:
    """The triage list with these filters, some changed (empty ones and page 1 left out)."""
    values = {**args, **changes}
    return url_for("needs.index", **{name: value for name, value in values.items()
                                     if value and not (name == "page" and value == 1)})


def _list(filter_form, filters, page_number, *, bulk=None, selected=(), status=200):
    zone = tenant_zone(g.tenant)
    page = paginate(services.needs_query(filters, zone), page_number, TRIAGE_PAGE_SIZE)
    counts = services.counts_by_status(filters, zone)
    args = filter_form.args()
    return render("needs/index.html", "needs/_list.html", status=status, page=page, filter_form=filter_form,
                  filters=filters, args=args, list_url=partial(_list_url, args), counts=counts,
                  total=sum(counts.values()), statuses=NEED_STATES, bulk=bulk or BulkForm(formdata=None),
                  selected=set(selected), buildings=services.buildings, show_flashes=is_htmx())


@bp.route("/")
@require("needs.view")
def index():
    filter_form, filters = _filters(request.args)
    response = _list(filter_form, filters, query_int("page", 1), status=422 if filter_form.errors else 200)
    if is_htmx():  # the address bar shows the filters in use, not every empty field of the form
        response.headers["HX-Push-Url"] = _list_url(filter_form.args(), page=query_int("page", 1))
    return response


def _numbers(values) -> list[int]:
    numbers = []
    for value in values:
        value = value.strip().lstrip("#")
        if value.isdigit() and len(value) < 10 and int(value) not in numbers:
            numbers.append(int(value))
    return numbers


@bp.route("/bulk", methods=["POST"])
@require("needs.triage")
def bulk():
    """Accept, decline or merge the selected needs (then show the list again with the same filters),
    or start a project from them."""
    filter_form, filters = _filters(request.form)
    page_number = request.form.get("page", 1, type=int)
    page_number = page_number if 1 <= page_number <= 1_000_000 else 1
    numbers = _numbers(request.form.getlist("numbers"))
    form = BulkForm()
    valid = form.validate_on_submit()
    if valid and form.action.data == "project" and numbers:
        return redirect(url_for("projects.new", need=numbers[:services.MAX_BULK]))
    if valid:
        try:
            count = services.triage(form.action.data, numbers, reason=form.reason.data,
                                       merge_into=form.merge_into.data, actor=current_user)
        except NeedError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(ngettext("%(num)s need processed.", "%(num)s needs processed.", count), "success")
            if not is_htmx():
                return redirect(_list_url(filter_form.args(), page=page_number))
            return _list(filter_form, filters, page_number)
    if not is_htmx():
        for errors in form.errors.values():  # the form's own errors are in there too (key None)
            for error in errors:
                if isinstance(error, str):
                    flash(error, "error")
        return redirect(_list_url(filter_form.args(), page=page_number))
    return _list(filter_form, filters, page_number, bulk=form, selected=numbers, status=422)


@bp.route("/new", methods=["GET", "POST"])
@require("needs.enter")
def new():
    """Counter mode: staff enter a need on a resident's behalf."""
    form = CounterNeedForm(categories=_categories())
    need = _submit(form, actor=current_user)
    if need is not None:
        flash(_("Need #%(number)s recorded. Give the resident the status code %(code)s.", number=need.number,
                code=services.display_code(need.status_code)), "success")
        return redirect(url_for("needs.need", number=need.number))
    page = render_invalid if form.is_submitted() else render
    return page("needs/new.html", form=form)


def _detail(need, form=None, *, status=200):
    return render("needs/need.html", status=status, need=need, form=form or BulkForm(formdata=None),
                  merged_from=services.merged_from(need),
                  entered_by=db.session.get(User, need.entered_by_id) if need.entered_by_id else None,
                  project_url=optional_url("projects.project", number=need.project.number) if need.project else None,
                  new_project_url=optional_url("projects.new", need=need.number))


@bp.route("/<int:number>")
@require("needs.view")
def need(number):
    return _detail(or_404(services.get_need(number)))


@bp.route("/<int:number>/triage", methods=["POST"])
@require("needs.triage")
def triage(number):
    """Accept, decline or merge one need from its page."""
    record = or_404(services.get_need(number))
    form = BulkForm()
    valid = form.validate_on_submit()
    if valid and form.action.data == "project":
        return redirect(url_for("projects.new", need=record.number))
    if valid:
        try:
            services.triage(form.action.data, [record.number], reason=form.reason.data,
                            merge_into=form.merge_into.data, actor=current_user)
        except NeedError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("Need #%(number)s: %(status)s.", number=record.number,
                    status=services.STATUS_LABELS[record.status]), "success")
            return redirect(url_for("needs.need", number=record.number))
    return _detail(record, form, status=422)


@bp.route("/<int:number>/photo")
@require("needs.view")
def photo(number):
    record = or_404(services.get_need(number))
    path = storage.path_for(current_app.config["UPLOAD_FOLDER"], g.tenant.id, record.photo_key)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=300)
    response.cache_control.public = False
    response.cache_control.private = True  # contact details: no shared caches
    return response
