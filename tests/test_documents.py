"""Linked-data documents over HTTP, against a real `newsfacts serve` process serving the shipped release.
RDF is compared as graphs; headers and bodies are checked together."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from urllib.parse import quote

import pytest
import requests
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

BASE = "https://newsfacts.example/"
NF = "https://newsfacts.example/ontology/"
MADURO = BASE + "entity/nicolas-maduro"
CLAIM = BASE + "claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2"
RDF_SUFFIXES = {"ttl": "turtle", "nt": "nt", "rdf": "xml"}
RAPPER = {"ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml"}


def get(server, path, accept=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if accept:
        headers["Accept"] = accept
    return requests.get(server.url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs)


def graph_of(response, fmt) -> Graph:
    return Graph().parse(data=response.content, format=fmt, publicID=response.url)


def without_document_triples(graph: Graph, url: str) -> Graph:
    out = Graph()
    for triple in graph:
        if triple[0] != URIRef(url):
            out.add(triple)
    return out


@pytest.mark.parametrize(("accept", "suffix"), [
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "ttl"),
    ("text/turtle;q=0.2, application/ld+json", "jsonld"),
    ("*/*", "ttl"),
    (None, "ttl"),
    ("application/json", "jsonld"),
    ("text/*", "ttl"),
])
def test_a_thing_answers_303_to_the_negotiated_document(server, accept, suffix):
    response = get(server, "/entity/nicolas-maduro", accept)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/entity/nicolas-maduro.{suffix}"
    assert response.headers["Vary"] == "Accept"
    assert 'rel="alternate"; type="text/turtle"' in response.headers["Link"]
    assert response.headers["Link"].count('rel="alternate"') == 5


def test_no_acceptable_format_is_406_listing_the_formats(server):
    response = get(server, "/entity/nicolas-maduro", "image/png")
    assert response.status_code == 406
    body = response.json()
    assert body["status"] == 406 and "text/turtle" in body["available"] and "application/ld+json" in body["available"]


@pytest.mark.parametrize("suffix", sorted(RDF_SUFFIXES))
def test_rdf_documents_parse_and_describe_the_thing(server, suffix):
    response = get(server, f"/entity/nicolas-maduro.{suffix}")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"].startswith({"ttl": "text/turtle", "nt": "application/n-triples",
                                                        "rdf": "application/rdf+xml"}[suffix])
    graph = graph_of(response, RDF_SUFFIXES[suffix])
    maduro = URIRef(MADURO)
    assert (maduro, RDFS.label, Literal("Nicolás Maduro", lang="en")) in graph
    assert (maduro, URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
            URIRef("http://www.wikidata.org/entity/Q58132")) in graph
    claims = set(graph.subjects(URIRef(NF + "mentions"), maduro))
    assert len(claims) >= 5
    for claim in claims:
        assert graph.value(claim, URIRef(NF + "certainty")) is not None
        assert graph.value(claim, URIRef(NF + "attributedTo")) is not None
    assert (URIRef(response.url), URIRef("http://rdfs.org/ns/void#inDataset"), URIRef(BASE + "dataset")) in graph


@pytest.mark.parametrize("suffix", sorted(RAPPER))
def test_rdf_documents_parse_with_rapper(server, suffix, tmp_path):
    if shutil.which("rapper") is None:
        pytest.skip("rapper (Debian package raptor2-utils) is not installed; .ci/run installs it")
    for path in ("/entity/nicolas-maduro", "/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2", "/ontology"):
        response = get(server, f"{path}.{suffix}")
        assert response.status_code == 200
        file = tmp_path / f"doc.{suffix}"
        file.write_bytes(response.content)
        result = subprocess.run(["rapper", "-i", RAPPER[suffix], "-c", str(file), response.url], capture_output=True,
                                text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert int(result.stderr.split("returned ")[1].split(" ")[0]) == len(graph_of(response, RDF_SUFFIXES[suffix]))


@pytest.mark.parametrize("path", ["/entity/nicolas-maduro", "/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2",
                                  "/article/iran-venezuela-drone-facility", "/ontology", "/dataset",
                                  "/concept/certainty/alleged", "/event/iran-venezuela-drone-facility/maduro-visit-to-tehran"])
def test_jsonld_expands_to_the_same_graph_as_the_turtle(server, path):
    context = get(server, "/context.jsonld").json()
    turtle = get(server, f"{path}.ttl")
    document = get(server, f"{path}.jsonld")
    assert document.headers["Content-Type"].startswith("application/ld+json")
    body = document.json()
    assert body["@context"] == server.url + "/context.jsonld"
    keys = {key for node in body["@graph"] for key in node}
    if path == "/entity/nicolas-maduro":
        assert {"label", "certainty", "attributedTo", "claimText"} <= keys

    def loader(url, options=None):
        assert url == server.url + "/context.jsonld"
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context}

    nquads = jsonld.to_rdf(body, {"format": "application/n-quads", "documentLoader": loader})
    from_jsonld = without_document_triples(Graph().parse(data=nquads, format="nquads"), document.url)
    from_turtle = without_document_triples(graph_of(turtle, "turtle"), turtle.url)
    assert len(from_turtle) > 10
    assert isomorphic(from_jsonld, from_turtle)


def test_a_claim_document_holds_what_who_how_and_the_words(server, sources_dir):
    graph = graph_of(get(server, "/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.ttl"), "turtle")
    claim = URIRef(CLAIM)
    assert str(graph.value(claim, URIRef(NF + "certainty"))).endswith("/certainty/alleged")
    assert str(graph.value(claim, URIRef(NF + "hedge"))) == "allegedly"
    assert str(graph.value(claim, URIRef(NF + "attributedTo"))) == BASE + "entity/infobae"
    assert str(graph.value(claim, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate"))) == NF + "localDesignationOf"
    oa = "http://www.w3.org/ns/oa#"
    exact = next(graph.objects(None, URIRef(oa + "exact")))
    start, end = (int(next(graph.objects(None, URIRef(oa + p)))) for p in ("start", "end"))
    text = (sources_dir / "iran-venezuela-drone-facility.txt").read_text(encoding="utf-8")
    assert text[start:end] == str(exact) == "the ANSU-100 (Mohajer-2)"
    sha = str(next(graph.objects(None, URIRef(NF + "sourceTextSha256"))))
    assert sha == hashlib.sha256((sources_dir / "iran-venezuela-drone-facility.txt").read_bytes()).hexdigest()


def test_an_article_document_lists_its_claims(server):
    graph = graph_of(get(server, "/article/iran-venezuela-drone-facility.ttl"), "turtle")
    article = URIRef(BASE + "article/iran-venezuela-drone-facility")
    assert len(set(graph.subjects(URIRef(NF + "statedIn"), article))) == 90
    assert (article, URIRef(NF + "notStatedInText"), URIRef("https://schema.org/datePublished")) in graph


def test_incoming_links_are_counted_and_paged(small_pages, store):
    server = small_pages
    total = int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p <{BASE}entity/iran> }}",
                                      use_default_graph_as_union=True)))["n"].value)
    assert total > 10
    first = get(server, "/entity/iran.html")
    assert first.status_code == 200
    assert f"Linked from ({total})" in first.text and "rel=\"next\"" in first.text
    assert first.text.count('<td class="via">') == 5
    second = get(server, "/entity/iran.html?page=2")
    assert second.status_code == 200 and "rel=\"prev\"" in second.text
    assert first.headers["ETag"] != second.headers["ETag"]
    turtle = graph_of(get(server, "/entity/iran.ttl?page=2"), "turtle")
    assert len(set(turtle.subject_predicates(URIRef(BASE + "entity/iran")))) >= 5
    for bad in ("0", "x", "-1", "999999999"):
        response = get(server, f"/entity/iran.html?page={bad}")
        assert response.status_code == 400 and response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["title"] == "Bad page number"
    distinct = int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p WHERE {{ ?s ?p "
                                         f"<{BASE}entity/iran> }} }}", use_default_graph_as_union=True)))["n"].value)
    last = -(-distinct // 5)
    assert get(server, f"/entity/iran.ttl?page={last}").status_code == 200
    past = get(server, f"/entity/iran.html?page={last + 1}", "application/json")
    assert past.status_code == 404 and past.json()["title"] == "No such page" and past.json()["pages"] == last


def test_html_page_shows_badges_quotes_links_and_language(server):
    page = get(server, "/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.html", "text/html")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'class="badge badge-alleged"' in page.text and "allegedly" in page.text
    assert "<mark>the ANSU-100 (Mohajer-2)</mark>" in page.text
    assert "9fed9bed69e0cc3eb5a44b13952d7198e28a93014da020396a4b30fd08b3db14" in page.text
    assert "/sparql?query=DESCRIBE" in page.text
    for suffix in ("ttl", "jsonld", "nt", "rdf"):
        assert f'href="/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.{suffix}"' in page.text
    english = get(server, "/entity/iran.html")
    spanish = get(server, "/entity/iran.html", headers={"Accept-Language": "es-VE,es;q=0.9,en;q=0.5"})
    assert "<h1>Iran</h1>" in english.text and english.headers["Content-Language"] == "en"
    assert "<h1>Irán</h1>" in spanish.text and spanish.headers["Content-Language"] == "es"
    assert english.headers["ETag"] != spanish.headers["ETag"]
    assert 'href="http://www.wikidata.org/entity/Q794"' in english.text


def test_every_minted_iri_and_vocabulary_term_resolves(server, store):
    solutions = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }", use_default_graph_as_union=True)
    subjects = {s["s"].value.split("#")[0] for s in solutions}
    local = sorted(s for s in subjects if s.startswith(BASE))
    assert len(local) > 300
    session = requests.Session()
    broken = []
    for iri in local:
        path = iri[len(BASE):]
        if path.startswith("graph/"):
            continue  # named graphs are served by the graph store (tests/test_sparql_graph_store.py)
        if path.startswith("dumps/"):
            response = session.head(f"{server.url}/{quote(path)}", timeout=30)  # a dump file itself
            if response.status_code != 200:
                broken.append((iri, response.status_code))
            continue
        response = session.get(f"{server.url}/{quote(path)}.nt", timeout=30)
        if response.status_code != 200 or f"<{iri}>".encode() not in response.content:
            broken.append((iri, response.status_code))
    assert broken == []


def test_the_ontology_namespace_serves_documentation_and_owl(server):
    browser = get(server, "/ontology/", "text/html")
    assert browser.status_code == 303 and browser.headers["Location"] == "/ontology.html"
    machine = get(server, "/ontology/", "text/turtle")
    assert machine.headers["Location"] == "/ontology.ttl"
    owl = graph_of(get(server, "/ontology.ttl"), "turtle")
    assert (URIRef(NF), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            URIRef("http://www.w3.org/2002/07/owl#Ontology")) in owl
    assert (URIRef(NF + "Claim"), RDFS.label, Literal("claim", lang="en")) in owl
    html = get(server, "/ontology.html")
    assert html.status_code == 200 and 'href="/ontology/Claim.html"' in html.text
    assert 'href="/concept/certainty/alleged.html"' in html.text


def test_dataset_description_and_well_known_void(server, release):
    well_known = get(server, "/.well-known/void")
    assert well_known.status_code == 303 and well_known.headers["Location"].endswith("/dataset")
    void = graph_of(get(server, "/dataset.ttl"), "turtle")
    voidns = "http://rdfs.org/ns/void#"
    dataset = URIRef(BASE + "dataset")
    assert int(void.value(dataset, URIRef(voidns + "triples"))) == release.manifest()["triples"]
    dumps = {str(o) for o in void.objects(dataset, URIRef(voidns + "dataDump"))}
    assert len(dumps) == len([d for d in release.manifest()["dumps"] if not d["name"].endswith(".sssom.tsv")])
    landing = get(server, "/", "text/html")
    assert landing.status_code == 200 and release.version in landing.text
    assert "/dumps/" in landing.text and "/sparql?query=" in landing.text


def dump_url(release, suffix: str, latest: bool = False) -> str:
    name = next(d["name"] for d in release.manifest()["dumps"] if d["name"].endswith(suffix))
    if latest:
        return "/dumps/latest/" + name.replace(f"-{release.version}.", "-latest.")
    return f"/dumps/{release.version}/{name}"


@pytest.mark.parametrize("latest", [False, True])
def test_dumps_download_with_checksum_etag_and_ranges(server, release, latest):
    manifest = {d["name"]: d for d in release.manifest()["dumps"]}
    url = dump_url(release, ".nq.gz", latest)
    whole = get(server, url)
    assert whole.status_code == 200
    expected = next(d for d in manifest.values() if d["name"].endswith(".nq.gz"))
    assert int(whole.headers["Content-Length"]) == expected["byte_size"] == len(whole.content)
    assert hashlib.sha256(whole.content).hexdigest() == expected["sha256"]
    assert whole.headers["Accept-Ranges"] == "bytes" and "Last-Modified" in whole.headers
    etag = whole.headers["ETag"]
    again = get(server, url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    part = get(server, url, headers={"Range": "bytes=10-109"})
    assert part.status_code == 206 and part.content == whole.content[10:110]
    assert part.headers["Content-Range"] == f"bytes 10-109/{len(whole.content)}"
    head = requests.head(server.url + url, timeout=10)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["Content-Length"]) == len(whole.content)
    missing = get(server, url.replace(".nq.gz", ".xyz.gz"))
    assert missing.status_code == 404 and missing.json()["title"] == "No such dump"


def test_documents_have_etags_and_cache_headers(server):
    first = get(server, "/entity/infobae.ttl")
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("public")
    second = get(server, "/entity/infobae.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304 and second.content == b""
    other = get(server, "/entity/infobae.ttl", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and graph_of(other, "turtle")
    head = requests.head(server.url + "/entity/infobae.ttl", timeout=10)
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"] == first.headers["ETag"]


def test_unknown_resources_get_a_helpful_404_in_the_right_shape(server):
    machine = get(server, "/entity/no-such-thing.ttl", "text/turtle")
    assert machine.status_code == 404 and machine.headers["Content-Type"].startswith("application/problem+json")
    assert set(machine.json()) >= {"status", "title", "detail"} and "SPARQL" in machine.json()["detail"]
    browser = get(server, "/entity/no-such-thing.html", "text/html")
    assert browser.status_code == 404 and browser.headers["Content-Type"].startswith("text/html")
    assert "Not Found" in browser.text and 'href="/sparql"' in browser.text
    elsewhere = get(server, "/no/such/page", "text/html")
    assert elsewhere.status_code == 404 and "landing page" in elsewhere.text


@pytest.mark.parametrize(("path", "status"), [
    ("/entity/nicolas%2Dmaduro.ttl", 200),
    ("/entity/ni%C3%B1o.ttl", 404),
    ("/entity/caf\u00e9.html", 404),
    ("/entity/%E2%80%9Cquoted%E2%80%9D", 404),
    ("/entity/" + "a" * 3000 + ".ttl", 414),
    ("/entity/a%0Ab.ttl", 400),
    ("/entity/a%00b.ttl", 400),
    ("/entity/a%3Eb.ttl", 404),
    ("/entity/a%20b%22c.ttl", 404),
    ("/entity/a%7Bb%7D.html", 404),
])
def test_odd_paths_get_a_4xx_or_work_never_a_500(server, path, status):
    response = get(server, path, "text/turtle")
    assert response.status_code == status, response.text[:300]
    if status >= 400:
        assert response.json()["status"] == status
    after = get(server, "/entity/infobae.ttl")
    assert after.status_code == 200
