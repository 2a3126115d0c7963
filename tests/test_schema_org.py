"""schema.org JSON-LD embedded in every HTML page: it parses, expands with pyld to the right types, and is escaped."""

from __future__ import annotations

import json
import re

import pytest
import requests
from pyld import jsonld

from newsfacts.web.find.schema_org import script

SCHEMA = "https://schema.org/"
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
CLAIM = "/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.html"
ARTICLE = "https://newsfacts.example/article/iran-venezuela-drone-facility"


def embedded(server, path: str) -> list[dict]:
    """The page's JSON-LD, expanded: one node object per thing described."""
    page = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    scripts = SCRIPT.findall(page.text)
    assert len(scripts) == 1, path
    return jsonld.expand(json.loads(scripts[0]))


def node(expanded: list[dict], iri: str | None = None) -> dict:
    return next(n for n in expanded if iri is None or n.get("@id") == iri)


def values(item: dict, key: str) -> list:
    return [v.get("@id", v.get("@value")) for v in item.get(SCHEMA + key, [])]


def test_an_entity_page_is_a_person_same_as_its_verified_wikidata_entity(server):
    person = node(embedded(server, "/entity/nicolas-maduro.html"), "https://newsfacts.example/entity/nicolas-maduro")
    assert person["@type"] == [SCHEMA + "Person"] and values(person, "name") == ["Nicolás Maduro"]
    assert values(person, "sameAs") == ["http://www.wikidata.org/entity/Q58132"]
    country = node(embedded(server, "/entity/iran.html"))
    assert country["@type"] == [SCHEMA + "Country"] and values(country, "alternateName") == ["Irán"]
    unverified = node(embedded(server, "/entity/hojat-soltani.html"))
    assert unverified["@type"] == [SCHEMA + "Person"] and SCHEMA + "sameAs" not in unverified


def test_a_claim_page_is_a_claim_appearing_in_the_article_with_its_quote(server):
    claim = node(embedded(server, CLAIM))
    assert claim["@type"] == [SCHEMA + "Claim"]
    assert values(claim, "text") and values(claim, "author") == ["https://newsfacts.example/entity/infobae"]
    appearances = claim[SCHEMA + "appearance"]
    assert {a.get("@id") for a in appearances} >= {ARTICLE}
    quote = next(a for a in appearances if a["@type"] == [SCHEMA + "Quotation"])
    assert values(quote, "text")[0] and values(quote, "isPartOf") == [ARTICLE]
    assert values(claim, "firstAppearance") == [ARTICLE]


def test_no_claim_review_is_emitted(server):
    for path in (CLAIM, "/", "/entity/nicolas-maduro.html"):
        page = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30).text
        assert "ClaimReview" not in page and "reviewRating" not in page


def test_the_article_page_is_a_news_article_and_the_landing_page_a_dataset(server):
    article = node(embedded(server, "/article/iran-venezuela-drone-facility.html"))
    assert article["@type"] == [SCHEMA + "NewsArticle"] and values(article, "headline")
    assert values(article, "author") == ["https://newsfacts.example/entity/christian-k-caruzo"]
    dataset = node(embedded(server, "/"))
    assert dataset["@type"] == [SCHEMA + "Dataset"] and values(dataset, "license")
    downloads = dataset[SCHEMA + "distribution"]
    assert downloads and all(d["@type"] == [SCHEMA + "DataDownload"] and values(d, "contentUrl") for d in downloads)


def test_an_event_page_is_an_event_dated_only_as_the_text_dates_it(server, store):
    rows = {r["e"].value: r for r in store.query("""SELECT ?e ?d WHERE { ?e a <https://newsfacts.example/ontology/Event>
        OPTIONAL { ?e <https://newsfacts.example/ontology/date> ?d } }""", use_default_graph_as_union=True)}
    dated = next(e for e, r in rows.items() if r["d"] is not None and not r["d"].value.startswith("--"))
    undated = next(e for e, r in rows.items() if r["d"] is None)
    event = node(embedded(server, dated.replace("https://newsfacts.example", "") + ".html"))
    assert event["@type"] == [SCHEMA + "Event"] and values(event, "startDate") == [rows[dated]["d"].value]
    assert SCHEMA + "startDate" not in node(embedded(server, undated.replace("https://newsfacts.example", "") + ".html"))


@pytest.mark.parametrize(("path", "kind"), [("/entity/", "CollectionPage"), ("/search?q=iran", "SearchResultsPage"),
                                            ("/timeline", "WebPage"), ("/dumps", "WebPage"), ("/sparql", "WebPage")])
def test_other_pages_are_web_pages(server, path, kind):
    assert node(embedded(server, path))["@type"] == [SCHEMA + kind]


def test_text_cannot_close_the_script_element():
    element = str(script({"@type": "Claim", "text": "</script><script>alert(1)</script><!-- & -->"}))
    assert element.count("</script>") == 1 and "<!--" not in element and element.endswith("</script>")
    body = element[len('<script type="application/ld+json">'):-len("</script>")]
    assert json.loads(body)["text"] == "</script><script>alert(1)</script><!-- & -->"
