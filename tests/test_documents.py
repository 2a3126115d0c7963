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


@pytest.fixture(scope="module")
def small_pages(releases_dir):
    from conftest import start_server

    running = start_server(releases_dir, {"NEWSFACTS_PAGE_SIZE": "5"})
    yield running
    running.stop()


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


# ---------------------------------------------------------------- pages a reader reads (HTML parsed with lxml)

ARTICLE_PAGE = "/article/iran-venezuela-drone-facility.html"
SPANISH = {"Accept-Language": "es-VE,es;q=0.9,en;q=0.5"}


def html_of(server, path, headers=None):
    from lxml import html

    response = get(server, path, headers=headers or {})
    assert response.status_code == 200, (path, response.status_code)
    return html.fromstring(response.content)


def text(element) -> str:
    return " ".join(element.text_content().split())


def claim_items(page, key):
    return page.xpath(f'//section[contains(@class, "claims-{key}")]//li[contains(@class, "claim")]')


def first_offsets(store) -> dict[str, int]:
    """Each claim of the article and the offset of its first quote, from the store."""
    solutions = store.query("""
        PREFIX nf: <https://newsfacts.example/ontology/>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?claim (MIN(?start) AS ?first) WHERE {
          ?claim nf:statedIn <https://newsfacts.example/article/iran-venezuela-drone-facility> ;
                 nf:hasEvidence/oa:hasTarget/oa:hasSelector/oa:start ?start } GROUP BY ?claim""",
                            use_default_graph_as_union=True)
    return {s["claim"].value: int(s["first"].value) for s in solutions}


def test_the_article_page_reads_in_order_with_badges_speakers_hedges_and_quotes(server, store, sources_dir):
    page = html_of(server, ARTICLE_PAGE)
    items = claim_items(page, "claims_in_reading_order")
    offsets = first_offsets(store)
    assert len(items) == len(offsets) == 90
    hrefs = [item.xpath('.//a[contains(@class, "claim-text")]/@href')[0] for item in items]
    iris = [BASE + h[1:-len(".html")] for h in hrefs]
    assert [offsets[i] for i in iris] == sorted(offsets.values())  # reading order, by the first quote
    assert [int(item.get("data-start")) for item in items] == sorted(offsets.values())
    source = (sources_dir / "iran-venezuela-drone-facility.txt").read_text(encoding="utf-8")
    for item in items:
        [badge] = item.xpath('.//span[contains(@class, "badge")]')
        assert f"badge-{item.get('data-certainty')}" in badge.get("class") and text(badge)
        assert item.xpath('.//span[contains(@class, "speaker")]//a'), text(item)
        start = int(item.get("data-start"))
        [mark] = item.xpath(".//blockquote/mark")
        before, after = (text_of(item, "context")[0].lstrip("…"), text_of(item, "context")[1].rstrip("…"))
        assert source[start:start + len(mark.text)] == mark.text  # the quote, in context, from the text itself
        assert source[start - len(before):start] == before and source[start + len(mark.text):].startswith(after)
    by_claim = dict(zip(iris, items, strict=True))
    alleged = by_claim[CLAIM]
    assert text(alleged.xpath('.//span[contains(@class, "badge")]')[0]) == "alleged"
    assert text(alleged.xpath('.//span[@class="hedge"]')[0]) == "the text says “allegedly”"
    assert text(alleged.xpath('.//span[@class="speaker"]')[0]) == "according to Infobae"
    assert alleged.xpath('.//span[@class="report"]/a/@href') == ["/report/infobae-drone-report.html"]
    assert alleged.xpath(".//blockquote/mark")[0].text == "the ANSU-100 (Mohajer-2)"
    sourced = by_claim[BASE + "claim/iran-venezuela-drone-facility/military-cooperation"]
    assert text(sourced.xpath('.//span[@class="source"]')[0]) == "on the word of unnamed sources"
    stated = by_claim[BASE + "claim/iran-venezuela-drone-facility/chavez-death-claim"]
    assert text(stated.xpath('.//span[contains(@class, "badge")]')[0]) == "stated as fact"
    assert not stated.xpath('.//span[@class="hedge"]')


def text_of(item, css_class: str) -> list[str]:
    return [node.text or "" for node in item.xpath(f'.//blockquote/span[@class="{css_class}"]')]


