from app.tenancy.web import tenant_blueprint

bp = tenant_blueprint("matching", __name__, "/matching")
