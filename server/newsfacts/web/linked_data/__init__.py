"""Linked-data documents: every minted thing, the vocabulary, the dataset and its dumps."""

from flask import Flask

from . import crawling, dataset_views, views


def init_app(app: Flask) -> None:
    app.register_blueprint(dataset_views.bp)
    app.register_blueprint(crawling.bp)
    app.register_blueprint(views.bp)
