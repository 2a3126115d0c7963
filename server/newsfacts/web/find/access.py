"""The served release's search index, opened once per release and process."""

from __future__ import annotations

import threading

from flask import current_app

from ...config import Settings
from ...search_index import SearchIndex, index_path
from ..errors import ApiError
from ..linked_data import paths

_indexes: dict[str, SearchIndex] = {}
_lock = threading.Lock()


def settings() -> Settings:
    return current_app.config["NEWSFACTS"]


def served():
    return current_app.extensions["newsfacts.releases"].current()


def search_index(current=None) -> SearchIndex:
    """The index of the release being served (503 when that release was built without one)."""
    current = current or served()
    path = index_path(current.release.path)
    key = str(path)
    found = _indexes.get(key)
    if found is None:
        if not path.is_file():
            raise ApiError(503, "No search index", f"Release {current.version} has no search index (search/ in the "
                           "release); build a new release with `newsfacts build`.", headers={"Retry-After": "60"})
        with _lock:
            found = _indexes.get(key)
            if found is None:
                for old in list(_indexes):
                    _indexes.pop(old)  # connections of old releases close with their objects
                found = _indexes[key] = SearchIndex(path)
    return found


def local_path(iri: str, suffix: str = "html") -> str:
    """The relative link to a thing's document on this server (``paths.document_path``), or the IRI itself for a
    thing this server does not describe."""
    return paths.document_path(iri, settings().base_iri, suffix) or iri


def int_arg(args, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, f"Bad {name}", f"{name} must be a whole number from {low} to {high}, not {raw[:40]!r}.")
    return int(raw)
