"""The SPARQL 1.1 Service Description of the endpoint (GET /sparql without a query, in any RDF format).

It says what the endpoint is (``sd:endpoint``), what it speaks
(``sd:supportedLanguage sd:SPARQL11Query``, ``sd:resultFormat``), and what the
dataset is: the default graph is the union of all named graphs
(``sd:feature sd:UnionDefaultGraph``), and each named graph is listed with its
size. The limits (timeout, rows) are stated in a comment.
"""

from __future__ import annotations

import pyoxigraph as ox

from ...config import Settings
from .formats import GRAPH_FORMATS, RESULT_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV", "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD", "rdfxml": "RDF_XML", "trig": "TriG",
    "nquads": "N-Quads",
}
PREFIXES = {"sd": SD, "formats": FORMATS, "rdfs": RDFS, "dcterms": DCTERMS, "void": "http://rdfs.org/ns/void#"}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def describe(endpoint: str, graphs: dict[str, int | None], settings: Settings, version: str, void_url: str) -> list[ox.Triple]:
    """The description; each named graph with its size (the default graph, their union, without one)."""
    service = ox.NamedNode(endpoint)
    dataset, default_graph = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, ox.NamedNode(DCTERMS + "title"), ox.Literal("newsfacts SPARQL endpoint", language="en")),
        ox.Triple(service, ox.NamedNode(RDFS + "comment"), ox.Literal(
            f"Read-only SPARQL 1.1 query endpoint over release {version}. The default graph is the union of all named "
            f"graphs. Queries are stopped after {settings.query_timeout_s:g} s; results are cut after "
            f"{settings.max_rows} rows (flagged by the X-Newsfacts-Truncated header); SERVICE, SPARQL Update and graphs "
            "outside the dataset are refused.", language="en")),
        ox.Triple(service, ox.NamedNode(RDFS + "seeAlso"), ox.NamedNode(void_url)),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(default_graph, ox.NamedNode(RDFS + "comment"),
                  ox.Literal("The union of all the named graphs of the dataset.", language="en")),
    ]
    triples += [ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS + FORMAT_IRIS[f.name]))
                for f in RESULT_FORMATS + GRAPH_FORMATS]
    for name in sorted(graphs):
        named, graph = ox.BlankNode(), ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(name)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
        ]
        if graphs[name] is not None:
            triples.append(ox.Triple(graph, VOID_TRIPLES, ox.Literal(str(graphs[name]), datatype=XSD_INTEGER)))
    return triples
