"""The lexical guard: what it refuses before any engine sees a query, and what it must let through."""

from __future__ import annotations

import time

import pytest

from newsfacts.web.errors import ApiError
from newsfacts.web.sparql import guard

BASE = "https://newsfacts.example/"
GRAPHS = {f"{BASE}graph/vocabulary", f"{BASE}graph/links", f"{BASE}graph/article/a"}


def check(text: str, max_depth: int = 64) -> guard.QueryInfo:
    return guard.check(text, max_depth=max_depth, graphs=GRAPHS, base_iri=BASE)


def refused(text: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        check(text)
    return caught.value


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://evil.example/> {}" }',
    "SELECT * WHERE { ?s ?p '''a\nSERVICE <http://evil.example/> { }''' }",
    "SELECT ?service WHERE { ?service ?p ?o }",
    "SELECT * WHERE { $service ?p ?o }",
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:x service:SERVICE }",
    "SELECT * WHERE { ?s <http://example.org/service> <http://example.org/SERVICE#x> }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://evil.example/> { }",
    'SELECT * WHERE { ?s ?p "x"@service }',
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > <http://example.org/service>) }",
], ids=["string", "long-string", "variable", "dollar-variable", "prefixed-names", "iris", "comment", "langtag",
        "iri-in-expression"])
def test_service_in_strings_iris_comments_and_names_is_harmless(text):
    assert check(text).service_at is None


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
    "select * where { service <http://evil.example/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://evil.example/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://evil.example/> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "PREFIX e: <http://evil.example/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o.SERVICE<http://evil.example/>{} }",
    "SELECT * WHERE { ?s ?p true.SERVICE<http://evil.example/>{} }",
    # '<' after an operand inside an expression is less-than: what follows is not an IRI to skip
    "SELECT * WHERE { BIND(1 AS ?a) FILTER(?a<2)SERVICE#>\n<http://evil.example/>{} }",
    "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
], ids=["upper", "lower", "silent", "variable", "prefixed", "after-dot", "after-true", "less-than-trick", "file"])
def test_service_is_refused_with_its_position(text):
    error = refused(text)
    assert error.status == 403 and error.title == "SERVICE not allowed"
    assert "line " in error.detail and "never connects" in error.detail


@pytest.mark.parametrize("keyword", ["LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"])
def test_updates_are_refused(keyword):
    error = refused(f"{keyword} <http://evil.example/data.ttl>")
    assert error.status == 403 and keyword in error.detail and "read-only" in error.detail


def test_five_thousand_parentheses_and_two_thousand_braces_are_refused_without_recursion():
    for text in ("ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", "ASK " + "{" * 2000 + "}" * 2000):
        error = refused(text)
        assert error.status == 400 and "at most 64" in error.detail and error.extra["depth"] > 64


def test_depth_counts_brackets_of_the_query_only():
    text = 'SELECT * WHERE { ?s ?p "' + "(" * 500 + '" FILTER(?o = <http://example.org/((((>) } # ((((((('
    assert check(text).depth == 2
    assert check("ASK { " + "{" * 63 + "}" * 63 + " }").depth == 64


def test_from_graphs_are_resolved_and_must_be_in_the_dataset():
    info = check(f"PREFIX g: <{BASE}graph/> SELECT * FROM g:vocabulary FROM NAMED <{BASE}graph/links> WHERE {{ ?s ?p ?o }}")
    assert info.from_graphs == [f"{BASE}graph/vocabulary"] and info.from_named_graphs == [f"{BASE}graph/links"]
    assert check("BASE <https://newsfacts.example/graph/> ASK FROM <vocabulary> {}").from_graphs == [f"{BASE}graph/vocabulary"]
    assert check("ASK FROM <graph/article/a> {}").from_graphs == [f"{BASE}graph/article/a"]  # relative to the base IRI
    for text, shown in [("ASK FROM <http://127.0.0.1:9/x> {}", "not a graph of this dataset"),
                        ("ASK FROM NAMED <file:///etc/passwd> {}", "not an http(s) IRI"),
                        ("PREFIX f: <ftp://example.org/> ASK FROM f:x {}", "not an http(s) IRI")]:
        error = refused(text)
        assert error.status == 400 and shown in error.detail and error.extra["graphs"] == sorted(GRAPHS)


def test_query_form_and_prefixes():
    info = check("PREFIX ex: <http://example.org/>\n# SELECT in a comment\n"
                 "CONSTRUCT { ?s ?p ?o } WHERE { { SELECT * { ?s ?p ?o } } }")
    assert info.form == "construct" and info.prefixes == {"ex": "http://example.org/"}
    assert check("ask {}").form == "ask"
    assert check("DESCRIBE <http://example.org/x>").form == "describe"
    assert check("NOT A QUERY").form is None  # the parser will say what is wrong


def test_the_pass_is_linear():
    text = "SELECT * WHERE { " + " ".join(f'?s{i} <http://example.org/p> "x{i}" .' for i in range(1500)) + " }"
    started = time.monotonic()
    guard.inspect(text)
    assert time.monotonic() - started < 0.5


def test_graph_parameter_values_must_be_graphs_of_the_dataset():
    guard.check_graph(f"{BASE}graph/links", GRAPHS, "default-graph-uri")
    for value in ["http://127.0.0.1:9/x", "file:///etc/passwd", "https://evil.example/\r\nX-Injected: 1", ""]:
        with pytest.raises(ApiError) as caught:
            guard.check_graph(value, GRAPHS, "named-graph-uri")
        assert caught.value.status == 400 and "named-graph-uri" in caught.value.detail
