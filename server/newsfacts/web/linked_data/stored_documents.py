"""Documents the build computed (the release's ``documents/``), answered as their stored bytes.

The build rendered them with this web tier's own code (``prerender``), for the public base it was given (the
release's base IRI), so a stored document is the body the dynamic path would send. One is used when the
server's ``public_base`` is that one and the request is for the first page; otherwise (another public URL, a
later page, a release built without documents or by other code, a remote store) the document is rendered as
before.

Stored gzip-compressed once; a client that accepts gzip gets those bytes as they are (ETag ``"<etag>-gzip"``,
as the identity encoding is another representation), any other the decompressed body with the dynamic path's
ETag (a large document is stored uncompressed too: ``documents.IDENTITY_MIN_BYTES``). Either ETag in
``If-None-Match`` gives 304: both name the same document.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from pathlib import Path
from urllib.parse import quote

from flask import Response, request
from werkzeug.http import parse_accept_header, parse_etags

from ...documents import DOCUMENTS_DIR, DOCUMENTS_FILE, GZIP_SUFFIX, code_digest

_opened: dict[Path, StoredDocuments | None] = {}
_SELECT_GZIPPED = "SELECT etag, body, NULL FROM documents WHERE stem = ? AND suffix = ? AND lang = ?"
_SELECT_IDENTITY = "SELECT etag, body, identity FROM documents WHERE stem = ? AND suffix = ? AND lang = ?"
_lock = threading.Lock()
PAGE_CACHE_KB = 256


class StoredDocuments:
    """The documents file of one release, read-only; one SQLite connection per thread (the file never changes,
    so it is opened ``immutable``: no locks, no journal look-ups)."""

    def __init__(self, path: Path):
        self.uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
        self._local = threading.local()
        about = dict(self._db().execute("SELECT key, value FROM about").fetchall())
        self.public_base = about["public_base"]
        self.version = about["version"]
        self.code = about["code"]

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
            # the file is read through the system's page cache: a page cache of SQLite's own in each thread (2 MB by
            # default) would hold copies of the same pages once per thread
            db.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KB}")
        return db

    def get(self, stem: str, suffix: str, lang: str, gzipped: bool) -> tuple[str, bytes, bytes | None] | None:
        """(etag, gzip body, the body uncompressed when stored and not ``gzipped``) of a document, or None when
        the build did not store it. (A large uncompressed body is read only for a client that wants it.)"""
        return self._db().execute(_SELECT_GZIPPED if gzipped else _SELECT_IDENTITY, (stem, suffix, lang)).fetchone()


def of_release(current) -> StoredDocuments | None:
    """The stored documents of the served release, opened once per process (None when it has none)."""
    path = current.release.path
    if path in _opened:
        return _opened[path]
    with _lock:
        if path not in _opened:
            file = path / DOCUMENTS_DIR / DOCUMENTS_FILE
            found = None
            if file.is_file():
                try:
                    found = StoredDocuments(file)
                except (sqlite3.Error, KeyError):
                    found = None  # unreadable or unfinished: the documents are rendered as before
            if found is not None and (found.version != current.version or found.code != code_digest()):
                found = None  # made for another release, or by other code: rendered on request
            _opened.clear()  # the previous release's connections close with their objects
            _opened[path] = found
        return _opened[path]


def find(current, public_base: str, stem: str, suffix: str, lang: str,
         accept_encoding: str | None) -> tuple[str, bytes, bytes | None] | None:
    """The stored document (``StoredDocuments.get``) for a client sending ``accept_encoding``."""
    stored = of_release(current)
    if stored is None or stored.public_base != public_base:
        return None
    return stored.get(stem, suffix, lang, accepts_gzip(accept_encoding))


def accepts_gzip(accept_encoding: str | None) -> bool:
    return bool(accept_encoding) and parse_accept_header(accept_encoding)["gzip"] > 0


def respond(stored: tuple[str, bytes, bytes | None], headers: dict, fmt, lang: str) -> Response:
    """The stored document as a Flask response (a request with a query string, e.g. ``?page=1``)."""
    environ = request.environ
    status, headers, body = answer(stored, headers, fmt, lang, environ.get("HTTP_ACCEPT_ENCODING"),
                                   environ.get("HTTP_IF_NONE_MATCH"))
    return Response(body if status == 200 else None, status=status, headers=headers)


def answer(stored: tuple[str, bytes, bytes | None], headers: dict, fmt, lang: str, accept_encoding: str | None,
           if_none_match: str | None) -> tuple[int, dict, bytes]:
    """Status, headers and body of a stored document: the dynamic path's headers (``headers``) with
    Content-Encoding when gzip is accepted; 304 when the client holds it."""
    etag, body, identity = stored
    gzipped = accepts_gzip(accept_encoding)
    headers = {**headers, "Vary": headers["Vary"] + ", Accept-Encoding",
               "ETag": f'"{etag}{GZIP_SUFFIX}"' if gzipped else f'"{etag}"'}
    if if_none_match:
        held = parse_etags(if_none_match)
        if held.star_tag or held.contains(etag) or held.contains(etag + GZIP_SUFFIX):
            return 304, headers, b""
    headers["Content-Type"] = fmt.content_type
    if lang:
        headers["Content-Language"] = lang
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    else:
        body = identity if identity is not None else zlib.decompress(body, wbits=31)
    return 200, headers, body
