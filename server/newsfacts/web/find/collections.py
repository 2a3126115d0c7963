"""Indexes of every entity, event, claim and article: ``/entity/`` … in HTML and as Hydra collections in RDF.

``/entity/`` negotiates (HTML for browsers, Turtle, JSON-LD, N-Triples); ``/entity.html``, ``/entity.ttl``,
``/entity.jsonld`` and ``/entity.nt`` are the documents. Parameters: ``page``, ``sort`` (``name``, ``-name``,
and ``claims``/``-claims`` for entities, ``time`` for events) and ``type`` (a class of the ontology by local
name; its subclasses count). Members come from the release's search index, in a stable order.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from ...prefixes import PREFIXES
from ..errors import ApiError
from ..linked_data import paths, rdf_output
from ..linked_data.views import negotiated_format, not_acceptable
from .access import int_arg, local_path, search_index, served, settings

bp = Blueprint("find_collections", __name__, template_folder="templates")
HYDRA = "http://www.w3.org/ns/hydra/core#"
PAGE_SIZE = 50
KINDS = {"entity": "Entities", "event": "Events", "claim": "Claims", "article": "Articles"}
SORTS = {"name": "sort_name, iri", "-name": "sort_name DESC, iri DESC", "claims": "mentioned_by DESC, sort_name, iri",
         "-claims": "mentioned_by, sort_name, iri", "time": "sort_time IS NULL, sort_time, sort_name, iri"}
RDF_FORMATS = ("ttl", "jsonld", "nt")
PREFIXES_OUT = dict(PREFIXES, hydra=HYDRA)


def _listing(kind: str) -> dict:
    """The members on the asked page, with the total, the counts by type, and the query's parameters."""
    index = search_index()
    sort = request.args.get("sort") or ("time" if kind == "event" else "name")
    allowed = [s for s in SORTS if s in ("name", "-name") or (kind == "entity" and "claims" in s) or
               (kind == "event" and s == "time")]
    if sort not in allowed:
        raise ApiError(400, "Bad sort", f"sort must be one of {', '.join(allowed)}, not {sort[:40]!r}.")
    wanted_type = request.args.get("type", "")
    if wanted_type and not wanted_type.replace("-", "").isalnum():
        raise ApiError(400, "Bad type", "type must be the local name of a class of the ontology, such as Person.")
    where, params = "kind = ?", [kind]
    if wanted_type:
        where += " AND ancestors LIKE ?"
        params.append(f"% {wanted_type} %")
    total = index.db.execute(f"SELECT count(*) FROM things WHERE {where}", params).fetchone()[0]
    pages = max(1, -(-total // PAGE_SIZE))
    page = int_arg(request.args, "page", 1, 1, 1_000_000)
    if page > pages:
        raise ApiError(404, "No such page", f"This index has {pages} page{'s' if pages != 1 else ''}.")
    rows = index.db.execute(f"SELECT * FROM things WHERE {where} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
                            [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE]).fetchall()
    types = index.db.execute("SELECT type, count FROM kinds_types WHERE kind = ? ORDER BY count DESC, type", (kind,)).fetchall()
    who = index.names_of(sorted({json.loads(r["claim"]).get("who", "") for r in rows} - {""})) if kind == "claim" else {}
    return {"kind": kind, "title": KINDS[kind], "total": total, "page": page, "pages": pages, "sort": sort,
            "sorts": allowed, "type": wanted_type, "types": [(t["type"], t["count"]) for t in types],
            "rows": rows, "who": who}


def _query(listing: dict, **changes) -> str:
    params = {"type": listing["type"], "sort": listing["sort"], "page": listing["page"], **changes}
    default_sort = "time" if listing["kind"] == "event" else "name"
    cleaned = {k: v for k, v in params.items() if v and not (k == "page" and v == 1) and not (k == "sort" and v == default_sort)}
    return "?" + urlencode(cleaned) if cleaned else ""


def _serve(kind: str, suffix: str | None) -> Response:
    if suffix is None:
        available = ["text/html"] + [paths.BY_SUFFIX[s].media_type for s in RDF_FORMATS]
        chosen = negotiated_format(request.headers.get("Accept"))
        if chosen is None:
            raise not_acceptable()
        suffix = chosen.suffix if chosen.media_type in available else "ttl"
    listing = _listing(kind)
    current = served()
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300", "Vary": "Accept",
               "X-Newsfacts-Release": current.version,
               "Link": ", ".join(f'</{kind}.{s}{_query(listing)}>; rel="alternate"; type="{paths.BY_SUFFIX[s].media_type}"'
                                 for s in ("html", *RDF_FORMATS))}
    if suffix == "html":
        for_page = [dict(_row_view(row, listing)) for row in listing["rows"]]
        body = render_template("find_collection.html", c=listing, members=for_page, link=lambda **kw: _query(listing, **kw))
        return Response(body, headers=headers, content_type="text/html; charset=utf-8")
    fmt = paths.BY_SUFFIX[suffix]
    body = rdf_output.serialize(_hydra(listing, suffix), fmt.rdf_format, PREFIXES_OUT)
    return Response(body, headers=headers, content_type=fmt.content_type)


def _row_view(row, listing: dict) -> dict:
    claim = json.loads(row["claim"])
    time = json.loads(row["time"])
    return {"href": local_path(row["iri"]), "name": row["name"], "types": json.loads(row["types"]),
            "description": row["description"], "claims": row["mentioned_by"],
            "certainty": claim.get("certainty"), "who": listing["who"].get(claim.get("who", "")),
            "who_href": local_path(claim["who"]) if claim.get("who") else None,
            "when": time_text(time) if time else None}


def time_text(time: dict) -> str:
    from .timeline import when

    return when(time)


def _hydra(listing: dict, suffix: str) -> list[ox.Triple]:
    """The page as a hydra:Collection with its members and a hydra:PartialCollectionView to first/next/last."""
    public = settings().public_base
    kind = listing["kind"]
    collection = ox.NamedNode(public + f"{kind}/" + _query(listing, page=1, sort=None))
    view_url = public + f"{kind}.{suffix}"

    def view(page: int) -> ox.NamedNode:
        return ox.NamedNode(view_url + _query(listing, page=page))

    def h(term: str) -> ox.NamedNode:
        return ox.NamedNode(HYDRA + term)

    rdf_type, label = ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(PREFIXES["rdfs"] + "label")
    integer = ox.NamedNode(PREFIXES["xsd"] + "integer")
    this = view(listing["page"])
    triples = [ox.Triple(collection, rdf_type, h("Collection")),
               ox.Triple(collection, h("totalItems"), ox.Literal(str(listing["total"]), datatype=integer)),
               ox.Triple(collection, h("view"), this),
               ox.Triple(this, rdf_type, h("PartialCollectionView")),
               ox.Triple(this, h("first"), view(1)), ox.Triple(this, h("last"), view(listing["pages"]))]
    if listing["page"] > 1:
        triples.append(ox.Triple(this, h("previous"), view(listing["page"] - 1)))
    if listing["page"] < listing["pages"]:
        triples.append(ox.Triple(this, h("next"), view(listing["page"] + 1)))
    for row in listing["rows"]:
        member = ox.NamedNode(row["iri"])
        triples.append(ox.Triple(collection, h("member"), member))
        triples.append(ox.Triple(member, label, ox.Literal(row["name"], language="en") if row["kind"] != "claim"
                                 else ox.Literal(row["name"])))
        triples += [ox.Triple(member, rdf_type, ox.NamedNode(PREFIXES["nf"] + t)) for t in json.loads(row["types"])]
    return triples


def _register(kind: str) -> None:
    def index_page() -> Response:
        return _serve(kind, None)

    def document(suffix: str) -> Response:
        if suffix not in ("html", *RDF_FORMATS):
            raise ApiError(404, "Not Found", f"The {kind} index is at /{kind}.html, .ttl, .jsonld and .nt.")
        return _serve(kind, suffix)

    def without_slash() -> Response:  # a relative Location: never an absolute URL made from the Host header
        return Response(status=301, headers={"Location": f"/{kind}/", "Cache-Control": "public, max-age=86400"})

    bp.add_url_rule(f"/{kind}/", f"{kind}_index", index_page)
    bp.add_url_rule(f"/{kind}", f"{kind}_without_slash", without_slash)
    bp.add_url_rule(f"/{kind}.<suffix>", f"{kind}_document", document)


for _kind in KINDS:
    _register(_kind)
