from app.tenancy.web import tenant_blueprint

bp = tenant_blueprint("spending", __name__, "/spending")
