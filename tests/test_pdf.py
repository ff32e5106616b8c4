"""Real PDFs from render_pdf, read back with poppler (pdftotext, pdffonts, pdfimages, pdfinfo).

Also: the URL fetcher serves only static files and the tenant's own uploads, and WeasyPrint
subsets fonts with HarfBuzz (libharfbuzz-subset0), not the 15–50× slower fontTools fallback.
"""

import logging
import re
import subprocess
from urllib.parse import urljoin

import pytest
from flask import session
from flask_babel import gettext as _
from jinja2 import ChoiceLoader, DictLoader
from werkzeug.http import parse_options_header

from app.core.money import chinese_capital, format_yuan
from app.extensions import db
from app.reports.pdf import (
    LOGO_URL,
    AssetFetcher,
    PdfError,
    asset_url,
    pdf_response,
    render_pdf,
)
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from app.tenancy.services import set_logo
from tests.world import png_bytes

TEMPLATES = {
    "test_pdf/receipt.html": """{% extends "reports/_pdf_base.html" %}
{% block title %}社区基金捐赠收据{% endblock %}
{% block meta %}<span>编号：JZ-2024-0007</span><span>日期：2024年5月6日</span>{% endblock %}
{% block content %}
<p>兹收到张三女士捐赠给幸福社区微基金的善款，用于社区花园的维护，特此致谢。</p>
<p>金额：{{ yuan(amount) }}　大写：<span class="amount-capital">人民币{{ capital(amount) }}</span></p>
{{ signature_lines() }}
{% endblock %}""",
    "test_pdf/ledger.html": """{% extends "reports/_pdf_base.html" %}
{% block title %}基金收支明细{% endblock %}
{% block content %}
<table class="pdf-table">
  <thead><tr><th>序号</th><th>摘要</th><th class="num">金额</th></tr></thead>
  <tbody>{% for row in rows %}<tr><td>{{ row }}</td><td>第{{ row }}笔 居民捐赠</td><td class="num">{{ yuan(row * 1001) }}</td></tr>{% endfor %}</tbody>
  <tfoot><tr><td colspan="2">合计</td><td class="num">{{ yuan(total) }}</td></tr></tfoot>
</table>
{{ signature_lines(["制表人", "负责人"]) }}
{% endblock %}""",
    "test_pdf/labels.html": """{% extends "reports/_pdf_base.html" %}
{% block title %}标签{% endblock %}
{% block content %}<p>按钮：{{ _("Sign in") }}</p>{% endblock %}""",
    "test_pdf/image.html": """{% extends "reports/_pdf_base.html" %}
{% block title %}图片{% endblock %}
{% block content %}<img src="{{ src }}" alt="">{% endblock %}""",
}
LEDGER_ROWS = 72  # three A4 pages (58–85 rows make three with this stylesheet)


@pytest.fixture
def pdf_app(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])
    return app


def give_logo(app, tenant_ref, color=(200, 30, 30)) -> str:
    with app.app_context(), tenant_scope(db.session, tenant_ref.id):
        tenant = db.session.get(Tenant, tenant_ref.id)
        set_logo(tenant, png_bytes(size=(120, 120), color=color), actor=None,
                 limits={"max_bytes": 2_000_000, "max_pixels": 10_000_000, "max_side": 300},
                 upload_root=app.config["UPLOAD_FOLDER"])
        db.session.commit()
        return tenant.logo_key


def render(app, tenant_ref, template, **context) -> bytes:
    with app.test_request_context(), tenant_scope(db.session, tenant_ref.id):
        tenant = db.session.get(Tenant, tenant_ref.id)
        return render_pdf(tenant, template, {"yuan": format_yuan, "capital": chinese_capital, **context})


def poppler(tool: str, pdf: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                            capture_output=True, text=True, check=True)
    return result.stdout


def images(pdf: bytes, tmp_path) -> list[list[str]]:
    """pdfimages -list rows of real images (a PNG logo's alpha channel is a separate smask)."""
    rows = [line.split() for line in poppler("pdfimages", pdf, tmp_path, "-list").splitlines()[2:]]
    return [row for row in rows if row[2] == "image"]


def words(text: str) -> str:
    """pdftotext -layout pads columns with runs of spaces; compare with single spaces."""
    return " ".join(text.split())


def weasyprint_records(caplog, level=logging.DEBUG):
    return [record for record in caplog.records
            if record.name.startswith(("weasyprint", "fontTools")) and record.levelno >= level]


