"""Routes for things and their documents.

A thing's IRI (no suffix) answers ``303 See Other`` to the document in the negotiated format
(``/entity/iran`` -> ``/entity/iran.ttl``); documents have a format suffix (.html .ttl .jsonld .nt .rdf),
list every alternative in ``Link`` headers, carry ETags, and allow any origin.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from ...config import Settings
from ..errors import ApiError, excerpt
from ..negotiation import negotiate
from . import describe, pages, paths, rdf_output, release_documents, stored_documents, ui_strings, vocabulary
from .cache import DocumentCache
from .claim_lists import whole_list_fragment

bp = Blueprint("linked_data", __name__, template_folder="templates")
NEGOTIATION_ORDER = ("ttl", "html", "jsonld", "nt", "rdf")  # ties (e.g. */*) go to Turtle
MAX_PAGE = 100_000
#: The only query parameters a document depends on; any other is ignored (no cache entry, no ETag change).
KNOWN_PARAMETERS = ("page",)
SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")


def settings() -> Settings:
    return current_app.config["NEWSFACTS"]


def documents() -> DocumentCache:
    """This process's cache of rendered documents (sized by ``document_cache_mb``)."""
    return current_app.extensions["newsfacts.documents"]


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


def nothing_named(iri: str) -> ApiError:
    return ApiError(404, "Not Found", f"Nothing in this dataset is named <{excerpt(iri, 200)}>. Try the dataset's landing "
                    "page, the example resources there, or a SPARQL query.", extra={"iri": excerpt(iri, 200)})


def see_other(stem: str) -> Response:
    """303 to the document in the negotiated format, keeping the known parameters (page); 404 for an IRI that
    names nothing, so a client is not sent on to a document that is missing."""
    iri = paths.iri_of(stem, settings().base_iri)
    current = served()
    # a thing with stored documents names something: the store (and its caches) need not be opened to know it
    if iri != paths.VOCABULARY_BASE + "ontology/" and not (
            release_documents.serves(current, iri, settings().base_iri)
            or stored_documents.find(current, settings().public_base, stem, "ttl", "", "gzip") is not None
            or describe.names_something(current.store, iri)):
        raise nothing_named(iri)
    chosen = negotiated_format(request.headers.get("Accept"))
    if chosen is None:
        raise not_acceptable()
    known = {name: request.args[name][:20] for name in KNOWN_PARAMETERS if name in request.args}
    location = f"/{quote(stem)}.{chosen.suffix}" + (f"?{urlencode(known)}" if known else "")
    response = Response(status=303, headers={"Location": location, "Vary": "Accept", "Link": alternates("/" + stem),
                                             "Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"})
    return response


def page_number() -> int:
    raw = request.args.get("page", "1")
    # ASCII digits only, and few of them: str.isdigit() takes "²", and int() refuses more than 4,300 digits.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_PAGE))) or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "Bad page number", f"page must be a whole number from 1 to {MAX_PAGE}, not {excerpt(raw, 40)!r}.")
    return int(raw)


def document_etag(version: str, stem: str, suffix: str, lang: str, page: int, public_base: str) -> str:
    """A document depends on these alone (the public base is configuration): the same for every client and host."""
    return hashlib.sha256("\n".join(map(str, (version, stem, suffix, lang, page, public_base))).encode()).hexdigest()[:32]


def document(stem: str, fmt: paths.DocFormat) -> Response:
    config = settings()
    current = served()
    iri = paths.iri_of(stem, config.base_iri)
    page = page_number()
    lang = pages.preferred_language(request.headers.get("Accept-Language")) if fmt.rdf_format is None else ""
    key = (current.version, stem, fmt.suffix, lang, page)
    etag = document_etag(*key, config.public_base)
    headers = {"ETag": f'"{etag}"', "Link": alternates("/" + stem), "Cache-Control": "public, max-age=300",
               "Access-Control-Allow-Origin": "*", "X-Newsfacts-Release": current.version,
               "Vary": "Accept-Language" if fmt.rdf_format is None else "Accept"}
    if page == 1:
        stored = stored_documents.find(current, config.public_base, stem, fmt.suffix, lang,
                                       request.headers.get("Accept-Encoding"))
        if stored is not None:
            return stored_documents.respond(stored, headers, fmt, lang)
    cached = documents().get(key)
    matched = request.if_none_match.contains(etag)
    # "If-None-Match: *" matches only a document that exists: one not held yet is made (or found missing) first.
    if matched and (cached is not None or not request.if_none_match.star_tag):
        return Response(status=304, headers=headers)
    if cached is not None:
        return Response(cached, headers={**headers, **({"Content-Language": lang} if lang else {})},
                        content_type=fmt.content_type)
    response = render_document(current, config, stem, iri, fmt, page, lang, headers)
    if response.status_code == 200:
        documents().put(key, response.get_data())
        if matched:
            return Response(status=304, headers=headers)
    return response


