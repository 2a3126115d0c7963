"""Linked Data Fragments over the served release: Triple Pattern Fragments at /fragments, Quad Pattern Fragments
at /fragments/quads; the quads matching one pattern, a page at a time.

Clients such as Comunica evaluate SPARQL themselves from these fragments, so the load is theirs. Each answer
holds the matching triples (TPF: of the default graph, the union of the release's graphs) or quads (QPF: with
their named graph), the fragment's size (``void:triples`` and ``hydra:totalItems``, exact), paging links, and the
Hydra search form (in TriG and N-Quads in a graph of their own whose ``foaf:primaryTopic`` is the page and the
dataset). /fragments has exactly one ``hydra:template`` with three mappings (subject, predicate, object), as
TPF clients require; /fragments/quads one with four, the fourth ``sd:graph`` (how Comunica tells a QPF interface),
and names the union default graph (``sd:defaultGraph``) so that patterns outside ``GRAPH`` match it. Terms are in
the explicit representation: IRIs as they are (``<…>`` also accepted), literals as ``"text"``, ``"text"@en`` or
``"42"^^http://…#integer``, and variables (``?x``, a repeated name must bind the same term) or nothing for an
open position.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, request

from ...prefixes import PREFIXES
from ..errors import ApiError
from ..linked_data import rdf_output
from ..negotiation import negotiate
from .access import int_arg, served, settings

bp = Blueprint("find_fragments", __name__)
HYDRA = "http://www.w3.org/ns/hydra/core#"
VOID = PREFIXES["void"]
PAGE_SIZE = 100
#: Quad formats first: they keep the metadata and controls apart from the data, in a graph whose
#: foaf:primaryTopic is the page (as Comunica and the reference server expect); triple formats mix them.
FORMATS = {"application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS,
           "text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES}
QUAD_FORMATS = ("application/trig", "application/n-quads")
FOAF_TOPIC = "http://xmlns.com/foaf/0.1/primaryTopic"
LITERAL = re.compile(r'^"(.*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<?([^<>"\s]+)>?)?$', re.S)
VARIABLE = re.compile(r"^\?([A-Za-z_][A-Za-z0-9_]{0,40})$")
POSITIONS = ("subject", "predicate", "object")
SD_GRAPH = "http://www.w3.org/ns/sparql-service-description#graph"
SD_DEFAULT_GRAPH = "http://www.w3.org/ns/sparql-service-description#defaultGraph"
_counts: OrderedDict[tuple, int] = OrderedDict()
_counts_lock = threading.Lock()


class NoMatch(Exception):
    """A pattern no triple can match (a literal as subject, predicate or graph)."""


@dataclass(frozen=True)
class Interface:
    """A fragments interface: its path, the positions of its patterns and the properties its mappings name."""
    path: str
    positions: tuple[str, ...]
    formats: tuple[str, ...]

    @property
    def quads(self) -> bool:
        return len(self.positions) == 4


TRIPLES = Interface("fragments", POSITIONS, ("text/turtle", *QUAD_FORMATS, "application/n-triples"))
QUADS = Interface("fragments/quads", (*POSITIONS, "graph"), QUAD_FORMATS)
MAPPED = {"subject": PREFIXES["rdf"] + "subject", "predicate": PREFIXES["rdf"] + "predicate",
          "object": PREFIXES["rdf"] + "object", "graph": SD_GRAPH}


def parse_term(position: str, raw: str) -> ox.NamedNode | ox.Literal | str:
    """A parameter as a term, or a variable's name (str)."""
    raw = raw.strip()
    if not raw or raw == "?":
        return f"_{position[0]}"
    variable = VARIABLE.match(raw)
    if variable:
        return variable.group(1)
    literal = LITERAL.match(raw)
    if literal:
        if position != "object":
            raise NoMatch
        text, language, datatype = literal.groups()
        try:
            if language:
                return ox.Literal(text, language=language)
            return ox.Literal(text, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(text)
        except ValueError as exc:
            raise ApiError(400, "Bad term", f"The {position} {raw[:100]!r} is not a literal: {exc}.") from exc
    iri = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
    try:
        if ":" not in iri:
            raise ValueError("no scheme")
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise ApiError(400, "Bad term", f"The {position} {raw[:100]!r} is neither an IRI, a literal (\"text\", "
                       "\"text\"@en, \"1\"^^http://www.w3.org/2001/XMLSchema#integer) nor a variable (?x).") from exc


def _sparql(term) -> str:
    return f"?{term}" if isinstance(term, str) else str(term)


def _count(store, version: str, where: str, variables: list[str]) -> int:
    key = (version, where)
    with _counts_lock:
        if key in _counts:
            _counts.move_to_end(key)
            return _counts[key]
    projection = " ".join(f"?{v}" for v in variables) or "*"
    if variables:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT {projection} WHERE {{ {where} }} }}"
        total = int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)
    else:
        total = int(bool(store.query(f"ASK {{ {where} }}", use_default_graph_as_union=True)))
    with _counts_lock:
        _counts[key] = total
        while len(_counts) > 4096:
            _counts.popitem(last=False)
    return total


