"""Ways to find things and to link to them: search, reconciliation, indexes, timelines, fragments, schema.org.

Each reads the served release's search index (``search/index.sqlite``, see ``newsfacts.search_index``) or its
store; each has its own module and routes in this package's blueprint.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import collections, fragments, reconcile_views, schema_org, search_views, timeline

    app.register_blueprint(search_views.bp)
    app.register_blueprint(reconcile_views.bp)
    app.register_blueprint(collections.bp)
    app.register_blueprint(timeline.bp)
    app.register_blueprint(fragments.bp)
    schema_org.init_app(app)
