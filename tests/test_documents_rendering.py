"""Every document the build stored is the document the web tier renders on request, byte for byte.

The build renders documents in bulk (``documents.write_documents``: processes of their own, a store that
remembers labels and claims once looked up); a server whose release has no stored documents renders each one on
request with a plain store. Both are compared for every thing of the shipped release, in every format and
language: the body, its gzip encoding (level 6, mtime 0) and the ETag."""

from __future__ import annotations

import gzip
import shutil
import sqlite3

import pyoxigraph as ox
import pytest

from newsfacts.config import Settings
from newsfacts.documents import DOCUMENTS_DIR, DOCUMENTS_FILE, write_documents
from newsfacts.web.app import create_app
from newsfacts.web.linked_data import describe
from newsfacts.web.linked_data.remembering_store import RememberingStore

BASE = "https://newsfacts.example/"


@pytest.fixture(scope="module")
def rendering_client(release, tmp_path_factory):
    """The release without documents/, served by the app: every document is rendered on request."""
    folder = tmp_path_factory.mktemp("rendered-on-request")
    shutil.copytree(release.path, folder / release.version, ignore=shutil.ignore_patterns(DOCUMENTS_DIR))
    (folder / "current").symlink_to(release.version)
    return create_app({"releases_dir": str(folder), "public_url": BASE, "document_cache_mb": 0}).test_client()


def stored_rows(path) -> list[tuple[str, str, str, str, bytes]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT stem, suffix, lang, etag, body FROM documents ORDER BY stem, suffix, lang").fetchall()
    finally:
        db.close()


def test_every_stored_document_is_the_one_rendered_on_request(release, rendering_client):
    rows = stored_rows(release.path / DOCUMENTS_DIR / DOCUMENTS_FILE)
    assert len({row[0] for row in rows}) > 100
    for stem, suffix, lang, etag, body in rows:
        rendered = rendering_client.get(f"/{stem}.{suffix}", headers={"Accept-Language": lang} if lang else {})
        assert rendered.status_code == 200, (stem, suffix, lang)
        assert gzip.decompress(body) == rendered.data, (stem, suffix, lang)
        assert body == gzip.compress(rendered.data, compresslevel=6, mtime=0), (stem, suffix, lang)
        assert f'"{etag}"' == rendered.headers["ETag"], (stem, suffix, lang)


def test_rendering_in_one_process_stores_the_same_bytes_as_in_several(release, tmp_path, monkeypatch):
    copy = tmp_path / release.version
    shutil.copytree(release.path, copy, ignore=shutil.ignore_patterns(DOCUMENTS_DIR))
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    write_documents(copy, release.version, Settings.load({"base_iri": BASE}))
    assert stored_rows(copy / DOCUMENTS_DIR / DOCUMENTS_FILE) == stored_rows(release.path / DOCUMENTS_DIR / DOCUMENTS_FILE)


@pytest.mark.parametrize("remembered", [20_000, 3])
def test_a_remembering_store_describes_things_as_the_store_does(store, remembered, monkeypatch):
    """Labels and claims answered from memory, after other things asked for them, are the store's answers (also
    when it forgets, to keep its memory bounded)."""
    monkeypatch.setattr("newsfacts.web.linked_data.remembering_store.REMEMBERED", remembered)
    remembering = RememberingStore(store)
    things = sorted({q.subject.value for q in store.quads_for_pattern(None, None, None)
                     if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(BASE + "entity/")})
    assert len(things) > 20
    for iri in things + things[::-1]:  # the second time round, everything comes from memory
        plain, remembered = describe.describe(store, iri), describe.describe(remembering, iri)
        assert (remembered.own, remembered.incoming, remembered.claim_groups) == (plain.own, plain.incoming,
                                                                                  plain.claim_groups)
        assert remembered.context == plain.context, iri
