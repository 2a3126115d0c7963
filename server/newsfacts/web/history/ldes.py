"""The change stream as a Linked Data Event Stream (LDES, on TREE): ``/ldes``.

Members are version objects: for each resource whose description changed in a release, the member
``/release/<v>/<path>`` is ``dcterms:isVersionOf`` the resource, ``prov:generatedAtTime`` the release's build
time (``ldes:timestampPath``: ingestion time, so the stream only grows at its end), typed ``as:Create``,
``as:Update`` or ``as:Delete``, and carries the resource's own statements in that release (those of its ``#``
parts in the named graph of the member, in the quad formats). The root ``/ldes`` names the stream and links to
the first page; pages ``/ldes/<version>/<n>`` hold ``history_page_size`` members each, in release order, and
link on with a ``tree:GreaterThanOrEqualToRelation`` on the time. Every page but the newest one is immutable.
Pages are built from the change sets in ``history/``, so pruned releases stay in the stream.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from ... import changelog
from ..errors import ApiError, excerpt
from ..linked_data import paths
from ..negotiation import negotiate
from . import memento
from .changes import SAFE_VERSION

bp = Blueprint("ldes", __name__)

LDES, TREE = "https://w3id.org/ldes#", "https://w3id.org/tree#"
PROV_TIME = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")
VERSION_OF = ox.NamedNode("http://purl.org/dc/terms/isVersionOf")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
AS = "https://www.w3.org/ns/activitystreams#"
KIND = {"created": ox.NamedNode(AS + "Create"), "updated": ox.NamedNode(AS + "Update"), "deleted": ox.NamedNode(AS + "Delete")}
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/trig": ox.RdfFormat.TRIG,
           "application/n-quads": ox.RdfFormat.N_QUADS, "application/n-triples": ox.RdfFormat.N_TRIPLES}
PREFIXES = {"ldes": LDES, "tree": TREE, "prov": "http://www.w3.org/ns/prov#", "dcterms": "http://purl.org/dc/terms/",
            "as": AS, "xsd": "http://www.w3.org/2001/XMLSchema#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "nf": "https://newsfacts.example/ontology/"}
IMMUTABLE = "public, max-age=31536000, immutable"
NEWEST_MAX_AGE_S = 60


def node(name: str) -> ox.NamedNode:
    return ox.NamedNode(current_app.config["NEWSFACTS"].public_base + name)


def t(name: str) -> ox.NamedNode:
    return ox.NamedNode(TREE + name) if not name.startswith("ldes:") else ox.NamedNode(LDES + name[5:])


def pages() -> list[tuple[changelog.Version, int, list[str]]]:
    """Every page of the stream in order: (release, page number, the resources of its members)."""
    size = current_app.config["NEWSFACTS"].history_page_size
    found = []
    for version in memento.archive().versions():
        if version.changes is None:
            continue
        resources = [iri for iri in changelog.summary(version.changes)["resources"] if local_path(iri)]
        for start in range(0, max(len(resources), 1), size):
            found.append((version, start // size + 1, resources[start:start + size]))
    return found


def local_path(iri: str) -> str | None:
    found = paths.path_of(iri, current_app.config["NEWSFACTS"].base_iri)
    return found.lstrip("/") if found and "#" not in found else None


def page_name(version: changelog.Version, number: int) -> str:
    return f"ldes/{version.version}/{number}"


def stream_description() -> list[ox.Quad]:
    stream = node("ldes#stream")
    return [ox.Quad(stream, RDF_TYPE, t("ldes:EventStream")),
            ox.Quad(stream, t("view"), node("ldes")),
            ox.Quad(stream, t("ldes:timestampPath"), PROV_TIME),
            ox.Quad(stream, t("ldes:versionOfPath"), VERSION_OF),
            ox.Quad(stream, t("ldes:versionCreateObject"), KIND["created"]),
            ox.Quad(stream, t("ldes:versionUpdateObject"), KIND["updated"]),
            ox.Quad(stream, t("ldes:versionDeleteObject"), KIND["deleted"]),
            ox.Quad(stream, ox.NamedNode(PREFIXES["rdfs"] + "label"),
                    ox.Literal("newsfacts: every change to a resource, release by release"))]


def relation(page: ox.NamedNode, target: ox.NamedNode, moment: str, label: str) -> list[ox.Quad]:
    link = ox.BlankNode(label)
    return [ox.Quad(page, t("relation"), link), ox.Quad(link, RDF_TYPE, t("GreaterThanOrEqualToRelation")),
            ox.Quad(link, t("node"), target), ox.Quad(link, t("path"), PROV_TIME),
            ox.Quad(link, t("value"), ox.Literal(moment, datatype=XSD_DATETIME))]


@bp.route("/ldes", methods=["GET", "HEAD"])
def root() -> Response:
    """The stream and its view: the root links to the first page."""
    every = pages()
    quads = stream_description() + [ox.Quad(node("ldes"), RDF_TYPE, t("Node"))]
    if every:
        first = every[0][0]
        quads += relation(node("ldes"), node(page_name(first, 1)), first.built_at, "first")
    return rdf_response(quads, "public, max-age=300")


@bp.route("/ldes/<version>/<int:number>", methods=["GET", "HEAD"])
def page(version: str, number: int) -> Response:
    if not SAFE_VERSION.fullmatch(version):
        raise ApiError(404, "No such page", f"{excerpt(version, 80)!r} is not a release name.")
    every = pages()
    index = next((i for i, (v, n, _) in enumerate(every) if v.version == version and n == number), None)
    if index is None:
        raise ApiError(404, "No such page", f"The change stream has no page {number} for release {excerpt(version, 80)}; "
                       "start at /ldes.", extra={"stream": "/ldes"})
    this, _, resources = every[index]
    here = node(page_name(this, number))
    stream = node("ldes#stream")
    quads = [ox.Quad(here, RDF_TYPE, t("Node"))] + [q for q in stream_description() if q.predicate != t("view")]
    newest = index == len(every) - 1
    if not newest:
        following = every[index + 1][0]
        quads += relation(here, node(page_name(following, every[index + 1][1])), following.built_at, "next")
        quads.append(ox.Quad(here, t("ldes:immutable"), ox.Literal(True)))
    descriptions = changelog.described_versions(this.changes)
    status = changelog.summary(this.changes)["resources"]
    moment = ox.Literal(this.built_at, datatype=XSD_DATETIME)
    for iri in resources:
        member = node(f"release/{this.version}/{local_path(iri)}")
        quads += [ox.Quad(stream, t("member"), member), ox.Quad(member, VERSION_OF, ox.NamedNode(iri)),
                  ox.Quad(member, PROV_TIME, moment), ox.Quad(member, RDF_TYPE, KIND[status[iri]])]
        for triple in descriptions.get(iri, []):
            if triple.subject.value == iri:
                quads.append(ox.Quad(member, triple.predicate, triple.object))
            else:  # a '#' part of the resource: in the member's graph
                quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, member))
    return rdf_response(quads, f"public, max-age={NEWEST_MAX_AGE_S}" if newest else IMMUTABLE)


def rdf_response(quads: list[ox.Quad], cache_control: str) -> Response:
    media_type = negotiate(request.headers.get("Accept") or "*/*", list(FORMATS))
    if media_type is None:
        raise ApiError(406, "Not Acceptable", "The change stream is available as " + ", ".join(FORMATS) + ".",
                       extra={"available": list(FORMATS)})
    fmt = FORMATS[media_type]
    triples_only = fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES)
    items = list(dict.fromkeys(q.triple for q in quads)) if triples_only else quads
    options = {"prefixes": PREFIXES} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
    body = ox.serialize(items, format=fmt, **options)
    response = Response(body, content_type=f"{media_type}; charset=utf-8",
                        headers={"Cache-Control": cache_control, "Vary": "Accept", "Access-Control-Allow-Origin": "*"})
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)
