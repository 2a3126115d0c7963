"""Two steps of a full build measured alone, each the way it was and the way it is (BENCHMARKS.md, "The change
set's statements sorted once").

    python benchmarks/full_build_steps.py sort RELEASE      # the change set's statements: inserted, read back sorted
    python benchmarks/full_build_steps.py counts RELEASE    # the four count queries: one after the other, two at a time

``sort`` takes the statements of the release's N-Quads dump as a first release's change set does (the resource,
the statement without its graph), inserts them 400 at a time into a temporary SQLite file, and reads them back
sorted and grouped by resource, both ways. ``counts`` runs ``description_change.COUNT_QUERIES`` on the release's
store. Wall-clock seconds, twice each.
"""

from __future__ import annotations

import argparse
import gzip
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import pyoxigraph as ox

from newsfacts.description_change import COUNT_QUERIES

BEFORE = ("SELECT DISTINCT iri, text FROM lines ORDER BY '<' || iri || '>', text", "?")
AFTER = ("SELECT iri, text FROM lines ORDER BY iri, text", "'<' || ? || '>'")


def statements(release: Path) -> list[tuple[str, str]]:
    dump = next((release / "dumps").glob("*.nq.gz"))
    rows = []
    with gzip.open(dump, "rt", encoding="utf-8") as lines:
        for line in lines:
            subject = line[:line.index(" ")]
            if subject.startswith("<"):
                rows.append((subject[1:-1].split("#", 1)[0], line[:line.rindex(" <")]))
    return rows


def sort(rows: list[tuple[str, str]], select: str, resource: str) -> tuple[float, float, int]:
    """Seconds to insert, seconds to read back sorted and grouped, and the statements read (duplicates dropped)."""
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "versions.sqlite")
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                         "CREATE TABLE lines (iri TEXT NOT NULL, text TEXT NOT NULL)")
        started = time.perf_counter()
        for at in range(0, len(rows), 400):
            db.executemany(f"INSERT INTO lines VALUES ({resource}, ?)", rows[at:at + 400])
        inserted = time.perf_counter()
        read = 0
        for _, group in groupby(db.execute(select), key=itemgetter(0)):
            texts: list[str] = []
            for _, text in group:
                if not texts or texts[-1] != text:
                    texts.append(text)
            read += len(texts)
        db.close()
        return inserted - started, time.perf_counter() - inserted, read


def counts(store: ox.Store) -> tuple[float, float]:
    """Seconds for the four queries one after the other, and two at a time."""
    started = time.perf_counter()
    for query in COUNT_QUERIES:
        list(store.query(query))
    alone = time.perf_counter() - started
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda query: list(store.query(query)), COUNT_QUERIES))
    return alone, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("sort", "counts"))
    parser.add_argument("release", type=Path, help="a release's folder (RELEASES_DIR/current)")
    args = parser.parse_args()
    release = args.release.resolve()
    if not (release / "manifest.json").is_file():
        parser.error(f"{args.release} is not a release's folder (no manifest.json)")
    if args.step == "sort":
        rows = statements(release)
        print(f"{len(rows):,} statements")
        for _ in range(2):
            for name, (select, resource) in (("before", BEFORE), ("after", AFTER)):
                inserted, read, kept = sort(rows, select, resource)
                print(f"{name:6} insert {inserted:6.2f} s, read back sorted {read:6.2f} s ({kept:,} statements)")
    else:
        store = ox.Store.read_only(str(release / "store"))
        for _ in range(2):
            alone, two = counts(store)
            print(f"one after the other {alone:5.2f} s, two at a time {two:5.2f} s")


if __name__ == "__main__":
    main()
