from tests.conftest import login


def test_healthz_checks_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_login_and_dashboard(client, factory):
    community = factory.tenant("tiexi-t", name="铁西社区")
    staff = factory.user("李红梅", roles={community: "staff"})
    response = login(client, staff)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/tiexi-t/")
    page = client.get("/c/tiexi-t/")
    assert page.status_code == 200
    assert "铁西社区" in page.get_data(as_text=True)
