"""Documents stored at build time (the release's documents/) against the same documents rendered on request.

A real server serves the shipped release with its public URL set to the base IRI, so it answers from the stored
documents; a copy of the release without documents/ (what an older release is) served through the same app code
renders them. Bodies, ETags and headers must be the same, in every format and language."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import FOAF

from conftest import start_server
from newsfacts.documents import DOCUMENTS_DIR, DOCUMENTS_FILE, IDENTITY_MIN_BYTES, code_digest, thing_stems
from newsfacts.web.app import create_app

BASE = "https://newsfacts.example/"
VARIANTS = [("ttl", ""), ("jsonld", ""), ("nt", ""), ("rdf", ""), ("html", "en"), ("html", "es")]
SAMPLE = ["entity/nicolas-maduro", "entity/iran", "event/iran-venezuela-drone-facility/maduro-visit-to-tehran",
          "claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2", "article/iran-venezuela-drone-facility"]


@pytest.fixture(scope="module")
def stored_server(releases_dir):
    running = start_server(releases_dir, {"NEWSFACTS_PUBLIC_URL": BASE})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def rendering_client(release, tmp_path_factory):
    """The same release without documents/, served by the same code: every document is rendered."""
    folder = tmp_path_factory.mktemp("without-documents")
    copy = folder / release.version
    shutil.copytree(release.path, copy, ignore=shutil.ignore_patterns(DOCUMENTS_DIR))
    (folder / "current").symlink_to(release.version)
    return create_app({"releases_dir": str(folder), "public_url": BASE, "document_cache_mb": 0}).test_client()


@pytest.fixture(scope="module")
def stored(release):
    db = sqlite3.connect(release.path / DOCUMENTS_DIR / DOCUMENTS_FILE)
    yield db
    db.close()


def sample_stems(stored) -> list[str]:
    """The named examples, and the first stored thing of every other kind (evidence, concepts, terms, reports)."""
    first = [row[0] for row in stored.execute("SELECT MIN(stem) FROM documents GROUP BY substr(stem, 1, instr(stem, '/'))")]
    return SAMPLE + [stem for stem in first if stem not in SAMPLE]


def headers_of(response, *names) -> dict:
    return {name: response.headers.get(name) for name in names}


def test_every_thing_of_the_store_has_every_document_stored(release, stored):
    stems = thing_stems(release.store_path, BASE)
    rows = stored.execute("SELECT stem, suffix, lang FROM documents").fetchall()
    assert set(rows) == {(stem, suffix, lang) for stem in stems for suffix, lang in VARIANTS}
    assert set(SAMPLE) <= set(stems)
    assert {stem.split("/")[0] for stem in stems} >= {"entity", "event", "claim", "article", "evidence", "concept"}
    about = dict(stored.execute("SELECT key, value FROM about"))
    assert about == {"version": release.version, "public_base": BASE, "documents": str(len(rows)),
                     "things": str(len(stems)), "code": code_digest(), "rendered": str(len(stems))}


def test_large_documents_are_stored_uncompressed_too(stored):
    """A document of IDENTITY_MIN_BYTES or more is also stored as it is sent to a client that does not accept gzip
    (the article's, one of the samples served and compared below); a smaller one only compressed."""
    large = set()
    for stem, suffix, lang, body, identity in stored.execute("SELECT stem, suffix, lang, body, identity FROM documents"):
        page = zlib.decompress(body, wbits=31)
        if len(page) >= IDENTITY_MIN_BYTES:
            assert identity == page, (stem, suffix, lang)
            large.add(stem)
        else:
            assert identity is None, (stem, suffix, lang)
    assert "article/iran-venezuela-drone-facility" in large


def test_stored_documents_are_the_bytes_rendered_on_request(stored_server, rendering_client, stored):
    for stem in sample_stems(stored):
        for suffix, lang in VARIANTS:
            headers = {"Accept-Language": lang} if lang else {}
            rendered = rendering_client.get(f"/{stem}.{suffix}", headers=headers)
            served = requests.get(f"{stored_server.url}/{stem}.{suffix}", timeout=30,
                                  headers={**headers, "Accept-Encoding": "identity"})
            assert rendered.status_code == served.status_code == 200, (stem, suffix)
            assert served.content == rendered.data, (stem, suffix, lang)
            assert "Content-Encoding" not in served.headers
            same = ("ETag", "Content-Type", "Content-Language", "Link", "X-Newsfacts-Release", "Cache-Control",
                    "Access-Control-Allow-Origin")
            assert headers_of(served, *same) == headers_of(rendered, *same), (stem, suffix, lang)
            # answered from the stored documents: their answers vary with Accept-Encoding as well
            assert served.headers["Vary"] == rendered.headers["Vary"] + ", Accept-Encoding"


def store_files_open(pid: int, store: Path) -> list[str]:
    """The files of the release's store a process has open."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith(str(store)):
            found.append(target)
    return found


def test_a_web_process_opens_the_store_only_when_a_request_needs_it(release, tmp_path):
    """Stored documents need no store, nor does the 303 to one: the store (and its caches) is opened by the first
    request that needs it, here the landing page. (A copy of the release: the session's store is
    open in this process already.)"""
    folder = tmp_path / "releases"
    shutil.copytree(release.path, folder / release.version)
    (folder / "current").symlink_to(release.version)
    store = (folder / release.version / "store").resolve()
    client = create_app({"releases_dir": str(folder), "public_url": BASE, "document_cache_mb": 0}).test_client()
    for suffix in ("ttl", "html", "jsonld"):
        answer = client.get(f"/entity/iran.{suffix}")
        assert answer.status_code == 200 and "Accept-Encoding" in answer.headers["Vary"]  # the stored document
    see_other = client.get("/entity/iran", headers={"Accept": "text/turtle"})
    assert see_other.status_code == 303 and see_other.headers["Location"] == "/entity/iran.ttl"
    assert store_files_open(os.getpid(), store) == []
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200  # the landing page reads the store
    assert store_files_open(os.getpid(), store)
    assert client.get("/entity/no-such-thing", headers={"Accept": "text/turtle"}).status_code == 404


def test_gzip_when_accepted_and_304_for_either_etag(stored_server):
    url = f"{stored_server.url}/entity/nicolas-maduro.ttl"
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=30)
    raw = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True)
    body = raw.raw.read(decode_content=False)
    assert raw.status_code == 200 and raw.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == plain.content
    assert raw.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    graph = Graph().parse(data=plain.content, format="turtle")
    assert (URIRef(url.replace(stored_server.url + "/", BASE)), FOAF.primaryTopic, URIRef(BASE + "entity/nicolas-maduro")) \
        in graph
    for etag in (plain.headers["ETag"], raw.headers["ETag"], "*", f'"other", {plain.headers["ETag"]}'):
        held = requests.get(url, headers={"If-None-Match": etag}, timeout=30)
        assert held.status_code == 304 and held.content == b"", etag
        assert held.headers["ETag"] in (plain.headers["ETag"], raw.headers["ETag"])
    assert requests.get(url, headers={"If-None-Match": '"other"'}, timeout=30).status_code == 200


def test_head_answers_the_headers_of_get_without_a_body(stored_server):
    url = f"{stored_server.url}/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.html"
    got = requests.get(url, headers={"Accept-Language": "es", "Accept-Encoding": "identity"}, timeout=30)
    head = requests.head(url, headers={"Accept-Language": "es", "Accept-Encoding": "identity"}, timeout=30)
    assert head.status_code == got.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(got.content))
    assert headers_of(head, "ETag", "Content-Language", "Vary", "Content-Type") == \
        headers_of(got, "ETag", "Content-Language", "Vary", "Content-Type")
    assert got.headers["Content-Language"] == "es" and '<html lang="es"' in got.text


def test_later_pages_bad_pages_and_unknown_things_answer_as_before(stored_server):
    url = f"{stored_server.url}/entity/nicolas-maduro.ttl"
    first, second = (requests.get(url + f"?page={n}", timeout=30) for n in (1, 2))  # page 2 is rendered on request
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    maduro = URIRef(BASE + "entity/nicolas-maduro")
    linking = [{s for s, _ in Graph().parse(data=page.text, format="turtle").subject_predicates(maduro)}
               for page in (first, second)]
    assert linking[1] - linking[0]  # the next incoming links: things that link to him not on the first page
    assert requests.get(url + "?page=999", timeout=30).status_code == 404  # past the last: rendered, then refused
    bad = requests.get(url + "?page=0", timeout=30)
    assert bad.status_code == 400 and bad.headers["Content-Type"].startswith("application/problem+json")
    assert requests.get(url + "?page=1", headers={"Accept-Encoding": "gzip"}, timeout=30).headers.get(
        "Content-Encoding") == "gzip"
    missing = requests.get(f"{stored_server.url}/entity/nobody-at-all.ttl", timeout=30)
    assert missing.status_code == 404 and missing.json()["iri"] == BASE + "entity/nobody-at-all"


def test_another_public_url_gets_documents_rendered_for_it(server):
    """The stored documents name the base IRI; a server with another public URL renders its own."""
    response = requests.get(f"{server.url}/entity/nicolas-maduro.ttl", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept"
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(f"{server.url}/entity/nicolas-maduro.ttl"), FOAF.primaryTopic, URIRef(BASE + "entity/nicolas-maduro")) \
        in graph


def test_the_release_never_names_a_served_host(stored):
    for (body,) in stored.execute("SELECT body FROM documents"):
        text = zlib.decompress(body, wbits=31)
        assert b"127.0.0.1" not in text and b"localhost" not in text


def test_an_untrusted_host_is_refused_before_a_stored_document_is_read(releases_dir):
    client = create_app({"releases_dir": str(releases_dir), "public_url": BASE, "trusted_hosts": "data.example.org"}) \
        .test_client()
    refused = client.get("/entity/iran.ttl", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and refused.headers["Content-Type"] == "application/problem+json"
    assert refused.get_json()["status"] == 400 and "evil.example" in refused.get_json()["detail"]
    trusted = client.get("/entity/iran.ttl", headers={"Host": "data.example.org", "Accept-Encoding": "gzip"})
    assert trusted.status_code == 200 and trusted.headers["Content-Encoding"] == "gzip"
    graph = Graph().parse(data=gzip.decompress(trusted.get_data()).decode("utf-8"), format="turtle")
    assert (URIRef(BASE + "entity/iran"), None, None) in graph


def comparable(response) -> dict:
    """Headers by lower-case name, without those the HTTP server adds by itself (granian writes them lower-case)."""
    return {name.lower(): value for name, value in response.headers.items() if name.lower() not in ("date", "server")}


@pytest.mark.parametrize(("path", "headers"), [
    ("/entity/iran.ttl", {}),
    ("/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.jsonld", {"Accept-Encoding": "gzip"}),
    ("/article/iran-venezuela-drone-facility.html", {"Accept-Language": "es", "Accept-Encoding": "identity"}),
    ("/entity/nicolas-maduro.rdf", {"Accept-Encoding": "gzip;q=0, identity"}),
])
def test_plain_requests_are_answered_as_the_route_answers_them(stored_server, path, headers):
    """Without a query string the stored bytes are sent before Flask routes the request; with one (?page=1, the
    same document) the route answers. Status, headers and bytes must be the same, for GET, HEAD and 304."""
    url = stored_server.url + path
    for method in ("GET", "HEAD"):
        plain = requests.request(method, url, headers=headers, timeout=30, stream=True)
        routed = requests.request(method, url + "?page=1", headers=headers, timeout=30, stream=True)
        assert plain.status_code == routed.status_code == 200, (method, plain.status_code, routed.status_code)
        assert comparable(plain) == comparable(routed), method
        assert plain.raw.read(decode_content=False) == routed.raw.read(decode_content=False), method
    held = {**headers, "If-None-Match": plain.headers["ETag"]}
    plain, routed = (requests.get(u, headers=held, timeout=30) for u in (url, url + "?page=1"))
    assert plain.status_code == routed.status_code == 304, (plain.status_code, routed.status_code)
    assert comparable(plain) == comparable(routed), "304"


@pytest.mark.parametrize(("path", "status"), [
    ("/entity/%FF.ttl", 400),  # not UTF-8 once decoded
    ("/entity/iran%0A.ttl", 400),  # a control character
    ("/entity/" + "a" * 2100 + ".ttl", 414),
    ("/entity/not-a-thing-here.ttl", 404),
])
def test_requests_the_hardening_refuses_get_its_errors(stored_server, path, status):
    response = requests.get(stored_server.url + path, timeout=30)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == status


def test_other_methods_and_preflights_reach_the_app(stored_server):
    url = stored_server.url + "/entity/iran.ttl"
    posted = requests.post(url, timeout=30)
    assert posted.status_code == 405 and posted.headers["Content-Type"] == "application/problem+json"
    assert posted.json()["status"] == 405 and "GET" in posted.headers["Allow"]
    preflight = requests.options(url, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
                                 timeout=30)
    assert preflight.status_code == 204 and "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_behind_a_proxy_the_forwarded_host_is_the_one_checked(releases_dir):
    client = create_app({"releases_dir": str(releases_dir), "public_url": BASE, "trusted_hosts": "data.example.org",
                         "proxy_count": 1}).test_client()
    forwarded = {"Host": "127.0.0.1:8080", "Accept-Encoding": "gzip"}
    good = client.get("/entity/iran.ttl", headers={**forwarded, "X-Forwarded-Host": "data.example.org"})
    assert good.status_code == 200 and good.headers["Content-Encoding"] == "gzip"
    assert client.get("/entity/iran.ttl", headers={**forwarded, "X-Forwarded-Host": "evil.example"}).status_code == 400
    for path in ("/entity/iran.ttl", "/entity/iran.ttl?page=1"):  # before the route, and by it: the same verdicts
        assert client.get(path, headers={**forwarded, "X-Forwarded-Host": "evil.example"}).status_code == 400
        assert client.get(path, headers={"Host": "data.example.org"}).status_code == 200  # no proxy header: its Host


def test_documents_stored_by_other_code_are_rendered_instead(release, tmp_path):
    """Stored documents are the bytes of the code that made them: a server running other code renders."""
    shutil.copytree(release.path, tmp_path / release.version)
    (tmp_path / "current").symlink_to(release.version)
    with sqlite3.connect(tmp_path / release.version / DOCUMENTS_DIR / DOCUMENTS_FILE) as db:
        db.execute("UPDATE about SET value = 'older code' WHERE key = 'code'")
    client = create_app({"releases_dir": str(tmp_path), "public_url": BASE}).test_client()
    response = client.get("/entity/iran.ttl", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept"
    graph = Graph().parse(data=response.data, format="turtle")
    assert (URIRef(BASE + "entity/iran.ttl"), FOAF.primaryTopic, URIRef(BASE + "entity/iran")) in graph


def test_a_build_with_store_documents_no_stores_none_and_its_documents_are_rendered(sources_dir, tmp_path):
    from newsfacts.build import build
    from newsfacts.config import Settings

    folder = tmp_path / "releases"
    built = build(Settings.load({"releases_dir": str(folder), "sources_dir": str(sources_dir), "store_documents": "no"}))
    assert not (built.path / DOCUMENTS_DIR).exists()
    assert "documents_s" not in built.manifest()["timings_s"]
    client = create_app({"releases_dir": str(folder), "public_url": BASE, "document_cache_mb": 0}).test_client()
    response = client.get("/entity/nicolas-maduro.ttl")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (URIRef(BASE + "entity/nicolas-maduro"), None, None) in graph
