"""Spending through HTTP: the project's lines, a request with invoices, approval, vote, payment, files."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.spending.models import SpendingRequest
from tests.conftest import login
from tests.projects_world import make_projects_world, real_today, scoped
from tests.spending_world import INVOICE_PDF, ROAD, SIGNS, in_progress, invoice_png, set_approval


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def world(app, factory):
    world = make_projects_world(app, factory)
    world.other_staff = factory.user("铁西社区社工二", roles={world.tenant: "staff"})
    with scoped(app, world):
        world.project_number = in_progress(world).number
        db.session.commit()
    return world


def url(world, path: str) -> str:
    return f"/c/{world.tenant.slug}/spending{path}"


def new_request(client, world, *, amount="3,000", line=ROAD, category="扶贫", files=None):
    files = [(io.BytesIO(invoice_png()), "发票.png")] if files is None else files
    return client.post(url(world, f"/projects/{world.project_number}/new"),
                       data={"line": line, "amount": amount, "payee": "邹城市建工公司", "category": category,
                             "purpose": "水泥 30 吨", "files": files}, content_type="multipart/form-data")


def stored(app, world, number: int) -> SpendingRequest:
    with scoped(app, world):
        row = db.session.scalar(select(SpendingRequest).where(SpendingRequest.number == number))
        db.session.expunge(row)
        return row


def test_the_project_page_shows_each_line_with_what_is_left(app, client, world):
    login(client, world.staff)
    page = client.get(url(world, f"/projects/{world.project_number}")).get_data(as_text=True)
    assert "水泥路面硬化" in page and "施工围挡与标识" in page
    assert "¥45,000.00" in page and "¥10,000.00" in page
    assert 'name="category"' in page and "社区服务" in page, "the purposes of every fund are offered"
    assert 'enctype="multipart/form-data"' in page


def test_a_request_goes_from_submission_to_payment(app, client, world):
    login(client, world.staff)
    response = new_request(client, world)
    assert response.status_code == 302
    number = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "¥3,000.00" in page and "邹城市建工公司" in page and "发票.png" in page
    assert f'action="/c/{world.tenant.slug}/spending/{number}/approve"' not in page, "no approval of one's own"
    assert client.post(url(world, f"/{number}/approve")).status_code == 422

    client.post("/logout")
    login(client, world.other_staff)
    assert f'action="/c/{world.tenant.slug}/spending/{number}/approve"' in client.get(url(world, f"/{number}")).get_data(
        as_text=True)
    assert client.post(url(world, f"/{number}/approve")).status_code == 302
    assert stored(app, world, number).status == "approved"

    client.post("/logout")
    login(client, world.finance)
    future = (real_today() + timedelta(days=3)).isoformat()
    refused = client.post(url(world, f"/{number}/pay"), data={"paid_on": future})
    assert refused.status_code == 422 and "The payment date cannot be in the future." in refused.get_data(as_text=True)
    paid = client.post(url(world, f"/{number}/pay"), data={"paid_on": real_today().isoformat()})
    assert paid.status_code == 302
    row = stored(app, world, number)
    assert (row.status, row.restricted_fen, row.allocation_fen) == ("paid", 300_000, 0)
    page = client.get(url(world, f"/{number}")).get_data(as_text=True)
    assert "journal entry #" in page and "restricted money ¥3,000.00" in page
    project_page = client.get(url(world, f"/projects/{world.project_number}")).get_data(as_text=True)
    assert "Spent <strong class=\"money\">¥3,000.00</strong>" in project_page


def test_bad_requests_answer_422_with_every_reason_and_store_nothing(app, client, world):
    login(client, world.staff)
    bad_amount = new_request(client, world, amount="12.345")
    assert bad_amount.status_code == 422 and "two decimal" in bad_amount.get_data(as_text=True).lower()
    over = new_request(client, world, amount="46,000", category="社区服务")
    body = over.get_data(as_text=True)
    assert over.status_code == 422
    assert "at most ¥45,000.00 can be asked for" in body and "is not one of its purposes" in body
    not_a_file = new_request(client, world, files=[(io.BytesIO(b"MZ\x90\x00"), "virus.exe")])
    assert not_a_file.status_code == 422 and "only JPEG or PNG photos and PDF files" in not_a_file.get_data(
        as_text=True)
    with scoped(app, world):
        assert db.session.scalar(select(db.func.count(SpendingRequest.id))) == 0


def test_a_large_request_is_voted_by_the_council_through_the_pages(app, client, world):
    set_approval(app, world, staff_limit_yuan=2000)
    login(client, world.staff)
    number = int(new_request(client, world, amount="20,000").headers["Location"].rsplit("/", 1)[-1])
    client.post("/logout")
    login(client, world.finance)
    assert client.post(url(world, f"/{number}/check")).status_code == 302
    assert stored(app, world, number).status == "in_vote"
    for member in world.council:
        client.post("/logout")
        login(client, member)
        page = client.get(url(world, f"/{number}")).get_data(as_text=True)
        assert 'name="choice"' in page
        assert client.post(url(world, f"/{number}/vote"), data={"choice": "reject"}).status_code == 422, \
            "a rejection without a reason"
        assert client.post(url(world, f"/{number}/vote"), data={"choice": "approve"}).status_code == 302
    row = stored(app, world, number)
    assert row.status == "approved" and row.tally["approve"] == 5
    page = client.get(url(world, f"/{number}")).get_data(as_text=True)
    assert "5 approve, 0 reject, 0 abstain." in page


def test_invoices_are_served_to_staff_photos_inline_and_pdfs_as_downloads(app, client, world):
    login(client, world.staff)
    files = [(io.BytesIO(invoice_png()), "发票.png"), (io.BytesIO(INVOICE_PDF), "收据.pdf")]
    number = int(new_request(client, world, files=files).headers["Location"].rsplit("/", 1)[-1])
    row = stored(app, world, number)
    with scoped(app, world):
        ids = [item.id for item in db.session.get(SpendingRequest, row.id).attachments]
    with client.get(url(world, f"/{number}/files/{ids[0]}")) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and photo.data[:3] == b"\xff\xd8\xff"
        assert "attachment" not in photo.headers.get("Content-Disposition", "")
    with client.get(url(world, f"/{number}/files/{ids[1]}")) as pdf:
        assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("attachment")
        assert pdf.data == INVOICE_PDF
    assert client.get(url(world, f"/{number}/files/{ids[1] + 100}")).status_code == 404
    more = client.post(url(world, f"/{number}/files"), data={"files": [(io.BytesIO(INVOICE_PDF + b"%"), "补充.pdf")]},
                       content_type="multipart/form-data")
    assert more.status_code == 302 and "补充.pdf" in client.get(url(world, f"/{number}")).get_data(as_text=True)


def test_the_list_filters_and_answers_htmx_with_the_fragment(app, client, world):
    login(client, world.staff)
    new_request(client, world)
    new_request(client, world, amount="500", line=SIGNS, category="社区服务")
    for query in ("", "?status=", "?status=paid", "?status=nonsense"):
        assert client.get(url(world, f"/{query}")).status_code == 200, query
    page = client.get(url(world, "/")).get_data(as_text=True)
    assert "<html" in page and page.count('class="badge spending-submitted"') == 2
    fragment = client.get(url(world, "/?status=open&q=施工围挡"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="request-list"' in fragment
    assert "施工围挡与标识" in fragment and "水泥路面硬化" not in fragment
    assert "¥500.00" in fragment


def test_the_dashboard_counts_requests_waiting_for_each_person(app, client, world):
    login(client, world.staff)
    new_request(client, world)
    assert "spending requests waiting for you" not in client.get(f"/c/{world.tenant.slug}/").get_data(as_text=True), \
        "the requester has nothing to do"
    client.post("/logout")
    login(client, world.other_staff)
    home = client.get(f"/c/{world.tenant.slug}/").get_data(as_text=True)
    assert re.search(r'tile-number">1</span><span>spending requests waiting for you', home)
    page = client.get(url(world, "/")).get_data(as_text=True)
    assert "1 to approve" in page
