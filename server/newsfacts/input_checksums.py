"""The SHA-256 of the build's input files (facts files, source texts), read again only when a file changed.

An incremental build needs the checksum of every facts file and source text to know which articles changed, and
reading them all makes adding one article cost in proportion to the corpus. So each checksum is kept, in
``releases_dir/input-checksums.json`` (beside the releases, not in one: it describes this machine's files), with
the file's device, inode, size, modification time and change time (nanoseconds), and used again only when all
five are the same. What this trusts: that a file whose five are unchanged holds the same bytes. Writing a file
changes its change time, and setting its modification time back (``touch -d``, ``os.utime``) changes it too; only
a change of the system clock, or writing to the disk beneath the file system, could keep them all. A file changed
less than ``RACY_NS`` before it was read is not kept (its next change could fall within the same timestamp tick),
so it is read again by the next build. Anything unreadable in the cache file makes it empty: a miss, never a
wrong checksum.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

CACHE_FILE = "input-checksums.json"
#: Files changed this recently (nanoseconds) before being read are not kept: coarse file system timestamps.
RACY_NS = 2_000_000_000


def _stamp(stat: os.stat_result) -> list[int]:
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


class InputChecksums:
    """SHA-256 of files by absolute path, with the stat they were read at (see the module's docstring)."""

    def __init__(self, folder: str | Path | None):
        self.path = Path(folder) / CACHE_FILE if folder else None
        self.kept: dict[str, list] = {}  # absolute path -> [dev, inode, size, mtime_ns, ctime_ns, sha256]
        self.used: dict[str, list] = {}  # the entries this build looked up or made: what is saved
        self.found: dict[str, str] = {}  # absolute path -> SHA-256 of every file this build read or found kept
        self.read = 0  # files read (hashed) by this build
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8")) if self.path else {}
            if isinstance(kept, dict):
                self.kept = {name: entry for name, entry in kept.items() if _valid(entry)}
        except (OSError, ValueError):
            pass

    def cached(self, path: Path) -> tuple[str | None, list[int] | None]:
        """The kept SHA-256 of ``path`` when its stat is unchanged (else None), and its stat now (None if it cannot
        be taken); give the stat to ``keep`` once the file is read."""
        try:
            stamp = _stamp(os.stat(path))
        except OSError:
            return None, None
        name = os.path.abspath(path)
        entry = self.kept.get(name)
        if entry is not None and entry[:5] == stamp:
            self.used[name] = entry
            self.found[name] = entry[5]
            return entry[5], stamp
        return None, stamp

    def keep(self, path: Path, stamp: list[int] | None, sha256: str) -> str:
        """Remember ``sha256`` of ``path`` as read at ``stamp`` (taken before reading), unless it was changed too
        recently to trust its times; returns ``sha256``."""
        self.read += 1
        name = os.path.abspath(path)
        self.found[name] = sha256
        if stamp is not None and time.time_ns() - max(stamp[3], stamp[4]) > RACY_NS:
            self.used[name] = [*stamp, sha256]
        return sha256

    def sha256(self, path: Path) -> str:
        """The SHA-256 of a file's bytes: as this build found it already, kept, or read now (OSError when it
        cannot be read). A file is read at most once by a build: the manifest names the bytes it was built from."""
        if (found := self.found.get(os.path.abspath(path))) is not None:
            return found
        known, stamp = self.cached(path)
        if known is not None:
            return known
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return self.keep(path, stamp, digest.hexdigest())

    def save(self) -> None:
        """Write the entries this build used or made (files no longer read are dropped), atomically, making the
        folder if need be; one that cannot be written to is left as it is (the cache only saves time). What this
        holds is then let go of (a 10M corpus has about 50,000 inputs): later stages have the memory."""
        try:
            self._write()
        finally:
            self.kept, self.used, self.found = {}, {}, {}

    def _write(self) -> None:
        if self.path is None or self.used == self.kept:
            return
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.path.parent, prefix=f".{CACHE_FILE}-",
                                             delete=False) as out:
                temporary = out.name
                json.dump(self.used, out, sort_keys=True, separators=(",", ":"))
            os.chmod(temporary, 0o644)  # as the releases beside it (a temporary file is private)
            os.replace(temporary, self.path)
        except OSError:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


def _valid(entry: object) -> bool:
    return (isinstance(entry, list) and len(entry) == 6 and all(isinstance(n, int) for n in entry[:5])
            and isinstance(entry[5], str) and len(entry[5]) == 64)
