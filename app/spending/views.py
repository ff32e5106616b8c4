from app.tenancy.web import tenant_blueprint

bp = tenant_blueprint("spending", __name__, "/spending")
from app.spending import money  # noqa: E402,F401  (registers the spending models until the views use them)
