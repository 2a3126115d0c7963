"""The query page at /sparql for browsers: editor, examples, results table with links, downloads, inline errors,
and nothing loaded from elsewhere."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from newsfacts.web.sparql.page import examples
from test_sparql_support import drain

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
QUERIES = Path(__file__).resolve().parents[1] / "server" / "newsfacts" / "queries"
BASE = "https://newsfacts.example/"


@pytest.fixture(scope="module")
def sparql_server(server):
    drain(server)
    return server


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(text: str) -> list[tuple[str, dict]]:
    parser = Links()
    parser.feed(text)
    return parser.tags


def page(server, **params) -> requests.Response:
    return requests.get(server.url + "/sparql", params=params, headers={"Accept": BROWSER}, timeout=30)


def test_the_page_lists_every_example_query_in_file_name_order(sparql_server):
    response = page(sparql_server)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    text = response.text
    files = sorted(p.stem for p in QUERIES.glob("*.rq"))
    assert len(files) >= 3
    positions = [text.index(f"{name}.rq") for name in files]
    assert positions == sorted(positions)
    shown = html.unescape(text)
    for example in examples():
        assert example.title in shown and example.description in shown
    assert '<textarea id="query" name="query"' in text and 'id="limits"' in text


def test_examples_read_title_and_description(tmp_path):
    (tmp_path / "b.rq").write_text("# title: Second\n# description: Two\nASK {}\n", encoding="utf-8")
    (tmp_path / "a.rq").write_text("# title: First\n# description: One\nSELECT * {}\n", encoding="utf-8")
    found = examples(tmp_path)
    assert [(e.name, e.title, e.description, e.query) for e in found] == [
        ("a", "First", "One", "SELECT * {}\n"), ("b", "Second", "Two", "ASK {}\n")]


def test_every_example_runs_from_its_link(sparql_server):
    tags = tags_of(page(sparql_server).text)
    runs = [attrs["href"] for tag, attrs in tags if tag == "a" and attrs.get("class") == "run"]
    assert len(runs) == len(list(QUERIES.glob("*.rq")))
    for href in runs:
        response = requests.get(sparql_server.url + href, headers={"Accept": BROWSER})
        assert response.status_code == 200, (href, response.text[:500])
        assert 'class="outcome results"' in response.text


def test_nothing_is_loaded_from_another_site(sparql_server):
    tags = tags_of(page(sparql_server).text)
    loaded = [attrs.get("src") or attrs.get("href") for tag, attrs in tags
              if (tag == "script" and attrs.get("src")) or (tag == "link" and attrs.get("rel") == "stylesheet")]
    inline = [attrs for tag, attrs in tags if tag == "script" and not attrs.get("src")]
    assert all(attrs.get("type") == "application/ld+json" for attrs in inline)  # data (schema.org), not code
    assert loaded and all(url.startswith("/") for url in loaded)
    for url in loaded:
        assert requests.get(sparql_server.url + url).status_code == 200


def test_results_table_links_iris_to_this_server_and_offers_downloads(sparql_server):
    text = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?thing ?match WHERE { ?thing skos:exactMatch ?match } ORDER BY ?thing")
    response = page(sparql_server, query=text)
    assert response.status_code == 200
    tags = tags_of(response.text)
    hrefs = [attrs["href"] for tag, attrs in tags if tag == "a" and "href" in attrs]
    local = [h for h in hrefs if h.startswith("/entity/")]
    assert local and f"{BASE}entity/" not in " ".join(hrefs)  # dataset IRIs link to the same path here
    assert any(h.startswith("http://www.wikidata.org/entity/Q") for h in hrefs)  # others link to themselves
    assert response.text.count("<tr>") > 1
    downloads = [attrs["href"] for tag, attrs in tags if tag == "a" and "download" in attrs]
    expected = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
                "tsv": "text/tab-separated-values"}
    assert sorted(re.search(r"format=(\w+)", d).group(1) for d in downloads) == sorted(expected)
    for href in downloads:
        got = requests.get(sparql_server.url + html.unescape(href), headers={"Accept": BROWSER})
        assert got.status_code == 200
        assert got.headers["Content-Type"].split(";")[0] == expected[re.search(r"format=(\w+)", href).group(1)]


def test_graph_results_and_booleans_in_the_page(sparql_server):
    construct = page(sparql_server, query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5")
    assert "<th>?subject</th><th>?predicate</th><th>?object</th>" in construct.text
    formats = re.findall(r"format=(\w+)", construct.text)
    assert {"ttl", "nt", "jsonld", "rdf", "trig", "nq"} <= set(formats)
    ask = page(sparql_server, query="ASK { ?s ?p ?o }")
    assert '<p class="boolean">true</p>' in ask.text
    forced = requests.get(sparql_server.url + "/sparql", params={"query": "ASK {}", "format": "html"})
    assert forced.headers["Content-Type"].startswith("text/html")


def test_errors_show_in_the_page_with_the_query_kept(sparql_server):
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = page(sparql_server, query=text)
    assert response.status_code == 403 and response.headers["Content-Type"].startswith("text/html")
    assert "SERVICE not allowed" in response.text and text in html.unescape(response.text)
    syntax = page(sparql_server, query="SELECT * WHERE { ?s ?p }")
    assert syntax.status_code == 400 and "error at 1:" in syntax.text


def test_posting_the_form_works_for_long_queries(sparql_server):
    text = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 #" + "x" * 6000
    response = requests.post(sparql_server.url + "/sparql", data={"query": text}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.text.count("<tr>") == 4