def matching(store, version: str, terms: tuple, page: int) -> tuple[list[ox.Quad], int]:
    """One page of the quads matching the pattern, and how many match in all. Three terms (or a fourth that is
    ``None``): triples of the union default graph, each once, in the default graph; a fourth term: quads of the
    named graphs."""
    graph = terms[3] if len(terms) == 4 else None
    triple = " ".join(_sparql(t) for t in terms[:3]) + " ."
    where = f"GRAPH {_sparql(graph)} {{ {triple} }}" if graph is not None else triple
    variables = list(dict.fromkeys(t for t in terms if isinstance(t, str)))
    total = _count(store, version, where, variables)
    if not variables:
        return ([ox.Quad(*terms[:3], graph or ox.DefaultGraph())] if total and page == 1 else []), total
    rows = store.query(f"SELECT DISTINCT {' '.join('?' + v for v in variables)} WHERE {{ {where} }} "
                       f"LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}", use_default_graph_as_union=True)
    found = []
    for row in rows:
        subject, predicate, obj = (row[t] if isinstance(t, str) else t for t in terms[:3])
        named = (row[graph] if isinstance(graph, str) else graph) if graph is not None else ox.DefaultGraph()
        found.append(ox.Quad(subject, predicate, obj, named))
    return found, total


def _controls(interface: Interface, dataset: ox.NamedNode, fragment: ox.NamedNode, page_url: ox.NamedNode) -> list[ox.Triple]:
    """The search form on the dataset: one template, a mapping per position, explicit representation."""
    public = settings().public_base
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    form = ox.NamedNode(public + f"{interface.path}#search")
    variables = ",".join(interface.positions)
    triples = [ox.Triple(dataset, rdf_type, ox.NamedNode(VOID + "Dataset")),
               ox.Triple(dataset, rdf_type, ox.NamedNode(HYDRA + "Collection")),
               ox.Triple(dataset, ox.NamedNode(VOID + "subset"), page_url),
               ox.Triple(dataset, ox.NamedNode(HYDRA + "search"), form),
               ox.Triple(form, ox.NamedNode(HYDRA + "template"), ox.Literal(public + interface.path + f"{{?{variables}}}")),
               ox.Triple(form, ox.NamedNode(HYDRA + "variableRepresentation"), ox.NamedNode(HYDRA + "ExplicitRepresentation"))]
    for position in interface.positions:
        mapping = ox.NamedNode(public + f"{interface.path}#{position}")
        triples += [ox.Triple(form, ox.NamedNode(HYDRA + "mapping"), mapping),
                    ox.Triple(mapping, ox.NamedNode(HYDRA + "variable"), ox.Literal(position)),
                    ox.Triple(mapping, ox.NamedNode(HYDRA + "property"), ox.NamedNode(MAPPED[position]))]
    if interface.quads:
        triples.append(ox.Triple(dataset, ox.NamedNode(SD_DEFAULT_GRAPH), default_graph()))
    if fragment != page_url:
        triples.append(ox.Triple(fragment, ox.NamedNode(HYDRA + "view"), page_url))
    return triples


def default_graph() -> ox.NamedNode:
    """The name /fragments/quads gives the default graph (the union of the release's graphs), as ``graph=``."""
    return ox.NamedNode(settings().public_base + QUADS.path + "#default-graph")


