"""Graph Store Protocol, read side: GET and HEAD /sparql/graph?default and ?graph=IRI in every RDF format."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
import requests

from test_sparql_support import assert_error, drain

FORMATS = [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
           ("application/rdf+xml", "xml"), ("application/trig", "trig"), ("application/n-quads", "nquads")]


@pytest.fixture(scope="module")
def sparql_server(server):
    drain(server)
    return server


def parse(response, fmt):
    if fmt in ("trig", "nquads"):
        dataset = rdflib.Dataset()
        dataset.parse(data=response.content, format=fmt)
        return dataset
    return rdflib.Graph().parse(data=response.content, format=fmt)


def triples_of(store, graph=None):
    """The store's triples (of one graph, or of all) as rdflib terms."""
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph else None)
    data = ox.serialize([quad.triple for quad in quads], format=ox.RdfFormat.N_TRIPLES)
    return set(rdflib.Graph().parse(data=data, format="nt"))


def as_triples(parsed):
    return {(s, p, o) for s, p, o, *_ in parsed}


@pytest.mark.parametrize(("accept", "fmt"), FORMATS)
def test_every_named_graph_in_every_format(sparql_server, store, accept, fmt):
    for graph in (g.value for g in store.named_graphs()):
        response = requests.get(sparql_server.url + "/sparql/graph", params={"graph": graph}, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["Content-Type"].split(";")[0] == accept
        parsed = parse(response, fmt)
        assert as_triples(parsed) == triples_of(store, graph), graph
        if fmt in ("trig", "nquads"):
            assert {str(c.identifier) for c in parsed.graphs() if len(c)} == {graph}


def test_the_default_graph_is_the_union(sparql_server, store):
    response = requests.get(sparql_server.url + "/sparql/graph?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert as_triples(rdflib.Graph().parse(data=response.content, format="nt")) == triples_of(store)
    by_param = requests.get(sparql_server.url + "/sparql/graph", params={"default": "", "format": "ttl"})
    assert by_param.headers["Content-Type"].startswith("text/turtle")


def test_head_etag_and_not_modified(sparql_server, store):
    graph = next(g.value for g in store.named_graphs())
    url = sparql_server.url + "/sparql/graph"
    got = requests.get(url, params={"graph": graph})
    head = requests.head(url, params={"graph": graph})
    assert head.status_code == 200 and not head.content
    assert head.headers["ETag"] == got.headers["ETag"] and head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.headers["Content-Length"] == str(len(got.content))
    again = requests.get(url, params={"graph": graph}, headers={"If-None-Match": got.headers["ETag"]})
    assert again.status_code == 304 and not again.content
    other_format = requests.get(url, params={"graph": graph}, headers={"If-None-Match": got.headers["ETag"],
                                                                       "Accept": "application/n-triples"})
    assert other_format.status_code == 200
    assert got.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_graphs_and_bad_requests(sparql_server):
    url = sparql_server.url + "/sparql/graph"
    body = assert_error(requests.get(url, params={"graph": "https://newsfacts.example/graph/none"}), 404, "no graph")
    assert body["graphs"]
    assert_error(requests.get(url, params={"graph": "http://127.0.0.1:9/x"}), 404)
    assert_error(requests.get(url), 400, "exactly one graph")
    assert_error(requests.get(url, params={"default": "", "graph": "https://newsfacts.example/graph/links"}), 400)
    assert_error(requests.get(url + "?default", headers={"Accept": "text/csv"}), 406)
    assert_error(requests.put(url + "?default", data=b"<a> <b> <c> .", headers={"Content-Type": "text/turtle"}), 405)
    assert_error(requests.delete(url + "?default"), 405)
