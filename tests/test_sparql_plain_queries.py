"""Plain ``GET /sparql?query=…`` requests are answered in front of Flask's routing (``sparql/plain_queries.py``).

Every answer must be the route's own, to the byte: the same request sent through the whole app and to the app
behind that layer (the route alone) gives the same status, headers in the same order, and body — for results in
every format, the row cap, and every refusal (guard, protocol, negotiation, the engine's syntax errors).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import request_started
from werkzeug.test import Client

from newsfacts.web.app import create_app
from newsfacts.web.sparql.plain_queries import PlainQueries

MAX_ROWS = 7
ENTITY = "<https://newsfacts.example/entity/nicolas-maduro>"
QUERIES = [
    f"SELECT ?p ?o WHERE {{ {ENTITY} ?p ?o }}",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",  # more than MAX_ROWS: truncated
    "ASK { ?s ?p ?o }",
    f"CONSTRUCT {{ {ENTITY} ?p ?o }} WHERE {{ {ENTITY} ?p ?o }}",
    f"DESCRIBE {ENTITY}",
    "SELECT ?l WHERE { ?s rdfs:label ?l } LIMIT 3",  # a predeclared prefix
    "SELECT * WHERE { ?s ?p ",  # the engine's syntax error
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "DROP ALL",
    "SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }",
    "SELECT * WHERE " + "{" * 200 + "}" * 200,
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "||".join(["1"] * 600) + ") }",
    "   ",
]
ACCEPTS = [None, "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values", "text/turtle", "application/ld+json", "application/rdf+xml", "*/*", "image/png"]
OTHER_REQUESTS = [
    "/sparql?query=%FF", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", "/sparql?update=DROP%20ALL",
    "/sparql?query=ASK%7B%7D&format=csv", "/sparql?query=ASK%7B%7D&format=ttl", "/sparql?query=ASK%7B%7D&format=bogus",
    "/sparql?query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fexample.org%2Fg", "/sparql?query=" + "A" * 70000,
]


@pytest.fixture(scope="module")
def app(releases_dir):
    return create_app({"releases_dir": str(releases_dir), "max_rows": MAX_ROWS})


def answers(app, path: str, accept: str | None) -> tuple[tuple, tuple]:
    """The answer of the whole app, and of the route alone (the app behind the layer)."""
    assert isinstance(app.wsgi_app, PlainQueries)
    headers = {"Accept": accept} if accept else {}
    whole = Client(app).get(path, headers=headers)
    route = Client(app.wsgi_app.wsgi_app).get(path, headers=headers)
    return ((whole.status_code, list(whole.headers.items()), whole.data),
            (route.status_code, list(route.headers.items()), route.data))


@pytest.mark.parametrize("accept", ACCEPTS)
def test_every_query_and_format_is_answered_as_the_route_answers_it(app, accept):
    statuses = set()
    for text in QUERIES:
        whole, route = answers(app, "/sparql?" + urlencode({"query": text}), accept)
        assert whole == route, text
        statuses.add(whole[0])
    assert len(statuses) > 1 and (200 in statuses or accept == "image/png")  # answers and refusals were compared


def test_the_row_cap_and_refusals_are_the_routes(app):
    whole, route = answers(app, "/sparql?" + urlencode({"query": QUERIES[1]}), "application/sparql-results+json")
    assert whole == route
    assert whole[0] == 200 and ("X-Newsfacts-Truncated", "true") in whole[1] and ("X-SPARQL-MaxRows", str(MAX_ROWS)) in whole[1]
    for path in OTHER_REQUESTS:
        whole, route = answers(app, path, "application/sparql-results+json")
        assert whole == route, path


def test_only_plain_queries_skip_the_routing(app):
    dispatched = []

    def seen(sender, **_):
        dispatched.append(True)

    client = Client(app)
    with request_started.connected_to(seen, app):
        lookup = client.get("/sparql?" + urlencode({"query": QUERIES[0]}), headers={"Accept": "text/csv"})
        refused = client.get("/sparql?" + urlencode({"query": QUERIES[7]}), headers={"Accept": "text/csv"})
        assert lookup.status_code == 200 and lookup.data.startswith(b"p,o\r\n") and refused.status_code == 403
        assert dispatched == []
        for path, accept in [("/sparql?" + urlencode({"query": QUERIES[0]}), "text/html"),
                             ("/sparql?" + urlencode({"query": QUERIES[0], "format": "html"}), None),
                             ("/sparql", "text/turtle"), ("/sparql/?query=ASK%7B%7D", None)]:
            before = len(dispatched)
            response = client.get(path, headers={"Accept": accept} if accept else {})
            assert response.status_code in (200, 308) and len(dispatched) == before + 1, path
