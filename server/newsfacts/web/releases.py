"""Which release a request is served from.

Each request looks at the 'current' pointer (one readlink) and gets the store of
that release, opened read-only once per process and kept while it is current.
A request that started on a release keeps its store object to the end, so a
switch never shows it a mixture; the next request sees the new release.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..config import Settings
from ..release import CURRENT, MANIFEST, Release, current_release
from ..remote import RemoteStore
from .errors import ApiError


@dataclass(frozen=True)
class Served:
    release: Release
    store: ox.Store | RemoteStore
    manifest: dict

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
        self._checked_at = 0.0
        self._pointer = os.path.join(releases_dir, CURRENT)
        self._target: str | None = None  # where 'current' pointed when the served release was opened

    def current(self) -> Served:
        if self.remote is not None:
            return self._current_remote()
        try:  # one readlink: while 'current' points where it did, the release is the one already open
            target = os.readlink(self._pointer)
        except OSError:
            target = None
        served = self._served
        if served is not None and target is not None and target == self._target:
            return served
        release = current_release(self.releases_dir)
        if release is None:
            raise ApiError(503, "No release", "Nothing has been published yet: run `newsfacts build`.",
                           headers={"Retry-After": "30"})
        served = self._served
        if served is not None and served.release.path == release.path:
            self._target = target
            return served
        with self._lock:
            if self._served is None or self._served.release.path != release.path:
                self._served = Served(release, release.open_store(), release.manifest())
            self._target = target if self._served.release.path == release.path else None
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
