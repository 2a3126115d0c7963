"""The SPARQL 1.1 Protocol against a running server: query forms, methods, formats, datasets, errors, CORS,
and the service description."""

from __future__ import annotations

import io
import json
import shutil

import pyoxigraph as ox
import pytest
import rdflib
import requests

from conftest import start_server
from newsfacts.build import build
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.release import make_current
from test_sparql_support import SPARQL_JSON, assert_answers_normally, assert_error, drain, query

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
BASE = "https://newsfacts.example/"
LABELS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l"
CONSTRUCT = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
             "CONSTRUCT { ?s skos:exactMatch ?o } WHERE { ?s skos:exactMatch ?o }")

@pytest.fixture(scope="module")
def sparql_server(server):
    drain(server)
    return server



def rows_of(store, text):
    return [tuple(str(t) for t in s) for s in store.query(text, use_default_graph_as_union=True)]


def parsed_rows(response):
    results = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(
        response.headers["Content-Type"].split(";")[0]))
    return [tuple(str(t) for t in s) for s in results]


@pytest.mark.parametrize("method", ["GET", "FORM", "DIRECT"])
def test_select_by_every_method_matches_the_store(sparql_server, store, method):
    response = query(sparql_server, LABELS, method=method)
    assert response.status_code == 200 and response.headers["Content-Type"] == SPARQL_JSON
    assert parsed_rows(response) == rows_of(store, LABELS)
    assert response.headers["X-Newsfacts-Truncated"] == "false" and "X-SPARQL-MaxRows" not in response.headers


