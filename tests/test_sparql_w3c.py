"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl) that apply to a
read-only endpoint: the 13 query cases and the 14 bad_* cases, each under its manifest name.

The manifest's graphs data0–data3 (kasei.us) become graphs of our dataset: data0/data1 an article graph, data2 the
vocabulary graph, data3 the dataset-description graph; ``<dataN.rdf> a ?type`` becomes a subject typed only in that
graph, with its own ?type variable (our graphs share no type). query_multiple_dataset's URL encodes its '&' as
%26 in the manifest, which makes one odd named-graph-uri value; here the two graphs are two parameters, as the
test intends. The 7 update_* cases expect updates to succeed and do not apply (docs/sparql.md).
"""

from __future__ import annotations

import codecs
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import rdflib
import requests

from test_sparql_support import assert_answers_normally, drain

BASE = "https://newsfacts.example/"
RESULT_TYPES = ("application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values")
FOUR_XX = "4xx"
RDF_TYPES = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt",
             "application/ld+json": "json-ld", "application/trig": "trig", "application/n-quads": "nquads"}

@pytest.fixture(scope="module")
def sparql_server(server):
    drain(server)
    return server



@pytest.fixture(scope="module")
def graphs(store):
    """data0..data3 -> (graph IRI, a subject typed in that graph only)."""
    names = sorted(g.value for g in store.named_graphs())
    chosen = {1: next(g for g in names if g.startswith(BASE + "graph/article/")), 2: BASE + "graph/vocabulary",
              3: BASE + "graph/dataset"}
    chosen[0] = chosen[1]
    found = {}
    for number, graph in chosen.items():
        rows = list(store.query(f"""SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s a ?t }} FILTER(isIRI(?s))
            FILTER NOT EXISTS {{ GRAPH ?other {{ ?s a ?u }} FILTER(?other != <{graph}>) }} }} ORDER BY ?s LIMIT 1"""))
        found[number] = (graph, rows[0]["s"].value)
    return found


def _q(value: str) -> str:
    return quote(value, safe="")


def _ask(graphs, *numbers, named=()) -> str:
    parts = [f"<{graphs[n][1]}> a ?type{n} ." for n in numbers]
    parts += [f"GRAPH ?g{n} {{ <{graphs[n][1]}> a ?type{n} }}" for n in named]
    return "ASK { " + " ".join(parts) + " }"


def cases(g):
    """(name, method, path, headers, body, expectation): True (the boolean true), 'boolean', 'tabular', 'RDF', or FOUR_XX."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    direct = {"Content-Type": "application/sparql-query"}
    dg = lambda n: f"default-graph-uri={_q(g[n][0])}"  # noqa: E731
    ng = lambda n: f"named-graph-uri={_q(g[n][0])}"  # noqa: E731
    return [
        ("query_post_form", "POST", f"/sparql/?{dg(0)}", form, "query=ASK%20%7B%7D", True),
        ("query_dataset_default_graphs_get", "GET", f"/sparql/?query={_q(_ask(g, 1, 2))}&{dg(1)}&{dg(2)}", {}, None, True),
        ("query_dataset_default_graphs_post", "POST", f"/sparql/?{dg(1)}&{dg(2)}", direct, _ask(g, 1, 2), True),
        ("query_dataset_named_graphs_post", "POST", f"/sparql/?{ng(1)}&{ng(2)}", direct, _ask(g, named=(1, 2)), True),
        ("query_dataset_named_graphs_get", "GET", f"/sparql/?query={_q(_ask(g, named=(1, 2)))}&{ng(1)}&{ng(2)}", {}, None,
         True),
        ("query_dataset_full", "POST", f"/sparql/?{dg(3)}&{ng(1)}&{ng(2)}", direct, _ask(g, 3, named=(1, 2)), True),
        ("query_multiple_dataset", "POST", f"/sparql/?{ng(1)}&{ng(2)}", direct,
         _ask(g, named=(1, 2)).replace("ASK {", f"ASK FROM <{g[3][0]}> {{", 1), True),
        ("query_get", "GET", f"/sparql/?query=ASK%20%7B%7D&{dg(0)}", {}, None, True),
        ("query_content_type_select", "POST", f"/sparql/?{dg(0)}", direct, "SELECT (1 AS ?value) {}", "tabular"),
        ("query_content_type_ask", "POST", f"/sparql/?{dg(0)}", direct, "ASK {}", "boolean"),
        ("query_content_type_describe", "POST", f"/sparql/?{dg(0)}", direct, f"DESCRIBE <{g[1][1]}>", "RDF"),
        ("query_content_type_construct", "POST", f"/sparql/?{dg(0)}", direct, "CONSTRUCT { <s> <p> 1 } WHERE {}", "RDF"),
        ("query_post_direct", "POST", "/sparql/", direct, "ASK {}", True),
        ("bad_query_method", "PUT", f"/sparql/?query=ASK%20%7B%7D&{dg(0)}", form, "", FOUR_XX),
        ("bad_multiple_queries", "GET", "/sparql/?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", {}, None, FOUR_XX),
        ("bad_query_wrong_media_type", "POST", "/sparql/", {"Content-Type": "text/plain"}, "ASK {}", FOUR_XX),
        ("bad_query_missing_form_type", "POST", "/sparql/", {}, "query=ASK%20%7B%7D", FOUR_XX),
        ("bad_query_missing_direct_type", "POST", "/sparql/", {}, "ASK {}", FOUR_XX),
        ("bad_query_non_utf8", "POST", "/sparql/", {"Content-Type": "application/sparql-query; charset=UTF-16"},
         codecs.BOM_UTF16_LE + "ASK {}".encode("utf-16-le"), FOUR_XX),
        ("bad_query_syntax", "GET", "/sparql/?query=ASK%20%7B", {}, None, FOUR_XX),
        ("bad_update_get", "GET", "/sparql/?update=CLEAR%20ALL", {}, None, FOUR_XX),
        ("bad_multiple_updates", "POST", "/sparql/", form, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FOUR_XX),
        ("bad_update_wrong_media_type", "POST", "/sparql/", {"Content-Type": "text/plain"}, "CLEAR NAMED", FOUR_XX),
        ("bad_update_missing_form_type", "POST", "/sparql/", {}, "update=CLEAR%20NAMED", FOUR_XX),
        ("bad_update_non_utf8", "POST", "/sparql/", {"Content-Type": "application/sparql-update; charset=UTF-16"},
         codecs.BOM_UTF16_LE + "CLEAR NAMED".encode("utf-16-le"), FOUR_XX),
        ("bad_update_syntax", "POST", "/sparql/", form, "update=CLEAR%20XYZ", FOUR_XX),
        ("bad_update_dataset_conflict", "POST", "/sparql/?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople",
         {"Content-Type": "application/sparql-update"},
         "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
         "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
         "WHERE { ?person foaf:givenName 'Bill' }", FOUR_XX),
    ]


