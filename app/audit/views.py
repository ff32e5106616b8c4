from flask import g, request

from app.audit.forms import AuditFilterForm
from app.audit.services import search_entries
from app.core.htmx import render
from app.core.pagination import paginate
from app.core.web import query_int
from app.tenancy.services import tenant_zone
from app.tenancy.web import require, tenant_blueprint

bp = tenant_blueprint("audit", __name__, "/audit")

AUDIT_PAGE_SIZE = 50


@bp.route("/")
@require("audit.view")
def index():
    form = AuditFilterForm(request.args)
    filters = form.data if form.validate() else {}
    query = search_entries(action=filters.get("action") or "", actor_text=filters.get("actor") or "",
                           date_from=filters.get("date_from"), date_to=filters.get("date_to"),
                           tz=tenant_zone(g.tenant))
    page = paginate(query, query_int("page", 1), AUDIT_PAGE_SIZE)
    return render("audit/index.html", "audit/_entries.html", form=form, page=page)
