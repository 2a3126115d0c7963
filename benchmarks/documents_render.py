"""What storing documents costs a build: every thing's documents of a release rendered again, per thing.

    python benchmarks/documents_render.py /tmp/x/releases/current                      # wall and CPU per thing
    python benchmarks/documents_render.py /tmp/x/releases/current --same-as old.sqlite # and byte-for-byte check

The release (built with or without NEWSFACTS_STORE_DOCUMENTS) is copied without its documents/ to a temporary
folder, and ``newsfacts.documents.write_documents`` renders them all there, as a full build does (its rendering
processes included). Prints the wall time, the CPU time of this process and of its rendering processes, both per
thing, and the load average before and after (other work on the machine slows the figures). With --same-as, every
stored row (stem, suffix, language, ETag, gzip body) is compared with another documents.sqlite of the same
release, made by other code: the count of rows that differ must be 0.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from newsfacts.config import Settings
from newsfacts.documents import DOCUMENTS_DIR, DOCUMENTS_FILE, write_documents


def rows_of(path: Path) -> dict[tuple, tuple]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[:3]: row[3:] for row in db.execute("SELECT stem, suffix, lang, etag, body FROM documents")}
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", type=Path)
    parser.add_argument("--same-as", type=Path, help="a documents.sqlite of the same release to compare with")
    args = parser.parse_args()
    release = args.release.resolve()
    with tempfile.TemporaryDirectory(prefix="newsfacts-documents-") as folder:
        copy = Path(folder) / release.name
        shutil.copytree(release, copy, ignore=shutil.ignore_patterns(DOCUMENTS_DIR))
        print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
        started = time.perf_counter()
        write_documents(copy, release.name, Settings.load())
        wall = time.perf_counter() - started
        print("load average after: ", " ".join(f"{x:.2f}" for x in os.getloadavg()))
        rows = rows_of(copy / DOCUMENTS_DIR / DOCUMENTS_FILE)
        things = len({key[0] for key in rows})
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
        print(f"{things:,} things, {len(rows):,} documents: {wall:.1f} s wall ({wall / things * 1000:.1f} ms per thing), "
              f"{cpu:.1f} s CPU ({cpu / things * 1000:.1f} ms per thing)")
        if args.same_as:
            other = rows_of(args.same_as)
            differ = sum(1 for key in rows.keys() | other.keys() if rows.get(key) != other.get(key))
            print(f"rows that differ from {args.same_as}: {differ}")
            return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