NAMES = [c[0] for c in cases({n: ("http://g", "http://s") for n in range(4)})]


def test_the_manifest_has_34_cases_of_which_these_27_apply():
    update_cases = ["update_dataset_default_graph", "update_dataset_default_graphs", "update_dataset_named_graphs",
                    "update_dataset_full", "update_post_form", "update_post_direct", "update_base_uri"]
    assert len(NAMES) + len(update_cases) == 34 and len([n for n in NAMES if n.startswith("bad_")]) == 14


def _boolean(response) -> bool:
    media = response.headers["Content-Type"].split(";")[0]
    return bool(ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(media)))


@pytest.mark.parametrize("name", NAMES)
def test_protocol_case(sparql_server, graphs, name):
    _, method, path, headers, body, expected = next(c for c in cases(graphs) if c[0] == name)
    response = requests.request(method, sparql_server.url + path, headers=headers,
                                data=body.encode("utf-8") if isinstance(body, str) else body, timeout=30)
    if expected == FOUR_XX:
        assert 400 <= response.status_code < 500, (response.status_code, response.text)
        assert response.json()["detail"]
        assert_answers_normally(sparql_server)
        return
    assert 200 <= response.status_code < 400, (response.status_code, response.text)
    media = response.headers["Content-Type"].split(";")[0]
    if expected is True or expected == "boolean":
        assert media in RESULT_TYPES[:2]
        if expected is True:
            assert _boolean(response) is True
    elif expected == "tabular":
        assert media in RESULT_TYPES
        assert ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(media)).variables == [
            ox.Variable("value")]
    else:
        assert media in RDF_TYPES
        graph = rdflib.Graph().parse(data=response.content, format=RDF_TYPES[media])
        if name == "query_content_type_construct":
            assert (rdflib.URIRef(BASE + "s"), rdflib.URIRef(BASE + "p"), rdflib.Literal(1)) in graph
        else:
            assert len(graph) > 0


def test_protocol_dataset_really_restricts_the_default_graph(sparql_server, graphs):
    """The positive cases above would pass with the union default graph too; one graph alone must not see the other."""
    response = requests.post(sparql_server.url + f"/sparql/?default-graph-uri={_q(graphs[1][0])}",
                             data=_ask(graphs, 1, 2), headers={"Content-Type": "application/sparql-query"})
    assert _boolean(response) is False
