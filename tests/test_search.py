"""/search over HTTP on the shipped release: accents, alternative labels, kinds, paging, JSON and HTML, the box."""

from __future__ import annotations

import html
import re
import sqlite3

import pytest
import requests

from newsfacts.search_index import index_path, match_expression


def search(server, q: str, **params) -> requests.Response:
    return requests.get(server.url + "/search.json", params={"q": q, **params}, timeout=30)


def names(body: dict, kind: str) -> list[str]:
    return [r["name"] for g in body["groups"] if g["kind"] == kind for r in g["results"]]


def test_the_release_holds_an_fts5_index_with_the_accent_insensitive_tokenizer(release):
    db = sqlite3.connect(index_path(release.path))
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'search'").fetchone()[0]
    assert "fts5" in sql and "remove_diacritics 2" in sql
    assert db.execute("SELECT count(*) FROM things WHERE kind = 'claim'").fetchone()[0] == 90


def test_a_name_without_accents_finds_the_name_with_them(server):
    response = search(server, "Nicolas Maduro")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert names(body, "entity")[0] == "Nicolás Maduro"
    first = body["groups"][0]["results"][0]
    assert first["href"] == "/entity/nicolas-maduro.html" and first["id"] == "https://newsfacts.example/entity/nicolas-maduro"
    assert [g["kind"] for g in body["groups"]] == [k for k in ("entity", "event", "claim", "article", "report")
                                                    if k in body["counts"]]


def test_spanish_labels_and_alternative_labels_are_searched(server):
    assert names(search(server, "Teheran").json(), "entity") == ["Tehran"]  # es "Teherán", without its accent
    assert "Islamic Revolutionary Guard Corps" in names(search(server, "IRGC").json(), "entity")  # skos:altLabel
    assert "United States Department of Justice" in names(search(server, "Departamento de Justicia").json(), "entity")


def test_claim_texts_and_quotes_are_searched_and_ranked(server):
    body = search(server, "drones Bolivia", kind="claim").json()
    assert [g["kind"] for g in body["groups"]] == ["claim"]
    results = body["groups"][0]["results"]
    assert results and all(r["href"].startswith("/claim/") for r in results)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert "Bolivia" in results[0]["name"]
    # words found only in a quote (the article's own words) find the claim
    quoted = search(server, "operational negligence").json()
    assert quoted["counts"].get("claim", 0) >= 1


def test_paging_walks_every_result_once(server):
    first = search(server, "iran", kind="claim").json()
    group = first["groups"][0]
    assert group["total"] > 20 and group["pages"] >= 2 and group["next"]
    seen = [r["id"] for r in group["results"]]
    page = group
    while page["next"]:
        page = requests.get(server.url + page["next"], timeout=30).json()["groups"][0]
        seen += [r["id"] for r in page["results"]]
    assert len(seen) == len(set(seen)) == group["total"]
    past = search(server, "iran", kind="claim", page=group["pages"] + 1)
    assert past.status_code == 404 and past.json()["title"] == "No such page"


def test_no_result_is_said_in_json_and_html(server):
    body = search(server, "zzzxqy").json()
    assert body["total"] == 0 and body["groups"] == []
    page = requests.get(server.url + "/search", params={"q": "zzzxqy"}, timeout=30)
    assert page.status_code == 200 and "No results for “zzzxqy”" in page.text


def test_accept_chooses_json_or_html(server):
    as_json = requests.get(server.url + "/search", params={"q": "maduro"}, headers={"Accept": "application/json"},
                           timeout=30)
    assert as_json.headers["Content-Type"].startswith("application/json") and as_json.json()["total"] > 0
    as_html = requests.get(server.url + "/search", params={"q": "maduro"}, headers={"Accept": "text/html"}, timeout=30)
    assert as_html.headers["Content-Type"].startswith("text/html")
    links = re.findall(r'href="(/entity/[^"]+)"', as_html.text)
    assert "/entity/nicolas-maduro.html" in links
    assert requests.get(server.url + links[0], timeout=30).status_code == 200  # results link to documents


def assert_problem(response: requests.Response, status: int) -> None:
    """A 4xx in the one error shape: problem+json with its status and a message."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]


def test_bad_requests_get_4xx(server):
    assert_problem(search(server, ""), 400)
    assert_problem(search(server, "x", kind="planet"), 400)
    assert_problem(search(server, "x", page="0"), 400)
    assert_problem(search(server, "x" * 501), 400)
    # FTS5 syntax typed by a reader is searched as words, never an error
    for text in ('"', "NEAR(", "a OR", "*", "name:maduro", "^x"):
        found = search(server, text)
        assert found.status_code == 200 and "groups" in found.json(), text


def test_hits_are_escaped_in_html(server):
    page = requests.get(server.url + "/search", params={"q": "<script>maduro"}, timeout=30)
    assert page.status_code == 200 and "<script>maduro" not in page.text
    assert html.escape("<script>maduro") in page.text


@pytest.mark.parametrize("path", ["/", "/entity/iran.html", "/search", "/dumps"])
def test_every_html_page_has_the_search_box(server, path):
    page = requests.get(server.url + path, timeout=30)
    assert page.status_code == 200
    assert re.search(r'<form class="search" action="/search" role="search"><input type="search" name="q"', page.text)


def test_the_match_expression_quotes_every_word():
    assert match_expression('maduro" OR x') == '"maduro"* AND "OR"* AND "x"*'
    assert match_expression("  ") is None


def test_a_sqlite_without_fts5_stops_the_build_with_a_message(tmp_path, monkeypatch):
    from newsfacts import search_index
    from newsfacts.problems import BuildFailed

    monkeypatch.setattr(search_index, "SCHEMA", search_index.SCHEMA.replace("USING fts5(", "USING fts_missing("))
    with pytest.raises(BuildFailed, match="lacks FTS5"):
        search_index.write_index([], tmp_path / "index.sqlite", "https://newsfacts.example/")
