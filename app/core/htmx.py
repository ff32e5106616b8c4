"""One helper decides between a full page and an htmx fragment.

htmx 2 does not swap 4xx responses by default; ``base.html`` configures it to swap 422,
so a form that fails validation re-renders in place everywhere. Other errors are shown
in the flash area by ``static/js/app.js``.
"""

from flask import make_response, render_template, request


def is_htmx() -> bool:
    """An htmx request that wants a fragment.

    Boosted navigation and history restoration (the back button after ``hx-push-url``)
    want the whole page.
    """
    return (request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(template: str, fragment: str | None = None, /, *, status: int = 200, **context):
    """Render ``template``, or only ``fragment`` (which ``template`` includes) for htmx requests."""
    chosen = fragment if fragment and is_htmx() else template
    response = make_response(render_template(chosen, **context), status)
    response.vary.add("HX-Request")
    return response


def render_invalid(template: str, fragment: str | None = None, /, **context):
    """A form that failed validation: same templates, status 422."""
    return render(template, fragment, status=422, **context)


def redirect_htmx_requests(response):
    """A redirect answering an htmx request becomes ``HX-Redirect``: a whole-page visit.

    Otherwise the XMLHttpRequest would follow the redirect itself and htmx would swap the
    next whole page into the fragment's place.
    """
    if is_htmx() and response.status_code in (301, 302, 303) and response.location:
        response.headers["HX-Redirect"] = response.location
        response.status_code = 200
        del response.headers["Location"]
        response.set_data(b"")
    return response
