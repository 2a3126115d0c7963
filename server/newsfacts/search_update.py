"""The search index of an incremental build: the previous release's index with the records of what changed made
again, instead of every record of the corpus.

The records that may differ are those of the things named (as subject or object) by the quads of the articles
mapped again or removed, old and new, and by the quads added to or removed from the shared graphs (entity
descriptions, links): a record is made of its own quads, the claims that mention it, the office holdings that
make it a member, the quotes of its evidence, the claims asserting it (catalog.py). Those quads are read from the
new release's store, each record is made as a full build makes it, and the old rows are replaced. The index then
holds the same rows as a full build's, but for the row ids of the things made again (new ids, at the end), and
its full-text tables are not merged into one segment (``optimize`` would rewrite the whole index).
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import shutil
import sqlite3
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from . import collector
from .catalog import NF, SUBCLASS_OF, kind_of, records
from .search_index import IndexRows, write_records
from .search_parts import CHAIN, HOLDER, PartsText, count_mentions, records_from_parts

ASSERTS = ox.NamedNode(NF + "asserts")
STATED_IN = ox.NamedNode(NF + "statedIn")


def touched_things(quads: Iterable[ox.Quad], base_iri: str) -> set[str]:
    """The IRIs of findable things (entities, events, claims, articles, reports) that ``quads`` name."""
    return {t.value for q in quads for t in (q.subject, q.object)
            if isinstance(t, ox.NamedNode) and kind_of(t.value, base_iri) is not None}


#: How many things' records ``index_from_store`` makes at a time.
INDEX_BATCH = 2_000
#: From this many things on, ``index_from_store`` makes the batches' records in ``INDEX_WORKERS`` worker
#: processes (reading the store is most of the time; the records are written here, in order, meanwhile).
PARALLEL_THINGS = 10_000
#: Two (on two cores or more): at 1M triples the stage takes 26 s instead of 36 s (the build's process writes
#: while both read). Each worker takes about 135 MB at 1M, 245 MB at 10M (the store's pages it reads, a batch's
#: quads); at 10M the stage is the build's peak, 3.5 GB with its workers' 490 MB (BENCHMARKS.md).
INDEX_WORKERS = 2


def index_from_store(store: ox.Store, path: Path, base_iri: str, skip_graph: str,
                     store_path: Path | None = None, parts: PartsText | None = None) -> dict[str, int]:
    """``search_index.write_index`` of the release in ``store`` (its ``skip_graph``, the dataset description, left
    out), the records made ``INDEX_BATCH`` things at a time from the quads they are made of: the same rows, without
    the corpus's quads in memory at once (a full build's index). With ``store_path`` (where ``store`` is) and
    many things, the batches are made by worker processes that open the store read-only while the records
    already made are written here: the same records.

    ``parts``: where the findable things' statements are in the parts' N-Quads text, when the caller has that text
    (a full build: search_parts.py); their records are then made from it where they can be. Else the things are
    asked of the store, which scans every quad (seconds at 1M triples, before any record is made), and every
    record is made from the store."""
    iris = parts.things if parts is not None else sorted(iri for iri in (row[0].value for row in store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{skip_graph}> && isIRI(?s)) }}"))
        if kind_of(iri, base_iri) is not None)
    starts = range(0, len(iris), INDEX_BATCH)
    # each batch: its things, and the texts of the parts that hold their statements (None: made from the store)
    batches = ((iris[start:start + INDEX_BATCH], None if parts is None else parts.sources(start, start + INDEX_BATCH))
               for start in starts)
    spread = parts.spread if parts is not None else frozenset()
    if store_path is None or (os.cpu_count() or 1) < 2 or len(starts) < 2 or len(iris) < PARALLEL_THINGS:
        return write_records((_records(store, chunk, texts, spread, base_iri, skip_graph) for chunk, texts in batches),
                             path, base_iri)
    # spawned, as validation's workers: a worker holds its batch's quads and records, not the build's heap
    workers = min(INDEX_WORKERS, os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_open_store, initargs=(str(store_path), spread)) as pool:
        return write_records(_in_order(pool, batches, base_iri, skip_graph, workers), path, base_iri)


def _in_order(pool: ProcessPoolExecutor, batches, base_iri: str, skip_graph: str, workers: int):
    """The records of each batch, in order, made by ``pool``'s workers, a few batches in flight at a time."""
    pending: deque = deque()
    for chunk, texts in batches:
        pending.append(pool.submit(_worker_records, chunk, texts, base_iri, skip_graph))
        if len(pending) > workers:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _records(store: ox.Store, iris: list[str], texts: list | None, spread: frozenset[str], base_iri: str,
             skip_graph: str) -> list:
    """The records of ``iris``: from ``texts`` where they can be (search_parts.py), else from the store."""
    from_store = functools.partial(records_from_store, store, base_iri=base_iri, skip_graph=skip_graph)
    if texts is None:
        return from_store(set(iris))
    return records_from_parts(store, iris, texts, spread, base_iri, skip_graph, from_store)


_worker_store: ox.Store | None = None
_worker_spread: frozenset[str] = frozenset()


def _open_store(store_path: str, spread: frozenset[str]) -> None:
    global _worker_store, _worker_spread
    _worker_store, _worker_spread = ox.Store.read_only(store_path), spread


@collector.paused()  # a spawned worker does not inherit the build's pause
def _worker_records(iris: list[str], texts: list | None, base_iri: str, skip_graph: str) -> list:
    return _records(_worker_store, iris, texts, _worker_spread, base_iri, skip_graph)


