"""The routes: /sparql (queries, service description, query page) and /sparql/graph (Graph Store Protocol, read).

A query goes: protocol (read the request) -> guard (lexical refusals) ->
dataset (which graphs) -> format (Accept / format=) -> a worker process
(executor) -> the response, with the row-cap headers. Every refusal is an
ApiError, shown inline on the query page for browsers.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Set as AbstractSet
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request

from ...config import Settings
from ...release import Release
from ..errors import ApiError, excerpt
from ..hardening import preflight
from ..negotiation import negotiate
from . import bounded, executor, formats, graph_store, guard, page, protocol, service_description, worker
from .dataset_graphs import graphs_of, prefixes_for
from .query_prefixes import predeclared
from .results import graph_bytes

bp = Blueprint("sparql", __name__, template_folder="templates", static_folder="static", static_url_path="/sparql/static")

CORS_EXPOSED = "X-Newsfacts-Truncated, X-SPARQL-MaxRows, X-Newsfacts-Rows, X-Newsfacts-Release, Retry-After, ETag"
BUSY_RETRY_AFTER_S = "2"
EVERY_TYPE = (*[f.media_type for f in formats.RESULT_FORMATS + formats.GRAPH_FORMATS], formats.HTML)


def endpoint_url(settings: Settings) -> str:
    """The endpoint's absolute URL, from configuration (never from the request's Host)."""
    return settings.public_base + "sparql"


def _settings() -> Settings:
    return current_app.config["NEWSFACTS"]


def _served():
    return current_app.extensions["newsfacts.releases"].current()


#: What every answer of this blueprint carries (after_request below; plain_queries adds them too).
CORS_HEADERS = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", CORS_EXPOSED))


@bp.after_request
def cors(response: Response) -> Response:
    for name, value in CORS_HEADERS:
        response.headers[name] = value
    return response


def _preflight() -> Response:
    return preflight()


@bp.route("/sparql/", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False, endpoint="endpoint")
@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False, endpoint="endpoint")
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    settings = _settings()
    parsed = protocol.parse(request, settings)
    if parsed.query is None:
        return _no_query(settings, parsed.format)
    accept = request.headers.get("Accept")
    wants_html = wants_page(parsed.format, accept)
    try:
        return answer(current_app._get_current_object(), settings, parsed, accept, wants_html)
    except ApiError as error:
        if not wants_html:
            raise
        served = _served()
        return page.render(settings, served.version, graphs_of(served), query=parsed.query, error=error)


def wants_page(format_param: str | None, accept: str | None) -> bool:
    """Whether the answer is the query page (HTML) rather than results."""
    if format_param is not None:
        return format_param.strip().lower() in ("html", formats.HTML)
    return formats.negotiated(accept, EVERY_TYPE) == formats.HTML


def answer(app: Flask, settings: Settings, parsed: protocol.QueryRequest, accept: str | None, wants_html: bool) -> Response:
    """The answer to a query: results in the chosen format, or the query page with them (``wants_html``; that needs a
    request context)."""
    if wants_html:
        served, graphs, info, job = _prepared(app, settings, parsed, None, wants_html=True)
        started = time.monotonic()
        header, body = _evaluate(app, settings, served, job, info)
        elapsed = time.monotonic() - started
        table = page.table_from(body, header["kind"], settings, info.prefixes)
        return page.render(settings, served.version, graphs, query=parsed.query, table=table, elapsed_s=elapsed,
                           dataset_params=_dataset_params(parsed))
    content_type, headers, body = results(app, settings, parsed, accept)
    response = Response(body, status=200, content_type=content_type)
    for name, value in headers:
        response.headers[name] = value
    return response


def results(app: Flask, settings: Settings, parsed: protocol.QueryRequest,
            accept: str | None) -> tuple[str, list[tuple[str, str]], bytes]:
    """The results of a query in the format the request chose: content type, the other headers, body. Uses no
    request global, so that ``plain_queries`` answers with it outside Flask's routing; raises ApiError."""
    served, _, info, job = _prepared(app, settings, parsed, accept, wants_html=False)
    header, body = _evaluate(app, settings, served, job, info)
    produced = formats.BY_NAME[header["format"]]
    headers = [("X-Newsfacts-Truncated", "true" if header["truncated"] else "false"),
               ("X-Newsfacts-Rows", str(header["rows"])), ("X-Newsfacts-Release", served.version)]
    if header["truncated"]:
        headers.append(("X-SPARQL-MaxRows", str(settings.max_rows)))
    if parsed.format is None:
        headers.append(("Vary", "Accept"))
    else:
        headers.append(("Content-Disposition", f'inline; filename="query-results.{produced.extension}"'))
    return produced.content_type, headers, body


