"""/search: full-text search over the release's index, as HTML or JSON (by Accept, or /search.json)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, json, render_template, request
from markupsafe import Markup, escape

from ...catalog import KINDS
from ...search_index import Hit
from ..errors import ApiError
from ..linked_data.pages import preferred_language
from ..negotiation import negotiate
from .access import int_arg, local_path, search_index, served

bp = Blueprint("find_search", __name__, template_folder="templates")
PAGE_SIZE = 20
MAX_QUERY = 500
KIND_TITLES = {"entity": "Entities", "event": "Events", "claim": "Claims", "article": "Articles", "report": "Reports"}


def _link(suffix: str, **params) -> str:
    return f"/search{suffix}?" + urlencode({k: v for k, v in params.items() if v not in (None, "", 1)})


def _snippet(text: str) -> Markup:
    """FTS5 marks hits with \\x02 … \\x03; everything else is escaped."""
    out = []
    for part in text.split("\x02"):
        hit, closing, rest = part.partition("\x03")
        out.append(f"<mark>{escape(hit)}</mark>{escape(rest)}" if closing else str(escape(hit)))
    return Markup("".join(out))


def results(text: str, kind: str | None, page: int, lang: str, suffix: str) -> dict:
    """The answer to a search, grouped by kind, each group one page of hits, best first."""
    index = search_index()
    counts = index.counts(text)
    groups = []
    for group_kind, total in counts.items():
        if kind and group_kind != kind:
            continue
        pages = -(-total // PAGE_SIZE)
        hits = index.search(text, group_kind, PAGE_SIZE, (page - 1) * PAGE_SIZE) if page <= pages else []
        groups.append({
            "kind": group_kind, "title": KIND_TITLES[group_kind], "total": total, "page": page, "pages": pages,
            "results": [_hit(h, lang) for h in hits],
            "next": _link(suffix, q=text, kind=group_kind, page=page + 1) if page < pages else None,
            "previous": _link(suffix, q=text, kind=group_kind, page=page - 1) if page > 1 else None,
            "all": _link(suffix, q=text, kind=group_kind) if not kind and pages > 1 else None})
    if page > 1 and groups and not any(g["results"] for g in groups):
        raise ApiError(404, "No such page", f"There are {groups[0]['pages']} pages of results for this search.")
    return {"query": text, "kind": kind, "total": sum(g["total"] for g in groups), "counts": counts, "groups": groups}


def _hit(hit: Hit, lang: str) -> dict:
    return {"id": hit.iri, "href": local_path(hit.iri), "kind": hit.kind, "name": hit.label(lang),
            "description": hit.description, "types": hit.types, "score": round(hit.score, 4),
            "snippet": hit.snippet.replace("\x02", "").replace("\x03", "")} | {"_snippet": hit.snippet}


@bp.route("/search", endpoint="search")
@bp.route("/search.json", endpoint="search_json")
def search() -> Response:
    as_json = request.endpoint == "find_search.search_json"
    if not as_json:
        wanted = negotiate(request.headers.get("Accept"), ["text/html", "application/json"])
        if wanted is None:
            raise ApiError(406, "Not Acceptable", "Search results are available as text/html and application/json.")
        as_json = wanted == "application/json"
    text = request.args.get("q", "").strip()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise ApiError(400, "Bad kind", f"kind must be one of {', '.join(KINDS)}, not {kind[:40]!r}.")
    if len(text) > MAX_QUERY:
        raise ApiError(400, "Search too long", f"A search is at most {MAX_QUERY} characters.")
    page = int_arg(request.args, "page", 1, 1, 10_000)
    lang = preferred_language(request.headers.get("Accept-Language"))
    current = served()
    headers = {"Vary": "Accept, Accept-Language", "Access-Control-Allow-Origin": "*",
               "Cache-Control": "public, max-age=60", "X-Newsfacts-Release": current.version}
    if as_json:
        if not text:
            raise ApiError(400, "Missing q", "Give the words to search for in q, e.g. /search.json?q=maduro.")
        found = results(text, kind, page, lang, ".json")
        for group in found["groups"]:
            for hit in group["results"]:
                hit.pop("_snippet")
        return Response(json.dumps(found, ensure_ascii=False) + "\n", headers=headers,
                        content_type="application/json; charset=utf-8")
    found = results(text, kind, page, lang, "") if text else None
    if found:
        for group in found["groups"]:
            for hit in group["results"]:
                hit["snippet_html"] = _snippet(hit.pop("_snippet"))
    body = render_template("find_search.html", q=text, found=found, kind=kind, lang=lang,
                           json_link=_link(".json", q=text, kind=kind, page=page) if text else None)
    return Response(body, headers=headers, content_type="text/html; charset=utf-8")
