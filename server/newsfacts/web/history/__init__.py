"""The release history on the web: documents as they were in each kept release, Memento (TimeGates, TimeMaps),
what changed in each release, and the change stream as a Linked Data Event Stream. See docs/history.md."""

from flask import Flask

from . import changes, ldes, memento, versioned
from .archive import Archive


def init_app(app: Flask) -> None:
    settings = app.config["NEWSFACTS"]
    app.extensions["newsfacts.archive"] = Archive(settings.releases_dir, settings.base_iri, settings.open_releases)
    for blueprint in (changes.bp, memento.bp, versioned.bp, ldes.bp):
        app.register_blueprint(blueprint)
