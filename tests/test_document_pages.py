"""The HTML pages a reader reads, against a real `newsfacts serve` process serving the shipped release: parsed
with lxml, their order, badges, speakers, hedges, quotes, labels and language checked."""

from __future__ import annotations

import requests

BASE = "https://newsfacts.example/"
CLAIM = BASE + "claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2"


def get(server, path, headers=None):
    return requests.get(server.url + path, headers=headers or {}, allow_redirects=False, timeout=30)


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


def test_a_long_list_is_previewed_counted_and_linked_whole(small_pages, store):
    """A list that is not paged (claims that mention a thing) shows its first claims on the first page, counts all
    of them, and links to the whole list: a SPARQL table and a triple pattern fragment, both of every claim."""
    from rdflib import Graph, URIRef

    iran = BASE + "entity/iran"
    mentioning = {s["c"].value for s in store.query(f"SELECT DISTINCT ?c WHERE {{ ?c <{BASE}ontology/mentions> <{iran}> }}",
                                                    use_default_graph_as_union=True)}
    assert len(mentioning) > 2
    page = html_of(small_pages, "/entity/iran.html")
    section = page.xpath('//section[contains(@class, "claims-claims_about")]')[0]
    assert f"({len(mentioning)})" in text(section.xpath("h2")[0])
    shown = [a.get("href") for a in section.xpath('.//a[@class="claim-text"]')]
    assert len(shown) == 2 and {BASE + h[1:-len(".html")] for h in shown} <= mentioning
    assert f"The first 2 of {len(mentioning)}" in text(section.xpath('p[@class="whole-list"]')[0])
    table_href, fragment_href = section.xpath('p[@class="whole-list"]/a/@href')
    table = get(small_pages, table_href, {"Accept": "text/html"})
    assert table.status_code == 200 and table.headers["Content-Type"].startswith("text/html")
    assert all(claim in table.text for claim in mentioning)  # the page shows the whole list as a table
    table = get(small_pages, table_href, {"Accept": "application/sparql-results+json"})
    assert table.status_code == 200
    assert {b["claim"]["value"] for b in table.json()["results"]["bindings"]} == mentioning
    fragment = get(small_pages, fragment_href, {"Accept": "text/turtle"})
    assert fragment.status_code == 200
    hydra = "http://www.w3.org/ns/hydra/core#"
    graph = Graph().parse(data=fragment.text, format="turtle")
    assert int(next(graph.objects(None, URIRef(hydra + "totalItems")))) == len(mentioning)
    turtle = get(small_pages, "/entity/iran.ttl")
    assert turtle.status_code == 200
    document = Graph().parse(data=turtle.text, format="turtle")
    assert len(set(document.subjects(URIRef(BASE + "ontology/mentions"), URIRef(iran)))) == 2
    see_also = {str(o) for o in document.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"))}
    assert any(link.endswith(fragment_href.lstrip("/")) for link in see_also)
