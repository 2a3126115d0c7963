"""A WSGI layer in front of the Flask app that answers plain SPARQL queries itself: ``GET /sparql?query=…``.

A cheap query (a look-up of one entity's statements) costs the engine a fraction of a millisecond; Flask's
request and application contexts, URL routing, hooks and signals cost more than the query itself. This layer
answers exactly the plain case — GET on ``/sparql``, a query, no query page wanted — with the route's own
code (``hardening.check_request``, ``protocol.parse``, ``views.results`` with its guard, worker pool, timeout,
memory limit and row cap, and the blueprint's CORS headers), so the answer is the route's to the byte
(``tests/test_sparql_plain_queries.py`` compares them). Everything else goes to the app unchanged: another
method or path, a host not in ``trusted_hosts``, no query (the service description), the query page (HTML).
A refusal or failure is rendered by the app's own error handlers, in a request context, as if the route had
raised it.
"""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

from .. import hardening
from . import protocol, views

PATH = "/sparql"


class PlainQueries:
    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.settings = app.config["NEWSFACTS"]
        self.trusted_hosts = self.settings.trusted_host_names

    @classmethod
    def install(cls, app) -> None:
        """In front of the app's WSGI callable, behind ProxyFix when there is one (so that the host and scheme it
        sees are the ones the proxy forwarded, as for the app)."""
        if isinstance(app.wsgi_app, ProxyFix):
            app.wsgi_app.app = cls(app, app.wsgi_app.app)
        else:
            app.wsgi_app = cls(app, app.wsgi_app)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET" or not environ.get("QUERY_STRING") \
                or not hardening.host_trusted(environ, self.trusted_hosts):
            return self.wsgi_app(environ, start_response)
        request = self.app.request_class(environ)
        try:
            hardening.check_request(request)  # a GET is never a preflight: nothing to answer here
            parsed = protocol.parse(request, self.settings)
            accept = environ.get("HTTP_ACCEPT")
            if parsed.query is None or views.wants_page(parsed.format, accept):
                return self.wsgi_app(environ, start_response)
            content_type, headers, body = views.results(self.app, self.settings, parsed, accept)
        except Exception as error:  # noqa: BLE001 - every error goes to the app's handlers, as from the route
            return self._failed(environ, start_response, error)
        # the headers of the route's Response, in its order: Werkzeug's two, the route's, the blueprint's CORS
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers,
                                  *views.CORS_HEADERS])
        return [body]

    def _failed(self, environ, start_response, error: Exception):
        """The app's answer to ``error`` raised by the route: its error handler, then the response hooks."""
        with self.app.request_context(environ):
            response = self.app.finalize_request(self.app.handle_user_exception(error))
        return response(environ, start_response)
