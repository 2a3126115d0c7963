"""What the server says of the dataset, over HTTP: the dataset description with every distribution, the
validation report, the named graphs, and HTML pages whose links stay on the serving host. The session server
serves the default base (https://newsfacts.example/) from http://127.0.0.1:<port>/, so base and host differ."""

from __future__ import annotations

import hashlib
import re

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

BASE = "https://newsfacts.example/"
DATASET = URIRef(BASE + "dataset")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SH = Namespace("http://www.w3.org/ns/shacl#")
NF = Namespace("https://newsfacts.example/ontology/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
IANA = "https://www.iana.org/assignments/media-types/"
FORMATS = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}


def fetch(server, path: str, accept: str | None = None) -> requests.Response:
    return requests.get(server.url + path, headers={"Accept": accept} if accept else {}, allow_redirects=False,
                        timeout=30)


def rdf(server, path: str, suffix: str = "ttl") -> Graph:
    response = fetch(server, f"{path}.{suffix}")
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return Graph().parse(data=response.content, format=FORMATS[suffix], publicID=server.url + path)


@pytest.fixture(scope="module")
def description(server) -> Graph:
    well_known = fetch(server, "/.well-known/void", "text/turtle")
    assert well_known.status_code == 303 and well_known.headers["Location"].endswith("/dataset")
    return rdf(server, "/dataset")


def test_every_distribution_is_described_and_downloads_as_described(server, release, description):
    public = server.url + "/"
    distributions = list(description.objects(DATASET, DCAT.distribution))
    assert len(distributions) == len(release.manifest()["dumps"]) == 5
    for dist in distributions:
        [url] = description.objects(dist, DCAT.downloadURL)
        [media_type] = description.objects(dist, DCAT.mediaType)
        [size] = description.objects(dist, DCAT.byteSize)
        [checksum] = description.objects(dist, SPDX.checksum)
        assert description.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        digest = description.value(checksum, SPDX.checksumValue)
        assert digest.datatype == XSD.hexBinary and re.fullmatch("[0-9a-f]{64}", str(digest))
        assert isinstance(media_type, URIRef) and str(media_type).startswith(IANA)
        assert size.datatype == XSD.nonNegativeInteger
        # downloads come from the deployment that answered, not from the canonical host of the base IRI
        assert str(url).startswith(public + "dumps/"), url
        body = requests.get(str(url), timeout=60)
        assert body.status_code == 200
        assert len(body.content) == int(size) and hashlib.sha256(body.content).hexdigest() == str(digest)


def test_data_dumps_are_the_rdf_dumps_and_the_sssom_file_is_a_distribution(description):
    dumps = {str(u) for u in description.objects(DATASET, VOID.dataDump)}
    assert len(dumps) == 4 and not any(u.endswith(".sssom.tsv") for u in dumps)
    [sssom] = [d for d in description.objects(DATASET, DCAT.distribution)
               if str(description.value(d, DCAT.downloadURL)).endswith(".sssom.tsv")]
    assert description.value(sssom, DCAT.mediaType) == URIRef(IANA + "text/tab-separated-values")


