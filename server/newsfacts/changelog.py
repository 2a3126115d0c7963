"""Reading the release history: which releases were published, when, which are still kept, and their change sets.

A release's change set is read from ``<releases_dir>/history/<version>/`` (kept when the release is pruned), or
from the release's own ``changes/`` folder while the copy is not there yet. A version whose change set remains
but whose release folder is gone is *pruned*: it stays in the history and the change stream, its documents
answer 410 Gone. Everything read here is immutable, so it is cached by version.
"""

from __future__ import annotations

import datetime
import email.utils
import gzip
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .history import CHANGES_DIR, HISTORY_DIR, SUMMARY, VERSIONS
from .release import MANIFEST, Release


@dataclass(frozen=True)
class Version:
    """One published release, kept or pruned."""

    version: str
    built_at: str  # ISO 8601, UTC, "Z"
    changes: Path | None  # the change-set folder, None for a release built before change sets were recorded
    kept: bool  # its release folder (documents, dumps, store) is still there

    @property
    def moment(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.built_at.replace("Z", "+00:00"))

    @property
    def http_date(self) -> str:
        """The build time as an RFC 1123 date (``Memento-Datetime``, ``datetime`` in a TimeMap)."""
        return email.utils.format_datetime(self.moment, usegmt=True)


class _Bounded:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


_summaries = _Bounded(16)
_versions = _Bounded(4)
_built_at: dict[str, str] = {}


def versions(releases_dir: str | Path) -> list[Version]:
    """Every release of the history, oldest first: kept releases and pruned ones whose change set remains."""
    root = Path(releases_dir)
    kept = {p.name: Release(p) for p in (root.iterdir() if root.is_dir() else ())
            if not p.is_symlink() and not p.name.startswith(".") and (p / MANIFEST).is_file()}
    history = root / HISTORY_DIR
    copies = {p.name: p for p in history.iterdir() if p.is_dir() and not p.name.startswith(".")} if history.is_dir() else {}
    found = []
    for name in sorted(kept.keys() | copies.keys()):
        folder = copies.get(name)
        if folder is None and (kept[name].path / CHANGES_DIR / SUMMARY).is_file():
            folder = kept[name].path / CHANGES_DIR
        if name in kept:
            built_at = _built_at.get(name) or _built_at.setdefault(name, _manifest_time(kept[name]))
        else:
            built_at = summary(folder)["built_at"]
        found.append(Version(name, built_at, folder, name in kept))
    return sorted(found, key=lambda v: (v.built_at, v.version))


def find(releases_dir: str | Path, version: str) -> Version | None:
    return next((v for v in versions(releases_dir) if v.version == version), None)


def summary(folder: Path) -> dict:
    return _summaries.get(str(folder), lambda: json.loads((folder / SUMMARY).read_text(encoding="utf-8")))


def described_versions(folder: Path) -> dict[str, list[ox.Triple]]:
    """The new description of every resource changed in a release (empty for one deleted), by resource IRI."""
    def read() -> dict[str, list[ox.Triple]]:
        found: dict[str, list[ox.Triple]] = {iri: [] for iri in summary(folder)["resources"]}
        with gzip.open(folder / VERSIONS, "rb") as data:
            for q in ox.parse(data, format=ox.RdfFormat.N_QUADS):
                found.setdefault(q.graph_name.value, []).append(q.triple)
        return found

    return _versions.get(str(folder), read)


def _manifest_time(release: Release) -> str:
    return json.loads((release.path / MANIFEST).read_text(encoding="utf-8"))["built_at"]
