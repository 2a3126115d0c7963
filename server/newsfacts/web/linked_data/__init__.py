"""Linked-data documents: every minted thing, the vocabulary, the dataset and its dumps."""

from flask import Flask

from . import crawling, dataset_views, views
from .cache import DocumentCache
from .stored_first import StoredFirst


def init_app(app: Flask) -> None:
    app.extensions["newsfacts.documents"] = DocumentCache(app.config["NEWSFACTS"].document_cache_mb * 1024 * 1024)
    app.register_blueprint(dataset_views.bp)
    app.register_blueprint(crawling.bp)
    app.register_blueprint(views.bp)
    StoredFirst.install(app)  # plain requests for stored documents, before Flask routes them
