"""The SPARQL 1.1 endpoint at /sparql: protocol, guard, worker processes, results, service description, query page.

See docs/sparql.md. Flask is imported only by ``init_app`` so that the query
worker processes (``python -m newsfacts.web.sparql.worker``) start without it.
"""

from __future__ import annotations


def init_app(app) -> None:
    from .plain_queries import PlainQueries
    from .views import bp

    app.register_blueprint(bp)
    PlainQueries.install(app)  # plain GET /sparql?query=… before Flask routes them
