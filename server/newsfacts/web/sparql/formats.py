"""The result formats the endpoint speaks, and how a request picks one (Accept, or a ``format`` parameter).

Solutions (SELECT) and booleans (ASK) come as SPARQL JSON, XML, CSV or TSV;
graphs (CONSTRUCT, DESCRIBE) as Turtle, N-Triples, JSON-LD, RDF/XML, TriG or
N-Quads. Browsers (text/html) get the query page. A ``format`` short name
means the natural format of the query's kind: ``json`` is SPARQL JSON for a
SELECT and JSON-LD for a CONSTRUCT.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..errors import ApiError, excerpt
from ..negotiation import negotiate

HTML = "text/html"
#: Distinct Accept headers whose choice is remembered (clients send few distinct ones; each entry is a header's text).
NEGOTIATED_CACHE = 256


@dataclass(frozen=True)
class Format:
    name: str  # the worker's name for it
    media_type: str
    extension: str
    label: str
    param: str  # its format= value in links

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type


RESULT_FORMATS = [
    Format("json", "application/sparql-results+json", "srj", "SPARQL JSON", "json"),
    Format("xml", "application/sparql-results+xml", "srx", "SPARQL XML", "xml"),
    Format("csv", "text/csv", "csv", "CSV", "csv"),
    Format("tsv", "text/tab-separated-values", "tsv", "TSV", "tsv"),
]
GRAPH_FORMATS = [
    Format("turtle", "text/turtle", "ttl", "Turtle", "ttl"),
    Format("ntriples", "application/n-triples", "nt", "N-Triples", "nt"),
    Format("jsonld", "application/ld+json", "jsonld", "JSON-LD", "jsonld"),
    Format("rdfxml", "application/rdf+xml", "rdf", "RDF/XML", "rdf"),
    Format("trig", "application/trig", "trig", "TriG", "trig"),
    Format("nquads", "application/n-quads", "nq", "N-Quads", "nq"),
]
BY_NAME = {f.name: f for f in RESULT_FORMATS + GRAPH_FORMATS}

# Accept-header types, best first for */*; aliases map to the canonical format.
_RESULT_ACCEPT = {
    "application/sparql-results+json": "json", "application/sparql-results+xml": "xml", "text/csv": "csv",
    "text/tab-separated-values": "tsv", "application/json": "json", "application/xml": "xml", "text/xml": "xml",
}
_GRAPH_ACCEPT = {
    "text/turtle": "turtle", "application/n-triples": "ntriples", "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml", "application/trig": "trig", "application/n-quads": "nquads",
    "application/x-turtle": "turtle", "text/plain": "ntriples", "application/json": "jsonld", "application/xml": "rdfxml",
    "text/xml": "rdfxml",
}

# format= short names (and full media types) for links and browsers.
_PARAM_RESULTS = {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv"}
_PARAM_GRAPHS = {
    "json": "jsonld", "jsonld": "jsonld", "json-ld": "jsonld", "xml": "rdfxml", "rdf": "rdfxml", "rdfxml": "rdfxml",
    "turtle": "turtle", "ttl": "turtle", "nt": "ntriples", "ntriples": "ntriples", "n-triples": "ntriples",
    "trig": "trig", "nq": "nquads", "nquads": "nquads", "n-quads": "nquads",
}
PARAM_NAMES = sorted(set(_PARAM_RESULTS) | set(_PARAM_GRAPHS) | {"html"})


def kind_of(form: str | None) -> str:
    """'graph' for CONSTRUCT and DESCRIBE, 'results' for SELECT and ASK (and for unknown forms: the parser will refuse them)."""
    return "graph" if form in ("construct", "describe") else "results"


def formats_for(kind: str) -> list[Format]:
    return GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS


def choose(kind: str, accept: str | None, format_param: str | None) -> Format | str:
    """The format to answer in, or ``HTML`` for the query page. Raises ApiError 400 (unknown name) or 406."""
    if format_param is not None:
        return _by_param(kind, format_param.strip())
    table = _GRAPH_ACCEPT if kind == "graph" else _RESULT_ACCEPT
    chosen = negotiated(accept, (*table, HTML))
    if chosen is None:
        raise ApiError(406, "Not Acceptable",
                       f"None of the types in Accept ({excerpt(accept or '', 100)}) can carry {_what(kind)}; available: "
                       + ", ".join(f.media_type for f in formats_for(kind)) + ", text/html.",
                       extra={"available": [f.media_type for f in formats_for(kind)] + [HTML]})
    return HTML if chosen == HTML else BY_NAME[table[chosen]]


@functools.lru_cache(maxsize=NEGOTIATED_CACHE)
def negotiated(accept: str | None, available: tuple[str, ...]) -> str | None:
    """negotiate(), remembered per Accept header: the choice is a pure function of the header and the types."""
    return negotiate(accept, list(available))


def _by_param(kind: str, value: str) -> Format | str:
    lowered = value.lower()
    if lowered in ("html", HTML):
        return HTML
    names = _PARAM_GRAPHS if kind == "graph" else _PARAM_RESULTS
    media = _GRAPH_ACCEPT if kind == "graph" else _RESULT_ACCEPT
    if lowered in names:
        return BY_NAME[names[lowered]]
    if lowered in media:
        return BY_NAME[media[lowered]]
    other_names = _PARAM_RESULTS if kind == "graph" else _PARAM_GRAPHS
    other_media = _RESULT_ACCEPT if kind == "graph" else _GRAPH_ACCEPT
    available = [f.media_type for f in formats_for(kind)]
    if lowered in other_names or lowered in other_media:
        raise ApiError(406, "Not Acceptable",
                       f"format={excerpt(value, 40)!r} cannot carry {_what(kind)}; use one of "
                       + ", ".join(sorted(names)) + ".", extra={"available": available})
    raise ApiError(400, "Unknown format",
                   f"format={excerpt(value, 40)!r} is not a format of this endpoint; use one of " + ", ".join(PARAM_NAMES)
                   + " or a media type.", extra={"available": available})


def _what(kind: str) -> str:
    return "an RDF graph (CONSTRUCT/DESCRIBE)" if kind == "graph" else "query results (SELECT/ASK)"