def test_receipt_is_a_chinese_a4_document(pdf_app, factory, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    caplog.set_level(logging.DEBUG, logger="fontTools")
    tenant = factory.tenant(name="幸福里社区")
    give_logo(pdf_app, tenant)

    pdf = render(pdf_app, tenant, "test_pdf/receipt.html", amount=1234567)

    assert pdf.startswith(b"%PDF-")
    text = words(poppler("pdftotext", pdf, tmp_path, "-layout"))
    assert "社区基金捐赠收据" in text
    assert "幸福里社区" in text
    assert "第 1 页 共 1 页" in text
    assert "兹收到张三女士捐赠给幸福社区微基金的善款" in text
    assert "¥12,345.67" in text and "人民币壹万贰仟叁佰肆拾伍元陆角柒分" in text
    assert "经办人：" in text and "审核人：" in text and "负责人：" in text and "日期：" in text

    info = poppler("pdfinfo", pdf, tmp_path)
    assert re.search(r"Pages:\s+1\n", info)
    assert "595.276 x 841.89 pts (A4)" in info
    assert re.search(r"Title:\s+社区基金捐赠收据", info)

    fonts = poppler("pdffonts", pdf, tmp_path).splitlines()[2:]
    cjk = [line for line in fonts if "Noto-Sans-CJK-SC" in line]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # emb column: every font embedded

    logos = images(pdf, tmp_path)
    assert len(logos) == 1, logos  # the logo in the header
    assert logos[0][3:5] == ["120", "120"]

    # The capture works (WeasyPrint logs its steps at INFO) ...
    assert any(record.name == "weasyprint.progress" for record in caplog.records)
    # ... and fonts were subset with HarfBuzz: libharfbuzz-subset0 is installed.
    assert not [r for r in weasyprint_records(caplog) if "fontTools instead of HarfBuzz" in r.getMessage()]
    # No refused resource, unknown CSS or other complaint either.
    assert weasyprint_records(caplog, logging.WARNING) == []


def test_long_table_runs_over_three_numbered_pages(pdf_app, factory, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    tenant = factory.tenant(name="和平里社区")
    give_logo(pdf_app, tenant)
    rows = list(range(1, LEDGER_ROWS + 1))

    pdf = render(pdf_app, tenant, "test_pdf/ledger.html", rows=rows, total=sum(rows) * 1001)

    assert re.search(r"Pages:\s+3\n", poppler("pdfinfo", pdf, tmp_path))
    pages = poppler("pdftotext", pdf, tmp_path, "-layout").split("\f")[:3]
    for number, page in enumerate(pages, start=1):
        page = words(page)
        assert f"第 {number} 页 共 3 页" in page
        assert "和平里社区" in page and "基金收支明细" in page  # the running header
        assert "序号 摘要 金额" in page                        # the table header, repeated
    assert f"第{LEDGER_ROWS}笔 居民捐赠" in pages[2]
    assert words(pages[2]).count("合计") == 1 and "合计" not in pages[0] + pages[1]
    assert "制表人：" in pages[2]
    assert [row[0] for row in images(pdf, tmp_path)] == ["1", "2", "3"]  # the logo on each page
    assert weasyprint_records(caplog, logging.WARNING) == []


def test_documents_are_chinese_whatever_language_the_reader_uses(pdf_app, factory, tmp_path):
    tenant = factory.tenant(name="双语社区")
    with pdf_app.test_request_context():
        session["locale"] = "en"
        assert str(_("Sign in")) == "Sign in"
        pdf = render_pdf(db.session.get(Tenant, tenant.id), "test_pdf/labels.html", {})
        assert str(_("Sign in")) == "Sign in"  # the page around it stays English
    assert "按钮：登录" in words(poppler("pdftotext", pdf, tmp_path, "-layout"))


def test_tenant_without_logo(pdf_app, factory, tmp_path):
    tenant = factory.tenant(name="无徽标社区")
    with pdf_app.test_request_context():
        assert AssetFetcher.for_tenant(db.session.get(Tenant, tenant.id)).logo_url is None

    pdf = render(pdf_app, tenant, "test_pdf/receipt.html", amount=100)

    text = words(poppler("pdftotext", pdf, tmp_path, "-layout"))
    assert "无徽标社区" in text and "人民币壹元整" in text
    assert images(pdf, tmp_path) == []


# --- the URL fetcher ------------------------------------------------------------------

@pytest.fixture
def two_tenants(pdf_app, factory):
    mine, other = factory.tenant(name="本社区"), factory.tenant(name="别的社区")
    return mine, give_logo(pdf_app, mine), other, give_logo(pdf_app, other, color=(30, 30, 200))


def fetcher_for(app, tenant_ref) -> AssetFetcher:
    with app.test_request_context():
        return AssetFetcher.for_tenant(db.session.get(Tenant, tenant_ref.id))


def test_fetcher_serves_static_files_and_the_tenants_own_files(pdf_app, two_tenants):
    mine, my_key, _other, _other_key = two_tenants
    fetcher = fetcher_for(pdf_app, mine)
    assert fetcher.static_base == "http://localhost/static/"

    css = fetcher.fetch(urljoin(fetcher.static_base, "/static/css/pdf.css"))
    assert css.content_type == "text/css" and b"@page" in css.read()
    relative = fetcher.fetch(urljoin(fetcher.static_base, "css/pdf.css"))
    assert b"counter(pages)" in relative.read()

    logo = fetcher.fetch(LOGO_URL)
    assert logo.content_type == "image/png" and logo.read().startswith(b"\x89PNG")
    assert fetcher.fetch(asset_url(my_key)).read().startswith(b"\x89PNG")


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://example.com/x.png",
    "https://example.com/static/css/pdf.css",             # the right path on another host
    "http://localhost.example.com/static/css/pdf.css",
    "http://localhost@example.com/static/css/pdf.css",
    "https://localhost/static/css/pdf.css",               # another scheme
    "http://localhost:8080/static/css/pdf.css",           # another port
    "http://localhost/static/../app/config.py",           # traversal, as written
    "http://localhost/static/%2e%2e/app/config.py",       # traversal, percent-encoded
    "http://localhost/static/..%2fapp/config.py",
    "http://localhost/static//etc/passwd",
    "http://localhost/static/",                           # a folder, not a file
    "http://localhost/static/css/missing.css",
    "http://localhost/app/config.py",                     # what /static/../app/config.py joins to
    "data:text/css,body{}",
    "ftp://example.com/x.png",
    "linli-asset:logo2",
    "linli-asset:upload/../../../etc/passwd",
    "linli-asset:upload/",
])
def test_fetcher_refuses_everything_else(pdf_app, two_tenants, url):
    mine, *_ = two_tenants
    with pytest.raises(ValueError, match="refused"):
        fetcher_for(pdf_app, mine).fetch(url)


