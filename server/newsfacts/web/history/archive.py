"""Past releases as they were: each kept release's own store, opened read-only on first use and kept open for a
few releases per process (``open_releases``), and which kept releases hold a given resource (its mementos)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from ... import changelog
from ...release import Release
from ..errors import ApiError, excerpt
from ..linked_data import describe, paths
from ..releases import Served

#: How many resources' memento lists one process remembers (each is a handful of versions).
MEMENTO_LISTS = 2048


class Archive:
    def __init__(self, releases_dir: str, base_iri: str, max_open: int):
        self.releases_dir, self.base_iri, self.max_open = releases_dir, base_iri, max_open
        self._open: OrderedDict[str, Served] = OrderedDict()
        self._mementos: OrderedDict[tuple, list[changelog.Version]] = OrderedDict()
        self._lock = threading.Lock()

    def versions(self) -> list[changelog.Version]:
        return changelog.versions(self.releases_dir)

    def find(self, name: str) -> changelog.Version | None:
        return next((v for v in self.versions() if v.version == name), None)

    def version(self, name: str) -> changelog.Version:
        """A release of the history by name: 404 for one never published."""
        found = self.find(name)
        if found is None:
            raise ApiError(404, "No such release", f"No release {excerpt(name, 80)!r} was published here; /history lists "
                           "every release.", extra={"history": "/history"})
        return found

    def served(self, name: str) -> Served:
        """A kept release's store, manifest and folder: 410 for a pruned release, 404 for one without a store."""
        version = self.version(name)
        if not version.kept:
            raise ApiError(410, "Release pruned", f"Release {name} has been pruned: its documents are no longer served. "
                           f"What changed in it is still at /release/{name}/changes.",
                           extra={"changes": f"/release/{name}/changes"})
        with self._lock:
            found = self._open.get(name)
            if found is not None:
                self._open.move_to_end(name)
                return found
        release = Release(Path(self.releases_dir) / name)
        if not release.store_path.is_dir():
            raise ApiError(404, "No versioned documents", f"Release {name} has no store of its own (it was published to a "
                           "remote store), so its documents are not served by version; its dumps are.",
                           extra={"dumps": "/dumps"})
        served = Served(release, release.open_store(), release.manifest())
        with self._lock:
            self._open[name] = served
            while len(self._open) > self.max_open:
                self._open.popitem(last=False)  # the store closes when the last request using it is done
        return served

    def holds(self, name: str, iri: str) -> bool:
        if iri == paths.VOCABULARY_BASE + "ontology/":
            return True
        return describe.names_something(self.served(name).store, iri)

    def mementos(self, stem: str) -> list[changelog.Version]:
        """The kept releases in which the thing a path names exists, oldest first."""
        kept = [v for v in self.versions() if v.kept and (Path(self.releases_dir) / v.version / "store").is_dir()]
        key = (stem, tuple(v.version for v in kept))
        with self._lock:
            if key in self._mementos:
                self._mementos.move_to_end(key)
                return self._mementos[key]
        iri = paths.iri_of(stem, self.base_iri)
        found = [v for v in kept if self.holds(v.version, iri)]
        with self._lock:
            self._mementos[key] = found
            while len(self._mementos) > MEMENTO_LISTS:
                self._mementos.popitem(last=False)
        return found
