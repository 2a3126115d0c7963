"""Documents computed at build time: every thing's document in every format, stored once in the release.

A release never changes, so neither do its documents: the build renders each one (Turtle, JSON-LD, N-Triples,
RDF/XML, HTML in English and Spanish; the first page) with the web tier's own code, compresses it once, and
stores it with its ETag in ``documents/documents.sqlite``; the web tier answers with those bytes
(``web/linked_data/stored_documents.py``), whatever the size of the corpus. One SQLite file rather than a file
per document: a million triples make about half a million documents.

Documents are made for the public base ``base_iri`` (the release never names the host that serves it): a server
whose ``public_url`` is the base IRI serves them; one with another public URL renders documents as before.

    CREATE TABLE documents (stem TEXT, suffix TEXT, lang TEXT, etag TEXT, body BLOB)   -- body: gzip, mtime 0
    CREATE UNIQUE INDEX document ON documents (stem, suffix, lang)
    CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT)   -- version, public_base, documents, things, code

``stem`` is the request path without its leading slash and format suffix (``entity/iran``), ``lang`` is empty
but for HTML.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import multiprocessing
import os
import sqlite3
import time
from pathlib import Path

import pyoxigraph as ox

from .config import Settings
from .release import STORE_DIR

DOCUMENTS_DIR = "documents"
DOCUMENTS_FILE = "documents.sqlite"
#: What the ETag of a gzip-encoded answer ends with (the identity encoding is another representation).
GZIP_SUFFIX = "-gzip"
#: Path roots of the things whose documents are stored (the dataset, the validation report and the named graphs
#: are documents of the release, few and cheap: they are rendered on request).
STORED_ROOTS = ("entity/", "article/", "report/", "event/", "situation/", "claim/", "evidence/", "concept/",
                "ontology/")
CHUNK = 100  # things per task of a rendering process


def write_documents(release_path: str | Path, version: str, settings: Settings) -> dict[str, float]:
    """Render and store every thing's documents in the release being written at ``release_path`` (its store is
    written and closed); returns timings for the manifest. Nothing is written for a remote store."""
    if settings.store != "embedded":
        return {}
    started = time.perf_counter()
    release_path = Path(release_path)
    stems = thing_stems(release_path / STORE_DIR, settings.base_iri)
    target = release_path / DOCUMENTS_DIR / DOCUMENTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    db = sqlite3.connect(target)
    db.executescript("""
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;
        CREATE TABLE documents (stem TEXT, suffix TEXT, lang TEXT, etag TEXT, body BLOB);
        CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT);""")
    chunks = [stems[i:i + CHUNK] for i in range(0, len(stems), CHUNK)]
    processes = min(os.cpu_count() or 1, len(chunks))
    count = 0
    if processes > 1:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: the build's memory is not copied
        with context.Pool(processes, initializer=_start, initargs=(str(release_path), version, settings)) as pool:
            for rows in pool.imap(_render_chunk, chunks):
                count += _insert(db, rows)
    else:
        _start(str(release_path), version, settings)
        for chunk in chunks:
            count += _insert(db, _render_chunk(chunk))
    db.execute("CREATE UNIQUE INDEX document ON documents (stem, suffix, lang)")
    db.executemany("INSERT INTO about VALUES (?, ?)", [("version", version), ("public_base", settings.base_iri),
                                                       ("documents", str(count)), ("things", str(len(stems))),
                                                       ("code", code_digest())])
    db.commit()
    db.close()
    return {"documents_s": time.perf_counter() - started}


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the code and templates that render documents (the whole package): stored documents are served
    only by the code that made them, so a server running other code renders documents until the next build."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".html", ".json", ".jsonld",
                                                                                      ".rq")
                       and "__pycache__" not in p.parts):
        digest.update(f"{path.relative_to(package)}\n".encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def thing_stems(store_path: Path, base_iri: str) -> list[str]:
    """The request path (no leading slash, no suffix) of every thing named in the store whose documents are
    stored: the IRIs under the base that are subjects or objects, each hash IRI by its base document."""
    from .web.linked_data.paths import is_iri, path_of, split_suffix

    store = ox.Store.read_only(str(store_path))
    found = set()
    for query in ("SELECT DISTINCT ?x WHERE { ?x ?p ?o FILTER(isIRI(?x)) }",
                  "SELECT DISTINCT ?x WHERE { ?s ?p ?x FILTER(isIRI(?x)) }"):
        for row in store.query(query, use_default_graph_as_union=True):
            path = path_of(row["x"].value, base_iri)
            if path is not None:
                found.add(path[1:].partition("#")[0])
    del store
    # a stem ending in a format suffix or a slash is not the stem of its request path (the ontology's namespace
    # document, "ontology/", is one of those): such documents are rendered on request
    return sorted(stem for stem in found if stem.startswith(STORED_ROOTS) and not stem.endswith("/")
                  and split_suffix(stem)[1] is None and is_iri(base_iri + stem))


def _insert(db: sqlite3.Connection, rows: list[tuple]) -> int:
    db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


_renderer = None


def _start(release_path: str, version: str, settings: Settings) -> None:
    global _renderer
    from .web.linked_data.prerender import Prerenderer

    _renderer = Prerenderer(Path(release_path), version, settings)


def _render_chunk(stems: list[str]) -> list[tuple[str, str, str, str, bytes]]:
    rows = []
    for stem in stems:
        for suffix, lang, etag, body in _renderer.render(stem):
            rows.append((stem, suffix, lang, etag, gzip.compress(body, compresslevel=6, mtime=0)))
    return rows