def test_the_article_page_shows_where_the_text_leaves_the_speaker_open(server):
    page = html_of(server, ARTICLE_PAGE)
    ventures = next(item for item in claim_items(page, "claims_in_reading_order")
                    if item.xpath('.//a[contains(@href, "/supermarket-venture-launch-claim.html")]'))
    [speaker] = ventures.xpath('.//span[contains(@class, "speaker") and contains(@class, "uncertain")]')
    assert [a.text for a in speaker.xpath(".//a")] == ["Christian K. Caruzo", "Infobae"]
    assert " or " in text(speaker) and "does not say which" in text(speaker)
    assert ventures.xpath('.//span[contains(@class, "report") and contains(@class, "uncertain")]/a/@href') == [
        "/report/infobae-drone-report.html"]
    assert ventures.xpath(".//blockquote/mark")[0].text.startswith("Other “ventures” launched by Iranian individuals")


def test_an_articles_claims_are_paged_once_not_repeated_as_incoming_links(small_pages, store):
    """The second page of an article showed every claim again as "linked from"; each claim is now on one page."""
    first, second = html_of(small_pages, ARTICLE_PAGE), html_of(small_pages, ARTICLE_PAGE + "?page=2")
    offsets = sorted(first_offsets(store).values())
    seen = []
    for page in (first, second):
        items = claim_items(page, "claims_in_reading_order")
        assert len(items) == 5
        seen += [item.xpath('.//a[contains(@class, "claim-text")]/@href')[0] for item in items]
        assert not page.xpath('//section[@class="incoming"]')  # nothing else links to the article
    assert len(set(seen)) == 10
    starts = [int(i.get("data-start")) for p in (first, second) for i in claim_items(p, "claims_in_reading_order")]
    assert starts == offsets[:10]
    assert "Page 1 of 18" in text(first.xpath('//nav[@class="pager"]')[0])
    assert get(small_pages, ARTICLE_PAGE + "?page=18").status_code == 200


def test_event_pages_show_the_claims_that_assert_them(server):
    page = html_of(server, "/event/iran-venezuela-drone-facility/milei-arrest-warrant.html")
    [item] = claim_items(page, "claims_asserting")
    assert text(item.xpath('.//a[contains(@class, "claim-text")]')[0]) == (
        "Nicolás Maduro issued an arrest warrant against Javier Milei and other members of his administration.")
    assert text(item.xpath('.//span[contains(@class, "badge")]')[0]) == "stated as fact"
    assert text(item.xpath('.//span[@class="speaker"]')[0]) == "according to Christian K. Caruzo"
    assert not [a for a in page.xpath("//a") if (a.text or "").startswith(("https://", "http://"))]
    types = page.xpath('//tr[th/a[text()="event type"]]/td//a/text()')
    assert types == ["arrest warrant"]


def test_report_pages_list_their_claims_and_both_reports_are_reachable(server):
    article = html_of(server, ARTICLE_PAGE)
    links = set(article.xpath("//a/@href"))
    assert {"/report/infobae-drone-report.html", "/report/infobae-oil-spill-report.html"} <= links
    spill = html_of(server, "/report/infobae-oil-spill-report.html")
    assert [text(a) for a in spill.xpath('//section[contains(@class, "claims-claims_from_report")]//a[@class="claim-text"]')] == [
        "Iran helped the Maduro regime cover up an oil spill.",
        "An oil spill was caused by an “operational negligence” committed by Iranian engineers in November at one of "
        "Venezuela's main refineries."]
    drone = html_of(server, "/report/infobae-drone-report.html")
    assert len(claim_items(drone, "claims_from_report")) == 37
    maybe = claim_items(drone, "claims_possibly_from_report")
    assert len(maybe) == 12
    assert [int(i.get("data-start")) for i in maybe] == sorted(int(i.get("data-start")) for i in maybe)


def test_linked_from_shows_labels_sorted_by_kind_and_label(server):
    page = html_of(server, "/entity/javier-milei.html")
    rows = [(text(tr.xpath('td[@class="kind"]')[0]), text(tr.xpath("td[2]")[0]))
            for tr in page.xpath('//section[@class="incoming"]//tr')]
    assert len(rows) >= 10
    assert rows == sorted(rows, key=lambda r: (r[0].casefold(), r[1].casefold()))
    assert not [r for r in rows if r[1].startswith(("http", "nf:")) or "#" in r[1]]
    assert ("office holding", "Javier Milei is the current President of Argentina; he took office in December 2023.") in rows
    assert {kind for kind, _ in rows} == {"claim", "event", "office holding"}


