"""Rules every request and response of the web tier follows, whatever route answers.

- The Host header is never used to write a URL; with ``trusted_hosts`` set, another host gets 400 (Flask's
  ``TRUSTED_HOSTS``). ``X-Forwarded-*`` count only when ``proxy_count`` says how many proxies are in front.
- A path longer than ``MAX_PATH`` characters is a 414; a path, query string or form body whose percent-encoding
  does not decode to UTF-8 is a 400 (Werkzeug would replace such bytes with U+FFFD and carry on).
- A redirect has a one-line body and a Location on the public base URL, not on the request's host.
- A CORS preflight (OPTIONS with Access-Control-Request-Method) is answered for every route, allowing the
  headers browser clients send, without credentials.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, Response, request
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import get_host

from ..config import Settings
from .errors import ApiError

MAX_PATH = 2000
FORM = "application/x-www-form-urlencoded"
#: Request headers a preflight always allows, whatever the browser asks for.
ALLOWED_HEADERS = ("Accept", "Accept-Language", "Authorization", "Content-Type", "If-None-Match", "If-Modified-Since",
                   "X-Requested-With")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
MAX_REFLECTED_HEADERS = 32


def init_app(app: Flask, settings: Settings) -> None:
    if settings.trusted_host_names:
        app.config["TRUSTED_HOSTS"] = settings.trusted_host_names
    if settings.proxy_count > 0:
        hops = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    app.before_request(_check_request)
    app.after_request(_short_redirects)


def _check_request() -> Response | None:
    return check_request(request._get_current_object())


def check_request(request: Request) -> Response | None:
    """The rules above for one request (raises ApiError); a CORS preflight gets its answer. Takes the request as an
    argument so that a layer in front of Flask's routing (``sparql.plain_queries``) applies them too."""
    path = request.environ.get("PATH_INFO", "")
    if len(path) > MAX_PATH:
        raise ApiError(414, "URI Too Long", f"Request paths are at most {MAX_PATH:,} characters; this one has {len(path):,}.")
    path_bytes = raw_path(request.environ)
    if path_bytes is not None and not decodes(path_bytes):
        raise ApiError(400, "Bad request path", "The request path is not UTF-8 once its %-escapes are decoded.")
    if not query_decodes(request.query_string):
        raise ApiError(400, "Bad query string", "The query string is not UTF-8 once its %-escapes are decoded.")
    method = request.method
    if method == "POST" and request.mimetype == FORM and _body_within_limit(request) \
            and not decodes(unquote_to_bytes(request.get_data(cache=True).replace(b"+", b" "))):
        raise ApiError(400, "Bad form body", "The form body is not UTF-8 once its %-escapes are decoded.")
    if method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return preflight()
    return None


#: A %-escape of a byte of 0x80 or more, or such a byte itself: without either, a query string is ASCII once decoded.
NOT_ASCII = re.compile(rb"%[89a-fA-F][0-9a-fA-F]|[\x80-\xff]")


def query_decodes(query_string: bytes) -> bool:
    """Whether a query string is UTF-8 once its %-escapes are decoded. Most are ASCII once decoded (one regex
    search says so); only the others are decoded and checked."""
    if NOT_ASCII.search(query_string) is None:
        return True
    return decodes(unquote_to_bytes(query_string.replace(b"+", b" ")))


def host_trusted(environ: dict, names: list[str]) -> bool:
    """Whether the request's host is one of ``names`` (none: every host), as Flask checks ``TRUSTED_HOSTS``."""
    if not names:
        return True
    try:
        get_host(environ, names)
    except (SecurityError, ValueError):  # ValueError: a malformed port
        return False
    return True


def raw_path(environ: dict) -> bytes | None:
    """The request path's bytes once %-decoded, before anything replaced what is not UTF-8.

    Werkzeug's server decodes the path itself (invalid bytes become U+FFFD) but keeps the request target in
    RAW_URI / REQUEST_URI; other servers (granian) hand PATH_INFO over as the bytes read as Latin-1 (PEP 3333).
    """
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if target:
        path = target.split("?", 1)[0]
        if "://" in path:  # absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
    else:
        path = environ.get("PATH_INFO", "")
    try:
        raw = path.encode("latin-1")
    except UnicodeEncodeError:
        return None  # already text: the server decoded it, there are no bytes left to check
    return unquote_to_bytes(raw) if target else raw


def decodes(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _body_within_limit(request: Request) -> bool:
    """Oversized bodies are refused by the route (413) before they are read; only a readable body is checked."""
    limit = request.max_content_length
    return limit is None or request.content_length is None or request.content_length <= limit


def preflight() -> Response:
    """The answer to a CORS preflight: the route's methods, the headers asked for (when they are header names)."""
    asked = [name.strip() for name in request.headers.get("Access-Control-Request-Headers", "").split(",")]
    reflected = [name for name in asked if HEADER_NAME.match(name)][:MAX_REFLECTED_HEADERS]
    allowed = list(dict.fromkeys([*ALLOWED_HEADERS, *reflected]))
    methods = sorted(request.url_rule.methods) if request.url_rule is not None else ["GET", "HEAD", "OPTIONS"]
    return Response(status=204, headers={
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Allow-Headers": ", ".join(allowed),
        "Access-Control-Max-Age": "86400",
        "Allow": ", ".join(methods),
        "Vary": "Access-Control-Request-Headers",
    })


def _short_redirects(response: Response) -> Response:
    """Every redirect (our 303s, Werkzeug's slash redirects) names a path on the public base, with a one-line body."""
    location = response.headers.get("Location")
    if not 300 <= response.status_code < 400 or location is None:
        return response
    host_url = request.host_url
    if location.startswith(host_url):  # Werkzeug builds absolute URLs from the Host header
        location = "/" + location[len(host_url):]
        response.headers["Location"] = location
    response.set_data(f"{response.status_code} {HTTPStatus(response.status_code).phrase}: see the Location header.\n")
    response.content_type = "text/plain; charset=utf-8"
    return response
