"""The SPARQL 1.1 endpoint. (To be filled in.)"""

from flask import Blueprint, Flask

bp = Blueprint("sparql", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
