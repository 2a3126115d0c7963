"""Memento (RFC 7089) for every thing and document: TimeGates, TimeMaps and the Link headers that tie them.

The pattern is RFC 7089 §4.2.1 (a separate TimeGate, 302 style): for a path ``P`` (``entity/iran`` or
``entity/iran.ttl``), the original resource is ``/P`` (the current release), its mementos are ``/release/<v>/P``
(one per kept release holding it, dated by the release's build time), its TimeGate is ``/timegate/P`` and its
TimeMap ``/timemap/P``. The original thus stays cacheable without ``Vary: accept-datetime`` and keeps its 303
to the document; it only gains ``Link`` headers to its TimeGate and TimeMap.
"""

from __future__ import annotations

import email.utils
import re
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from ... import changelog
from ..errors import ApiError, excerpt
from ..linked_data import paths

bp = Blueprint("memento", __name__)
LINK_FORMAT = "application/link-format"
#: rfc1123-date (RFC 7089 §2.1.1): two-digit day, English names, GMT; anything else is a 400.
HTTP_DATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                       r"\d{4} \d{2}:\d{2}:\d{2} GMT")


def archive():
    return current_app.extensions["newsfacts.archive"]


def public_base() -> str:
    return current_app.config["NEWSFACTS"].public_base


def stem_of(path: str) -> str:
    """The thing a path names (a document path without its format suffix)."""
    stem, _ = paths.split_suffix(path)
    return stem.rstrip("/") if stem.rstrip("/") == "ontology" else stem


def checked_path(path: str) -> str:
    """A path that may name a thing, or a 4xx."""
    if len(path) > 2000:
        raise ApiError(414, "URI Too Long", "Resource paths are at most 2,000 characters.")
    stem = stem_of(path)
    if not paths.is_thing_path(stem) or not paths.is_iri(paths.iri_of(stem, current_app.config["NEWSFACTS"].base_iri)):
        raise ApiError(404, "Not Found", f"/{excerpt(path, 200)} names no resource of this dataset, so it has no history.",
                       extra={"path": "/" + excerpt(path, 200)})
    return path


def urls(path: str) -> dict[str, str]:
    base, local = public_base(), quote(path)
    return {"original": base + local, "timegate": f"{base}timegate/{local}", "timemap": f"{base}timemap/{local}"}


def memento_url(version: str, path: str) -> str:
    return f"{public_base()}release/{version}/{quote(path)}"


def memento_links(path: str, mementos: list[changelog.Version], this: str | None = None) -> list[str]:
    """``first``/``last``/``prev``/``next`` memento links (those that differ from ``this``), each with its datetime."""
    if not mementos:
        return []
    names = [m.version for m in mementos]
    chosen: dict[str, list[str]] = {}
    chosen.setdefault(names[0], []).append("first")
    chosen.setdefault(names[-1], []).append("last")
    if this in names:
        index = names.index(this)
        if index > 0:
            chosen.setdefault(names[index - 1], []).append("prev")
        if index < len(names) - 1:
            chosen.setdefault(names[index + 1], []).append("next")
    by_name = {m.version: m for m in mementos}
    return [f'<{memento_url(name, path)}>; rel="{" ".join(rels)} memento"; datetime="{by_name[name].http_date}"'
            for name, rels in chosen.items() if name != this]


def memento_headers(path: str, version: changelog.Version, mementos: list[changelog.Version]) -> dict[str, str]:
    """What a memento answers with (RFC 7089 §4.2.1): its datetime, exactly one ``original``, its TimeGate and
    TimeMap, and its neighbours."""
    found = urls(path)
    links = [f'<{found["original"]}>; rel="original"', f'<{found["timegate"]}>; rel="timegate"',
             f'<{found["timemap"]}>; rel="timemap"; type="{LINK_FORMAT}"'] + memento_links(path, mementos, version.version)
    return {"Memento-Datetime": version.http_date, "Link": ", ".join(links)}


def original_links(path: str) -> str:
    found = urls(path)
    return f'<{found["timegate"]}>; rel="timegate", <{found["timemap"]}>; rel="timemap"; type="{LINK_FORMAT}"'


def requested_datetime(raw: str | None):
    """The ``Accept-Datetime`` asked for, None when absent; 400 when it is not an rfc1123-date."""
    if raw is None:
        return None
    text = raw.strip()
    try:
        if HTTP_DATE.fullmatch(text):
            return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        pass
    raise ApiError(400, "Bad Accept-Datetime", f"Accept-Datetime must be an HTTP date such as 'Wed, 30 May 2007 18:47:52 "
                   f"GMT' (RFC 7089 §2.1.1), not {excerpt(text, 60)!r}.")


def select(mementos: list[changelog.Version], wanted) -> changelog.Version:
    """The memento in force at ``wanted``: the last one built at or before it; the first for an earlier date, the
    latest when no date is asked for (RFC 7089 §4.5.3)."""
    if wanted is None:
        return mementos[-1]
    before = [m for m in mementos if m.moment <= wanted]
    return before[-1] if before else mementos[0]


@bp.route("/timegate/<path:path>", methods=["GET", "HEAD"])
def timegate(path: str) -> Response:
    path = checked_path(path)
    wanted = requested_datetime(request.headers.get("Accept-Datetime"))
    mementos = archive().mementos(stem_of(path))
    found = urls(path)
    if not mementos:
        raise ApiError(404, "No mementos", f"No kept release holds /{excerpt(path, 200)}.", headers={"Vary": "accept-datetime"})
    chosen = select(mementos, wanted)
    links = [f'<{found["original"]}>; rel="original"', f'<{found["timemap"]}>; rel="timemap"; type="{LINK_FORMAT}"']
    links += memento_links(path, mementos)
    return Response(f"Redirecting to the memento of {chosen.built_at}.\n", status=302, content_type="text/plain; charset=utf-8",
                    headers={"Location": memento_url(chosen.version, path), "Vary": "accept-datetime",
                             "Link": ", ".join(links), "Cache-Control": "public, max-age=300",
                             "Access-Control-Allow-Origin": "*"})


@bp.route("/timemap/<path:path>", methods=["GET", "HEAD"])
def timemap(path: str) -> Response:
    """Every kept version of a resource (RFC 7089 §5), oldest first, as link-format."""
    path = checked_path(path)
    mementos = archive().mementos(stem_of(path))
    if not mementos:
        raise ApiError(404, "No mementos", f"No kept release holds /{excerpt(path, 200)}.")
    found = urls(path)
    entries = [f'<{found["original"]}>; rel="original"',
               f'<{found["timemap"]}>; rel="self"; type="{LINK_FORMAT}"; from="{mementos[0].http_date}"; '
               f'until="{mementos[-1].http_date}"',
               f'<{found["timegate"]}>; rel="timegate"']
    for index, memento in enumerate(mementos):
        rel = " ".join(([] if index else ["first"]) + (["last"] if index == len(mementos) - 1 else []) + ["memento"])
        entries.append(f'<{memento_url(memento.version, path)}>; rel="{rel}"; datetime="{memento.http_date}"')
    return Response(",\n".join(entries) + "\n", content_type=LINK_FORMAT,
                    headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


@bp.after_app_request
def link_originals(response: Response) -> Response:
    """An original resource (a thing or its document in the current release) names its TimeGate and TimeMap."""
    if request.endpoint == "linked_data.thing" and response.status_code in (200, 303, 304):
        path = request.path.lstrip("/")
        existing = response.headers.get("Link")
        response.headers["Link"] = (existing + ", " if existing else "") + original_links(path)
    return response
