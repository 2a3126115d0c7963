"""/reconcile: the Reconciliation Service API v0.2 (W3C Entity Reconciliation CG), as OpenRefine calls it.

One endpoint answers the manifest (GET, no parameters), reconciliation queries (``queries=`` by GET or POST
form) and data extension (``extend=``); suggest, preview and property proposals have their own paths. Every
answer allows any origin; GET answers wrap in ``callback(...)`` for JSONP when asked (OpenRefine's browser
side falls back to it). See docs/reconciliation.md.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, render_template, request

from ...catalog import NF
from ..errors import ApiError
from .access import int_arg, search_index, served, settings
from .reconcile import PROPERTIES, Reconciler, parse_queries

bp = Blueprint("find_reconcile", __name__, template_folder="templates")
BATCH_SIZE = 50
CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
DEFAULT_TYPES = ("Person", "Organization", "Place", "Agent")
_type_names: dict[str, dict[str, str]] = {}


def type_names(current) -> dict[str, str]:
    """Class local name -> English label, from the release's vocabulary (once per release)."""
    found = _type_names.get(current.version)
    if found is None:
        graph = current.manifest.get("base_iri", settings().base_iri) + "graph/vocabulary"
        rows = current.store.query(f"""SELECT ?c ?label WHERE {{ GRAPH <{graph}> {{
            ?c a <http://www.w3.org/2002/07/owl#Class> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label
            FILTER(LANGMATCHES(LANG(?label), "en") && STRSTARTS(STR(?c), "{NF}")) }} }}""")
        found = {r["c"].value[len(NF):]: r["label"].value for r in rows}
        _type_names.clear()
        _type_names[current.version] = found
    return found


def reconciler() -> Reconciler:
    current = served()
    return Reconciler(search_index(current), settings().base_iri, type_names(current))


def answer(body: dict) -> Response:
    callback = request.args.get("callback") if request.method == "GET" else None
    text = json.dumps(body, ensure_ascii=False)
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}
    if callback:
        if not CALLBACK.match(callback):
            raise ApiError(400, "Bad callback", "callback must be a JavaScript name (letters, digits, _ $ .).")
        return Response(f"/**/{callback}({text});", headers=headers, content_type="application/javascript; charset=utf-8")
    return Response(text + "\n", headers=headers, content_type="application/json; charset=utf-8")


def preflight() -> Response:
    return Response(status=204, headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                         "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400"})


def manifest() -> dict:
    public = settings().public_base
    service = public.rstrip("/")
    names = type_names(served())
    return {
        "versions": ["0.2"],
        "name": "newsfacts: entities named in news articles",
        "identifierSpace": settings().base_iri + "entity/",
        "schemaSpace": NF,
        "documentation": public + "reconcile/docs",
        "serviceVersion": "0.2",
        "defaultTypes": [{"id": t, "name": names.get(t, t)} for t in DEFAULT_TYPES if t in names],
        "view": {"url": public + "entity/{{id}}.html"},
        "preview": {"url": public + "reconcile/preview?id={{id}}", "width": 420, "height": 140},
        "suggest": {kind: {"service_url": service, "service_path": f"/reconcile/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {"propose_properties": {"service_url": service, "service_path": "/reconcile/extend/propose"},
                   "property_settings": []},
        "batchSize": BATCH_SIZE,
    }


def _parameter(name: str) -> str | None:
    return request.form.get(name) if request.method == "POST" and name in request.form else request.args.get(name)


@bp.route("/reconcile", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return preflight()
    queries, extend = _parameter("queries"), _parameter("extend")
    if queries is not None:
        service = reconciler()
        return answer({key: {"result": service.reconcile(q)} for key, q in parse_queries(queries, BATCH_SIZE).items()})
    if extend is not None:
        return answer(_extend(extend))
    return answer(manifest())


def _extend(raw: str) -> dict:
    try:
        asked = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "Bad extend", f"extend is not JSON: {exc}") from exc
    if not isinstance(asked, dict) or not isinstance(asked.get("ids"), list) or not isinstance(asked.get("properties"), list) \
            or not all(isinstance(i, str) for i in asked["ids"]) \
            or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in asked["properties"]):
        raise ApiError(400, "Bad extend", 'extend must be {"ids": ["nicolas-maduro"], "properties": [{"id": "wikidata"}]}.')
    if len(asked["ids"]) > BATCH_SIZE * 10:
        raise ApiError(413, "Too many ids", f"At most {BATCH_SIZE * 10} ids per data extension request.")
    properties = [p["id"] for p in asked["properties"]]
    unknown = [p for p in properties if p not in PROPERTIES]
    if unknown:
        raise ApiError(400, "Unknown property", f"Unknown property {unknown[0][:40]!r}; known: {', '.join(PROPERTIES)}.")
    return reconciler().extend(asked["ids"], properties)


@bp.route("/reconcile/suggest/<kind>", methods=["GET", "OPTIONS"], provide_automatic_options=False)
def suggest(kind: str) -> Response:
    if request.method == "OPTIONS":
        return preflight()
    prefix = request.args.get("prefix", "")[:200]
    cursor = int_arg(request.args, "cursor", 0, 0, 10_000)
    folded = prefix.casefold().strip()
    if kind == "entity":
        return answer({"result": reconciler().suggest_entities(prefix, cursor)})
    if kind == "type":
        names = type_names(served())
        found = [{"id": t, "name": n} for t, n in sorted(names.items(), key=lambda item: item[1])
                 if folded in n.casefold() or folded in t.casefold()]
        return answer({"result": found[cursor:cursor + 20]})
    if kind == "property":
        found = [{"id": p, "name": n} for p, n in PROPERTIES.items() if folded in n.casefold() or folded in p.casefold()]
        return answer({"result": found[cursor:cursor + 20]})
    raise ApiError(404, "No such suggest service", "Suggest services: /reconcile/suggest/entity, /type and /property.")


@bp.route("/reconcile/extend/propose", methods=["GET", "OPTIONS"], provide_automatic_options=False)
def propose_properties() -> Response:
    if request.method == "OPTIONS":
        return preflight()
    limit = int_arg(request.args, "limit", len(PROPERTIES), 0, 1000)
    return answer({"type": request.args.get("type", "")[:100],
                   "properties": [{"id": p, "name": n} for p, n in PROPERTIES.items()][:limit]})


@bp.route("/reconcile/preview")
def preview() -> Response:
    service = reconciler()
    identifier = request.args.get("id", "")
    row = service.entity(identifier) if identifier else None
    if row is None:
        raise ApiError(404, "No such entity", f"No entity has the id {identifier[:100]!r}.")
    body = render_template("find_preview.html", row=row, types=service.values(row, "type"),
                           wikidata=json.loads(row["wikidata"]), claims=row["mentioned_by"],
                           href="/" + row["iri"][len(settings().base_iri):] + ".html")
    return Response(body, headers={"Access-Control-Allow-Origin": "*"}, content_type="text/html; charset=utf-8")


@bp.route("/reconcile/docs")
def documentation() -> Response:
    return Response(render_template("find_reconcile_docs.html", manifest=manifest()), content_type="text/html; charset=utf-8")
