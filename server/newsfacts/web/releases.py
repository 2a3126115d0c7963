"""Which release a request is served from.

Each request looks at the 'current' pointer (one readlink) and gets the store of
that release, opened read-only once per process (when first needed) and kept while
it is current. A request that started on a release keeps its store object to the
end, so a switch never shows it a mixture; the next request sees the new release.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from ..config import Settings
from ..release import CURRENT, MANIFEST, Release, current_release
from ..remote import RemoteStore
from .errors import ApiError


class Served:
    """A served release, its store and its manifest. Given no store, the release's embedded store is opened on first
    use: a web process that answers only stored documents never opens it (at 1M triples, the caches of an opened
    store take about 22 MB per process)."""

    def __init__(self, release: Release, store: ox.Store | RemoteStore | None, manifest: dict):
        self.release, self.manifest = release, manifest
        self._store = store
        self._opening = threading.Lock()

    @property
    def store(self) -> ox.Store | RemoteStore:
        store = self._store
        if store is None:
            with self._opening:
                if self._store is None:
                    self._store = self.release.open_store()
                store = self._store
        return store

    @property
    def version(self) -> str:
        return self.release.version


class ReleaseAccess:
    """The served release: the embedded store of the release 'current' points at, or, with a remote store, the
    release whose version the remote store holds (its dumps and manifest come from the releases folder, which
    replicas share)."""

    #: How long a remote store's version is trusted before it is asked again.
    REMOTE_VERSION_TTL_S = 1.0

    def __init__(self, releases_dir: str, settings: Settings | None = None):
        self.releases_dir = releases_dir
        self.remote = RemoteStore.from_settings(settings) if settings and settings.store != "embedded" else None
        self.base_iri = settings.base_iri if settings else ""
        self._lock = threading.Lock()
        self._served: Served | None = None
        self._pinned: tuple[str | None, Served] | None = None  # the 'current' pointer's target and what it serves
        self._pointer = Path(releases_dir) / CURRENT
        self._checked_at = 0.0

    def current(self) -> Served:
        if self.remote is not None:
            return self._current_remote()
        try:  # a release folder is never changed once written: the same pointer target is the same release
            target = os.readlink(self._pointer)
        except OSError:
            target = None
        pinned = self._pinned
        if pinned is not None and target is not None and pinned[0] == target:
            return pinned[1]
        served = self._served
        release = current_release(self.releases_dir)
        if release is None:
            raise ApiError(503, "No release", "Nothing has been published yet: run `newsfacts build`.",
                           headers={"Retry-After": "30"})
        if served is not None and served.release.path == release.path:
            self._pinned = (target, served)
            return served
        with self._lock:
            if self._served is None or self._served.release.path != release.path:
                self._served = Served(release, None, release.manifest())
            self._pinned = (target, self._served)
            return self._served

    def _current_remote(self) -> Served:
        served = self._served
        if served is not None and time.monotonic() - self._checked_at < self.REMOTE_VERSION_TTL_S:
            return served
        version = self.remote.version(self.base_iri)  # StoreUnavailable -> 503 with Retry-After
        if version is None:
            raise ApiError(503, "No release", f"The store at {self.remote.query_url} holds no release yet: run "
                           "`newsfacts build --store …`.", headers={"Retry-After": "30"})
        with self._lock:
            if self._served is None or self._served.version != version:
                release = Release(Path(self.releases_dir) / version)
                if not (release.path / MANIFEST).is_file():
                    raise ApiError(503, "Release files missing", f"The store holds release {version}, but "
                                   f"{self.releases_dir} does not have its files (dumps, manifest).",
                                   headers={"Retry-After": "30"})
                self._served = Served(release, self.remote, release.manifest())
            self._checked_at = time.monotonic()
            return self._served