def _prepared(app: Flask, settings: Settings, parsed: protocol.QueryRequest, accept: str | None, wants_html: bool):
    """The guard's refusals, the dataset's, the format's (406), in that order; then the served release, its graphs,
    what the guard learnt and the worker's job."""
    served = app.extensions["newsfacts.releases"].current()
    graphs = graphs_of(served)
    known_prefixes = _predeclared(settings.base_iri)
    info = guard.check(parsed.query, max_depth=settings.max_query_depth, graphs=graphs.keys(), base_iri=settings.base_iri,
                       max_operators=settings.max_query_operators,
                       max_triple_patterns=settings.max_query_triple_patterns, max_variables=settings.max_query_variables,
                       known_prefixes=known_prefixes)
    dataset = _dataset(parsed, info, graphs.keys())  # the graph names as a set, without a copy
    kind = formats.kind_of(info.form)
    chosen = formats.HTML if wants_html else formats.choose(kind, accept, parsed.format)
    job = {
        "store": _store_text(served.release.path),
        "query": parsed.query,
        "base_iri": settings.base_iri,
        "query_prefixes": known_prefixes,
        "uses_query_prefixes": info.uses_undeclared_prefix,
        "dataset": dataset,
        "format": "table" if chosen == formats.HTML else chosen.name,
        "max_rows": min(settings.max_rows, page.HTML_ROWS) if chosen == formats.HTML else settings.max_rows,
        "limits_url": endpoint_url(settings) + "#limits",
        # prefixes serve only the RDF formats of graph results (solutions are written with full IRIs)
        "prefixes": prefixes_for(settings.base_iri, info.prefixes) if kind == "graph" else None,
    }
    return served, graphs, info, job


@functools.lru_cache(maxsize=4)
def _predeclared(base_iri: str) -> dict[str, str]:
    """predeclared(), made once per base IRI: it is only read (copied by the guard, sent to the worker)."""
    return predeclared(base_iri)


@functools.lru_cache(maxsize=4)
def _store_text(release_path: Path) -> str:
    return str(Release(release_path).store_path)


def _dataset(parsed: protocol.QueryRequest, info: guard.QueryInfo, graphs: AbstractSet[str]) -> dict:
    """The RDF dataset of the query: protocol parameters win over FROM; neither: the union default graph."""
    if parsed.has_protocol_dataset:
        for name in parsed.default_graphs or []:
            guard.check_graph(name, graphs, "default-graph-uri")
        for name in parsed.named_graphs or []:
            guard.check_graph(name, graphs, "named-graph-uri")
        return {"default": parsed.default_graphs or [], "named": parsed.named_graphs or []}
    if info.has_dataset_clause:
        return {}
    return {"union": True}


def _dataset_params(parsed: protocol.QueryRequest) -> list[tuple[str, str]]:
    return ([("default-graph-uri", g) for g in parsed.default_graphs or []]
            + [("named-graph-uri", g) for g in parsed.named_graphs or []])


def _evaluate(app: Flask, settings: Settings, served, job: dict, info: guard.QueryInfo) -> tuple[dict, bytes]:
    # A remote store evaluates, and stops at its own time limit (e.g. `oxigraph serve --timeout-s`); this process
    # waits at most query_timeout_s for it. Guard, dataset checks and the row cap apply as here. A look-up of one
    # resource's statements is evaluated here too, as its document is read (bounded.py).
    if settings.store != "embedded" or (settings.lookups_in_web == "yes" and bounded.reads_one_resource(info, settings.max_rows)):
        header, body = worker.evaluate(served.store, job)
    else:
        header, body = _evaluate_in_worker(app, settings, job)
    if header.get("ok"):
        return header, body
    return _failed(settings, header)


