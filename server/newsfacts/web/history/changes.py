"""What changed: every release of the history (``/history``), a release's change set (``/release/<v>/changes``
as HTML, its N-Quads files and summary), and one resource's history (``/history/<path>``: the releases in
which its description changed, kept or pruned)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, redirect, render_template, send_file

from ... import changelog, history
from ..errors import ApiError, excerpt
from ..linked_data import describe, paths, release_documents
from . import memento

bp = Blueprint("changes", __name__, template_folder="templates")
SAFE_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
#: The files of a change set and their media types (the N-Quads files are gzipped, like the dumps).
FILES = {history.ADDED: "application/gzip", history.REMOVED: "application/gzip", history.VERSIONS: "application/gzip",
         history.SUMMARY: "application/json"}
IMMUTABLE = "public, max-age=31536000, immutable"
#: Most items of one kind a change page lists (the rest are in summary.json).
LIST_LIMIT = 500


def change_set(version: str):
    if not SAFE_VERSION.fullmatch(version):
        raise ApiError(404, "No such release", f"{excerpt(version, 80)!r} is not a release name.")
    found = memento.archive().version(version)
    if found.changes is None:
        raise ApiError(404, "No change set", f"Release {version} was built before change sets were recorded.")
    return found


@bp.route("/history")
def all_releases() -> Response:
    rows = [{"v": v, "summary": history_summary(v)} for v in reversed(memento.archive().versions())]
    return Response(render_template("history_index.html", rows=rows), content_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=60"})


def history_summary(version) -> dict | None:
    return changelog.summary(version.changes) if version.changes else None


@bp.route("/release/<version>/changes")
def release_changes(version: str) -> Response:
    archive = memento.archive()
    found = change_set(version)
    summary = history_summary(found)
    base = current_app.config["NEWSFACTS"].base_iri

    previous = archive.find(summary["previous"]) if summary.get("previous") else None

    def link(iri: str) -> dict:
        """A resource as it was in this release; one deleted here, as it was in the previous release (if kept)."""
        local = paths.document_path(iri, base)
        shown = previous if summary["resources"].get(iri) == "deleted" else found
        return {"iri": iri, "href": f"/release/{shown.version}{local}" if local and shown and shown.kept else None}

    resources = summary["resources"]
    body = render_template("history_changes.html", v=found, s=summary, link=link, files=list(FILES), limit=LIST_LIMIT,
                           created=sum(1 for s in resources.values() if s == "created"),
                           updated=sum(1 for s in resources.values() if s == "updated"),
                           deleted=sum(1 for s in resources.values() if s == "deleted"))
    return Response(body, content_type="text/html; charset=utf-8", headers={"Cache-Control": IMMUTABLE})


@bp.route("/release/<version>/changes/<name>", methods=["GET", "HEAD"])
def change_file(version: str, name: str) -> Response:
    found = change_set(version)
    if name not in FILES:
        raise ApiError(404, "No such file", f"A change set holds {', '.join(FILES)}; not {excerpt(name, 80)!r}.")
    response = send_file(found.changes / name, mimetype=FILES[name], conditional=True, etag=True)
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/history/<path:path>")
def resource_history(path: str) -> Response:
    """The releases in which a resource's description (its own statements) changed, newest first."""
    path = memento.checked_path(path)
    stem = memento.stem_of(path)
    base_iri = current_app.config["NEWSFACTS"].base_iri
    iri = paths.iri_of(stem, base_iri)
    current = current_app.extensions["newsfacts.releases"].current()
    if release_documents.serves(current, iri, base_iri):
        # the dataset, its validation report and its graphs are described anew by every release: their history
        # is the list of releases
        return redirect("/history", code=303)
    archive = memento.archive()
    rows = []
    for v in archive.versions():
        summary = history_summary(v)
        status = summary["resources"].get(iri) if summary else None
        if status:
            rows.append({"v": v, "status": status, "memento": f"/release/{v.version}/{stem}.html"
                         if v.kept and status != "deleted" else None})
    if not rows and not (stem == "ontology" or describe.names_something(current.store, iri)):
        raise ApiError(404, "No history", f"No release recorded a change to <{excerpt(iri, 200)}>, and the current "
                       "release does not name it.")
    body = render_template("history_resource.html", iri=iri, stem=stem, rows=list(reversed(rows)))
    return Response(body, content_type="text/html; charset=utf-8", headers={"Cache-Control": "public, max-age=300"})
