"""What a client sends cannot poison a cache, rewrite a document's URLs, fill memory or end in a 500.

Against a real server with a public URL that is not the address it listens on, so a URL taken from the
request (Host, X-Forwarded-*) shows up as a difference.
"""

from __future__ import annotations

import http.client
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from pyld import jsonld
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from conftest import start_server
from newsfacts.web.app import create_app

PUBLIC = "https://data.example.org/nf/"
BASE = "https://newsfacts.example/"
FOAF_TOPIC = URIRef("http://xmlns.com/foaf/0.1/primaryTopic")
SD_ENDPOINT = URIRef("http://www.w3.org/ns/sparql-service-description#endpoint")
EVIL = "evil.example"


GRANIAN = Path(sys.executable).parent / "granian"


@pytest.fixture(scope="module", params=["development", "granian"])
def public_server(request, releases_dir):
    """The development server and the production one (each decodes request paths its own way)."""
    command = None
    if request.param == "granian":
        if not GRANIAN.exists():
            pytest.skip("granian is not installed (pip install -e '.[serve]')")
        command = [str(GRANIAN), "--interface", "wsgi", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
                   "newsfacts.web.wsgi:app"]
    running = start_server(releases_dir, {"NEWSFACTS_PUBLIC_URL": PUBLIC, "NEWSFACTS_MAX_ROWS": "3"}, command)
    yield running
    running.stop()


def get(server, path, headers=None, **kwargs):
    return requests.get(server.url + path, headers=headers or {}, allow_redirects=False, timeout=30, **kwargs)


