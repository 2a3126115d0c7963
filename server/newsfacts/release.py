"""Releases: immutable, versioned directories, and the 'current' pointer that serving follows.

A release is written in a staging directory, renamed into place when complete,
and only then made current by atomically replacing the 'current' symlink. A
failed build leaves the served release as it was; an existing release is never
written to again.

The builder holds an exclusive lock on a file in its staging directory for as
long as it writes; the kernel releases it when the builder dies, even by
``kill -9``. So a staging directory whose lock can be taken belongs to no
running build and is removed at the start of the next one. Old releases are
removed by ``prune_releases`` (setting ``keep_releases``), never the current
one nor the one before it, which a quick switch back may need. A pruned release
is first renamed out of view (``REMOVING_PREFIX``), so it leaves every listing at
once; a build then deletes its files in the background: at 10M triples a release
is about 7.6 GB in 120,000 files, 24-42 s to delete (BENCHMARKS.md).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

CURRENT = "current"
STORE_DIR = "store"
DUMPS_DIR = "dumps"
MANIFEST = "manifest.json"
VOID_FILE = "void.ttl"
REPORT_FILE = "validation-report.ttl"
STAGING_PREFIX = ".staging-"
#: A pruned release being deleted (renamed so, then deleted).
REMOVING_PREFIX = ".removing-"
BUILDER_LOCK = ".builder.lock"
#: A staging directory without a lock file (a build killed between creating it and locking it) is stale after this.
UNLOCKED_STAGING_AGE_S = 3600


@dataclass(frozen=True)
class Release:
    """A finished release on disk, read-only."""

    path: Path

    @property
    def version(self) -> str:
        return self.path.name

    @property
    def store_path(self) -> Path:
        return self.path / STORE_DIR

    @property
    def dumps_path(self) -> Path:
        return self.path / DUMPS_DIR

    def manifest(self) -> dict:
        return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))

    def open_store(self) -> ox.Store:
        return ox.Store.read_only(str(self.store_path))


def current_release(releases_dir: str | Path) -> Release | None:
    """The release 'current' points at, or None when nothing has been published."""
    pointer = Path(releases_dir) / CURRENT
    try:
        target = os.readlink(pointer)
    except OSError:
        return None
    path = (Path(releases_dir) / target).resolve()
    return Release(path) if (path / MANIFEST).is_file() else None


def list_releases(releases_dir: str | Path) -> list[Release]:
    """The finished releases (not 'current', which points at one of them), oldest first."""
    root = Path(releases_dir)
    if not root.is_dir():
        return []
    found = [Release(p) for p in root.iterdir()
             if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and (p / MANIFEST).is_file()]
    return sorted(found, key=lambda release: release.version)


class StagedRelease:
    """A release being written. Use as a context manager: on error the staging directory is removed."""

    def __init__(self, releases_dir: str | Path, version: str):
        self.root = Path(releases_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self.version = version
        self.path = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{version}-", dir=self.root))
        self._lock = os.open(self.path / BUILDER_LOCK, os.O_CREAT | os.O_WRONLY, 0o644)
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(self._lock, f"{os.getpid()}\n".encode())

    def __enter__(self) -> StagedRelease:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def file(self, *parts: str) -> Path:
        target = self.path.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def finish(self, manifest: dict) -> Release:
        """Write the manifest, move the release into place and make it current."""
        self.file(MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        final = self.root / self.version
        if final.exists():
            raise FileExistsError(f"release {final} already exists; releases are never overwritten")
        self.path.chmod(0o755)  # mkdtemp makes it private; a release is for everyone to read
        (self.path / BUILDER_LOCK).unlink()  # still locked through the open descriptor until the rename is done
        os.rename(self.path, final)
        self._unlock()
        make_current(self.root, self.version)
        return Release(final)


def make_current(releases_dir: Path, version: str) -> None:
    """Point 'current' at a release atomically: readers see the old one or the new one, never neither."""
    temporary = releases_dir / f".{CURRENT}-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(version, temporary)
    os.replace(temporary, releases_dir / CURRENT)


def remove_stale_staging(releases_dir: str | Path) -> list[Path]:
    """Remove the staging directories of builds that are no longer running (killed, crashed); return them."""
    root = Path(releases_dir)
    if not root.is_dir():
        return []
    removed, left = [], []
    for path in sorted(root.iterdir()):
        if path.name.startswith(STAGING_PREFIX) and path.is_dir() and not path.is_symlink() and _is_stale(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif path.name.startswith(REMOVING_PREFIX) and path.is_dir() and not path.is_symlink():
            left.append(path)  # pruned, its deletion stopped before the end (or still running: deleting twice is harmless)
    _delete(left, wait=False)
    return removed


def _is_stale(staging: Path) -> bool:
    try:
        handle = os.open(staging / BUILDER_LOCK, os.O_RDONLY)
    except FileNotFoundError:
        try:
            return time.time() - staging.stat().st_mtime > UNLOCKED_STAGING_AGE_S
        except FileNotFoundError:
            return False  # renamed into place meanwhile
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its builder is still writing
    finally:
        os.close(handle)  # closing releases the lock if it was taken
    return True


def prune_releases(releases_dir: str | Path, keep: int, *, wait: bool = True) -> list[Path]:
    """Remove the oldest releases so that ``keep`` remain; never 'current' nor the release before it. Returns what
    was removed. ``keep`` 0 (or less) keeps every release. Each is renamed out of view at once; its files are
    deleted before this returns, or, unless ``wait``, by a process of their own that outlives the caller."""
    releases = list_releases(releases_dir)
    if keep <= 0 or len(releases) <= keep:
        return []
    current = current_release(releases_dir)
    protected: set[Path] = set()
    if current is not None:
        protected.add(current.path)
        older = [r for r in releases if r.version < current.version]
        if older:
            protected.add(older[-1].path)
    removable = [r for r in releases if r.path not in protected]
    excess = len(releases) - keep
    removed, hidden = [], []
    for release in removable[:excess]:  # oldest first: versions start with the build time
        hidden.append(release.path.with_name(f"{REMOVING_PREFIX}{os.getpid()}-{release.version}"))
        os.rename(release.path, hidden[-1])
        removed.append(release.path)
    _delete(hidden, wait=wait)
    return removed


def _delete(folders: list[Path], *, wait: bool) -> None:
    """Delete folders now, or by an ``rm`` of their own, in a session of its own (it outlives a build's command)."""
    if not folders:
        return
    if wait:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        return
    subprocess.Popen(["rm", "-rf", "--", *map(str, folders)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
