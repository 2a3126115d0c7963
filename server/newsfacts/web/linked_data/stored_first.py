"""A WSGI layer in front of the Flask app that answers the plainest requests for stored documents itself.

Most requests for documents are ``GET /entity/x.ttl`` with no query string, for a document the build stored;
Flask's request context, routing and response hooks cost several times what reading and sending the stored
bytes does. This layer answers exactly those, with the headers the Flask route sends (``views.document``, the
TimeGate/TimeMap links of ``history.memento``), and hands every other request to the app unchanged: a query
string, another method, a path the hardening rules would refuse (too long, not UTF-8, control characters), a
host not in ``trusted_hosts``, a document not stored, no release — so errors keep their one
shape and every rule of ``hardening`` still applies. ``tests/test_stored_documents.py`` compares both paths.
"""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

from .. import hardening
from ..errors import ApiError
from . import pages, paths, stored_documents, views

CONTROL = {chr(c) for c in range(32)} | {"\x7f"}


class StoredFirst:
    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.settings = app.config["NEWSFACTS"]
        self.releases = app.extensions["newsfacts.releases"]
        self.enabled = self.settings.store == "embedded"

    @classmethod
    def install(cls, app) -> None:
        """In front of the Flask app, behind ProxyFix when there is one (so that the host checked against
        ``trusted_hosts`` is the one the proxy forwarded, as for the app)."""
        if isinstance(app.wsgi_app, ProxyFix):
            app.wsgi_app.app = cls(app, app.wsgi_app.app)
        else:
            app.wsgi_app = cls(app, app.wsgi_app)

    def __call__(self, environ, start_response):
        if self.enabled and environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not environ.get("QUERY_STRING"):
            answered = self._stored(environ)
            if answered is not None:
                status, headers, body = answered
                start_response(f"{status} {'OK' if status == 200 else 'Not Modified'}", list(headers.items()))
                return [] if status == 304 or environ["REQUEST_METHOD"] == "HEAD" else [body]
        return self.wsgi_app(environ, start_response)

    def _stored(self, environ) -> tuple[int, dict, bytes] | None:
        raw = environ.get("PATH_INFO", "")
        if len(raw) > hardening.MAX_PATH or not raw.startswith("/") or CONTROL.intersection(raw):
            return None
        raw_path = hardening.raw_path(environ)
        if raw_path is None or not hardening.decodes(raw_path):
            return None
        try:
            path = raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
        if CONTROL.intersection(path) or not hardening.host_trusted(environ, self.settings.trusted_host_names):
            return None
        stem, fmt = paths.split_suffix(path[1:])
        if fmt is None or not paths.is_thing_path(stem) or "//" in path:  # the app merges slashes (a redirect)
            return None
        try:
            current = self.releases.current()
        except ApiError:
            return None
        config = self.settings
        lang = pages.preferred_language(environ.get("HTTP_ACCEPT_LANGUAGE")) if fmt.rdf_format is None else ""
        stored = stored_documents.find(current, config.public_base, stem, fmt.suffix, lang,
                                       environ.get("HTTP_ACCEPT_ENCODING"))
        if stored is None:
            return None
        etag = views.document_etag(current.version, stem, fmt.suffix, lang, 1, config.public_base)
        if etag != stored[0]:
            return None  # not the document the route would answer (another release or public base): let it decide
        headers = {"ETag": f'"{etag}"', "Link": views.alternates("/" + stem) + ", " + self._history_links(path[1:]),
                   "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*",
                   "X-Newsfacts-Release": current.version, "Vary": "Accept-Language" if fmt.rdf_format is None else "Accept"}
        status, headers, body = stored_documents.answer(stored, headers, fmt, lang, environ.get("HTTP_ACCEPT_ENCODING"),
                                                        environ.get("HTTP_IF_NONE_MATCH"))
        if status == 200:
            headers["Content-Length"] = str(len(body))
        return status, headers, body  # a 304 has neither Content-Type nor Content-Length, as Werkzeug sends it

    def _history_links(self, path: str) -> str:
        from ..history.memento import original_links

        with self.app.app_context():
            return original_links(path)
