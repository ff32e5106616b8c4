"""Small helpers for views."""

from flask import abort, request
from werkzeug.routing import IntegerConverter


def or_404(value):
    """The value, or a 404 when a scoped accessor found nothing (wrong tenant looks the same)."""
    if value is None:
        abort(404)
    return value


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that stays within a database integer: larger numbers are simply not found."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2_147_483_647)
        super().__init__(map, *args, **kwargs)


def refuse_nul_bytes():
    """A NUL byte in the path, query or form is never meaningful (and PostgreSQL refuses it)."""
    if "\x00" in request.path or any("\x00" in value for value in request.args.values()) or (
            request.method == "POST" and request.mimetype != "multipart/form-data"
            and any("\x00" in value for value in request.form.values())):
        abort(400)


def query_int(name: str, default: int = 0) -> int:
    """An integer query parameter within database range, else ``default``."""
    value = request.args.get(name, default, type=int)
    return value if -2_147_483_648 <= value <= 2_147_483_647 else default
