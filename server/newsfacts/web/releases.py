"""Which release a request is served from.

Each request looks at the 'current' pointer (one readlink) and gets the store of
that release, opened read-only once per process and kept while it is current.
A request that started on a release keeps its store object to the end, so a
switch never shows it a mixture; the next request sees the new release.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyoxigraph as ox

from ..release import Release, current_release
from .errors import ApiError


@dataclass(frozen=True)
class Served:
    release: Release
    store: ox.Store
    manifest: dict

    @property
    def version(self) -> str:
        return self.release.version


class ReleaseAccess:
    def __init__(self, releases_dir: str):
        self.releases_dir = releases_dir
        self._lock = threading.Lock()
        self._served: Served | None = None

    def current(self) -> Served:
        release = current_release(self.releases_dir)
        if release is None:
            raise ApiError(503, "No release", "Nothing has been published yet: run `newsfacts build`.",
                           headers={"Retry-After": "30"})
        served = self._served
        if served is not None and served.release.path == release.path:
            return served
        with self._lock:
            if self._served is None or self._served.release.path != release.path:
                self._served = Served(release, release.open_store(), release.manifest())
            return self._served