def _evaluate_in_worker(app: Flask, settings: Settings, job: dict) -> tuple[dict, bytes]:
    pool = executor.pool_for(app, settings.query_workers, settings.query_spare_timeout_s > 0,
                             settings.query_memory_mb)
    try:
        header, body = pool.run(job, settings.query_timeout_s, settings.query_spare_timeout_s)
    except executor.PoolBusy:
        raise ApiError(503, "Busy", f"All {settings.query_workers} query workers (and the spare) are busy with other "
                       "queries; try again in a moment.", headers={"Retry-After": BUSY_RETRY_AFTER_S}) from None
    except executor.QueryTimeout as stopped:
        if stopped.spare:
            raise ApiError(503, "Busy: query stopped", f"All {settings.query_workers} query workers were busy, so this "
                           f"query ran on the spare worker, which allows {stopped.seconds:g} s; it needed longer and was "
                           "stopped. Try again in a moment.", headers={"Retry-After": BUSY_RETRY_AFTER_S},
                           extra={"timeout_s": stopped.seconds}) from None
        raise ApiError(503, "Query timeout", f"The query ran longer than {stopped.seconds:g} s and was stopped. Make it "
                       "more selective (more specific patterns, LIMIT), or download a dump and query it locally.",
                       extra={"timeout_s": stopped.seconds}) from None
    except executor.WorkerCrashed as crashed:
        if crashed.out_of_memory:
            raise _memory_error(settings) from None
        raise ApiError(500, "Query crashed", f"The query engine failed while evaluating this query ({crashed}). The "
                       "server and other queries are not affected; a simpler query may work.") from None
    except executor.WorkerUnavailable as unavailable:
        raise ApiError(503, "No query worker", f"No query worker could be started ({unavailable}); try again later.",
                       headers={"Retry-After": "10"}) from None
    return header, body


def _failed(settings: Settings, header: dict) -> tuple[dict, bytes]:
    message = header.get("message", "")
    if header.get("error") == "syntax":
        position = re.match(r"error at (\d+):(\d+)", message)
        extra = {"line": int(position.group(1)), "column": int(position.group(2))} if position else {}
        raise ApiError(400, "Query syntax error", excerpt(message, 500), extra=extra)
    if header.get("error") == "memory":
        raise _memory_error(settings)
    if header.get("error") == "store":
        raise ApiError(503, "Release unavailable", message, headers={"Retry-After": "5"})
    raise ApiError(500, "Query failed", f"The query could not be evaluated: {message}")


def _memory_error(settings: Settings) -> ApiError:
    return ApiError(503, "Query memory limit", f"The query needed more than the {settings.query_memory_mb} MB of memory a "
                    "query may use and was stopped. Make it more selective (ORDER BY, GROUP BY and DISTINCT over many "
                    "rows hold them all in memory), or download a dump and query it locally.",
                    extra={"memory_mb": settings.query_memory_mb})


def _no_query(settings: Settings, format_param: str | None) -> Response:
    """GET /sparql without a query: the service description (RDF), or the query page for browsers."""
    served = _served()
    graphs = graphs_of(served)
    if format_param is not None:
        chosen = formats.choose("graph", None, format_param)
    else:
        available = [f.media_type for f in formats.GRAPH_FORMATS] + [formats.HTML]
        picked = negotiate(request.headers.get("Accept"), available)
        if picked is None:
            raise ApiError(406, "Not Acceptable", "The service description is available as "
                           + ", ".join(available) + ".", extra={"available": available})
        chosen = formats.HTML if picked == formats.HTML else next(f for f in formats.GRAPH_FORMATS if f.media_type == picked)
    if chosen == formats.HTML:
        return page.render(settings, served.version, graphs)
    triples = service_description.describe(endpoint_url(settings), graphs, settings, served.version,
                                           settings.public_base + ".well-known/void")
    body = graph_bytes(triples, chosen.name, prefixes=service_description.PREFIXES)
    response = Response(body, status=200, content_type=chosen.content_type)
    response.headers["Vary"] = "Accept"
    response.headers["X-Newsfacts-Release"] = served.version
    return response


@bp.route("/sparql/graph", methods=["GET", "OPTIONS"], provide_automatic_options=False, endpoint="graph_store")
def graph_store_view() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    return graph_store.respond(request, _served(), _settings().base_iri)