def raw_get(server, target: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """A GET with the request target sent exactly as given (requests would re-encode it)."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    finally:
        connection.close()


def assert_problem(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


# --- absolute URLs come from configuration, never from Host ---------------------------------------------------

@pytest.mark.parametrize(("suffix", "rdf_format"), [("ttl", "turtle"), ("nt", "nt"), ("rdf", "xml")])
def test_documents_name_the_public_url_whatever_the_host(public_server, suffix, rdf_format):
    normal = get(public_server, f"/entity/iran.{suffix}")
    spoofed = get(public_server, f"/entity/iran.{suffix}", {"Host": EVIL})
    assert normal.status_code == spoofed.status_code == 200
    assert EVIL.encode() not in spoofed.content
    graphs = [Graph().parse(data=r.content, format=rdf_format) for r in (normal, spoofed)]
    assert isomorphic(*graphs) and len(graphs[0]) > 10
    assert set(graphs[1].subjects(FOAF_TOPIC, URIRef(BASE + "entity/iran"))) == {URIRef(f"{PUBLIC}entity/iran.{suffix}")}
    assert normal.headers["ETag"] == spoofed.headers["ETag"]
    revalidated = get(public_server, f"/entity/iran.{suffix}", {"If-None-Match": spoofed.headers["ETag"]})
    assert revalidated.status_code == 304


def test_jsonld_names_the_public_context_and_document_whatever_the_host(public_server):
    context = get(public_server, "/context.jsonld").json()
    normal = get(public_server, "/entity/iran.jsonld")
    spoofed = get(public_server, "/entity/iran.jsonld", {"Host": EVIL, "X-Forwarded-Host": EVIL})
    assert normal.headers["ETag"] == spoofed.headers["ETag"] and EVIL.encode() not in spoofed.content
    assert spoofed.json()["@context"] == PUBLIC + "context.jsonld"

    def loader(url, options=None):
        assert url == PUBLIC + "context.jsonld"
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context}

    graphs = [Graph().parse(data=jsonld.to_rdf(r.json(), {"format": "application/n-quads", "documentLoader": loader}),
                            format="nquads") for r in (normal, spoofed)]
    assert isomorphic(*graphs)
    assert set(graphs[1].subjects(FOAF_TOPIC, URIRef(BASE + "entity/iran"))) == {URIRef(PUBLIC + "entity/iran.jsonld")}


def test_service_description_and_truncation_link_use_the_public_url(public_server):
    described = get(public_server, "/sparql", {"Host": EVIL, "Accept": "text/turtle"})
    assert described.status_code == 200 and EVIL.encode() not in described.content
    graph = Graph().parse(data=described.content, format="turtle")
    assert set(graph.objects(None, SD_ENDPOINT)) == {URIRef(PUBLIC + "sparql")}
    page = get(public_server, "/sparql", {"Host": EVIL, "Accept": "text/html"})
    assert page.status_code == 200 and EVIL not in page.text and PUBLIC + "sparql" in page.text
    truncated = get(public_server, "/sparql", {"Host": EVIL, "Accept": "application/sparql-results+json"},
                    params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 10"})
    assert truncated.headers["X-Newsfacts-Truncated"] == "true"
    assert truncated.json()["head"]["link"] == [PUBLIC + "sparql#limits"]


def test_redirects_are_short_and_never_name_the_host(public_server):
    for path, accept in (("/entity/iran", "text/turtle"), ("/.well-known/void", "*/*")):
        response = get(public_server, path, {"Host": EVIL, "Accept": accept})
        assert response.status_code == 303 and EVIL not in response.headers["Location"]
        assert response.headers["Location"].startswith("/") and len(response.content) < 100
        assert b"Redirecting" not in response.content and response.headers["Content-Type"].startswith("text/plain")


def test_trusted_hosts_refuse_other_hosts_and_proxy_headers_count_only_when_configured(releases_dir):
    strict = start_server(releases_dir, {"NEWSFACTS_TRUSTED_HOSTS": "127.0.0.1, data.example.org"})
    try:
        assert get(strict, "/entity/iran.ttl").status_code == 200
        assert get(strict, "/entity/iran.ttl", {"Host": "data.example.org"}).status_code == 200
        assert_problem(get(strict, "/entity/iran.ttl", {"Host": EVIL, "Accept": "text/turtle"}), 400)
        assert_problem(get(strict, "/sparql", {"Host": EVIL}, params={"query": "ASK {}"}), 400)
        # no proxy configured: X-Forwarded-Host is ignored
        assert get(strict, "/entity/iran.ttl", {"X-Forwarded-Host": EVIL}).status_code == 200
    finally:
        strict.stop()
    behind_proxy = create_app({"releases_dir": str(releases_dir), "trusted_hosts": "data.example.org",
                               "proxy_count": 1}).test_client()
    forwarded = {"Host": "10.0.0.5:8080", "X-Forwarded-Host": "data.example.org", "X-Forwarded-Proto": "https"}
    assert behind_proxy.get("/entity/iran.ttl", headers=forwarded).status_code == 200
    assert behind_proxy.get("/entity/iran.ttl", headers=dict(forwarded, **{"X-Forwarded-Host": EVIL})).status_code == 400


def test_redirects_the_framework_makes_do_not_name_the_host(releases_dir):
    app = create_app({"releases_dir": str(releases_dir)})
    app.add_url_rule("/_folder/", "folder", lambda: "inside")
    response = app.test_client().get("/_folder", headers={"Host": EVIL})
    assert response.status_code == 308 and response.headers["Location"] == "/_folder/"
    assert response.data == b"308 Permanent Redirect: see the Location header.\n"


# --- the document cache ---------------------------------------------------------------------------------------

def test_unknown_query_parameters_make_no_cache_entries_and_keep_the_etag(releases_dir):
    app = create_app({"releases_dir": str(releases_dir)})
    client, cache = app.test_client(), app.extensions["newsfacts.documents"]
    first = client.get("/entity/infobae.ttl")
    assert first.status_code == 200
    held = cache.accounted_bytes
    assert len(cache) == 1 and held > len(first.data)
    for n in range(300):
        response = client.get(f"/entity/infobae.ttl?junk{n}={'x' * 60_000}")
        assert response.status_code == 200 and response.headers["ETag"] == first.headers["ETag"]
        assert response.data == first.data
    assert len(cache) == 1 and cache.accounted_bytes == held
    paged = client.get("/entity/infobae.ttl?page=1&utm=x")
    assert paged.headers["ETag"] == first.headers["ETag"] and len(cache) == 1


def test_a_document_cache_of_0_mb_holds_nothing(releases_dir):
    app = create_app({"releases_dir": str(releases_dir), "document_cache_mb": 0})
    client = app.test_client()
    assert client.get("/entity/infobae.ttl").status_code == client.get("/entity/infobae.ttl").status_code == 200
    assert len(app.extensions["newsfacts.documents"]) == 0


# --- paths and values that cannot be what they claim to be ----------------------------------------------------

@pytest.mark.parametrize(("target", "status"), [
    ("/entity/%ff%fe.ttl", 400),
    ("/entity/%ff%fe", 400),
    ("/entity/a%25.ttl", 404),
    ("/entity/a%25", 404),
    ("/entity/%EF%BF%BD.ttl", 404),
    ("/entity/nothing-here", 404),
    ("/dumps/" + "a" * 65_000 + "/x", 414),
    ("/dumps/" + "a" * 300 + "/x", 404),
    ("/dumps/latest/" + "b" * 300, 404),
    ("/entity/iran.ttl?page=1&x=%FF", 400),
    ("/sparql?query=ASK%20%7B%7D%FF", 400),
])
def test_paths_and_queries_that_cannot_be_read_get_a_4xx_and_no_traceback(public_server, target, status):
    code, headers, body = raw_get(public_server, target, {"Accept": "text/turtle"})
    assert code == status, body[:300]
    assert headers["content-type"].startswith("application/problem+json") and json.loads(body)["status"] == status
    assert len(body) < 2000
    assert "Traceback" not in public_server.output()


def test_a_form_body_with_invalid_percent_encoding_is_a_400(public_server):
    response = requests.post(public_server.url + "/sparql", data=b"query=ASK%20%7B%7D%FF", timeout=30,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(response, 400)
    fine = requests.post(public_server.url + "/sparql", data={"query": "ASK { ?s ?p \"caf\u00e9\" }"}, timeout=30,
                         headers={"Accept": "application/sparql-results+json"})
    assert fine.status_code == 200 and fine.json()["boolean"] is False


def test_errors_quote_only_a_short_excerpt_of_what_was_sent(public_server):
    huge = "application/x-" + "a" * 30_000  # under both servers' header size limits
    for response in (
        get(public_server, "/entity/iran", {"Accept": huge}),
        get(public_server, "/sparql", {"Accept": huge}, params={"query": "ASK {}"}),
        get(public_server, "/sparql", params={"query": "ASK {}", "format": "f" * 50_000}),
        get(public_server, "/sparql/graph", params={"graph": "http://x/" + "g" * 50_000}),
        get(public_server, "/entity/iran.ttl", params={"page": "9" * 50_000}),
        get(public_server, "/entity/iran.ttl", params={"page": "\u00b2"}),
    ):
        assert 400 <= response.status_code < 500 and len(response.content) < 3000, (response.status_code, len(response.content))
        assert_problem(response, response.status_code)


def test_if_none_match_star_does_not_make_a_missing_document_exist(public_server):
    assert get(public_server, "/entity/nothing-here.ttl", {"If-None-Match": "*"}).status_code == 404
    assert get(public_server, "/entity/iran.ttl?page=999", {"If-None-Match": "*"}).status_code == 404
    assert get(public_server, "/entity/iran.ttl", {"If-None-Match": "*"}).status_code == 304


def test_browsers_still_get_an_html_error_page(public_server):
    response = get(public_server, "/entity/nothing-here.html", {"Accept": "text/html"})
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")
    problem = get(public_server, "/entity/nothing-here.ttl", {"Accept": "application/json"})
    body = assert_problem(problem, 404)
    assert body["type"] == "about:blank" and body["title"] == "Not Found"


# --- caching and CORS headers ---------------------------------------------------------------------------------

def test_versioned_dumps_are_immutable_and_latest_ones_are_not(public_server, release):
    dump = release.manifest()["dumps"][0]["name"]
    versioned = get(public_server, f"/dumps/{release.version}/{dump}")
    assert versioned.status_code == 200 and versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    latest = get(public_server, f"/dumps/latest/{dump.replace(f'-{release.version}.', '-latest.')}")
    assert latest.status_code == 200 and latest.content == versioned.content
    assert "immutable" not in latest.headers["Cache-Control"] and "max-age=300" in latest.headers["Cache-Control"]


def test_the_context_revalidates_like_any_document(public_server):
    first = get(public_server, "/context.jsonld")
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    assert "@context" in first.json()
    by_etag = get(public_server, "/context.jsonld", {"If-None-Match": first.headers["ETag"]})
    by_date = get(public_server, "/context.jsonld", {"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_etag.status_code == by_date.status_code == 304 and by_etag.content == b""


@pytest.mark.parametrize(("path", "method"), [("/entity/iran.ttl", "GET"), ("/sparql", "POST"), ("/context.jsonld", "GET")])
def test_cors_preflight_allows_the_headers_browsers_send(public_server, path, method):
    asked = "X-Requested-With, Authorization, Content-Type, X-Client-Trace"
    response = requests.options(public_server.url + path, timeout=30, headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": method, "Access-Control-Request-Headers": asked})
    assert response.status_code == 204, response.text[:300]
    allowed = {name.strip().lower() for name in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"x-requested-with", "authorization", "content-type", "accept", "x-client-trace"} <= allowed
    assert method in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
