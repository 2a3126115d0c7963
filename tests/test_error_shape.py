"""One error shape everywhere: {status, title, detail} as JSON for machines, an HTML page for browsers."""

import pytest

from newsfacts.web.app import create_app


@pytest.fixture(scope="module")
def client(releases_dir):
    app = create_app({"releases_dir": str(releases_dir)})

    @app.route("/_boom")
    def boom():
        raise RuntimeError("a bug")

    return app.test_client()


@pytest.mark.parametrize(("path", "status"), [("/entity/none.ttl", 404), ("/entity/iran?page=0", 303),
                                              ("/entity/x.ttl?page=0", 400), ("/_boom", 500)])
def test_json_for_machines(client, path, status):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == status
    if status >= 400:
        assert response.content_type == "application/problem+json"
        body = response.get_json(force=True)
        assert set(body) >= {"type", "status", "title", "detail"} and body["status"] == status
        assert isinstance(body["status"], int) and body["type"].startswith(("about:blank", "tag:"))
        assert "Traceback" not in response.get_data(as_text=True) and "a bug" not in body["detail"]


def test_html_for_browsers(client):
    response = client.get("/entity/none.html", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.content_type.startswith("text/html")
    text = response.get_data(as_text=True)
    assert "<h1 class=\"error\">404 Not Found</h1>" in text and "SPARQL" in text


def test_method_not_allowed_is_405_in_the_same_shape(client):
    response = client.delete("/entity/none.ttl", headers={"Accept": "application/json"})
    assert response.status_code == 405 and response.get_json(force=True)["status"] == 405
