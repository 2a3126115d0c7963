"""Steps of a full build measured alone, each the way it was and the way it is (BENCHMARKS.md, "The change
set's statements sorted once", "Unchanged graphs found by their bytes", "A full build's search index made from the
articles' text").

    python benchmarks/full_build_steps.py sort RELEASE      # the change set's statements: inserted, read back sorted
    python benchmarks/full_build_steps.py counts RELEASE    # the four count queries: one after the other, two at a time
    python benchmarks/full_build_steps.py changes RELEASE NEWER    # the change set of NEWER against RELEASE
    python benchmarks/full_build_steps.py load RELEASE      # the store's bulk load: a slice at a time, two at a time
    python benchmarks/full_build_steps.py index RELEASE     # a batch of the search index's records: from the store,
                                                            # from the parts' text

``sort`` takes the statements of the release's N-Quads dump as a first release's change set does (the resource,
the statement without its graph), inserts them 400 at a time into a temporary SQLite file, and reads them back
sorted and grouped by resource, both ways. ``counts`` runs ``description_change.COUNT_QUERIES`` on the release's
store. Wall-clock seconds, twice each. ``changes`` computes the change set of a full build of NEWER against
RELEASE (``history.compute``), NEWER's graphs given as a build gives them (each graph's N-Quads text, read from
NEWER's dump) with, where this code reads them (``dump_graphs``), the members of NEWER's dump; once, the seconds
and what it found. Run it with each code (``PYTHONPATH`` at the other's ``server/``) to compare them. ``load`` bulk-loads the
release's article parts (``articles/*.nq``) into a new store in the system's temporary folder with
``build._load_store`` (slices of ``LOAD_QUADS`` quads, then compacted), one and then two slices at a time
(``LOAD_THREADS``); twice each. ``index`` makes the search index records of a batch of claims and of events
(``INDEX_BATCH`` things from the middle of their kind), in this process, from the release's store and from its
article parts' text (``search_parts``: the parts are the release's ``articles/*.nq``, which also hold the entity
descriptions); twice each, in turns, checking that both give the same records.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox

from newsfacts import build, history
from newsfacts.description_change import COUNT_QUERIES
from newsfacts.part_quads import CorpusQuads, GraphQuads, NQuadsFile, NQuadsText, graph_of
from newsfacts.release import Release

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


def changes(release: Path, newer: Path) -> None:
    """The change set of ``newer`` against ``release``, timed: what it found, and the seconds."""
    groups, members = {}, {}
    try:
        from newsfacts.dump_graphs import DumpGraphs
    except ImportError:  # code of before dump_graphs: the dump's lines grouped by graph, no members
        with gzip.open(next((newer / "dumps").glob("*.nq.gz")), "rb") as data:
            for graph, lines in groupby(data, key=lambda line: graph_of(line[:-1])):
                groups[graph] = GraphQuads(NQuadsText(b"".join(lines)), graph)
        old = history.DumpGraphs(Release(release))
    else:
        for graph, packed, quads in DumpGraphs(Release(newer)).members():
            groups[graph], members[graph] = quads, (len(quads.lines()), packed)
        old = DumpGraphs(Release(release))
    given = {"new_members": members} if members else {}
    print(f"{len(groups):,} graphs; members given: {bool(given)}")
    started = time.perf_counter()
    found = history.compute(old, groups, "v", release.name, "2026-11-28T00:00:00Z",
                            "https://newsfacts.example/", **given)
    versions = sum(text.count("\n") for text in found["versions"])
    print(f"change set {time.perf_counter() - started:7.1f} s: {len(found['added']):,} quads added, "
          f"{len(found['removed']):,} removed, {len(found['summary']['resources']):,} resources, {versions:,} statements")


def load(release: Path, threads: int) -> str:
    """``build._load_store`` of the release's parts with ``threads`` slices at a time: seconds, CPU, quads."""
    build.LOAD_THREADS = threads
    corpus = CorpusQuads([SimpleNamespace(quads=NQuadsFile(path), mapped=True)
                          for path in sorted((release / "articles").glob("*.nq"))], "", [])
    with tempfile.TemporaryDirectory(prefix="newsfacts-load-") as folder:
        cpu = os.times()
        seconds = build._load_store(corpus, SimpleNamespace(file=lambda *names: Path(folder, *names)))
        used = os.times()
        quads = len(ox.Store.read_only(str(Path(folder, build.STORE_DIR))))
    return (f"{threads} at a time: {seconds:5.1f} s (loaded and compacted), "
            f"CPU {used.user + used.system - cpu.user - cpu.system:5.1f} s, {quads:,} quads")


def index(release: Path) -> None:
    """A batch of claims' and of events' search records made both ways, in turns: seconds."""
    from newsfacts.search_parts import PartsText
    from newsfacts.search_update import INDEX_BATCH, _records

    base, parts = "https://newsfacts.example/", [SimpleNamespace(quads=NQuadsFile(path), mapped=True)
                                                   for path in sorted((release / "articles").glob("*.nq"))]
    store = ox.Store.read_only(str(release / "store"))
    places = PartsText.of(CorpusQuads(parts, f"{base}graph/entities", []).subjects_and_predicates()[0], parts, base)
    for kind in ("claim", "event"):
        starts = [at for at in range(0, len(places.things), INDEX_BATCH) if places.things[at].startswith(f"{base}{kind}/")]
        at = starts[len(starts) // 2]
        things, texts = places.things[at:at + INDEX_BATCH], places.sources(at, at + INDEX_BATCH)
        for _ in range(2):
            timed = {}
            for way, given in (("store", None), ("text", texts)):
                started = time.perf_counter()
                timed[way] = _records(store, things, given, places.spread, base, f"{base}graph/dataset")
                timed[way + " s"] = time.perf_counter() - started
            same = [vars(r) for r in timed["store"]] == [vars(r) for r in timed["text"]]
            print(f"{len(things):,} {kind}s in {len(texts or ()):,} parts: from the store {timed['store s']:5.2f} s, "
                  f"from the text {timed['text s']:5.2f} s; the same records: {same}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("sort", "counts", "changes", "load", "index"))
    parser.add_argument("release", type=Path, help="a release's folder (RELEASES_DIR/current)")
    parser.add_argument("newer", type=Path, nargs="?", help="changes: the release whose change set is computed")
    args = parser.parse_args()
    release = args.release.resolve()
    for folder in (args.release, args.newer):
        if folder is not None and not (folder / "manifest.json").is_file():
            parser.error(f"{folder} is not a release's folder (no manifest.json)")
    if args.step == "changes":
        if args.newer is None:
            parser.error("changes: give the newer release's folder too")
        changes(release, args.newer.resolve())
    elif args.step == "index":
        index(release)
    elif args.step == "load":
        for _ in range(2):
            for threads in (1, 2):
                print(load(release, threads), flush=True)
    elif args.step == "sort":
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
