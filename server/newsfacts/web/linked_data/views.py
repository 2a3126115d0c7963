"""Routes for things and their documents.

A thing's IRI (no suffix) answers ``303 See Other`` to the document in the negotiated format
(``/entity/iran`` -> ``/entity/iran.ttl``); documents have a format suffix (.html .ttl .jsonld .nt .rdf),
list every alternative in ``Link`` headers, carry ETags, and allow any origin.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request

from ...config import Settings
from ..errors import ApiError
from ..negotiation import negotiate
from . import describe, pages, paths, rdf_output, release_documents, vocabulary
from .cache import DocumentCache

bp = Blueprint("linked_data", __name__, template_folder="templates")
NEGOTIATION_ORDER = ("ttl", "html", "jsonld", "nt", "rdf")  # ties (e.g. */*) go to Turtle
MAX_PAGE = 100_000
DOCUMENTS = DocumentCache()
NOT_IN_IRIS = re.compile(r'[<>"{}|^`\\\s]')  # characters an IRI cannot hold: such a path names nothing here


def settings() -> Settings:
    return current_app.config["NEWSFACTS"]


def served():
    return current_app.extensions["newsfacts.releases"].current()


def alternates(stem: str) -> str:
    return ", ".join(f'<{quote(stem)}.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in paths.FORMATS)


def negotiated_format(accept: str | None) -> paths.DocFormat | None:
    available = [paths.BY_SUFFIX[s].media_type for s in NEGOTIATION_ORDER]
    accept = accept or "*/*"
    for alias, media_type in paths.ALIASES.items():
        accept = accept.replace(alias, media_type)
    chosen = negotiate(accept, available)
    return paths.BY_MEDIA_TYPE[chosen] if chosen else None


def not_acceptable() -> ApiError:
    available = [f.media_type for f in paths.FORMATS]
    return ApiError(406, "Not Acceptable", "This resource is available as " + ", ".join(available) + ".",
                    extra={"available": available})


def see_other(stem: str) -> Response:
    chosen = negotiated_format(request.headers.get("Accept"))
    if chosen is None:
        raise not_acceptable()
    location = f"/{quote(stem)}.{chosen.suffix}" + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
    response = Response(status=303, headers={"Location": location, "Vary": "Accept", "Link": alternates("/" + stem),
                                             "Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"})
    return response


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "Bad page number", f"page must be a whole number from 1 to {MAX_PAGE}, not {raw[:40]!r}.")
    return int(raw)


def document(stem: str, fmt: paths.DocFormat) -> Response:
    config = settings()
    current = served()
    iri = paths.iri_of(stem, config.base_iri)
    page = page_number()
    lang = pages.preferred_language(request.headers.get("Accept-Language")) if fmt.rdf_format is None else ""
    etag = hashlib.sha256(f"{current.version}\n{request.full_path}\n{fmt.suffix}\n{lang}".encode()).hexdigest()[:32]
    headers = {"ETag": f'"{etag}"', "Link": alternates("/" + stem), "Cache-Control": "public, max-age=300",
               "Access-Control-Allow-Origin": "*", "X-Newsfacts-Release": current.version,
               "Vary": "Accept-Language" if fmt.rdf_format is None else "Accept"}
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    key = (current.version, request.host_url, request.full_path, fmt.suffix, lang)
    cached = DOCUMENTS.get(key)
    if cached is not None:
        return Response(cached, headers={**headers, **({"Content-Language": lang} if lang else {})},
                        content_type=fmt.content_type)
    response = render_document(current, config, stem, iri, fmt, page, lang, headers)
    if response.status_code == 200:
        DOCUMENTS.put(key, response.get_data())
    return response


def render_document(current, config, stem, iri, fmt, page, lang, headers) -> Response:
    if iri == paths.VOCABULARY_BASE + "ontology/":
        return vocabulary.ontology_document(current, fmt, headers, lang)
    found = None if NOT_IN_IRIS.search(iri) else (
        release_documents.describe_release_document(current, iri, config.base_iri, config.public_base, page,
                                                    config.page_size)
        or describe.describe(current.store, iri, page, config.page_size))
    if found is None or not found.exists:
        raise ApiError(404, "Not Found", f"Nothing in this dataset is named <{iri}>. Try the dataset's landing page, "
                       "the example resources there, or a SPARQL query.", extra={"iri": iri})
    if fmt.rdf_format is None and iri == f"{config.base_iri}validation-report":
        report = release_documents.report_page_model(found.own, iri)
        for row in report["results"]:
            row.update(focus_href=paths.document_path(row["focus"], config.base_iri),
                       focus_label=row["focus"][len(config.base_iri):] if row["focus"].startswith(config.base_iri)
                       else row["focus"], path_short=pages._compact(row["path"]))
        body = render_template("ld_report.html", r=report, stem=stem, formats=paths.FORMATS, version=current.version)
        return Response(body, headers={**headers, "Content-Language": "en"}, content_type=fmt.content_type)
    if fmt.rdf_format is None:
        model = pages.page_model(found, lang, config.base_iri, config.public_base)
        body = render_template("ld_resource.html", m=model, stem=stem, formats=paths.FORMATS, lang=lang,
                               describe_query=f"DESCRIBE <{iri}>", version=current.version)
        return Response(body, headers={**headers, "Content-Language": lang}, content_type=fmt.content_type)
    triples = found.triples + vocabulary.document_links(request.base_url, iri, config.base_iri)
    if fmt.suffix == "jsonld":
        body = rdf_output.compact_jsonld(triples, vocabulary.context(current), request.host_url + "context.jsonld")
    else:
        body = rdf_output.serialize(triples, fmt.rdf_format, dict(rdf_output.PREFIXES, nfe=config.base_iri + "entity/"))
    return Response(body, headers=headers, content_type=fmt.content_type)


@bp.route("/<path:path>", methods=["GET", "HEAD"])
def thing(path: str) -> Response:
    if len(path) > 2000:
        raise ApiError(414, "URI Too Long", "Resource paths are at most 2,000 characters.")
    stem, fmt = paths.split_suffix(path)
    stem = stem.rstrip("/") if stem.rstrip("/") == "ontology" else stem
    if not paths.is_thing_path(stem):
        raise ApiError(404, "Not Found", f"There is no page at /{path[:200]}. The dataset's landing page lists what is "
                       "here.", extra={"path": "/" + path[:200]})
    if fmt is None:
        return see_other(stem)
    return document(stem, fmt)