def records_from_store(store: ox.Store, iris: set[str], base_iri: str, skip_graph: str) -> list:
    """The index records (catalog.records) of ``iris``, made from the quads of ``store`` outside ``skip_graph``,
    in the order of their IRIs; the claims that mention each are counted (search_parts.count_mentions): at 10M
    triples the most mentioned entity has 61,501, and a +1 build naming it made them all (4 of its 5.9 s)."""
    made = [r for r in records(_neighbourhood(store, iris, skip_graph), base_iri) if r.iri in iris]
    count_mentions(store, made, skip_graph)
    return made


def _neighbourhood(store: ox.Store, iris: set[str], skip_graph: str) -> list[ox.Quad]:
    """Every quad the records of ``iris`` are made from (catalog.records), from ``store`` outside ``skip_graph``:
    their own quads, the office holdings of which they are the holder, the quads of their evidence, its targets
    and their selectors, and the classes' superclasses (the mentions of them are counted: records_from_store)."""
    found: list[ox.Quad] = []
    subjects: dict[str, list[ox.Quad]] = {}

    def keep(quads) -> list[ox.Quad]:
        kept = [q for q in quads if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == skip_graph)]
        found.extend(kept)
        return kept

    def own(iri: str) -> list[ox.Quad]:
        if iri not in subjects:
            subjects[iri] = keep(store.quads_for_pattern(ox.NamedNode(iri), None, None, None))
        return subjects[iri]

    keep(store.quads_for_pattern(None, ox.NamedNode(SUBCLASS_OF), None, None))
    for iri in sorted(iris):
        node = ox.NamedNode(iri)
        level = [q for q in own(iri) if q.predicate.value == CHAIN[0]]
        for q in store.quads_for_pattern(None, HOLDER, node, None):
            own(q.subject.value)
        for predicate in (*CHAIN[1:], ""):
            level = [x for q in level if isinstance(q.object, ox.NamedNode) for x in own(q.object.value)
                     if x.predicate.value == predicate]
    return list(dict.fromkeys(found))


def update_index(previous: Path, path: Path, store: ox.Store, touched: set[str], base_iri: str,
                 skip_graph: str) -> int:
    """Write at ``path`` the index of the release in ``store`` from the ``previous`` release's index and the
    things ``touched`` by the change (touched_things); the number of records made again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(previous, path)
    made = {r.iri: r for r in records_from_store(store, touched, base_iri, skip_graph)}
    db = sqlite3.connect(path)
    try:
        iris = sorted(touched)
        type_counts: dict[tuple[str, str], int] = {}
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(f"SELECT id, kind, types FROM things WHERE iri IN ({marks})", chunk).fetchall()
            for _id, kind, types in rows:
                key = (kind, (json.loads(types)[:1] or [""])[0])
                type_counts[key] = type_counts.get(key, 0) - 1
            ids = [row[0] for row in rows]
            if ids:
                id_marks = ",".join("?" * len(ids))
                for statement in ("DELETE FROM names WHERE thing IN ({})", "DELETE FROM search WHERE rowid IN ({})",
                                  "DELETE FROM entity_search WHERE rowid IN ({})", "DELETE FROM things WHERE id IN ({})"):
                    db.execute(statement.format(id_marks), ids)
            db.execute(f"DELETE FROM links WHERE subject IN ({marks})", chunk)
        (number,) = db.execute("SELECT coalesce(max(id), 0) FROM things").fetchone()
        rows, entities = IndexRows(), []
        for record in sorted(made.values(), key=lambda r: r.iri):
            number += 1
            key = (record.kind, (record.types[:1] or [""])[0])
            type_counts[key] = type_counts.get(key, 0) + 1
            rows.add(number, record)
            if record.kind == "entity":
                entities.append((number,))
        rows.insert(db)
        db.executemany("INSERT INTO entity_search(rowid, name, alt, body) SELECT rowid, name, alt, body FROM search "
                       "WHERE rowid = ?", entities)
        asserting = records(_asserting(store, iris, skip_graph), base_iri)
        for record in asserting:  # events know the claims that assert them, and through those, their articles
            for event in record.links.get("asserts", []):
                if event in touched:
                    db.execute("INSERT INTO links VALUES (?, 'assertedBy', ?)", (event, record.iri))
                    for article in record.links.get("statedIn", []):
                        db.execute("INSERT INTO links VALUES (?, 'inArticle', ?)", (event, article))
        for (kind, type_), change in type_counts.items():
            if change:
                db.execute("INSERT INTO kinds_types SELECT ?, ?, 0 WHERE NOT EXISTS "
                           "(SELECT 1 FROM kinds_types WHERE kind = ? AND type = ?)", (kind, type_, kind, type_))
                db.execute("UPDATE kinds_types SET count = count + ? WHERE kind = ? AND type = ?", (change, kind, type_))
        db.execute("DELETE FROM kinds_types WHERE count <= 0")
        db.commit()
    finally:
        db.close()
    return len(made)


def _asserting(store: ox.Store, iris: list[str], skip_graph: str) -> list[ox.Quad]:
    """The claims asserting each of ``iris`` (their nf:asserts and nf:statedIn quads): the links table's rows."""
    found = []
    for iri in iris:
        for q in store.quads_for_pattern(None, ASSERTS, ox.NamedNode(iri), None):
            if q.graph_name.value != skip_graph:
                found.append(q)
                found += [x for x in store.quads_for_pattern(q.subject, STATED_IN, None, None)
                          if x.graph_name.value != skip_graph]
    return list(dict.fromkeys(found))
