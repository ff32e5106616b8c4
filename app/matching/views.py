"""Matching pages: the rules with this year's budget, the grants, payments by the bodies, a project's rate."""

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.htmx import render, render_invalid
from app.core.pagination import paginate
from app.core.web import or_404, query_int
from app.funds.ledger import LedgerError
from app.matching import services
from app.matching.forms import RateForm, SettleForm
from app.matching.services import MatchingError
from app.projects import services as projects_service
from app.projects import workflow
from app.tenancy.services import local_today
from app.tenancy.web import require, tenant_blueprint

bp = tenant_blueprint("matching", __name__, "/matching")

GRANT_KIND_LABELS = {"donation": _l("Gift matched"), "close": _l("Matched at close"), "correction": _l("Correction")}
PAID_LABELS = {"as_received": _l("as gifts arrive"), "at_close": _l("when fundraising closes")}


@bp.context_processor
def _labels():
    return {"state_label": lambda state: workflow.STATE_LABELS.get(state, state),
            "grant_kind_label": lambda kind: GRANT_KIND_LABELS.get(kind, kind),
            "paid_label": lambda paid: PAID_LABELS.get(paid, paid), "rate_label": services.rate_label}


def _today():
    return local_today(g.tenant)


def _index_page(*, status: int = 200, forms: dict | None = None, grant_form: SettleForm | None = None):
    rule_key = request.args.get("rule", "").strip()[:40]
    page = paginate(services.grants_query(rule_key=rule_key), query_int("page", 1), current_app.config["PAGE_SIZE"])
    overview = services.overview(g.tenant, _today())
    forms = {**{item.rule.key: SettleForm(formdata=None, settled_on=_today()) for item in overview}, **(forms or {})}
    page_render = render_invalid if status == 422 else render
    return page_render("matching/index.html", "matching/_grant_list.html", overview=overview, page=page,
                       rule_key=rule_key, settle_forms=forms, grant_form=grant_form, today=_today(),
                       projects=services.projects_to_match(g.tenant))


@bp.route("/")
@require("matching.view")
def index():
    return _index_page()


@bp.route("/rules/<key>/settle", methods=["POST"])
@require("funds.record")
def settle_rule(key):
    """The body paid everything it owed under the rule."""
    if services.get_rule(g.tenant, key) is None and not services.grants_exist(key):
        abort(404)
    form = SettleForm()
    if form.validate_on_submit():
        try:
            entries = services.settle(services.open_grants(key), settled_on=form.settled_on.data, today=_today(),
                                      note=form.note.data or "", actor=current_user)
        except (MatchingError, LedgerError) as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Payment recorded in %(count)s journal entries.", count=len(entries)) if entries
                  else _("The open grants cancel out; they are closed."), "success")
            return redirect(url_for("matching.index"))
    return _index_page(status=422, forms={key: form})


@bp.route("/grants/<int:number>/settle", methods=["POST"])
@require("funds.record")
def settle_grant(number):
    """The body paid one grant."""
    grant = or_404(services.get_grant(number))
    form = SettleForm()
    if form.validate_on_submit():
        try:
            services.settle([grant], settled_on=form.settled_on.data, today=_today(), note=form.note.data or "",
                            actor=current_user)
        except (MatchingError, LedgerError) as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Payment of grant #%(number)s recorded.", number=number), "success")
            if request.form.get("back") == "project":
                return redirect(url_for("matching.project", number=grant.project.number))
            return redirect(url_for("matching.index"))
    return _index_page(status=422, grant_form=form)


def _project_page(project, *, rate_form: RateForm | None = None, status: int = 200):
    range_rules = services.range_rules_for(project)
    rate_form = rate_form or RateForm(formdata=None, rules=range_rules)
    page_render = render_invalid if status == 422 else render
    return page_render("matching/project.html", project=project, lines=services.matching_summary(project, _today()),
                       grants=services.project_grants(project), range_rules=range_rules, rate_form=rate_form,
                       can_choose=project.status in services.RATE_CHOICE_STATES, today=_today())


@bp.route("/projects/<int:number>")
@require("matching.view")
def project(number):
    return _project_page(or_404(projects_service.get_project(number)))


@bp.route("/projects/<int:number>/rate", methods=["POST"])
@require("projects.start")
def choose_rate(number):
    """Staff choose the rate within a rule's range (e.g. 10%–50%) for this project."""
    record = or_404(projects_service.get_project(number))
    form = RateForm(rules=services.range_rules_for(record))
    if form.validate_on_submit():
        try:
            services.choose_rate(record, form.rule.data, form.rate_percent.data, actor=current_user)
        except MatchingError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Matching rate set."), "success")
            return redirect(url_for("matching.project", number=number))
    return _project_page(record, rate_form=form, status=422)
