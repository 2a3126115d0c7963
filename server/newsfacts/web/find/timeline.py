"""Timelines: events in time order, each date at the precision the text gives, and who says so.

``/timeline`` (HTML, or JSON by Accept or ``/timeline.json``) for the whole corpus, ``?entity=<id>`` for one
entity's events (it took part, or it is the place) and ``?article=<id>`` for one article's; an entity's page
shows its own. An event the text places in no year ("next month", "now", "in November") is listed apart with
the text's words, never given an invented date.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from ..errors import ApiError
from ..negotiation import negotiate
from .access import local_path, search_index, served, settings

bp = Blueprint("find_timeline", __name__, template_folder="templates")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
MAX_EVENTS = 2000


def _day(value: str) -> str:
    """'2022' -> '2022', '2023-12' -> 'December 2023', '2024-03-05' -> '5 March 2024', '--11' -> 'November'."""
    if value.startswith("--"):
        return MONTHS[int(value[2:4]) - 1]
    parts = value.split("-")
    if len(parts) == 1:
        return parts[0]
    month = MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def when(time: dict) -> str:
    """An event's time as precise as the text and no more, with the text's own words when they add something."""
    words = time.get("text", "")
    if "date" in time:
        shown = _day(time["date"]) + (" (year not stated)" if time["date"].startswith("--") else "")
    elif "not_before" in time and "not_after" in time:
        shown = f"between {_day(time['not_before'])} and {_day(time['not_after'])}"
    elif "not_before" in time:
        shown = f"{_day(time['not_before'])} or later"
    elif "not_after" in time:
        shown = f"{_day(time['not_after'])} or earlier"
    else:
        return f"“{words}”" if words else "time not stated"
    return f"{shown} (“{words}”)" if words else shown


def events(entity: str | None = None, article: str | None = None) -> dict:
    """The events (of an entity, of an article, or all), dated ones in time order and undated ones apart."""
    index = search_index()
    base = settings().base_iri
    where, params = ["t.kind = 'event'"], []
    if entity:
        where.append("t.iri IN (SELECT subject FROM links WHERE object = ? AND relation IN ('hasParticipant', 'place'))")
        params.append(base + "entity/" + entity)
    if article:
        where.append("t.iri IN (SELECT subject FROM links WHERE object = ? AND relation = 'inArticle')")
        params.append(base + "article/" + article)
    rows = index.db.execute(f"SELECT * FROM things t WHERE {' AND '.join(where)} "
                            "ORDER BY sort_time IS NULL, sort_time, sort_name LIMIT ?", [*params, MAX_EVENTS]).fetchall()
    claims = {}
    for row in rows:
        claims[row["iri"]] = [r["object"] for r in index.db.execute(
            "SELECT object FROM links WHERE subject = ? AND relation = 'assertedBy' ORDER BY object", (row["iri"],))]
    claim_rows = {iri: index.thing(iri) for iri in {c for cs in claims.values() for c in cs}}
    speakers = index.names_of(sorted({json.loads(r["claim"]).get("who", "") for r in claim_rows.values() if r} - {""}))
    dated, undated = [], []
    for row in rows:
        time = json.loads(row["time"])
        according = []
        for claim in claims[row["iri"]]:
            found = claim_rows.get(claim)
            if found is None:
                continue
            said = json.loads(found["claim"])
            according.append({"claim": claim, "href": local_path(claim), "text": found["name"],
                              "certainty": said.get("certainty"), "who": said.get("who"),
                              "who_name": speakers.get(said.get("who", ""), said.get("who")),
                              "who_href": local_path(said["who"]) if said.get("who") else None})
        item = {"id": row["iri"], "href": local_path(row["iri"]), "name": row["name"], "when": when(time),
                "time": time, "according_to": according}
        (dated if row["sort_time"] else undated).append(item)
    return {"entity": entity, "article": article, "dated": dated, "undated": undated}


def entity_timeline(iri: str) -> dict | None:
    """For an entity's page: its events, or None for anything else (or a release without an index)."""
    base = settings().base_iri
    if not iri.startswith(base + "entity/"):
        return None
    try:
        found = events(entity=iri[len(base + "entity/"):])
    except ApiError:
        return None
    return found if found["dated"] or found["undated"] else None


def _slug(name: str) -> str | None:
    value = request.args.get(name, "").strip()
    if value and (len(value) > 300 or "/" in value or not value.replace("-", "").replace("_", "").isalnum()):
        raise ApiError(400, f"Bad {name}", f"{name} is the local name of an {name}, such as nicolas-maduro.")
    return value or None


@bp.route("/timeline", endpoint="timeline")
@bp.route("/timeline.json", endpoint="timeline_json")
def timeline() -> Response:
    as_json = request.endpoint == "find_timeline.timeline_json" or negotiate(
        request.headers.get("Accept"), ["text/html", "application/json"]) == "application/json"
    entity, article = _slug("entity"), _slug("article")
    index = search_index()
    base = settings().base_iri
    subject = None
    for kind, value in (("entity", entity), ("article", article)):
        if value:
            row = index.thing(f"{base}{kind}/{value}")
            if row is None:
                raise ApiError(404, f"No such {kind}", f"This dataset has no {kind} {value!r}.")
            subject = subject or {"kind": kind, "name": row["name"], "href": local_path(row["iri"])}
    found = events(entity, article)
    headers = {"Access-Control-Allow-Origin": "*", "Vary": "Accept", "Cache-Control": "public, max-age=300",
               "X-Newsfacts-Release": served().version}
    if as_json:
        return Response(json.dumps(found, ensure_ascii=False) + "\n", headers=headers,
                        content_type="application/json; charset=utf-8")
    entities = index.db.execute("SELECT iri, name FROM things WHERE kind = 'entity' AND iri IN (SELECT DISTINCT object "
                                "FROM links WHERE relation = 'hasParticipant') ORDER BY sort_name LIMIT 500").fetchall()
    articles = index.db.execute("SELECT iri, name FROM things WHERE kind = 'article' ORDER BY sort_name LIMIT 500").fetchall()
    body = render_template("find_timeline.html", t=found, subject=subject, entities=entities, articles=articles,
                           base=base)
    return Response(body, headers=headers, content_type="text/html; charset=utf-8")


@bp.app_template_global()
def find_entity_timeline(iri: str) -> dict | None:
    return entity_timeline(iri)
