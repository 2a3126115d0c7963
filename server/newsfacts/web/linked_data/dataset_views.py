"""The dataset: landing page, VoID, the JSON-LD context, the dumps page and the dump files."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, send_file

from ...config import PROJECT_ROOT
from ..errors import ApiError
from .views import served, settings
from .vocabulary import context

bp = Blueprint("dataset", __name__, template_folder="templates")
QUERIES = Path(__file__).resolve().parents[2] / "queries"
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
    articles = [{"id": a, "href": f"/article/{a}.html"} for a in manifest.get("articles", [])]
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
    body = json.dumps(context(served()), indent=1) + "\n"
    return Response(body, content_type="application/ld+json; charset=utf-8",
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=3600"})


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
    if version == "latest":
        version, name = current.version, name.replace("-latest.", f"-{current.version}.", 1)
    folder = releases / version / "dumps"
    if "/" in name or name.startswith(".") or "/" in version or version.startswith(".") or not (folder / name).is_file():
        raise ApiError(404, "No such dump", f"There is no dump {name[:200]!r} in release {version[:100]!r}; the dumps "
                       "page lists them.", extra={"dumps": "/dumps"})
    response = send_file(folder / name, conditional=True, etag=True, max_age=3600,
                         mimetype="application/gzip" if name.endswith(".gz") else "text/tab-separated-values")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Accept-Ranges"] = "bytes"
    return response


def query_link(text: str) -> str:
    from urllib.parse import urlencode

    return "/sparql?" + urlencode({"query": text})


@bp.app_template_global()
def sparql_link(text: str) -> str:
    return query_link(text)


@bp.before_app_request
def _no_control_characters_in_paths():
    if any(ord(c) < 32 or ord(c) == 127 for c in request.path):
        raise ApiError(400, "Bad request path", "A request path may not contain line breaks or other control characters.")


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every document, data documents included; there is none."""
    return Response(status=204, headers={"Cache-Control": "public, max-age=86400"})
