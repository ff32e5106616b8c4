from flask import abort, current_app, g, send_file

from app.core import storage
from app.core.htmx import render
from app.tenancy import services as tenancy
from app.tenancy.web import public, tenant_blueprint

public_bp = tenant_blueprint("public", __name__, "/public")


@public_bp.route("/")
@public
def index():
    return render("disclosure/index.html", tenant_ancestors=list(reversed(tenancy.ancestors(g.tenant))))


@public_bp.route("/logo.png")
@public
def logo():
    path = storage.path_for(current_app.config["UPLOAD_FOLDER"], g.tenant.id, g.tenant.logo_key)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=300)
