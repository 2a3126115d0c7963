"""SPARQL 1.1 Graph Store HTTP Protocol, read side: GET and HEAD ``/sparql/graph?default`` or ``?graph=IRI``.

``?default`` is the default graph of the endpoint — the union of all named
graphs (each distinct triple once); ``?graph=IRI`` one named graph (404 when the
dataset has no such graph). Any RDF format by Accept or ``format``; TriG and
N-Quads carry the graph name. Responses have an ETag (the release and the
request), so a client revalidates with If-None-Match and gets 304.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from flask import Request, Response

from ..errors import ApiError, excerpt
from ..releases import Served
from . import formats
from .dataset_graphs import graphs_of, prefixes_for
from .results import graph_bytes


def respond(request: Request, served: Served, base_iri: str) -> Response:
    args = request.args
    graphs = graphs_of(served)
    if ("default" in args) == ("graph" in args):
        raise ApiError(400, "Which graph?", "Name exactly one graph: /sparql/graph?default (the union of all graphs) or "
                       "/sparql/graph?graph=<IRI>.", extra={"graphs": sorted(graphs)})
    name = args.get("graph")
    if name is not None and name not in graphs:
        raise ApiError(404, "No such graph", f"The dataset has no graph <{excerpt(name, 200)}>.",
                       extra={"graphs": sorted(graphs)})
    chosen = formats.choose("graph", request.headers.get("Accept"), args.get("format"))
    if chosen == formats.HTML:
        chosen = formats.BY_NAME["turtle"]
    etag = hashlib.sha256(f"{served.version}\n{name}\n{chosen.name}".encode()).hexdigest()[:32]
    headers = {"ETag": f'"{etag}"', "Vary": "Accept", "Cache-Control": "public, max-age=300",
               "X-Newsfacts-Release": served.version}
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    # Read with queries only, so an embedded store and a remote one answer alike.
    if name is None:
        content = sorted(set(served.store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                                use_default_graph_as_union=True)), key=str)
    else:
        triples = list(served.store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"))
        graph = ox.NamedNode(name)
        content = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples] \
            if chosen.name in ("trig", "nquads") else triples
    body = graph_bytes(content, chosen.name, prefixes=prefixes_for(base_iri))
    return Response(body, status=200, headers=headers, content_type=chosen.content_type)
