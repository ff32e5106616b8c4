"""Small helpers for views."""

from flask import abort


def or_404(value):
    """The value, or a 404 when a scoped accessor found nothing (wrong tenant looks the same)."""
    if value is None:
        abort(404)
    return value
