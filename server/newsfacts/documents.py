"""Documents computed at build time: every thing's document in every format, stored once in the release.

A release never changes, so neither do its documents: the build renders each one (Turtle, JSON-LD, N-Triples,
RDF/XML, HTML in English and Spanish; the first page) with the web tier's own code, compresses it once, and
stores it with its ETag in ``documents/documents.sqlite``; the web tier answers with those bytes
(``web/linked_data/stored_documents.py``), whatever the size of the corpus. One SQLite file rather than a file
per document: a million triples make about half a million documents.

Documents are made for the public base ``base_iri`` (the release never names the host that serves it): a server
whose ``public_url`` is the base IRI serves them; one with another public URL renders documents as before.

    CREATE TABLE documents (stem TEXT, suffix TEXT, lang TEXT, etag TEXT, body BLOB, identity BLOB)
        -- body: gzip, mtime 0; identity: the body uncompressed, for documents of IDENTITY_MIN_BYTES or more
    CREATE UNIQUE INDEX document ON documents (stem, suffix, lang)
    CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT)   -- version, public_base, documents, things, code,
                                                            -- rendered (things rendered by this build)

``stem`` is the request path without its leading slash and format suffix (``entity/iran``), ``lang`` is empty
but for HTML.

An incremental build copies the previous release's file and renders again only the documents its change can
alter (``documents_change``); the copied ones get the new release's ETags and, on pages, its version. Both give
the same documents as rendering all of them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pyoxigraph as ox

from .config import Settings
from .package_code import package_digests
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
#: A document at least this large is stored uncompressed too, for clients that do not accept gzip: decompressing
#: a most linked entity's first page (about 160 KB of Turtle at 1M triples) on every request cost more than
#: sending it. At 1M triples about 1,300 of 476,000 documents, 200 MB beside the 670 MB of gzip bodies.
IDENTITY_MIN_BYTES = 64 * 1024


def write_documents(release_path: str | Path, version: str, settings: Settings, previous: Path | None = None,
                    touched: list[ox.Quad] | None = None) -> dict[str, float]:
    """Render and store every thing's documents in the release being written at ``release_path`` (its store is
    written and closed); returns timings for the manifest. Nothing is written for a remote store.

    Given the ``previous`` release the store was made from and the quads the change ``touched`` (an incremental
    build), its documents are copied and only those the change can alter are rendered again
    (``documents_change``), unless they were made by other code or for another public base."""
    if settings.store != "embedded":
        return {}
    started = time.perf_counter()
    release_path = Path(release_path)
    target = release_path / DOCUMENTS_DIR / DOCUMENTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    reusable = previous is not None and touched is not None and _reusable(previous / DOCUMENTS_DIR / DOCUMENTS_FILE,
                                                                          settings.base_iri)
    if reusable:
        shutil.copyfile(previous / DOCUMENTS_DIR / DOCUMENTS_FILE, target)
        db = sqlite3.connect(target)
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        stems = _changed_stems(previous, release_path, touched, settings.base_iri)
        db.executemany("DELETE FROM documents WHERE stem = ?", [(stem,) for stem in stems])
        _restamp(db, version, settings.base_iri)
    else:
        stems = thing_stems(release_path / STORE_DIR, settings.base_iri)
        db = sqlite3.connect(target)
        db.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;
            CREATE TABLE documents (stem TEXT, suffix TEXT, lang TEXT, etag TEXT, body BLOB, identity BLOB);
            CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT);""")
    rendered = _render_into(db, stems, release_path, version, settings)
    if not reusable:
        db.execute("CREATE UNIQUE INDEX document ON documents (stem, suffix, lang)")
    count, things = db.execute("SELECT COUNT(*), COUNT(DISTINCT stem) FROM documents").fetchone()
    db.execute("DELETE FROM about")
    db.executemany("INSERT INTO about VALUES (?, ?)", [("version", version), ("public_base", settings.base_iri),
                                                       ("documents", str(count)), ("things", str(things)),
                                                       ("code", code_digest()), ("rendered", str(rendered))])
    db.commit()
    db.close()
    return {"documents_s": time.perf_counter() - started}


def _render_into(db: sqlite3.Connection, stems: list[str], release_path: Path, version: str,
                 settings: Settings) -> int:
    """Render the documents of ``stems`` (in processes of their own when there are many) into ``db``; how many
    things had documents (a stem that names nothing any more has none)."""
    chunks = [stems[i:i + CHUNK] for i in range(0, len(stems), CHUNK)]
    processes = min(os.cpu_count() or 1, len(chunks))
    things = 0
    if processes > 1:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: the build's memory is not copied
        with context.Pool(processes, initializer=_start, initargs=(str(release_path), version, settings)) as pool:
            for rows in pool.imap(_render_chunk, chunks):
                things += _insert(db, rows)
    elif chunks:
        _start(str(release_path), version, settings)
        for chunk in chunks:
            things += _insert(db, _render_chunk(chunk))
    return things


