from app.council import models  # noqa: F401
from app.tenancy.web import tenant_blueprint

bp = tenant_blueprint("council", __name__, "/council")
