"""Linked-data documents: resources, the vocabulary, the dataset, dumps. (To be filled in.)"""

from flask import Blueprint, Flask

bp = Blueprint("documents", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
