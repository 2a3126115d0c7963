"""Memento (RFC 7089) over HTTP: versioned documents, TimeGates, TimeMaps and the links between them, on three
successive releases (see release_history.py)."""

from __future__ import annotations

import email.utils
from urllib.parse import urljoin

import pytest
import rdflib
import rdflib.compare
import requests
from requests.utils import parse_header_links

from conftest import start_server
from release_history import CHANGED_CLAIM, SECOND_ENTITY, shared_history

CLAIM_PATH = CHANGED_CLAIM.removeprefix("https://newsfacts.example/")
CERTAINTY = rdflib.URIRef("https://newsfacts.example/ontology/certainty")
CONCEPT = "https://newsfacts.example/concept/certainty/"


@pytest.fixture(scope="module")
def history(tmp_path_factory, sources_dir):
    return shared_history(tmp_path_factory, sources_dir)


@pytest.fixture(scope="module")
def site(history):
    running = start_server(history.releases_dir)
    yield running
    running.stop()


def links(response) -> list[dict]:
    return parse_header_links(response.headers.get("Link", ""))


def rels(response, rel: str) -> list[str]:
    return [link["url"] for link in links(response) if rel in link.get("rel", "").split()]


def http_date(release) -> str:
    return email.utils.format_datetime(release_time(release), usegmt=True)


def release_time(release):
    import datetime

    return datetime.datetime.fromisoformat(release.manifest()["built_at"].replace("Z", "+00:00"))


def parse_link_format(text: str) -> list[dict]:
    """application/link-format (RFC 6690) is Link-header syntax; entries may span lines."""
    entries = parse_header_links(" ".join(line.strip() for line in text.splitlines()))
    assert entries and all(e["url"].startswith("http") for e in entries)
    return entries


def test_an_original_names_its_timegate_and_timemap_and_is_not_negotiated_by_datetime(site):
    for path in (CLAIM_PATH, CLAIM_PATH + ".ttl"):
        response = requests.get(f"{site.url}/{path}", headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=30)
        assert response.status_code in (200, 303)
        assert rels(response, "timegate") == [f"{site.url}/timegate/{path}"]
        assert rels(response, "timemap") == [f"{site.url}/timemap/{path}"]
        assert rels(response, "original") == [] and "Memento-Datetime" not in response.headers
        assert "accept-datetime" not in response.headers.get("Vary", "").lower()


