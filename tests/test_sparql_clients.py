"""Real SPARQL clients pointed at the running endpoint get the answers of a direct query on the store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TSV, XML, SPARQLWrapper

from test_sparql_support import drain

SELECT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX nf: <https://newsfacts.example/ontology/>
SELECT ?claim ?text ?hedge ?saidBy ?certainty WHERE {
  ?claim a nf:Claim ; nf:claimText ?text ; nf:attributedTo/rdfs:label ?saidBy .
  OPTIONAL { ?claim nf:hedge ?hedge }
  OPTIONAL { ?claim nf:certainty ?certainty }
} ORDER BY ?claim ?text ?saidBy ?hedge"""
COUNTS = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
ASK = "ASK { ?s a <https://newsfacts.example/ontology/Claim> }"
CONSTRUCT = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
             "CONSTRUCT { ?s skos:exactMatch ?o } WHERE { ?s skos:exactMatch ?o }")


@pytest.fixture(scope="module")
def sparql_server(server):
    drain(server)
    return server


def store_rows(store, text):
    """Rows of a direct query as rdflib terms (via N-Triples syntax of each term)."""
    rows = []
    for solution in store.query(text, use_default_graph_as_union=True):
        rows.append(tuple(None if term is None else rdflib.util.from_n3(str(term)) for term in solution))
    return rows


def store_graph(store, text):
    data = ox.serialize(store.query(text, use_default_graph_as_union=True), format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


def wrapper_rows(result_json, variables):
    def term(binding):
        if binding is None:
            return None
        if binding["type"] == "uri":
            return rdflib.URIRef(binding["value"])
        return rdflib.Literal(binding["value"], lang=binding.get("xml:lang"), datatype=binding.get("datatype"))
    return [tuple(term(b.get(v)) for v in variables) for b in result_json["results"]["bindings"]]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("text", [SELECT, COUNTS], ids=["claims", "counts"])
def test_sparqlwrapper_select(sparql_server, store, text, method):
    client = SPARQLWrapper(sparql_server.url + "/sparql")
    client.setQuery(text)
    client.setReturnFormat(JSON)
    if method == "POST":
        client.setMethod(POST)
    result = client.queryAndConvert()
    expected = store_rows(store, text)
    assert expected and wrapper_rows(result, result["head"]["vars"]) == expected


@pytest.mark.parametrize("fmt", [XML, CSV, TSV])
def test_sparqlwrapper_other_result_formats(sparql_server, store, fmt):
    client = SPARQLWrapper(sparql_server.url + "/sparql")
    client.setQuery(COUNTS)
    client.setReturnFormat(fmt)
    converted = client.query().convert()
    expected = store_rows(store, COUNTS)
    if fmt == XML:
        assert len(converted.getElementsByTagName("result")) == len(expected)
    else:
        lines = converted.decode("utf-8").strip().splitlines()
        assert len(lines) == len(expected) + 1


def test_sparqlwrapper_ask_and_construct(sparql_server, store):
    client = SPARQLWrapper(sparql_server.url + "/sparql")
    client.setQuery(ASK)
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True
    client = SPARQLWrapper(sparql_server.url + "/sparql")
    client.setQuery(CONSTRUCT)
    graph = client.queryAndConvert()
    assert isinstance(graph, rdflib.Graph) and set(graph) == set(store_graph(store, CONSTRUCT))
    client = SPARQLWrapper(sparql_server.url + "/sparql")
    client.setQuery("DESCRIBE <https://newsfacts.example/dataset>")
    assert len(client.queryAndConvert()) > 0


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(sparql_server, store, method):
    remote = SPARQLStore(query_endpoint=sparql_server.url + "/sparql", method=method)
    graph = rdflib.Graph(store=remote)
    for text in (SELECT, COUNTS):
        assert [tuple(row) for row in graph.query(text)] == store_rows(store, text)
    assert graph.query(ASK).askAnswer is True
    assert set(graph.query(CONSTRUCT).graph) == set(store_graph(store, CONSTRUCT))
    assert len(graph) == len({q.triple for q in store})  # SPARQLStore counts with a query on the default graph
