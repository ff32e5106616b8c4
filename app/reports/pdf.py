"""The one way to make a PDF: ``render_pdf(tenant, template, context)``, and ``pdf_response``.

WeasyPrint loads stylesheets and images through :class:`AssetFetcher`, which reads only
two kinds of URL and never touches the network or any other file:

* the app's static files, at the URLs ``url_for("static", ...)`` builds (the document's
  base URL is the static folder's URL, so ``css/pdf.css`` works as well);
* this tenant's uploads: ``linli-asset:logo`` (the tenant's logo) and
  ``linli-asset:upload/<key>`` for another of its stored files (see ``asset_url``).

Everything else (``file:``, ``data:``, other hosts, paths out of ``static/``, another
tenant's keys) is refused with ``ValueError``, and a refused URL fails the whole render
(:class:`PdfError`) rather than printing a document with a hole in it.

Templates extend ``reports/_pdf_base.html`` and get ``tenant``, ``pdf_logo_url`` (None if
the tenant has no logo) and ``asset_url(key)`` in their context. Printed documents are
Chinese (``lang="zh-CN"``, 大写金额, 经办人…), so they are rendered in ``DOCUMENT_LOCALE``
whatever language the person printing them reads the site in: no half-English receipts.
"""

import mimetypes
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from flask import Response, current_app, render_template, url_for
from flask_babel import force_locale
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from app.core import storage

ASSET_SCHEME = "linli-asset"
LOGO_URL = f"{ASSET_SCHEME}:logo"
UPLOAD_PREFIX = f"{ASSET_SCHEME}:upload/"
DEFAULT_FILENAME = "document.pdf"
DOCUMENT_LOCALE = "zh_CN"


class PdfError(RuntimeError):
    """A document could not be rendered (a URL it needs was refused or is missing)."""


def asset_url(key: str) -> str:
    """The URL a PDF template uses for one of the tenant's stored uploads (``storage`` key)."""
    return UPLOAD_PREFIX + quote(key, safe="/")


class AssetFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves the app's static files and one tenant's uploads only."""

    def __init__(self, *, static_base: str, static_folder: Path, upload_root: Path,
                 tenant_id: int, logo_key: str | None) -> None:
        super().__init__(allowed_protocols=(), fail_on_errors=True)
        self.static_base = static_base
        self.static_folder = Path(static_folder).resolve()
        self.upload_root = Path(upload_root)
        self.tenant_id = tenant_id
        self.logo_key = logo_key

    @classmethod
    def for_tenant(cls, tenant) -> "AssetFetcher":
        """The fetcher for ``tenant`` in the current app (needs an app or request context)."""
        return cls(static_base=url_for("static", filename="", _external=True),
                   static_folder=Path(current_app.static_folder),
                   upload_root=Path(current_app.config["UPLOAD_FOLDER"]),
                   tenant_id=tenant.id, logo_key=tenant.logo_key)

    @property
    def logo_url(self) -> str | None:
        """``linli-asset:logo`` if the tenant has a logo file, else None."""
        if storage.path_for(self.upload_root, self.tenant_id, self.logo_key) is None:
            return None
        return LOGO_URL

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def resolve(self, url: str) -> Path:
        """The file behind ``url``; ``ValueError`` unless it is a static file or this tenant's."""
        if url == LOGO_URL:
            return self._upload(self.logo_key, url)
        if url.startswith(UPLOAD_PREFIX):
            return self._upload(unquote(url.removeprefix(UPLOAD_PREFIX)), url)
        parts, base = urlsplit(url), urlsplit(self.static_base)
        if (parts.scheme, parts.netloc) == (base.scheme, base.netloc) and parts.path.startswith(base.path):
            return self._static(unquote(parts.path.removeprefix(base.path)), url)
        raise ValueError(f"PDF resource refused (not a static file or this tenant's): {url[:200]}")

    def _upload(self, key: str | None, url: str) -> Path:
        path = storage.path_for(self.upload_root, self.tenant_id, key)
        if path is None:
            raise ValueError(f"PDF resource refused (not a file of tenant {self.tenant_id}): {url[:200]}")
        return path

    def _static(self, relative: str, url: str) -> Path:
        joined = safe_join(str(self.static_folder), relative) if relative else None
        path = Path(joined).resolve() if joined else None
        if path is None or not path.is_relative_to(self.static_folder) or not path.is_file():
            raise ValueError(f"PDF resource refused (no such static file): {url[:200]}")
        return path


def render_pdf(tenant, template: str, context: dict) -> bytes:
    """Render ``template`` (extending ``reports/_pdf_base.html``) for ``tenant`` as PDF bytes."""
    fetcher = AssetFetcher.for_tenant(tenant)
    with force_locale(DOCUMENT_LOCALE):
        html = render_template(template, **{**context, "tenant": tenant, "pdf_logo_url": fetcher.logo_url,
                                            "asset_url": asset_url})
    try:
        return HTML(string=html, base_url=fetcher.static_base, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as exc:
        raise PdfError(f"{exc}: {exc.__cause__}") from exc.__cause__


def pdf_response(pdf_bytes: bytes, filename: str, *, as_attachment: bool = True) -> Response:
    """A response carrying a PDF, named ``filename`` (Chinese welcome) per RFC 6266."""
    response = Response(pdf_bytes, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(filename, as_attachment=as_attachment)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def content_disposition(filename: str, *, as_attachment: bool = True) -> str:
    """``attachment; filename="ascii.pdf"; filename*=UTF-8''%E4%B8%AD.pdf`` (RFC 6266 / 8187)."""
    name = clean_filename(filename)
    fallback = ascii_filename(name)
    value = f'{"attachment" if as_attachment else "inline"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def clean_filename(filename: str) -> str:
    """The last path part, without control characters or quotes, ending in ``.pdf``."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch != '"').strip(" .")
    if not name:
        return DEFAULT_FILENAME
    return name if name.lower().endswith(".pdf") else name + ".pdf"


def ascii_filename(name: str) -> str:
    """An ASCII stand-in for browsers without ``filename*``: ``捐赠收据-2024-7.pdf`` → ``2024-7.pdf``."""
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_stem).strip("._-")
    return (ascii_stem or DEFAULT_FILENAME[:-4]) + ".pdf"
