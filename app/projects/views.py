from app.projects import services  # noqa: F401
from app.tenancy.web import tenant_blueprint

bp = tenant_blueprint("projects", __name__, "/projects")
public_bp = tenant_blueprint("public_projects", __name__, "/public/projects")