@bp.route("/fragments", methods=["GET", "HEAD"])
def fragments() -> Response:
    return answer(TRIPLES)


@bp.route("/fragments/quads", methods=["GET", "HEAD"])
def quad_fragments() -> Response:
    return answer(QUADS)


def answer(interface: Interface) -> Response:
    chosen = negotiate(request.headers.get("Accept"), list(interface.formats))
    if chosen is None:
        raise ApiError(406, "Not Acceptable", f"These fragments are available as {', '.join(interface.formats)}.")
    page = int_arg(request.args, "page", 1, 1, 1_000_000)
    current = served()
    try:
        terms = tuple(parse_term(p, request.args.get(p, "")) for p in interface.positions)
        if interface.quads and terms[3] == default_graph():
            terms = terms[:3]  # the default graph: the union, as /fragments
        found, total = matching(current.store, current.version, terms, page)
    except NoMatch:
        found, total = [], 0
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        raise ApiError(404, "No such page", f"This fragment has {pages} page{'s' if pages != 1 else ''}.")
    public = settings().public_base
    raw = request.query_string.decode("latin-1")
    params = [(k, v) for k, v in parse_qsl(raw, keep_blank_values=True) if k != "page"]
    base = public + interface.path
    try:  # the page names itself by the URL the client fetched (Comunica reads controls only from that subject)
        page_url = ox.NamedNode(base + (f"?{raw}" if raw else ""))
    except ValueError:  # a URL sent unencoded: its encoded form
        page_url = ox.NamedNode(base + "?" + urlencode(parse_qsl(raw, keep_blank_values=True)))
    fragment_base = base + (f"?{urlencode(params)}" if params else "")
    fragment = ox.NamedNode(fragment_base) if "page" in request.args else page_url

    def page_link(number: int) -> ox.NamedNode:
        return ox.NamedNode(fragment_base + ("&" if params else "?") + f"page={number}") if number > 1 else fragment

    integer = ox.NamedNode(PREFIXES["xsd"] + "integer")
    metadata = [ox.Triple(page_url, ox.NamedNode(VOID + "triples"), ox.Literal(str(total), datatype=integer)),
                ox.Triple(page_url, ox.NamedNode(HYDRA + "totalItems"), ox.Literal(str(total), datatype=integer)),
                ox.Triple(page_url, ox.NamedNode(HYDRA + "itemsPerPage"), ox.Literal(str(PAGE_SIZE), datatype=integer)),
                ox.Triple(page_url, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(HYDRA + "PartialCollectionView")),
                ox.Triple(page_url, ox.NamedNode(HYDRA + "first"), page_link(1)),
                ox.Triple(page_url, ox.NamedNode(HYDRA + "last"), page_link(pages))]
    if page > 1:
        metadata.append(ox.Triple(page_url, ox.NamedNode(HYDRA + "previous"), page_link(page - 1)))
    if page < pages:
        metadata.append(ox.Triple(page_url, ox.NamedNode(HYDRA + "next"), page_link(page + 1)))
    dataset = ox.NamedNode(base + "#dataset")
    controls = _controls(interface, dataset, fragment, page_url)
    if chosen in QUAD_FORMATS:
        graph = ox.NamedNode(page_url.value + "#metadata")
        # its topics: the page (TPF specification) and the dataset whose void:subset the page is (what Comunica
        # looks for to tell metadata from data)
        about = [ox.Triple(graph, ox.NamedNode(FOAF_TOPIC), page_url),
                 ox.Triple(graph, ox.NamedNode(FOAF_TOPIC), dataset)] + metadata + controls
        quads = found + [ox.Quad(t.subject, t.predicate, t.object, graph) for t in about]
        body = ox.serialize(quads, format=FORMATS[chosen], **({"prefixes": dict(PREFIXES, hydra=HYDRA)}
                                                               if chosen == "application/trig" else {}))
    else:
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in found]
        body = rdf_output.serialize(triples + metadata + controls, FORMATS[chosen], dict(PREFIXES, hydra=HYDRA))
    return Response(body, content_type=f"{chosen}; charset=utf-8",
                    headers={"Access-Control-Allow-Origin": "*", "Vary": "Accept", "Cache-Control": "public, max-age=300",
                             "X-Newsfacts-Release": current.version})
