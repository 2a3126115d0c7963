"""The release's search index: one SQLite file (``search/index.sqlite``) with an FTS5 full-text table.

Written at build time from the catalog records (``catalog.records``), read at serve time, read-only, by
/search, /reconcile, the indexes and the timeline. Being a file of the release, it serves the same with the
embedded store and with a remote one. Names, alternative labels, descriptions, claim texts and quotes are
indexed with the ``unicode61 remove_diacritics 2`` tokenizer, so "Nicolas Maduro" finds "Nicolás Maduro".
BENCHMARKS.md says why SQLite FTS5 rather than tantivy.

Entities are indexed twice: in ``search`` with everything else, and alone in ``entity_search``, so that
reconciliation and entity suggestions rank only entities (at most as many as there are entities) however common
a word is among the names of events and claims.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .catalog import KINDS, Record, records
from .problems import BuildFailed

SEARCH_DIR = "search"
INDEX_FILE = "index.sqlite"
FORMAT = "2"  # 2: entity_search
#: bm25 weights of the columns name, alt, body: a hit in a name counts most.
WEIGHTS = (10.0, 4.0, 1.0)
MAX_TOKENS = 16

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE things (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL, name_es TEXT,
  sort_name TEXT NOT NULL, description TEXT, types TEXT NOT NULL, ancestors TEXT NOT NULL, wikidata TEXT NOT NULL,
  links TEXT NOT NULL, mentioned_by INTEGER NOT NULL, time TEXT NOT NULL, claim TEXT NOT NULL, sort_time TEXT);
CREATE INDEX things_kind ON things (kind, sort_name);
CREATE TABLE names (thing INTEGER NOT NULL, lang TEXT NOT NULL, name TEXT NOT NULL, folded TEXT NOT NULL,
  alt INTEGER NOT NULL);
CREATE INDEX names_folded ON names (folded);
CREATE INDEX names_thing ON names (thing);
CREATE TABLE links (subject TEXT NOT NULL, relation TEXT NOT NULL, object TEXT NOT NULL);
CREATE INDEX links_object ON links (object, relation);
CREATE INDEX links_subject ON links (subject, relation);
CREATE TABLE kinds_types (kind TEXT NOT NULL, type TEXT NOT NULL, count INTEGER NOT NULL);
CREATE VIRTUAL TABLE search USING fts5(name, alt, body, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE entity_search USING fts5(name, alt, body, tokenize = 'unicode61 remove_diacritics 2');
"""


def fold(text: str) -> str:
    """Lower case without accents: the form names are compared in ("Nicolás" -> "nicolas")."""
    if text.isascii():  # nothing to decompose, no accent to drop: the same result, at a fraction of the cost
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def sort_time(time: dict[str, str]) -> str | None:
    """Where an event goes in time order, or None when the text places it at no year (undated)."""
    for key in ("date", "not_before", "not_after"):
        value = time.get(key, "")
        if value and not value.startswith("--"):
            return value
    return None


def write_index(quads: list[ox.Quad], path: Path, base_iri: str) -> dict[str, int]:
    """Write the index of a release's quads to ``path``; the counts of records by kind."""
    return write_records([records(quads, base_iri)], path, base_iri)


