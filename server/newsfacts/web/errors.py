"""One error shape for the whole web tier: JSON for machines, an HTML page for browsers.

Every error body carries ``status``, ``title`` and ``detail``. A client's mistake
is a 4xx with a message; anything unexpected is a 500 with no traceback (it is
logged). A test pins the shape.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException

from ..remote import StoreUnavailable
from .negotiation import negotiate

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Raise to answer with an error: ``ApiError(400, "Bad query", "the parser says …")``."""

    def __init__(self, status: int, title: str, detail: str, headers: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}
        self.extra = extra or {}


def error_response(status: int, title: str, detail: str, headers: dict | None = None,
                   extra: dict | None = None) -> Response:
    body = {"status": status, "title": title, "detail": detail, **(extra or {})}
    wants = negotiate(request.headers.get("Accept"), ["application/json", "text/html"]) if request else None
    if wants == "text/html":
        response = Response(render_template("error.html", error=body), status=status, mimetype="text/html")
    else:
        response = Response(json.dumps(body) + "\n", status=status, mimetype="application/json")
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
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "Internal Server Error",
                              "The server failed on this request; it has been logged. Other requests are unaffected.")