def describe_thing(current, config, iri: str, page: int):
    """What the document of ``iri`` holds (404 for an IRI that names nothing, or a page beyond the last)."""
    paging = describe.Paging.of(config)
    found = (release_documents.describe_release_document(current, iri, config.base_iri, config.public_base, page,
                                                         paging)
             or describe.describe(current.store, iri, page, paging))
    if not found.exists:
        raise nothing_named(iri)
    if page > found.pages:
        raise ApiError(404, "No such page", f"This description has {found.pages} page(s); there is no page {page}.",
                       extra={"pages": found.pages})
    return found


def render_document(current, config, stem, iri, fmt, page, lang, headers, found=None) -> Response:
    """The document in one format; ``found`` is its description when the caller has it already (the build renders
    every format of a thing from one description)."""
    if iri == paths.VOCABULARY_BASE + "ontology/":
        if page > 1:
            raise ApiError(404, "No such page", f"The ontology is one page; there is no page {page}.", extra={"pages": 1})
        return vocabulary.ontology_document(current, fmt, headers, lang, config.public_base + "context.jsonld")
    found = found or describe_thing(current, config, iri, page)
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
                               ui=ui_strings.strings(lang),
                               describe_query=f"DESCRIBE <{iri}>", version=current.version)
        return Response(body, headers={**headers, "Content-Language": lang}, content_type=fmt.content_type)
    document_url = f"{config.public_base}{quote(stem)}.{fmt.suffix}"
    triples = found.triples + vocabulary.document_links(document_url, iri, config.base_iri)
    # a list shown in part: its triple pattern fragment gives all of it, page by page
    triples += [ox.Triple(ox.NamedNode(document_url), SEE_ALSO,
                          ox.NamedNode(config.public_base + whole_list_fragment(key, iri))) for key, _ in found.previews]
    if fmt.suffix == "jsonld":
        body = rdf_output.compact_jsonld(triples, vocabulary.context(current), config.public_base + "context.jsonld")
    else:
        body = rdf_output.serialize(triples, fmt.rdf_format, dict(rdf_output.PREFIXES, nfe=config.base_iri + "entity/"))
    return Response(body, headers=headers, content_type=fmt.content_type)


@bp.app_context_processor
def _fixed_words() -> dict:
    """Every page's fixed words; a page in another language passes its own ``ui``."""
    return {"ui": ui_strings.strings("en")}


@bp.route("/<path:path>", methods=["GET", "HEAD"])
def thing(path: str) -> Response:
    if len(path) > 2000:
        raise ApiError(414, "URI Too Long", "Resource paths are at most 2,000 characters.")
    stem, fmt = paths.split_suffix(path)
    stem = stem.rstrip("/") if stem.rstrip("/") == "ontology" else stem
    if not paths.is_thing_path(stem):
        raise ApiError(404, "Not Found", f"There is no page at /{excerpt(path, 200)}. The dataset's landing page lists "
                       "what is here.", extra={"path": "/" + excerpt(path, 200)})
    iri = paths.iri_of(stem, settings().base_iri)
    if not paths.is_iri(iri):  # e.g. /entity/a%25 ("a%") or /entity/%EF%BF%BD (U+FFFD): no IRI, so it names nothing
        raise nothing_named(iri)
    if fmt is None:
        return see_other(stem)
    return document(stem, fmt)