def test_the_timemap_lists_the_kept_versions_in_which_a_resource_exists(site, history):
    first, second, third = history.releases
    response = requests.get(f"{site.url}/timemap/{CLAIM_PATH}", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/link-format"
    entries = parse_link_format(response.text)
    by_rel = {e["rel"]: e for e in entries}
    assert by_rel["original"]["url"] == f"{site.url}/{CLAIM_PATH}"
    assert by_rel["timegate"]["url"] == f"{site.url}/timegate/{CLAIM_PATH}"
    assert by_rel["self"]["type"] == "application/link-format"
    assert by_rel["self"]["from"] == http_date(first) and by_rel["self"]["until"] == http_date(third)
    mementos = [e for e in entries if "memento" in e["rel"].split()]
    assert [m["url"] for m in mementos] == [f"{site.url}/release/{r.version}/{CLAIM_PATH}" for r in history.releases]
    assert [m["datetime"] for m in mementos] == [http_date(r) for r in history.releases]
    assert mementos[0]["rel"] == "first memento" and mementos[-1]["rel"] == "last memento"

    only_second = parse_link_format(requests.get(f"{site.url}/timemap/entity/ana-nunez", timeout=30).text)
    mementos = [e for e in only_second if "memento" in e["rel"].split()]
    assert [(m["url"], m["rel"]) for m in mementos] == [(f"{site.url}/release/{second.version}/entity/ana-nunez",
                                                          "first last memento")]
    assert requests.get(f"{site.url}/timemap/entity/no-such-entity", timeout=30).status_code == 404


def test_the_timegate_redirects_to_the_version_in_force_at_the_date_asked(site, history):
    first, second, third = history.releases
    cases = [("Wed, 30 May 2007 18:47:52 GMT", first),  # before the first release: the first
             (http_date(first), first), (http_date(second), second),
             ("Fri, 31 Dec 2999 23:59:59 GMT", third), (None, third)]  # after the last, or none asked: the latest
    for asked, expected in cases:
        headers = {"Accept-Datetime": asked} if asked else {}
        response = requests.get(f"{site.url}/timegate/{CLAIM_PATH}.ttl", headers=headers, allow_redirects=False, timeout=30)
        assert response.status_code == 302, (asked, response.text)
        assert urljoin(response.url, response.headers["Location"]) == f"{site.url}/release/{expected.version}/{CLAIM_PATH}.ttl"
        assert "accept-datetime" in [v.strip().lower() for v in response.headers["Vary"].split(",")]
        assert rels(response, "original") == [f"{site.url}/{CLAIM_PATH}.ttl"]
        assert rels(response, "timemap") == [f"{site.url}/timemap/{CLAIM_PATH}.ttl"]
        assert "Memento-Datetime" not in response.headers


@pytest.mark.parametrize("asked", ["2007-05-30", "Thu, 3 May 2007 18:47:52 +0200", "Wed, 30 May 2007 18:47:52 UTC",
                                   "Fri, 30 Feb 2024 10:00:00 GMT", "yesterday"])
def test_a_malformed_accept_datetime_is_400(site, asked):
    response = requests.get(f"{site.url}/timegate/{CLAIM_PATH}", headers={"Accept-Datetime": asked}, allow_redirects=False,
                            timeout=30)
    assert response.status_code == 400 and response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Bad Accept-Datetime"


def test_a_memento_is_the_document_as_it_was_with_its_datetime_and_one_original(site, history):
    first, second, third = history.releases
    certainties = []
    for release in history.releases:
        url = f"{site.url}/release/{release.version}/{CLAIM_PATH}.ttl"
        # Accept-Datetime on a memento is ignored (it is not a TimeGate)
        response = requests.get(url, headers={"Accept-Datetime": "Wed, 30 May 2007 18:47:52 GMT"}, timeout=30)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
        assert response.headers["Memento-Datetime"] == http_date(release)
        assert rels(response, "original") == [f"{site.url}/{CLAIM_PATH}.ttl"]
        assert rels(response, "timegate") == [f"{site.url}/timegate/{CLAIM_PATH}.ttl"]
        assert "accept-datetime" not in response.headers.get("Vary", "").lower()
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Newsfacts-Release"] == release.version
        graph = rdflib.Graph().parse(data=response.text, format="turtle")
        certainties.append({str(o) for o in graph.objects(rdflib.URIRef(CHANGED_CLAIM), CERTAINTY)})
        document = rdflib.URIRef(url)
        assert (document, rdflib.FOAF.primaryTopic, rdflib.URIRef(CHANGED_CLAIM)) in graph
    assert certainties == [{CONCEPT + "reported"}, {CONCEPT + "alleged"}, {CONCEPT + "alleged"}]

    middle = requests.get(f"{site.url}/release/{second.version}/{CLAIM_PATH}.ttl", timeout=30)
    assert rels(middle, "prev") == [f"{site.url}/release/{first.version}/{CLAIM_PATH}.ttl"]
    assert rels(middle, "next") == [f"{site.url}/release/{third.version}/{CLAIM_PATH}.ttl"]
    dated = {link["url"]: link.get("datetime") for link in links(middle) if "memento" in link["rel"].split()}
    assert dated[f"{site.url}/release/{first.version}/{CLAIM_PATH}.ttl"] == http_date(first)
    current = requests.get(f"{site.url}/{CLAIM_PATH}.ttl", timeout=30)
    assert {str(o) for o in rdflib.Graph().parse(data=current.text, format="turtle").objects(
        rdflib.URIRef(CHANGED_CLAIM), CERTAINTY)} == {CONCEPT + "alleged"}


def test_a_memento_of_a_thing_is_a_303_to_its_document_in_the_release(site, history):
    first = history.releases[0]
    response = requests.get(f"{site.url}/release/{first.version}/{CLAIM_PATH}", headers={"Accept": "application/n-triples"},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 303 and response.headers["Location"] == f"/release/{first.version}/{CLAIM_PATH}.nt"
    assert response.headers["Memento-Datetime"] == http_date(first)
    assert rels(response, "original") == [f"{site.url}/{CLAIM_PATH}"]


def test_every_format_and_kind_is_served_by_version_and_a_missing_one_is_404(site, history):
    second, third = history.releases[1], history.releases[2]
    for path in ("entity/ana-nunez.jsonld", "entity/ana-nunez.nt", "entity/ana-nunez.rdf", "article/harbour-seizure.ttl",
                 "event/harbour-seizure/cargo-seizure.ttl", "ontology.ttl", "concept/certainty/alleged.ttl", "dataset.ttl"):
        response = requests.get(f"{site.url}/release/{second.version}/{path}", timeout=30)
        assert response.status_code == 200, (path, response.text[:200])
        assert response.headers["Memento-Datetime"] == http_date(second)
    assert requests.get(f"{site.url}/release/{third.version}/entity/ana-nunez.ttl", timeout=30).status_code == 404
    assert requests.get(f"{site.url}/release/20000101T000000Z-00000000/entity/iran.ttl", timeout=30).status_code == 404


def test_a_versioned_page_links_within_its_release_and_the_current_page_to_its_history(site, history):
    second = history.releases[1]
    page = requests.get(f"{site.url}/release/{second.version}/entity/ana-nunez.html", timeout=30)
    assert page.status_code == 200
    assert f'href="/release/{second.version}/claim/harbour-seizure/ownership-denied.html"' in page.text
    assert 'href="/claim/' not in page.text and 'href="/entity/ana-nunez.html"' in page.text  # the current version
    assert f'href="/release/{second.version}/changes"' in page.text
    current = requests.get(f"{site.url}/{CLAIM_PATH}.html", timeout=30)
    assert f'href="/history/{CLAIM_PATH}"' in current.text
    own = requests.get(f"{site.url}/history/{CLAIM_PATH}", timeout=30)
    assert own.status_code == 200
    for release, status in zip(history.releases, ("created", "updated"), strict=False):
        assert f"/release/{release.version}/changes" in own.text and f'status-{status}' in own.text
    assert f"/release/{history.releases[2].version}/changes" not in own.text  # its description did not change then
    deleted = requests.get(f"{site.url}/history/{SECOND_ENTITY.removeprefix('https://newsfacts.example/')}", timeout=30)
    assert "status-deleted" in deleted.text and "status-created" in deleted.text


def test_the_changes_page_of_a_release(site, history):
    second = history.releases[1]
    page = requests.get(f"{site.url}/release/{second.version}/changes", timeout=30)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Retracted (1)" in page.text and "Changed (1)" in page.text
    assert f"{CONCEPT}reported" in page.text and f"{CONCEPT}alleged" in page.text
    assert requests.get(f"{site.url}/release/{second.version}/changes/other.txt", timeout=30).status_code == 404


def test_a_versioned_jsonld_document_names_its_release_context_and_expands_to_its_turtle(site, history):
    from pyld import jsonld

    first = history.releases[0]
    prefix = f"{site.url}/release/{first.version}"
    turtle = requests.get(f"{prefix}/{CLAIM_PATH}.ttl", timeout=30)
    document = requests.get(f"{prefix}/{CLAIM_PATH}.jsonld", timeout=30)
    body = document.json()
    assert body["@context"] == f"{prefix}/context.jsonld"
    context = requests.get(body["@context"], timeout=30)
    assert context.status_code == 200 and context.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    def loader(url, options=None):
        assert url == f"{prefix}/context.jsonld"
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context.json()}

    nquads = jsonld.to_rdf(body, {"format": "application/n-quads", "documentLoader": loader})
    from_jsonld = rdflib.Graph().parse(data=nquads, format="nquads")
    from_turtle = rdflib.Graph().parse(data=turtle.text, format="turtle")
    for graph, url in ((from_jsonld, document.url), (from_turtle, turtle.url)):
        graph.remove((rdflib.URIRef(url), None, None))
    assert len(from_turtle) > 10
    assert rdflib.compare.isomorphic(from_jsonld, from_turtle)


def test_the_dataset_history_is_the_list_of_releases_and_an_unknown_resource_has_none(site, history):
    response = requests.get(f"{site.url}/history/dataset", allow_redirects=False, timeout=30)
    assert response.status_code == 303 and response.headers["Location"] == "/history"
    listing = requests.get(f"{site.url}/history", timeout=30)
    assert listing.status_code == 200 and all(r.version in listing.text for r in history.releases)
    assert requests.get(f"{site.url}/history/entity/no-such-entity", timeout=30).status_code == 404


def test_every_link_of_the_change_pages_resolves(site, history):
    """Retracted claims and removed entities link to the release before, where they were; the rest to this one."""
    import re

    second = history.releases[1]
    for release in history.releases:
        page = requests.get(f"{site.url}/release/{release.version}/changes", timeout=30).text
        hrefs = set(re.findall(r'href="(/release/[^"]+)"', page))
        assert hrefs
        for href in sorted(hrefs)[:200]:
            assert requests.head(site.url + href, timeout=30).status_code == 200, href
    third = requests.get(f"{site.url}/release/{history.releases[2].version}/changes", timeout=30).text
    assert f'href="/release/{second.version}/entity/ana-nunez.html"' in third
