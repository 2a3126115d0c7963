"""Reading a SPARQL 1.1 Protocol request: the query, the dataset parameters, the format parameter.

- GET ``?query=…``; POST ``application/x-www-form-urlencoded`` (parameters in
  the body, and also in the URL); POST ``application/sparql-query`` (the body is
  the query, UTF-8; parameters in the URL).
- Exactly one ``query``: two are a 400. Other POST content types: 415.
- ``update`` (any method) and ``application/sparql-update``: 403, read-only.
- A query longer than ``max_query_bytes``: 414 in a URL, 413 in a body; a body
  over ``max_query_bytes`` + 4 KiB is refused before it is read (413).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from ...config import Settings
from ..errors import ApiError, excerpt

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
BODY_SLACK = 4096


@dataclass(frozen=True)
class QueryRequest:
    query: str | None  # None: no query was sent (service description, or the query page)
    default_graphs: list[str] | None  # default-graph-uri values, None when absent
    named_graphs: list[str] | None  # named-graph-uri values, None when absent
    format: str | None  # the 'format' parameter

    @property
    def has_protocol_dataset(self) -> bool:
        return self.default_graphs is not None or self.named_graphs is not None


def read_only_refusal() -> ApiError:
    return ApiError(403, "Read-only endpoint",
                    "This endpoint answers queries only (SELECT, ASK, CONSTRUCT, DESCRIBE); SPARQL Update is not accepted. "
                    "The data is published by rebuilding a release.")


def parse(request: Request, settings: Settings) -> QueryRequest:
    if request.method == "POST":
        params, body_query = _post_parameters(request, settings)
    else:
        limit = settings.max_query_bytes * 3 + BODY_SLACK
        if len(request.query_string) > limit:
            raise ApiError(414, "URI Too Long", f"The request URL is longer than {limit} bytes; send long queries by POST "
                           f"with Content-Type {DIRECT}.")
        params, body_query = request.args, None
    if "update" in params:
        raise read_only_refusal()
    queries = params.getlist("query") + ([body_query] if body_query is not None else [])
    if len(queries) > 1:
        raise ApiError(400, "More than one query", f"The request carries {len(queries)} queries; send exactly one.")
    query = queries[0] if queries else None
    if query is None and request.method == "POST":
        raise ApiError(400, "No query", "The request has no 'query' parameter (or no body): send one SPARQL query.")
    if query is not None:
        size = len(query.encode("utf-8"))
        if size > settings.max_query_bytes:
            status = 413 if request.method == "POST" else 414
            raise ApiError(status, "Query too long" if status == 413 else "URI Too Long",
                           f"The query is {size} bytes; this endpoint accepts at most {settings.max_query_bytes}.",
                           extra={"max_query_bytes": settings.max_query_bytes})
        if not query.strip():
            raise ApiError(400, "Empty query", "The 'query' parameter is empty: send one SPARQL query.")
    return QueryRequest(
        query=query,
        default_graphs=params.getlist("default-graph-uri") if "default-graph-uri" in params else None,
        named_graphs=params.getlist("named-graph-uri") if "named-graph-uri" in params else None,
        format=params.get("format") if "format" in params else None,  # get() of a missing key raises inside
    )


def _post_parameters(request: Request, settings: Settings) -> tuple[MultiDict, str | None]:
    limit = settings.max_query_bytes + BODY_SLACK
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "Request too large", f"The request body is {request.content_length} bytes; this endpoint "
                       f"accepts at most {limit}.", extra={"max_query_bytes": settings.max_query_bytes})
    mimetype = request.mimetype
    if mimetype == UPDATE:
        raise read_only_refusal()
    if mimetype == FORM:
        return CombinedMultiDict([request.form, request.args]), None
    if mimetype == DIRECT:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ApiError(415, "Unsupported charset",
                           f"The query must be UTF-8; the request says charset={excerpt(charset, 40)}.")
        if "update" in request.args:
            raise read_only_refusal()
        try:
            text = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ApiError(400, "Not UTF-8", f"The query body is not valid UTF-8 (byte {error.start}).") from None
        return request.args, text
    said = f"Content-Type {excerpt(mimetype, 80)}" if mimetype else "no Content-Type"
    raise ApiError(415, "Unsupported Media Type",
                   f"A POST must carry {FORM} (with a 'query' parameter) or {DIRECT} (the query as the body); "
                   f"this one has {said}.", extra={"accepted": [FORM, DIRECT]})