def _reusable(previous: Path, base_iri: str) -> bool:
    """Whether the previous release's documents were made by this code for this public base."""
    if not previous.is_file():
        return False
    try:
        db = sqlite3.connect(f"file:{previous}?mode=ro", uri=True)
        try:
            about = dict(db.execute("SELECT key, value FROM about").fetchall())
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return about.get("code") == code_digest() and about.get("public_base") == base_iri


def _changed_stems(previous: Path, release_path: Path, touched: list[ox.Quad], base_iri: str) -> list[str]:
    """The stems of the documents the change can alter (or remove), from both stores and the quads of the
    dataset description (which changes with every release) besides the change."""
    from .documents_change import documents_to_render

    description = ox.NamedNode(f"{base_iri}graph/dataset")
    stores = [ox.Store.read_only(str(previous / STORE_DIR)), ox.Store.read_only(str(release_path / STORE_DIR))]
    quads = list(touched) + [q for store in stores for q in store.quads_for_pattern(None, None, None, description)]
    iris = documents_to_render(quads, stores, base_iri)
    del stores
    return sorted({stem for stem in map(lambda iri: _stem_of(iri, base_iri), iris) if stem is not None})


def _restamp(db: sqlite3.Connection, version: str, base_iri: str) -> None:
    """Give the copied documents the new release's ETags, and its version where a page shows it."""
    from .web.linked_data.views import document_etag

    previous_version = dict(db.execute("SELECT key, value FROM about").fetchall())["version"]
    shown = re.compile(rb'(<p class="release">[^<]*) ' + re.escape(previous_version.encode()))

    def restamped_page(page: bytes | None) -> bytes | None:
        return None if page is None else shown.sub(rb"\g<1> " + version.encode(), page, count=1)

    def restamped(body: bytes) -> bytes:
        page = gzip.decompress(body)
        changed = restamped_page(page)
        return body if changed == page else gzip.compress(changed, compresslevel=6, mtime=0)

    db.create_function("etag_of", 4, lambda stem, suffix, lang, page: document_etag(version, stem, suffix, lang, page,
                                                                                    base_iri), deterministic=True)
    db.create_function("restamped", 1, restamped, deterministic=True)
    db.create_function("restamped_page", 1, restamped_page, deterministic=True)
    db.execute("UPDATE documents SET etag = etag_of(stem, suffix, lang, 1)")
    db.execute("UPDATE documents SET body = restamped(body), identity = restamped_page(identity) WHERE suffix = 'html'")


def code_digest() -> str:
    """SHA-256 of the code and templates that render documents (the whole package): stored documents are served
    only by the code that made them, so a server running other code renders documents until the next build."""
    return hashlib.sha256(json.dumps(package_digests(), sort_keys=True).encode()).hexdigest()


def thing_stems(store_path: Path, base_iri: str) -> list[str]:
    """The request path (no leading slash, no suffix) of every thing named in the store whose documents are
    stored: the IRIs under the base that are subjects or objects, each hash IRI by its base document."""
    store = ox.Store.read_only(str(store_path))
    found = set()
    for query in ("SELECT DISTINCT ?x WHERE { ?x ?p ?o FILTER(isIRI(?x)) }",
                  "SELECT DISTINCT ?x WHERE { ?s ?p ?x FILTER(isIRI(?x)) }"):
        for row in store.query(query, use_default_graph_as_union=True):
            found.add(row["x"].value)
    del store
    return sorted(stem for stem in {_stem_of(iri, base_iri) for iri in found} if stem is not None)


def _stem_of(iri: str, base_iri: str) -> str | None:
    """The stem of the stored documents of the thing ``iri`` names (a hash IRI's is its base document's); None
    when its documents are not stored."""
    from .web.linked_data.paths import is_iri, path_of, split_suffix

    path = path_of(iri, base_iri)
    if path is None:
        return None
    stem = path[1:].partition("#")[0]
    # a stem ending in a format suffix or a slash is not the stem of its request path (the ontology's namespace
    # document, "ontology/", is one of those): such documents are rendered on request
    if stem.startswith(STORED_ROOTS) and not stem.endswith("/") and split_suffix(stem)[1] is None \
            and is_iri(base_iri + stem):
        return stem
    return None


def _insert(db: sqlite3.Connection, rows: list[tuple]) -> int:
    """Insert rendered rows; how many things they are the documents of."""
    db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)", rows)
    return len({row[0] for row in rows})


_renderer = None


def _start(release_path: str, version: str, settings: Settings) -> None:
    global _renderer
    from .web.linked_data.prerender import Prerenderer

    _renderer = Prerenderer(Path(release_path), version, settings)


def _render_chunk(stems: list[str]) -> list[tuple[str, str, str, str, bytes, bytes | None]]:
    rows = []
    for stem in stems:
        for suffix, lang, etag, body in _renderer.render(stem):
            rows.append((stem, suffix, lang, etag, gzip.compress(body, compresslevel=6, mtime=0),
                         body if len(body) >= IDENTITY_MIN_BYTES else None))
    return rows