def test_fetcher_refuses_traversal_joined_from_a_relative_url(pdf_app, two_tenants):
    mine, *_ = two_tenants
    fetcher = fetcher_for(pdf_app, mine)
    for relative in ("/static/../app/config.py", "../app/config.py", "../../../../etc/passwd"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(urljoin(fetcher.static_base, relative))


def test_fetcher_refuses_another_tenants_files(pdf_app, two_tenants):
    mine, my_key, other, other_key = two_tenants
    fetcher = fetcher_for(pdf_app, mine)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(asset_url(other_key))
    # The same file name under this tenant's folder is not the other tenant's file either.
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(asset_url(other_key.replace(f"{other.id}/", f"{mine.id}/")))
    # The other tenant's fetcher serves its own logo, not mine.
    theirs = fetcher_for(pdf_app, other)
    assert theirs.fetch(LOGO_URL).read() != fetcher.fetch(LOGO_URL).read()
    with pytest.raises(ValueError, match="refused"):
        theirs.fetch(asset_url(my_key))


@pytest.mark.parametrize("src", ["file:///etc/passwd", "http://example.com/x.png", "other-tenant"])
def test_a_refused_resource_fails_the_render(pdf_app, two_tenants, src):
    mine, _my_key, _other, other_key = two_tenants
    with pytest.raises(PdfError, match="refused"):
        render(pdf_app, mine, "test_pdf/image.html", src=asset_url(other_key) if src == "other-tenant" else src)


# --- the response ---------------------------------------------------------------------

@pytest.mark.parametrize(("filename", "fallback", "full"), [
    ("捐赠收据-2024-007.pdf", "2024-007.pdf", "捐赠收据-2024-007.pdf"),
    ("基金月报.pdf", "document.pdf", "基金月报.pdf"),
    ("Café 报表", "Cafe.pdf", "Café 报表.pdf"),
    ("receipt-7.pdf", "receipt-7.pdf", None),
    ("../../etc/receipt.pdf", "receipt.pdf", None),
    ('a"b\r\nc.pdf', "abc.pdf", None),
    ("", "document.pdf", None),
])
def test_pdf_response_names_the_file_per_rfc_6266(pdf_app, filename, fallback, full):
    with pdf_app.test_request_context():
        response = pdf_response(b"%PDF-1.7 test", filename)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(b"%PDF-1.7 test"))
    assert response.headers["Cache-Control"] == "private, no-store"
    header = response.headers["Content-Disposition"]
    assert header.isascii() and "\n" not in header
    assert header.startswith(f'attachment; filename="{fallback}"')
    kind, options = parse_options_header(header)
    assert kind == "attachment"
    assert options["filename"] == (full or fallback)  # werkzeug prefers filename* when present
    assert ("filename*=UTF-8''" in header) == (full is not None)


def test_pdf_response_chinese_filename_is_percent_encoded_utf8(pdf_app):
    response = pdf_response(b"%PDF-", "捐赠收据.pdf", as_attachment=False)
    assert response.headers["Content-Disposition"] == (
        "inline; filename=\"document.pdf\"; filename*=UTF-8''%E6%8D%90%E8%B5%A0%E6%94%B6%E6%8D%AE.pdf")


def test_pdf_response_through_a_view(pdf_app, factory):
    tenant = factory.tenant(name="视图社区")

    @pdf_app.route("/test-pdf")
    def download():
        return pdf_response(render_pdf(db.session.get(Tenant, tenant.id), "test_pdf/receipt.html",
                                       {"yuan": format_yuan, "capital": chinese_capital, "amount": 5000}),
                            "捐赠收据.pdf")

    response = pdf_app.test_client().get("/test-pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "filename*=UTF-8''%E6%8D%90" in response.headers["Content-Disposition"]
