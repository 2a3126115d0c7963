"""The Flask application factory and the development server."""

from __future__ import annotations

import dataclasses

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

    from . import history, linked_data, sparql

    linked_data.init_app(app)
    sparql.init_app(app)
    history.init_app(app)
    return app


def settings_of(app: Flask) -> Settings:
    return app.config["NEWSFACTS"]


def run_development_server(settings: Settings) -> None:
    """Serve with Werkzeug's threaded server (for a laptop; see the README for the production command)."""
    app = create_app(settings)
    print(f"serving on http://{settings.host}:{settings.port}/ (settings: "
          f"{ {k: v for k, v in dataclasses.asdict(settings).items() if k in ('store', 'releases_dir', 'base_iri')} })")
    app.run(host=settings.host, port=settings.port, threaded=True, use_reloader=False)
