"""Choosing a result format (a table of Accept headers and format= values), and the capped serialisers."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
import rdflib

from newsfacts.web.errors import ApiError
from newsfacts.web.sparql import formats
from newsfacts.web.sparql.results import serialise


@pytest.mark.parametrize(("kind", "accept", "param", "expected"), [
    ("results", None, None, "application/sparql-results+json"),
    ("results", "*/*", None, "application/sparql-results+json"),
    ("results", "application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("results", "text/csv;q=0.5, text/tab-separated-values", None, "text/tab-separated-values"),
    ("results", "application/json", None, "application/sparql-results+json"),
    ("results", "application/sparql-results+json,application/json,text/javascript", None, "application/sparql-results+json"),
    ("results", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, "text/html"),
    ("results", "text/turtle, */*;q=0.1", None, "application/sparql-results+json"),
    ("graph", None, None, "text/turtle"),
    ("graph", "application/ld+json", None, "application/ld+json"),
    ("graph", "application/rdf+xml", None, "application/rdf+xml"),
    ("graph", "text/plain", None, "application/n-triples"),
    ("graph", "application/n-quads, application/trig;q=0.9", None, "application/n-quads"),
    ("graph", "application/sparql-results+json, text/turtle;q=0.5", None, "text/turtle"),
    ("results", "text/turtle", "csv", "text/csv"),
    ("results", None, "json", "application/sparql-results+json"),
    ("results", None, "application/sparql-results+xml", "application/sparql-results+xml"),
    ("graph", None, "json", "application/ld+json"),
    ("graph", None, "xml", "application/rdf+xml"),
    ("graph", None, "ttl", "text/turtle"),
    ("graph", None, "nt", "application/n-triples"),
    ("graph", None, "trig", "application/trig"),
    ("graph", None, "nq", "application/n-quads"),
    ("graph", None, "html", "text/html"),
])
def test_format_choice(kind, accept, param, expected):
    chosen = formats.choose(kind, accept, param)
    assert (chosen if chosen == formats.HTML else chosen.media_type) == expected


@pytest.mark.parametrize(("kind", "accept", "param", "status"), [
    ("results", "text/turtle", None, 406),
    ("results", "image/png", None, 406),
    ("graph", "text/csv", None, 406),
    ("results", None, "ttl", 406),
    ("graph", None, "csv", 406),
    ("results", None, "yaml", 400),
    ("results", None, "json\r\nX-Injected: 1", 400),
])
def test_unusable_formats_are_refused(kind, accept, param, status):
    with pytest.raises(ApiError) as caught:
        formats.choose(kind, accept, param)
    assert caught.value.status == status and caught.value.extra["available"]


@pytest.fixture(scope="module")
def small_store():
    store = ox.Store()
    ex = "http://example.org/"
    for i in range(30):
        store.add(ox.Quad(ox.NamedNode(f"{ex}s{i}"), ox.NamedNode(f"{ex}p"), ox.Literal(f'va"l,u\te {i}\n', language="en")))
        store.add(ox.Quad(ox.NamedNode(f"{ex}s{i}"), ox.NamedNode(f"{ex}n"), ox.Literal(str(i), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer"))))
    store.add(ox.Quad(ox.BlankNode("b1"), ox.NamedNode(f"{ex}p"), ox.Literal("plain")))
    return store


SELECT = "SELECT ?s ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?missing } } ORDER BY ?s ?o"


@pytest.mark.parametrize("name", ["json", "xml", "csv", "tsv"])
def test_solutions_round_trip_and_cap(small_store, name):
    full = list(small_store.query(SELECT))
    done = serialise(small_store.query(SELECT), name, 10, limits_url="http://h/sparql#limits")
    assert done.truncated and done.rows == 10
    if name in ("json", "xml", "tsv"):
        media = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}[name]
        parsed = list(ox.parse_query_results(done.body, format=media))
        assert [[str(s[v]) if s[v] is not None else None for v in ("s", "o", "missing")] for s in parsed] == [
            [str(s[v]) if s[v] is not None else None for v in ("s", "o", "missing")] for s in full[:10]]
        assert len(rdflib.query.Result.parse(io.BytesIO(done.body), format=name)) == 10
    else:
        rows = list(csv.reader(io.StringIO(done.body.decode("utf-8"))))
        assert rows[0] == ["s", "o", "missing"] and len(rows) == 11
        assert rows[1:] == [[s["s"].value if isinstance(s["s"], ox.NamedNode) else f"_:{s['s'].value}", s["o"].value, ""]
                            for s in full[:10]]


def test_truncation_is_said_inside_json_and_xml(small_store):
    body = json.loads(serialise(small_store.query(SELECT), "json", 5, limits_url="http://h/sparql#limits").body)
    assert body["truncated"] is True and body["maxRows"] == 5 and body["head"]["link"] == ["http://h/sparql#limits"]
    assert "truncated" not in json.loads(serialise(small_store.query(SELECT), "json", 100).body)
    xml = serialise(small_store.query(SELECT), "xml", 5, limits_url="http://h/sparql#limits").body.decode()
    assert '<link href="http://h/sparql#limits"/>' in xml and "<!-- truncated" in xml


@pytest.mark.parametrize(("name", "rdflib_format"), [
    ("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml"), ("trig", "trig"), ("nquads", "nquads"),
])
def test_graphs_round_trip_and_cap(small_store, name, rdflib_format):
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    done = serialise(small_store.query(construct), name, 7, prefixes={"ex": "http://example.org/"})
    assert done.kind == "graph" and done.truncated and done.rows == 7
    parsed = rdflib.Dataset().parse(data=done.body, format=rdflib_format) if name in ("trig", "nquads") else \
        rdflib.Graph().parse(data=done.body, format=rdflib_format)
    assert len(parsed) == 7
    if name in ("turtle", "ntriples", "trig", "nquads"):
        assert done.body.startswith(b"# truncated: the query matched more than 7 triples")
    if name == "rdfxml":
        assert b"<!-- truncated" in done.body
    whole = serialise(small_store.query(construct), name, 1000)
    assert not whole.truncated and whole.rows == 61 and b"truncated" not in whole.body


@pytest.mark.parametrize("name", ["json", "xml", "csv", "tsv"])
def test_booleans(small_store, name):
    done = serialise(small_store.query("ASK { ?s ?p ?o }"), name, 10)
    assert done.kind == "boolean" and b"true" in done.body


def test_table_format_gives_graph_rows_for_the_page(small_store):
    done = serialise(small_store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), "table", 3)
    body = json.loads(done.body)
    assert body["head"]["vars"] == ["subject", "predicate", "object"] and len(body["results"]["bindings"]) == 3


def test_sparql_json_is_what_the_json_encoder_writes_for_each_term():
    """SPARQL JSON rows are written as text directly; they must be the JSON encoder's output for term_json, to the
    byte: escapes, non-ASCII text, languages, datatypes, blank nodes, quoted triples and unbound variables."""
    from newsfacts.web.sparql.results import solutions_json, term_json

    quoted = ox.Triple(ox.NamedNode("http://a.example/s"), ox.NamedNode("http://a.example/p"), ox.Literal("o", language="fr"))
    terms = [ox.NamedNode("http://a.example/x?y=1#z"), ox.BlankNode("b1"), ox.Literal('quote " backslash \\ tab \t nl \n'),
             ox.Literal("\u0001 é € 😀 \u2028"), ox.Literal("colour", language="en-GB"),
             ox.Literal("12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), quoted, None]
    variables = ["a", 'b"c', "é"]
    rows = [[terms[i % len(terms)], terms[(i + 3) % len(terms)], terms[(i + 5) % len(terms)]] for i in range(len(terms))]
    body = solutions_json(variables, rows, truncated=True, max_rows=8, limits_url="https://x.example/sparql#limits")
    encoder = json.JSONEncoder(ensure_ascii=False)
    bindings = ",".join(encoder.encode({v: term_json(t) for v, t in zip(variables, row, strict=True) if t is not None})
                        for row in rows)
    expected = ('{"head":' + encoder.encode({"vars": variables, "link": ["https://x.example/sparql#limits"]})
                + ',"truncated":true,"maxRows":8,"results":{"bindings":[' + bindings + "]}}\n")
    assert body == expected.encode("utf-8")
    assert len(json.loads(body)["results"]["bindings"]) == len(rows)