@pytest.mark.parametrize(("accept", "media"), [
    (SPARQL_JSON, SPARQL_JSON), ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"), ("*/*", SPARQL_JSON),
])
def test_select_in_every_result_format(sparql_server, store, accept, media):
    response = query(sparql_server, LABELS, accept=accept)
    assert response.status_code == 200 and response.headers["Content-Type"].split(";")[0] == media
    assert response.headers["Vary"] == "Accept"
    if media == "text/csv":
        lines = response.content.decode("utf-8").split("\r\n")
        assert lines[0] == "s,l" and len([line for line in lines[1:] if line]) >= len(rows_of(store, LABELS))
    else:
        assert parsed_rows(response) == rows_of(store, LABELS)


@pytest.mark.parametrize("value", ["json", "xml", "csv", "tsv"])
def test_format_parameter_wins_over_accept_and_names_a_file(sparql_server, value):
    response = query(sparql_server, LABELS, accept="text/turtle", format=value)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("inline; filename=\"query-results.")
    assert "Vary" not in response.headers


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"), ("application/trig", "trig"), ("application/n-quads", "nquads"),
])
def test_construct_and_describe_in_every_graph_format(sparql_server, store, accept, rdflib_format):
    expected = {tuple(str(t) for t in triple) for triple in store.query(CONSTRUCT, use_default_graph_as_union=True)}
    for text in (CONSTRUCT, f"DESCRIBE <{BASE}dataset>"):
        response = query(sparql_server, text, accept=accept)
        assert response.status_code == 200 and response.headers["Content-Type"].split(";")[0] == accept
        graph = rdflib.Dataset() if rdflib_format in ("trig", "nquads") else rdflib.Graph()
        graph.parse(data=response.content, format=rdflib_format)
        assert len(graph) > 0
        if text == CONSTRUCT:
            assert {(f"<{s}>", f"<{p}>", f"<{o}>") for s, p, o, *_ in graph} == expected


def test_ask_true_and_false(sparql_server):
    assert query(sparql_server, "ASK { ?s ?p ?o }").json() == {"head": {}, "boolean": True}
    assert query(sparql_server, "ASK { <http://example.org/none> ?p ?o }").json() == {"head": {}, "boolean": False}
    xml = query(sparql_server, "ASK {}", accept="application/sparql-results+xml")
    assert xml.headers["Content-Type"] == "application/sparql-results+xml" and b"<boolean>true</boolean>" in xml.content


def test_default_graph_is_the_union_and_graph_parameters_choose_the_dataset(sparql_server, store):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = int(query(sparql_server, count).json()["results"]["bindings"][0]["n"]["value"])
    links, vocabulary = f"{BASE}graph/links", f"{BASE}graph/vocabulary"
    assert union == len({q.triple for q in store})
    only_links = query(sparql_server, count, **{"default-graph-uri": links}).json()
    assert int(only_links["results"]["bindings"][0]["n"]["value"]) == len(list(store.quads_for_pattern(None, None, None,
                                                                                                      ox.NamedNode(links))))
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    named = query(sparql_server, graphs, **{"named-graph-uri": [links, vocabulary]}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [links, vocabulary]
    empty_default = query(sparql_server, "ASK { ?s ?p ?o }", **{"named-graph-uri": links}).json()
    assert empty_default["boolean"] is False  # only named graphs given: the default graph is empty
    from_clause = query(sparql_server, f"SELECT (COUNT(*) AS ?n) FROM <{links}> WHERE {{ ?s ?p ?o }}").json()
    assert from_clause["results"]["bindings"][0]["n"]["value"] == only_links["results"]["bindings"][0]["n"]["value"]


def test_relative_iris_resolve_against_the_base_iri(sparql_server):
    response = query(sparql_server, "CONSTRUCT { <s> <p> 1 } WHERE {}", accept="application/n-triples")
    assert response.text.strip() == f'<{BASE}s> <{BASE}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'


def test_syntax_error_gives_the_parser_message_and_position(sparql_server):
    body = assert_error(query(sparql_server, "SELECT * WHERE {\n  ?s ?p \n}"), 400, "syntax")
    assert body["detail"].startswith(f"error at 3:{body['column']}: expected") and body["line"] == 3
    assert_answers_normally(sparql_server)


def test_request_errors(sparql_server):
    url = sparql_server.url + "/sparql"
    assert_error(requests.get(url, params=[("query", "ASK {}"), ("query", "ASK {}")]), 400, "2 queries")
    assert_error(requests.post(url, data="ASK {}", headers={"Content-Type": "text/plain"}), 415, "text/plain")
    assert_error(requests.post(url, data=b"query=ASK%20%7B%7D"), 415, "no Content-Type")
    assert_error(requests.post(url, data={"format": "json"}), 400, "no 'query'")
    assert_error(requests.get(url, params={"query": "   "}), 400, "empty")
    assert_error(requests.get(url, params={"query": "ASK {}"}, headers={"Accept": "image/png"}), 406, "image/png")
    assert_error(requests.get(url, params={"query": "ASK {}", "format": "yaml"}), 400, "yaml")
    assert_error(requests.get(url, params={"query": CONSTRUCT, "format": "csv"}), 406, "cannot carry")
    assert_error(requests.put(url, data="ASK {}"), 405)
    assert_error(requests.post(url, data="ASK {}".encode("utf-16"),
                               headers={"Content-Type": "application/sparql-query; charset=UTF-16"}), 415, "UTF-8")
    assert_error(requests.post(url, data=b"ASK { \xff }", headers={"Content-Type": "application/sparql-query"}), 400,
                 "UTF-8")
    assert_answers_normally(sparql_server)


def test_errors_are_html_pages_for_browsers(sparql_server):
    response = requests.post(sparql_server.url + "/sparql", data="x", headers={"Content-Type": "text/plain",
                                                                                "Accept": "text/html"})
    assert response.status_code == 415 and response.headers["Content-Type"].startswith("text/html")
    assert "Unsupported Media Type" in response.text


def test_cors_and_preflight(sparql_server):
    url = sparql_server.url + "/sparql"
    preflight = requests.options(url, headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    answer = query(sparql_server, "ASK {}", method="DIRECT")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Newsfacts-Truncated" in answer.headers["Access-Control-Expose-Headers"]
    assert requests.get(url, params={"query": "ASK {"}).headers["Access-Control-Allow-Origin"] == "*"


def test_service_description(sparql_server, store):
    url = sparql_server.url + "/sparql"
    response = requests.get(url, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    service = rdflib.URIRef(url)
    assert (service, rdflib.RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert {rdflib.URIRef("http://www.w3.org/ns/formats/" + f) for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML",
                                                                          "SPARQL_Results_CSV", "Turtle")} <= formats
    dataset = graph.value(service, SD.defaultDataset)
    assert graph.value(dataset, SD.defaultGraph) is not None
    void_triples = rdflib.URIRef("http://rdfs.org/ns/void#triples")
    sizes = {str(graph.value(n, SD.name)): graph.value(graph.value(n, SD.graph), void_triples).toPython()
             for n in graph.objects(dataset, SD.namedGraph)}
    assert sizes == {g.value: len(list(store.quads_for_pattern(None, None, None, g))) for g in store.named_graphs()}
    for accept, fmt in [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"), ("application/n-triples", "nt")]:
        other = requests.get(url, headers={"Accept": accept})
        assert other.headers["Content-Type"].split(";")[0] == accept
        assert rdflib.Graph().parse(data=other.content, format=fmt).isomorphic(graph)
    assert requests.get(url).headers["Content-Type"].startswith("text/turtle")  # no Accept: Turtle
    browser = requests.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.headers["Content-Type"].startswith("text/html") and "<textarea" in browser.text
    assert requests.head(url, headers={"Accept": "text/turtle"}).status_code == 200


def test_head_of_a_query(sparql_server):
    response = requests.head(sparql_server.url + "/sparql", params={"query": "ASK {}"})
    assert response.status_code == 200 and response.headers["Content-Type"] == SPARQL_JSON and not response.content


def test_solutions_json_is_what_rdflib_reads(sparql_server, store):
    response = query(sparql_server, LABELS)
    result = rdflib.query.Result.parse(io.BytesIO(response.content), format="json")
    assert len(result) == len(rows_of(store, LABELS))
    assert json.loads(response.content)["head"]["vars"] == ["s", "l"]


def test_a_new_release_is_queried_without_a_restart(release, tmp_path):
    """The web process and every worker process follow the 'current' pointer: the next query sees the new release."""
    folder = tmp_path / "releases"
    shutil.copytree(release.path, folder / release.version)
    make_current(folder, release.version)
    running = start_server(folder)
    drain(running)
    second = PROJECT_ROOT / "tests" / "data" / "second-article"
    graphs = "SELECT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"
    try:
        before = [b["g"]["value"] for b in query(running, graphs).json()["results"]["bindings"]]
        assert f"{BASE}graph/article/harbour-seizure" not in before
        build(Settings.load({"releases_dir": str(folder), "facts_dir": str(second / "facts"),
                             "sources_dir": str(second / "sources")}))
        after = query(running, graphs)
        assert after.headers["X-Newsfacts-Release"] != release.version
        assert f"{BASE}graph/article/harbour-seizure" in [b["g"]["value"] for b in after.json()["results"]["bindings"]]
        described = rdflib.Graph().parse(data=requests.get(running.url + "/sparql").content, format="turtle")
        assert rdflib.URIRef(f"{BASE}graph/article/harbour-seizure") in set(described.objects(None, SD.name))
    finally:
        running.stop()
