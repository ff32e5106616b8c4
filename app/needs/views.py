from app.needs import models  # noqa: F401
from app.tenancy.web import tenant_blueprint

bp = tenant_blueprint("needs", __name__, "/needs")
public_bp = tenant_blueprint("public_needs", __name__, "/public/needs")