def test_evidence_and_dataset_pages_have_human_titles(server):
    evidence = html_of(server, "/evidence/iran-venezuela-drone-facility/ansu-100-is-mohajer-2-1.html")
    assert text(evidence.xpath("//h1")[0]) == "Evidence for: The ANSU-100 is the Mohajer-2."
    spanish = html_of(server, "/evidence/iran-venezuela-drone-facility/ansu-100-is-mohajer-2-1.html", SPANISH)
    assert text(spanish.xpath("//h1")[0]) == "Evidencia de: The ANSU-100 is the Mohajer-2."
    dataset = html_of(server, "/dataset.html")
    assert not text(dataset.xpath("//h1")[0]).startswith("http")
    holding = html_of(server, "/situation/iran-venezuela-drone-facility/hojat-soltani-ambassador.html")
    assert text(holding.xpath("//h1")[0]) == "Hojat Soltani is Iran's ambassador to Caracas."
    claim = html_of(server, "/claim/iran-venezuela-drone-facility/hojat-soltani-ambassador-claim.html")
    assert claim.xpath('//tr[th/a[text()="asserts"]]/td//a/text()') == ["Hojat Soltani is Iran's ambassador to Caracas."]
    assert claim.xpath('//tr[th/a[text()="has evidence"]]/td//a/text()') == ["Evidence 1"]


SPANISH_PAGES = (ARTICLE_PAGE, "/event/iran-venezuela-drone-facility/milei-arrest-warrant.html",
                 "/report/infobae-drone-report.html", "/entity/javier-milei.html", "/entity/infobae.html",
                 "/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.html",
                 "/evidence/iran-venezuela-drone-facility/ansu-100-is-mohajer-2-1.html", "/dataset.html", "/ontology.html")


def fixed_words(page) -> list[str]:
    """The texts a page writes itself (headings, badges, attribution words, table headers, kinds, pager, navigation,
    footer), without the data's own words (claim texts, quotes, labels: what is inside links, marks and hedges)."""
    found = [text(e) for e in page.xpath("//h2 | //span[contains(@class, 'badge')] | //th | //td[@class='kind'] | "
                                         "//td[@class='via'] | //header//nav//a | //footer | //p[@class='release'] | "
                                         "//section[@class='formats']//a | //p[@class='sameas'] | //nav[@class='toc']//a")]
    for span in page.xpath("//span[contains(@class, 'speaker') or @class='source' or contains(@class, 'report') or "
                           "@class='hedge'] | //nav[@class='pager'] | //p[@class='offsets'] | //dd/small"):
        found += [t.strip() for t in span.xpath("text() | small/text()") if t.strip()]
    return found


def test_spanish_pages_are_spanish_throughout(server):
    from newsfacts.web.linked_data.ui_strings import UI

    assert set(UI["en"]) == set(UI["es"])
    english = {v for k, v in UI["en"].items() if v != UI["es"][k] and len(v) > 2}
    english |= {"stated as fact", "reported", "alleged", "claimed", "believed", "according to", "on the word of",
                "Linked from", "previous", "next", "Statements", "type", "event type", "participation"}
    for path in SPANISH_PAGES:
        page = html_of(server, path, SPANISH)
        assert page.get("lang") == "es", path
        words = fixed_words(page)
        assert words, path
        leaks = [w for w in words if w in english or any(e in w.split(" ") for e in ("or", "of", "the", "from"))
                 or any(w.startswith(e) for e in english if len(e) > 4)]
        assert leaks == [], (path, leaks)
    article = html_of(server, ARTICLE_PAGE, SPANISH)
    assert "Afirmaciones, en orden de lectura" in text(article.xpath("//h2")[0])
    badges = {text(b) for b in article.xpath("//span[contains(@class, 'badge')]")}
    assert {"afirmado como hecho", "informado", "presunto", "creído", "aseverado"} <= badges


def test_the_landing_page_names_the_article_by_its_headline_and_offers_entry_points(server, store):
    page = html_of(server, "/")
    [entry] = page.xpath('//li[@class="article-entry"]')
    [label] = [s["l"].value for s in store.query(
        'SELECT ?l WHERE { <https://newsfacts.example/article/iran-venezuela-drone-facility> '
        '<http://www.w3.org/2000/01/rdf-schema#label> ?l }', use_default_graph_as_union=True)]
    headline = entry.xpath('.//a[@class="headline"]')[0]
    assert text(headline) == label and headline.get("href") == ARTICLE_PAGE
    assert "iran-venezuela-drone-facility" not in text(entry)  # the slug is not the name
    assert entry.xpath('.//p[@class="byline"]/a/@href')[0] == "/entity/christian-k-caruzo.html"
    assert sorted(entry.xpath('.//a[@class="report"]/@href')) == ["/report/infobae-drone-report.html",
                                                                   "/report/infobae-oil-spill-report.html"]
    assert text(entry.xpath('.//a[@class="claims"]')[0]).startswith("90 claims")
    entities = entry.xpath('.//a[@class="entity"]/@href')
    assert len(entities) == 8 and {"/entity/iran.html", "/entity/venezuela.html"} <= set(entities)
    for href in entry.xpath(".//a/@href"):
        assert get(server, href).status_code == 200, href
