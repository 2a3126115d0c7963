"""Documents as they were in a kept release: ``/release/<version>/<path>``, every kind and format.

The documents are rendered by the linked-data views from that release's own store, so they are what the release
served. A release never changes, so neither do they: ``Cache-Control: immutable``, and ``Memento-Datetime`` is
the release's build time. Links in an HTML page to other things stay within the release.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, request
from markupsafe import escape

from ..errors import ApiError, excerpt
from ..linked_data import pages, paths, views, vocabulary
from . import memento
from .changes import SAFE_VERSION

bp = Blueprint("versioned", __name__)
IMMUTABLE = "public, max-age=31536000, immutable"
#: Links in a page to things of the dataset (what stays within the release): a root ending in "/" is a folder of
#: things, any other names one thing (with its document suffix, query or fragment after it).
LOCAL_HREF = re.compile('href="/(?=' + "|".join(
    re.escape(root) if root.endswith("/") else re.escape(root) + '[/."?#]'
    for root in paths.DATA_ROOTS + paths.VOCABULARY_ROOTS + ("ontology",)) + ")")


def alternates(prefix: str, stem: str) -> str:
    return ", ".join(f'<{prefix}{quote(stem)}.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in paths.FORMATS)


@bp.route("/release/<version>/<path:path>", methods=["GET", "HEAD"])
def versioned_thing(version: str, path: str) -> Response:
    if not SAFE_VERSION.fullmatch(version):
        raise ApiError(404, "No such release", f"{excerpt(version, 80)!r} is not a release name.")
    path = memento.checked_path(path)
    stem, fmt = paths.split_suffix(path)
    stem = memento.stem_of(path)
    archive = memento.archive()
    served = archive.served(version)
    config = current_app.config["NEWSFACTS"]
    iri = paths.iri_of(stem, config.base_iri)
    if not archive.holds(version, iri):
        raise views.nothing_named(iri)
    mementos = archive.mementos(stem)
    this = archive.version(version)
    prefix = f"/release/{version}/"
    headers = {**memento.memento_headers(path, this, mementos), "Cache-Control": IMMUTABLE,
               "Access-Control-Allow-Origin": "*", "X-Newsfacts-Release": version}
    headers["Link"] += ", " + alternates(prefix, stem)
    if fmt is None:
        chosen = views.negotiated_format(request.headers.get("Accept"))
        if chosen is None:
            raise views.not_acceptable()
        known = {name: request.args[name][:20] for name in views.KNOWN_PARAMETERS if name in request.args}
        location = f"{prefix}{quote(stem)}.{chosen.suffix}" + (f"?{urlencode(known)}" if known else "")
        return Response(f"See {location}\n", status=303, content_type="text/plain; charset=utf-8",
                        headers={**headers, "Location": location, "Vary": "Accept"})
    return document(served, this, stem, iri, fmt, headers)


def document(served, this, stem: str, iri: str, fmt: paths.DocFormat, headers: dict) -> Response:
    config = current_app.config["NEWSFACTS"]
    page = views.page_number()
    lang = pages.preferred_language(request.headers.get("Accept-Language")) if fmt.rdf_format is None else ""
    key = ("release", served.version, stem, fmt.suffix, lang, page)
    etag = hashlib.sha256("\n".join(map(str, (*key, config.public_base))).encode()).hexdigest()[:32]
    headers = {**headers, "ETag": f'"{etag}"', "Vary": "Accept-Language" if fmt.rdf_format is None else "Accept"}
    if request.if_none_match.contains(etag) and not request.if_none_match.star_tag:
        return Response(status=304, headers=headers)
    body = views.documents().get(key)
    if body is None:
        rendered = views.render_document(served, config, f"release/{served.version}/{stem}", iri, fmt, page, lang, {})
        body = rendered.get_data()
        if fmt.rdf_format is None:
            body = within_release(body.decode("utf-8"), this, stem).encode("utf-8")
        elif fmt.suffix == "jsonld":  # compacted with the release's own context, so it must name that one
            current_context = json.dumps(config.public_base + "context.jsonld").encode("utf-8")
            body = body.replace(current_context, json.dumps(f"{config.public_base}release/{served.version}/context.jsonld")
                                .encode("utf-8"), 1)
        views.documents().put(key, body)
    if lang:
        headers["Content-Language"] = lang
    return Response(body, headers=headers, content_type=fmt.content_type)


@bp.route("/release/<version>/context.jsonld", methods=["GET", "HEAD"])
def release_context(version: str) -> Response:
    """The JSON-LD context of a kept release (its vocabulary may differ from the current one)."""
    if not SAFE_VERSION.fullmatch(version):
        raise ApiError(404, "No such release", f"{excerpt(version, 80)!r} is not a release name.")
    served = memento.archive().served(version)
    return Response(json.dumps(vocabulary.context(served), indent=1) + "\n", content_type="application/ld+json; charset=utf-8",
                    headers={"Cache-Control": IMMUTABLE, "Access-Control-Allow-Origin": "*", "X-Newsfacts-Release": version})


def within_release(html: str, this, stem: str) -> str:
    """An HTML page of a past release: its links to things stay in the release, and a note says which it is."""
    html = LOCAL_HREF.sub(f'href="/release/{this.version}/', html)
    note = (f'<aside class="memento"><p>As published in release <strong>{escape(this.version)}</strong> '
            f'({escape(this.built_at)}). <a href="/{escape(quote(stem))}.html">The current version</a> · '
            f'<a href="/history/{escape(quote(stem))}">its history</a> · '
            f'<a href="/release/{escape(this.version)}/changes">what changed in this release</a></p></aside>')
    return html.replace("<main>", "<main>" + note, 1)

