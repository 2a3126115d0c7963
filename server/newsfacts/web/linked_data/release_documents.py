"""Documents about the release rather than about one thing of the data: the dataset description, the SHACL
validation report, and each named graph. They resolve like things (303 to a document in five formats).

- ``/dataset``: the whole VoID/DCAT description the build wrote (graph ``{base}graph/dataset``): distributions
  with download URL, media type, size and SHA-256, linksets, publisher, contact. URLs of what the server serves
  (landing page, SPARQL endpoint, dumps) are rewritten from the base IRI onto ``public_base``, so a client
  downloads from the deployment that answered; names of things stay as they are.
- ``/validation-report``: the report the build wrote (``validation-report.ttl`` of the release).
- ``/graph/…``: what a named graph holds, its size, and its content through the graph store protocol.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

from ...dataset import served_url
from ...release import REPORT_FILE, VOID_FILE
from ..sparql.dataset_graphs import graphs_of
from . import describe

VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_files: dict[tuple[str, str], list[ox.Triple]] = {}


def serves(current, iri: str, base_iri: str) -> bool:
    """Whether ``iri`` is one of the documents of the release itself (cheap: no description is read). A named
    graph's IRI appears in the store only as a graph name, so a subject/object look-up cannot find it."""
    if iri in (f"{base_iri}dataset", f"{base_iri}validation-report"):
        return True
    return iri.startswith(f"{base_iri}graph/") and iri in graphs_of(current)


def describe_release_document(current, iri: str, base_iri: str, public_base: str, page: int,
                               paging: describe.Paging):
    """The Description of the dataset, the validation report or a named graph; None for any other IRI."""
    if iri == f"{base_iri}dataset":
        return _dataset(current, iri, base_iri, public_base, page, paging)
    if iri == f"{base_iri}validation-report":
        own = validation_report(current)
        return describe.Description(iri, own, [], [], 0, page, paging) if own else None
    if iri.startswith(f"{base_iri}graph/"):
        return _graph(current, iri, base_iri, public_base)
    return None


def _dataset(current, iri, base_iri, public_base, page, paging) -> describe.Description:
    found = describe.describe(current.store, iri, page, paging)
    # read from void.ttl, as the build wrote it: the store keeps numbers by value (a dcat:byteSize typed
    # xsd:nonNegativeInteger would come back as xsd:integer)
    description = _release_file(current, VOID_FILE)
    if not description:
        graph = f"{base_iri}graph/dataset"
        description = list(current.store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))

    def moved(term):
        return ox.NamedNode(served_url(term.value, base_iri, public_base)) if isinstance(term, ox.NamedNode) else term

    own = sorted({ox.Triple(moved(t.subject), t.predicate, moved(t.object)) for t in description}, key=str)
    found.own = own
    found.context += describe._labels(current.store, own, iri)
    return found


def validation_report(current) -> list[ox.Triple]:
    """The release's validation report."""
    return _release_file(current, REPORT_FILE)


def _release_file(current, name: str) -> list[ox.Triple]:
    """The triples of a Turtle file of the release (read once per release); none when it is absent."""
    key = (current.version, name)
    if key not in _files:
        path = current.release.path / name
        triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)] if path.is_file() else []
        for old in [k for k in _files if k[0] != current.version]:
            del _files[old]
        _files[key] = triples
    return _files[key]


GRAPH_CONTENTS = {
    "entities": "The descriptions of the entities (people, organisations, places, products), shared by every article.",
    "links": "The links from entities to the Wikidata items that are the same thing (skos:exactMatch).",
    "vocabulary": "The ontology and the concept schemes of the release.",
    "dataset": "The VoID and DCAT description of the dataset and its distributions.",
}


def _graph(current, iri, base_iri, public_base):
    graphs = graphs_of(current)
    if iri not in graphs:
        return None
    name = iri[len(f"{base_iri}graph/"):]
    if name.startswith("article/"):
        holds = f"What the article {name.split('/', 1)[1]} reports: the article, its claims with their evidence, " \
                "the events and situations they assert."
    else:
        holds = GRAPH_CONTENTS.get(name, "A named graph of the dataset.")
    g = ox.NamedNode(iri)
    size = graphs[iri]
    if size is None:
        size = int(next(iter(current.store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")))["n"].value)
    content = ox.NamedNode(f"{public_base}sparql/graph?graph={quote(iri, safe=':/')}")
    own = [ox.Triple(g, RDF_TYPE, ox.NamedNode(SD + "Graph")),
           ox.Triple(g, ox.NamedNode(DCT + "description"), ox.Literal(holds, language="en")),
           ox.Triple(g, ox.NamedNode(VOID + "triples"), ox.Literal(str(size), datatype=ox.NamedNode(
               "http://www.w3.org/2001/XMLSchema#integer"))),
           ox.Triple(g, ox.NamedNode(VOID + "dataDump"), content),
           ox.Triple(g, ox.NamedNode(VOID + "inDataset"), ox.NamedNode(f"{base_iri}dataset"))]
    return describe.Description(iri, own, [], [], 0, 1, describe.ONE_PAGE)


SH = "http://www.w3.org/ns/shacl#"
NF = "https://newsfacts.example/ontology/"


def report_page_model(triples: list[ox.Triple], iri: str) -> dict:
    """The validation report for its HTML page: the verdicts and one row per result."""
    values: dict = {}
    for t in triples:
        values.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    head = values.get(ox.NamedNode(iri), {})

    def one(node_values: dict, predicate: str) -> str:
        found = node_values.get(predicate, [])
        return found[0].value if found else ""

    results = []
    for node in head.get(SH + "result", []):
        fields = values.get(node, {})
        results.append({"severity": one(fields, SH + "resultSeverity").rsplit("#", 1)[-1],
                        "focus": one(fields, SH + "focusNode"), "path": one(fields, SH + "resultPath"),
                        "message": one(fields, SH + "resultMessage"), "shape": one(fields, SH + "sourceShape")})
    results.sort(key=lambda r: (r["severity"], r["focus"], r["path"]))
    return {"iri": iri, "conforms": one(head, SH + "conforms"), "violations": one(head, NF + "violationCount"),
            "warnings": one(head, NF + "warningCount"), "results": results}