def test_catalogue_metadata(server, description):
    assert description.value(DATASET, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    for prop in (DCT.issued, DCT.modified):
        assert description.value(DATASET, prop).datatype == XSD.dateTime
    assert description.value(DATASET, DCAT.landingPage) == URIRef(server.url + "/")
    assert description.value(DATASET, VOID.sparqlEndpoint) == URIRef(server.url + "/sparql")
    publisher = description.value(DATASET, DCT.publisher)
    assert description.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name")) == Literal("newsfacts")
    contact = description.value(DATASET, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in description and description.value(contact, VCARD.hasURL) is not None


def test_the_wikidata_linkset(description, store):
    [linkset] = [s for s in description.objects(DATASET, VOID.subset) if (s, RDF.type, VOID.Linkset) in description]
    targets = set(description.objects(linkset, VOID.target))
    assert len(targets) == 2 and DATASET in targets
    assert description.value(linkset, VOID.subjectsTarget) == DATASET
    assert description.value(linkset, VOID.objectsTarget) in targets - {DATASET}
    assert description.value(linkset, VOID.linkPredicate) == SKOS.exactMatch
    count = next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{BASE}graph/links> {{ ?s <{SKOS}exactMatch> ?o "
                                  "FILTER(STRSTARTS(STR(?o), 'http://www.wikidata.org/entity/')) } }")))["n"].value
    assert int(description.value(linkset, VOID.triples)) == int(count) == 19


def test_the_validation_report_is_served_and_linked(server, release, description):
    report = URIRef(BASE + "validation-report")
    assert description.value(DATASET, NF.validationReport) == report
    assert int(description.value(report, NF.violationCount)) == 0
    assert fetch(server, "/validation-report", "text/turtle").headers["Location"] == "/validation-report.ttl"
    graphs = {suffix: rdf(server, "/validation-report", suffix) for suffix in FORMATS}
    turtle = graphs["ttl"]
    warnings = release.manifest()["validation"]["warnings"]
    assert warnings > 0
    # SHACL: any result, a warning included, means sh:conforms false; the violations are counted apart
    assert turtle.value(report, SH.conforms) == Literal(False)
    assert int(turtle.value(report, NF.violationCount)) == 0 == release.manifest()["validation"]["violations"]
    assert len(list(turtle.objects(report, SH.result))) == warnings == int(turtle.value(report, NF.warningCount))
    assert release.manifest()["validation"]["conforms"] is False
    for suffix, graph in graphs.items():
        assert len(graph) == len(turtle), suffix
    page = fetch(server, "/validation-report.html")
    assert page.status_code == 200 and "<strong>0 violations</strong>" in page.text and f"{warnings} warnings" in page.text
    assert 'href="/validation-report.html"' in fetch(server, "/dataset.html").text


@pytest.mark.parametrize("name", ["entities", "links", "vocabulary", "article/iran-venezuela-drone-facility"])
def test_named_graph_iris_dereference_to_a_description(server, release, name):
    iri = URIRef(f"{BASE}graph/{name}")
    assert fetch(server, f"/graph/{name}", "text/turtle").status_code == 303
    graph = rdf(server, f"/graph/{name}")
    assert int(graph.value(iri, VOID.triples)) == release.manifest()["graphs"][str(iri)]
    assert graph.value(iri, DCT.description) is not None
    content = graph.value(iri, VOID.dataDump)
    assert str(content).startswith(server.url + "/sparql/graph?graph=")
    whole = requests.get(str(content), headers={"Accept": "application/n-triples"}, timeout=30)
    assert whole.status_code == 200
    assert len(Graph().parse(data=whole.content, format="nt")) == release.manifest()["graphs"][str(iri)]
    assert fetch(server, f"/graph/{name}.html").status_code == 200
    assert fetch(server, "/graph/no-such-graph.ttl").status_code == 404


PAGES = ["/", "/dataset.html", "/dumps", "/entity/nicolas-maduro.html", "/article/iran-venezuela-drone-facility.html",
         "/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.html", "/ontology.html", "/ontology/Claim.html",
         "/concept/certainty/alleged.html", "/validation-report.html", "/graph/links.html",
         "/sparql?query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+20"]


@pytest.mark.parametrize("path", PAGES)
def test_html_links_stay_on_the_serving_host(server, path):
    """The base IRI is not the serving host here: links to minted IRIs and to the vocabulary go to this server's
    own documents (relative paths); canonical IRIs may be shown as text, never as link targets."""
    page = fetch(server, path, "text/html")
    assert page.status_code == 200, path
    links = re.findall(r'href="([^"]*)"', page.text)
    assert links
    assert not [link for link in links if link.startswith(BASE)], path
    assert not [link for link in links if link.startswith(server.url)], path  # relative, not absolute


def test_dataset_page_links_to_its_distributions_on_this_server(server, release):
    page = fetch(server, "/dataset.html").text
    for dump in release.manifest()["dumps"]:
        assert f'href="/dumps/{release.version}/{dump["name"]}"' in page


def test_contact_point_and_publisher_come_from_the_settings():
    import pyoxigraph as ox

    from newsfacts.dataset import Publisher, describe, served_url

    def contact_of(publisher: Publisher) -> dict[str, set[str]]:
        quads = describe([], set(), [], base_iri=BASE, version="v1", built_at="2026-01-01T00:00:00Z",
                         license_iri="https://creativecommons.org/licenses/by/4.0/", graph=BASE + "graph/dataset",
                         publisher=publisher)
        found: dict[str, set[str]] = {}
        for q in quads:
            if q.subject == ox.NamedNode(BASE + "dataset#contact") or q.subject == ox.NamedNode(BASE + "dataset#publisher"):
                found.setdefault(q.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1], set()).add(q.object.value)
        return found

    default = contact_of(Publisher())
    assert default["hasURL"] == {BASE} and "hasEmail" not in default and default["name"] == {"newsfacts"}
    chosen = contact_of(Publisher("Example Newsroom", "data@example.org", ""))
    assert chosen["hasEmail"] == {"mailto:data@example.org"} and "hasURL" not in chosen
    assert chosen["fn"] == chosen["name"] == {"Example Newsroom"}
    # served URLs move to the deployment; names of things do not
    assert served_url(BASE + "dumps/v1/a.nq.gz", BASE, "http://127.0.0.1:8080/") == "http://127.0.0.1:8080/dumps/v1/a.nq.gz"
    assert served_url(BASE + "sparql", BASE, "http://127.0.0.1:8080/") == "http://127.0.0.1:8080/sparql"
    assert served_url(BASE + "entity/iran", BASE, "http://127.0.0.1:8080/") == BASE + "entity/iran"
    assert served_url(BASE + "dataset", BASE, "http://127.0.0.1:8080/") == BASE + "dataset"
