"""The Flask application factory (serving.py runs it)."""

from __future__ import annotations

from flask import Flask

from ..config import Settings
from . import errors, hardening
from .releases import ReleaseAccess


def create_app(config: dict | Settings | None = None) -> Flask:
    """Build the app: defaults, then NEWSFACTS_* environment variables, then ``config`` (a test's overrides)."""
    settings = config if isinstance(config, Settings) else Settings.load(config)
    app = Flask(__name__)
    app.config["NEWSFACTS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_query_bytes + 4096
    app.json.sort_keys = False
    app.extensions["newsfacts.releases"] = ReleaseAccess(settings.releases_dir, settings)
    errors.init_app(app)
    hardening.init_app(app, settings)

    from . import find, linked_data, sparql

    find.init_app(app)  # before linked_data: its /entity/ … indexes take precedence over the thing route
    linked_data.init_app(app)
    sparql.init_app(app)
    return app


def settings_of(app: Flask) -> Settings:
    return app.config["NEWSFACTS"]