def write_records(batches, path: Path, base_iri: str) -> dict[str, int]:
    """Write the index of the records given in batches, in the order of their IRIs; the counts by kind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        try:
            db.executescript(SCHEMA)
        except sqlite3.OperationalError as exc:
            raise BuildFailed(f"cannot write the search index: this Python's SQLite {sqlite3.sqlite_version} lacks FTS5 "
                              f"or its unicode61 tokenizer ({exc})") from exc
        # a new file of a release being staged (removed if the build stops): no rollback journal, no waiting on the disk
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("base_iri", base_iri)])
        counts: dict[str, int] = {}
        type_counts: dict[tuple[str, str], int] = {}
        number = 0
        # the links from claims to events follow every record's own (as one batch gives them): kept aside till then
        db.execute("CREATE TEMP TABLE asserted (subject TEXT NOT NULL, relation TEXT NOT NULL, object TEXT NOT NULL)")
        for found in batches:
            rows = IndexRows()
            for record in found:
                number += 1
                counts[record.kind] = counts.get(record.kind, 0) + 1
                for t in record.types[:1] or [""]:
                    type_counts[(record.kind, t)] = type_counts.get((record.kind, t), 0) + 1
                rows.add(number, record)
            rows.insert(db)
            for record in found:  # events know the claims that assert them, and through those, their articles
                for event in record.links.get("asserts", []):
                    db.execute("INSERT INTO asserted VALUES (?, 'assertedBy', ?)", (event, record.iri))
                    for article in record.links.get("statedIn", []):
                        db.execute("INSERT INTO asserted VALUES (?, 'inArticle', ?)", (event, article))
        db.execute("INSERT INTO links SELECT subject, relation, object FROM asserted ORDER BY rowid")
        db.execute("DROP TABLE asserted")
        db.executemany("INSERT INTO kinds_types VALUES (?, ?, ?)", [(k, t, n) for (k, t), n in type_counts.items()])
        db.execute("INSERT INTO entity_search(rowid, name, alt, body) SELECT search.rowid, search.name, search.alt, search.body "
                   "FROM things CROSS JOIN search ON search.rowid = things.id WHERE things.kind = 'entity'")
        db.execute("INSERT INTO search(search) VALUES ('optimize')")
        db.execute("INSERT INTO entity_search(entity_search) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()
    return counts


class IndexRows:
    """The rows of records for each table, inserted a table at a time (one statement for many rows costs less
    than one for each: BENCHMARKS.md, "A full build's search index made from the articles' text")."""

    def __init__(self):
        self.things: list[tuple] = []
        self.names: list[tuple] = []
        self.links: list[tuple] = []
        self.search: list[tuple] = []

    def add(self, number: int, record: Record) -> None:
        name = record.name("en")
        spanish = next((label for lang, label in record.names if lang == "es"), None)
        self.things.append((
            number, record.iri, record.kind, name, spanish, fold(name), "; ".join(record.descriptions) or None,
            json.dumps(record.types), " " + " ".join(sorted(record.ancestors)) + " ", json.dumps(record.wikidata),
            json.dumps({k: v for k, v in record.links.items() if v}), record.mentioned_by, json.dumps(record.time),
            json.dumps(record.claim), sort_time(record.time) if record.kind == "event" else None))
        all_names = [(lang, label, 0) for lang, label in record.names] + \
            [(lang, label, 1) for lang, label in record.alt_names]
        if record.kind == "claim" and not all_names and record.claim.get("text"):
            all_names = [("", record.claim["text"], 0)]
        self.names += [(number, lang, label, fold(label), alt) for lang, label, alt in all_names]
        for relation, objects in record.links.items():
            if relation in ("hasParticipant", "place", "locatedIn", "partOf", "memberOf", "attributedTo", "mentions"):
                self.links += [(record.iri, relation, o) for o in objects]
        self.search.append((number, " · ".join(label for _, label, alt in all_names if not alt),
                            " · ".join(label for _, label, alt in all_names if alt),
                            " · ".join(record.descriptions + record.texts)))

    def insert(self, db: sqlite3.Connection) -> None:
        db.executemany("INSERT INTO things VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.things)
        db.executemany("INSERT INTO names VALUES (?, ?, ?, ?, ?)", self.names)
        db.executemany("INSERT INTO links VALUES (?, ?, ?)", self.links)
        db.executemany("INSERT INTO search(rowid, name, alt, body) VALUES (?, ?, ?, ?)", self.search)


@dataclass
class Hit:
    iri: str
    kind: str
    name: str
    name_es: str | None
    description: str | None
    types: list[str]
    score: float
    snippet: str

    def label(self, lang: str) -> str:
        return self.name_es if lang == "es" and self.name_es else self.name


def match_expression(text: str, prefix: bool = True, any_word: bool = False, columns: str = "") -> str | None:
    """The FTS5 query for words a person typed: every word quoted (no operator can be injected), each a prefix."""
    words = [w for w in re.findall(r"\w+", text)][:MAX_TOKENS]
    if not words:
        return None
    terms = [f'"{w}"' + ("*" if prefix else "") for w in words]
    expression = (" OR " if any_word else " AND ").join(terms)
    return f"{columns} : ({expression})" if columns else expression


class SearchIndex:
    """The index of one release, opened read-only; one SQLite connection per thread."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    @property
    def db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "db", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            self._local.db = connection
        return connection

    def counts(self, text: str) -> dict[str, int]:
        """How many things of each kind match, in the order of KINDS."""
        expression = match_expression(text)
        if expression is None:
            return {}
        rows = self.db.execute("SELECT kind, count(*) AS n FROM search JOIN things ON things.id = search.rowid "
                               "WHERE search MATCH ? GROUP BY kind", (expression,)).fetchall()
        found = {row["kind"]: row["n"] for row in rows}
        return {kind: found[kind] for kind in KINDS if kind in found}

    def search(self, text: str, kind: str, limit: int, offset: int = 0) -> list[Hit]:
        """The best matches of one kind, best first (bm25 over name, alternative names and text)."""
        expression = match_expression(text)
        if expression is None:
            return []
        table = self.entity_table if kind == "entity" else "search"
        rows = self.db.execute(
            f"SELECT things.*, bm25({table}, ?, ?, ?) AS score, snippet({table}, 2, '\x02', '\x03', '…', 16) AS snip "
            f"FROM {table} CROSS JOIN things ON things.id = {table}.rowid WHERE {table} MATCH ? AND things.kind = ? "
            "ORDER BY score, things.sort_name LIMIT ? OFFSET ?", (*WEIGHTS, expression, kind, limit, offset)).fetchall()
        return [Hit(r["iri"], r["kind"], r["name"], r["name_es"], r["description"], json.loads(r["types"]),
                    -r["score"], r["snip"] or "") for r in rows]

    @property
    def entity_table(self) -> str:
        """The full-text table of entities alone; ``search`` in an index written before there was one."""
        found = getattr(self._local, "entity_table", None)
        if found is None:
            found = "entity_search" if self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'entity_search'").fetchone() else "search"
            self._local.entity_table = found
        return found

    def name_candidates(self, text: str, limit: int, kind: str = "entity", types: list[str] = ()) -> list[dict]:
        """Things of a kind (and of one of ``types``, subclasses included) any of whose names shares a word (or a
        word's beginning) with ``text``, best first (bm25 over names and alternative names), as dicts of the columns
        of ``things``. For entities, only entities are ranked (``entity_search``): the cost follows the number of
        entities that match, not of all things."""
        expression = match_expression(text, any_word=True, columns="{name alt}")
        if expression is None:
            return []
        table = self.entity_table if kind == "entity" else "search"
        conditions = ["things.kind = ?"] if table == "search" else []
        if types:
            conditions.append("(" + " OR ".join("things.ancestors LIKE ?" for _ in types) + ")")
        where = "".join(f" AND {c}" for c in conditions)
        # CROSS JOIN: the full-text hits drive the join (never a scan of things probing the index per row)
        return _json_rows(self.db.execute(
            f"SELECT json_group_array(json_object('score', hit.score, {_THING_COLUMNS})) FROM (SELECT things.*, "
            f"bm25({table}, ?, ?, ?) AS score FROM {table} CROSS JOIN things ON things.id = {table}.rowid "
            f"WHERE {table} MATCH ?{where} ORDER BY score LIMIT ?) AS hit",
            (*WEIGHTS, expression, *([kind] if table == "search" else []), *(f"% {t} %" for t in types), limit)),
            key=lambda row: row["score"])

    def exact_name(self, text: str, kind: str = "entity") -> list[sqlite3.Row]:
        """Things of a kind one of whose names is ``text`` once folded (an index lookup, whatever the words)."""
        return self.db.execute("SELECT DISTINCT things.* FROM names CROSS JOIN things ON things.id = names.thing "
                               "WHERE names.folded = ? AND things.kind = ? LIMIT 100", (fold(text), kind)).fetchall()

    def thing(self, iri: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM things WHERE iri = ?", (iri,)).fetchone()

    def names(self, thing_id: int) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM names WHERE thing = ?", (thing_id,)).fetchall()

    def names_by_thing(self, ids: list[int]) -> dict[int, list[dict]]:
        """Every name of each of these things, by thing id, in one query."""
        found: dict[int, list[dict]] = {}
        if ids:
            marks = ",".join("?" * len(ids))
            for row in _json_rows(self.db.execute(
                    "SELECT json_group_array(json_object('thing', thing, 'lang', lang, 'name', name, 'folded', folded, "
                    f"'alt', alt)) FROM names WHERE thing IN ({marks})", ids)):
                found.setdefault(row["thing"], []).append(row)
        return found

    def names_of(self, iris: list[str]) -> dict[str, str]:
        """English names of things, by IRI (for the values of links)."""
        found = {}
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update({r["iri"]: r["name"] for r in self.db.execute(
                f"SELECT iri, name FROM things WHERE iri IN ({marks})", chunk)})
        return found

    def close(self) -> None:
        connection = getattr(self._local, "db", None)
        if connection is not None:
            connection.close()
            self._local.db = None


#: The columns of ``things`` as json_object() arguments (see _json_rows).
_THING_COLUMNS = ", ".join(f"'{c}', hit.{c}" for c in (
    "id", "iri", "kind", "name", "name_es", "sort_name", "description", "types", "ancestors", "wikidata", "links",
    "mentioned_by", "time", "claim", "sort_time"))


def _json_rows(cursor: sqlite3.Cursor, key=None) -> list[dict]:
    """The rows of a query that aggregates them into one JSON array. Python's sqlite3 lets go of the GIL and takes
    it back for every row it steps through; under a multi-threaded server each taking back may wait for another
    thread's turn, so the requests that read many rows wait longest. One row of JSON is one step."""
    (raw,) = cursor.fetchone()
    rows = json.loads(raw) if raw else []
    return sorted(rows, key=key) if key else rows


def index_path(release_path: Path) -> Path:
    return Path(release_path) / SEARCH_DIR / INDEX_FILE
