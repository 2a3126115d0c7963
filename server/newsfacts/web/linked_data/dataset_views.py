"""The dataset: landing page, VoID, the JSON-LD context, the dumps page and the dump files."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, send_file

from ...config import PROJECT_ROOT
from ..errors import ApiError, excerpt
from .entry_points import article_entry_points
from .views import served, settings
from .vocabulary import context

bp = Blueprint("dataset", __name__, template_folder="templates")
QUERIES = Path(__file__).resolve().parents[2] / "queries"
#: A release version or dump file name: one path segment, no leading dot, of a length every file system takes.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
#: A versioned dump never changes; a "latest" URL changes with each release.
IMMUTABLE = "public, max-age=31536000, immutable"
LATEST_MAX_AGE_S = 300
DUMP_LABELS = {"nq.gz": "N-Quads (named graphs)", "trig.gz": "TriG (named graphs)", "ttl.gz": "Turtle (union)",
               "jsonld.gz": "JSON-LD (named graphs)", "sssom.tsv": "SSSOM links to Wikidata"}


EXAMPLES = ("entity/iran", "entity/nicolas-maduro", "entity/infobae", "claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2",
            "article/iran-venezuela-drone-facility", "ontology", "concept/certainty")


def _exists(current, iri: str) -> bool:
    if iri.endswith("/ontology"):
        return True
    return bool(current.store.query(f"ASK {{ <{iri}> ?p ?o }}", use_default_graph_as_union=True))


def example_queries() -> list[dict]:
    found = []
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        head = dict(line[2:].split(": ", 1) for line in text.splitlines()[:2] if line.startswith("# ") and ": " in line)
        found.append({"name": path.stem, "title": head.get("title", path.stem), "description": head.get("description", ""),
                      "text": text})
    return found


def dumps_of(current) -> list[dict]:
    rows = []
    for dump in current.manifest.get("dumps", []):
        kind = dump["name"].split(".", 1)[1]
        rows.append(dict(dump, label=DUMP_LABELS.get(kind, kind), url=f"/dumps/{current.version}/{dump['name']}",
                         latest=f"/dumps/latest/{latest_name(dump['name'], current.version)}"))
    return rows


def latest_name(name: str, version: str) -> str:
    return name.replace(f"-{version}.", "-latest.", 1)


@bp.route("/")
def landing() -> Response:
    current = served()
    manifest = current.manifest
    base = settings().base_iri
    examples = [{"iri": base + path, "href": f"/{path}.html"} for path in EXAMPLES if _exists(current, base + path)]
    articles = article_entry_points(current.store, base, manifest.get("articles", []))
    body = render_template("ld_landing.html", manifest=manifest, version=current.version, dumps=dumps_of(current),
                           examples=examples, articles=articles, queries=example_queries(), license=settings().license,
                           readme=(PROJECT_ROOT / "README.md").is_file())
    return Response(body, headers={"X-Newsfacts-Release": current.version, "Cache-Control": "public, max-age=60",
                                   "Link": f'<{settings().public_base}dataset>; rel="describedby"'},
                    content_type="text/html; charset=utf-8")


@bp.route("/.well-known/void")
def well_known_void() -> Response:
    return redirect("/dataset", code=303)


@bp.route("/context.jsonld")
def jsonld_context() -> Response:
    """The context of the served release, with an ETag and Last-Modified (the release's build time), so a client
    revalidates and gets 304 like for any other document."""
    current = served()
    body = json.dumps(context(current), indent=1) + "\n"
    response = Response(body, content_type="application/ld+json; charset=utf-8",
                        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=3600",
                                 "X-Newsfacts-Release": current.version})
    response.set_etag(hashlib.sha256(body.encode("utf-8")).hexdigest()[:32])
    built_at = current.manifest.get("built_at")
    if built_at:
        response.last_modified = datetime.fromisoformat(built_at.replace("Z", "+00:00"))
    return response.make_conditional(request)


@bp.route("/dumps")
def dumps_page() -> Response:
    current = served()
    body = render_template("ld_dumps.html", dumps=dumps_of(current), version=current.version,
                           built_at=current.manifest.get("built_at"))
    return Response(body, content_type="text/html; charset=utf-8")


@bp.route("/dumps/<version>/<name>", methods=["GET", "HEAD"])
def dump_file(version: str, name: str) -> Response:
    current = served()
    releases = Path(current_app.config["NEWSFACTS"].releases_dir)
    latest = version == "latest"
    if latest:
        version, name = current.version, name.replace("-latest.", f"-{current.version}.", 1)
    folder = releases / version / "dumps"
    if not (SAFE_NAME.fullmatch(name) and SAFE_NAME.fullmatch(version) and _is_file(folder / name)):
        raise ApiError(404, "No such dump", f"There is no dump {excerpt(name, 100)!r} in release {excerpt(version, 100)!r}; "
                       "the dumps page lists them.", extra={"dumps": "/dumps"})
    response = send_file(folder / name, conditional=True, etag=True, max_age=3600,
                         mimetype="application/gzip" if name.endswith(".gz") else "text/tab-separated-values")
    response.headers["Cache-Control"] = f"public, max-age={LATEST_MAX_AGE_S}" if latest else IMMUTABLE
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Accept-Ranges"] = "bytes"
    return response


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a name the file system refuses: it names no dump
        return False


def query_link(text: str) -> str:
    from urllib.parse import urlencode

    return "/sparql?" + urlencode({"query": text})


@bp.app_template_global()
def sparql_link(text: str) -> str:
    return query_link(text)


CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


@bp.before_app_request
def _no_control_characters_in_paths():
    if CONTROL_CHARACTERS.search(request.path):
        raise ApiError(400, "Bad request path", "A request path may not contain line breaks or other control characters.")


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every document, data documents included; there is none."""
    return Response(status=204, headers={"Cache-Control": "public, max-age=86400"})
