"""One error shape for the whole web tier: RFC 9457 problem details for machines, an HTML page for browsers.

Every error body carries ``type``, ``title``, ``status`` and ``detail`` (``application/problem+json``). A
client's mistake is a 4xx with a message; anything unexpected is a 500 with no traceback (it is logged). A
message quotes a request value only as a short ``excerpt``, and no message or extra string is long. A test
pins the shape.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException

from ..remote import StoreUnavailable
from .negotiation import negotiate

log = logging.getLogger(__name__)


PROBLEM_JSON = "application/problem+json"
#: Problem types are tag: URIs (RFC 9457 allows identifiers that do not dereference), one per title.
PROBLEM_TYPE_BASE = "tag:newsfacts.example,2026:problem/"
EXCERPT_CHARS = 80
MAX_MESSAGE_CHARS = 1000


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A request value as an error may quote it: its first ``limit`` characters, then "…" and the full length."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def problem_type(status: int, title: str) -> str:
    """``about:blank`` when the title is the status phrase (RFC 9457 §4.2.1), else the title's own type."""
    try:
        if title == HTTPStatus(status).phrase:
            return "about:blank"
    except ValueError:
        pass
    return PROBLEM_TYPE_BASE + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or str(status))


def _bounded(value):
    if isinstance(value, str):
        return excerpt(value, MAX_MESSAGE_CHARS)
    if isinstance(value, list):
        return [_bounded(v) for v in value[:100]]
    return value


class ApiError(Exception):
    """Raise to answer with an error: ``ApiError(400, "Bad query", "the parser says …")``."""

    def __init__(self, status: int, title: str, detail: str, headers: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}
        self.extra = extra or {}


def error_response(status: int, title: str, detail: str, headers: dict | None = None,
                   extra: dict | None = None) -> Response:
    body = {"type": problem_type(status, title), "title": title, "status": status, "detail": detail,
            **{name: value for name, value in (extra or {}).items() if name not in ("type", "title", "status", "detail")}}
    body = {name: _bounded(value) for name, value in body.items()}
    wants = negotiate(request.headers.get("Accept"), [PROBLEM_JSON, "application/json", "text/html"]) if request else None
    if wants == "text/html":
        response = Response(render_template("error.html", error=body), status=status, mimetype="text/html")
    else:
        response = Response(json.dumps(body) + "\n", status=status, mimetype=PROBLEM_JSON)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return error_response(error.status, error.title, error.detail, error.headers, error.extra)

    @app.errorhandler(StoreUnavailable)
    def _store_unavailable(error: StoreUnavailable):
        log.warning("remote store unavailable: %s", error)
        return error_response(503, "Store unavailable", f"The data store is not answering ({error}). Try again shortly.",
                              {"Retry-After": "5"})

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        headers = {k: v for k, v in error.get_headers() if k.lower() not in ("content-type", "content-length")}
        return error_response(error.code or 500, error.name, error.description or error.name, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, excerpt(request.path, 200))
        return error_response(500, "Internal Server Error",
                              "The server failed on this request; it has been logged. Other requests are unaffected.")
