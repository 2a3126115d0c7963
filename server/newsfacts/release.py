"""Releases: immutable, versioned directories, and the 'current' pointer that serving follows.

A release is written in a staging directory, renamed into place when complete,
and only then made current by atomically replacing the 'current' symlink. A
failed build leaves the served release as it was; an existing release is never
written to again.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

CURRENT = "current"
STORE_DIR = "store"
DUMPS_DIR = "dumps"
MANIFEST = "manifest.json"
VOID_FILE = "void.ttl"
REPORT_FILE = "validation-report.ttl"


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
    root = Path(releases_dir)
    if not root.is_dir():
        return []
    return sorted(Release(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file())


class StagedRelease:
    """A release being written. Use as a context manager: on error the staging directory is removed."""

    def __init__(self, releases_dir: str | Path, version: str):
        self.root = Path(releases_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self.version = version
        self.path = Path(tempfile.mkdtemp(prefix=f".staging-{version}-", dir=self.root))

    def __enter__(self) -> StagedRelease:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)

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
        os.rename(self.path, final)
        make_current(self.root, self.version)
        return Release(final)


def make_current(releases_dir: Path, version: str) -> None:
    """Point 'current' at a release atomically: readers see the old one or the new one, never neither."""
    temporary = releases_dir / f".{CURRENT}-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(version, temporary)
    os.replace(temporary, releases_dir / CURRENT)
