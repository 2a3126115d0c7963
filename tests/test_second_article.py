"""The second test article (tests/data/second-article, fictional) uses the vocabulary a second article needed:
an unsigned article, a vessel, departure/arrival/shipment/inquiry events, a foreign minister, a sanctions listing
with its designating body and date, anonymous sources as agents, a copy of a product, an unconfirmed claim and a
claim that rests on another. It builds, the example queries answer over it, and pages show the chain."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
import yaml
from rdflib import Graph, URIRef

from newsfacts.build import build
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.facts import read_facts_file
from newsfacts.facts_rules import check_facts
from newsfacts.vocabulary import Vocabulary

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
QUERIES = PROJECT_ROOT / "server" / "newsfacts" / "queries"
BASE = "https://newsfacts.example/"
NF = BASE + "ontology/"
ARTICLE_CLAIM = BASE + "claim/harbour-seizure/"


@pytest.fixture(scope="module")
def second_releases(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("second-releases")
    build(Settings.load({"facts_dir": str(SECOND / "facts"), "sources_dir": str(SECOND / "sources"),
                         "releases_dir": str(folder)}))
    return folder


@pytest.fixture(scope="module")
def second_store(second_releases):
    return ox.Store.read_only(str(second_releases / "current" / "store"))


def rows(store, number: str) -> list[dict]:
    text = next(QUERIES.glob(f"{number}-*.rq")).read_text(encoding="utf-8")
    solutions = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def ask(store, pattern: str) -> bool:
    return store.query(f"PREFIX nf: <{NF}> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ASK {{ {pattern} }}",
                       use_default_graph_as_union=True)


def test_the_new_vocabulary_is_in_the_published_data(second_store):
    e, situation = f"<{BASE}entity/", f"<{BASE}situation/harbour-seizure/"
    article = f"<{BASE}article/harbour-seizure>"
    assert ask(second_store, f"{article} nf:notStatedInText <https://schema.org/author>")
    assert not ask(second_store, f"{article} <https://schema.org/author> ?anyone")
    assert ask(second_store, f"{e}estrella-del-sur> a nf:Vessel")
    assert ask(second_store, f"{e}unnamed-officials> a nf:AnonymousSource . {e}anonymous-source> a nf:AnonymousSource")
    assert ask(second_store, f"""{situation}norte-sur-sanctions-listing> nf:designatedAgent {e}norte-sur> ;
        nf:designationType <{BASE}concept/designation/sanctions-listing> ; nf:designatedBy {e}council-of-nations> ;
        nf:date "2024-04-14"^^xsd:date ; nf:timeDescription "on 14 April 2024" """)
    assert ask(second_store, f"""{situation}ortega-foreign-minister> nf:holder {e}luis-ortega> ;
        nf:office <{BASE}concept/office/foreign-minister> ; nf:officeOf {e}meridia>""")
    for event, kind in [("cargo-departure", "departure"), ("cargo-arrival", "arrival"), ("shipment-to-meridia", "shipment"),
                        ("port-inquiry", "inquiry")]:
        assert ask(second_store, f"<{BASE}event/harbour-seizure/{event}> nf:eventType <{BASE}concept/event-type/{kind}>")
    assert ask(second_store, f"""<{ARTICLE_CLAIM}gavilan-copy-of-halcon> <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate>
        nf:copyOf""")
    assert ask(second_store, f"<{ARTICLE_CLAIM}vessel-owner-unconfirmed> nf:certainty <{BASE}concept/certainty/unconfirmed>")
    # the claim the denial rests on mentions the speaker of the denial (mappings/rules/second-hand.rq)
    assert ask(second_store, f"<{ARTICLE_CLAIM}meridia-denial-reported> nf:mentions {e}luis-ortega>")


def test_13_at_least_reported_follows_the_rank_of_the_certainty_scheme(second_store):
    found = rows(second_store, "13")
    assert {r["certainty"] for r in found} == {"reported"}  # the article states nothing in its own voice
    claims = {r["claim"].removeprefix(ARTICLE_CLAIM) for r in found}
    assert claims == {"cargo-owner", "cargo-departed", "cargo-arrived", "ortega-is-foreign-minister", "meridia-denial-reported",
                      "gavilan-copy-of-halcon"}
    assert not claims & {"vessel-owner-unconfirmed", "meridia-denial", "ownership-denied", "cargo-seized", "norte-sur-listed"}


def test_13_over_the_shipped_release_includes_stated_and_reported_only(store):
    found = rows(store, "13")
    assert {r["certainty"] for r in found} == {"stated", "reported"}
    assert [int(r["rank"]) for r in found] == sorted((int(r["rank"]) for r in found), reverse=True)


def test_14_claims_on_anonymous_sources(second_store):
    found = {(r["claim"].removeprefix(ARTICLE_CLAIM), r["saidBy"], r["anonymousSource"]) for r in rows(second_store, "14")}
    assert found == {("cargo-owner", "Diario Ficticio", "unnamed officials"),
                     ("gavilan-copy-of-halcon", "Diario Ficticio", "a source who spoke on condition of anonymity")}


def test_14_over_the_shipped_release_finds_the_claims_on_unnamed_sources(store):
    found = rows(store, "14")
    facts = yaml.safe_load((PROJECT_ROOT / "facts" / "iran-venezuela-drone-facility.yaml").read_text(encoding="utf-8"))
    expected = {c["id"] for c in facts["claims"] if "unnamed-sources" in (c.get("said_by"), c.get("on_the_word_of"))}
    assert expected and {r["claim"].rsplit("/", 1)[1] for r in found} == expected
    assert {r["anonymousSource"] for r in found} == {"unnamed sources"}


def test_15_second_hand_claims_keep_each_speaker_and_certainty(second_store):
    found = rows(second_store, "15")
    assert [(r["claim"].removeprefix(ARTICLE_CLAIM), r["saidBy"], r["certainty"], r["restsOn"].removeprefix(ARTICLE_CLAIM),
             r["relayedBy"], r["relayCertainty"]) for r in found if r["how"] == "rests on a claim"] == [
        ("meridia-denial", "Luis Ortega", "denied", "meridia-denial-reported", "Diario Ficticio", "reported")]
    on_the_word_of = {(r["claim"].removeprefix(ARTICLE_CLAIM), r["relayedBy"]) for r in found if r["how"] == "on the word of"}
    assert ("gavilan-copy-of-halcon", "a source who spoke on condition of anonymity") in on_the_word_of
    assert all(r["restsOn"] is None for r in found if r["how"] == "on the word of")


def test_the_claim_page_shows_what_a_second_hand_claim_rests_on(second_releases):
    from conftest import start_server

    running = start_server(second_releases)
    try:
        page = requests.get(f"{running.url}/claim/harbour-seizure/meridia-denial", headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        chain = re.search(r'<span class="rests-on">(.*?)</span>', page.text, re.S)
        assert chain, page.text
        text = html.unescape(chain.group(1))
        assert re.search(r'href="[^"]*/claim/harbour-seizure/meridia-denial-reported(\.html)?">Diario Ficticio reported that '
                         r'Luis Ortega denied that the shipment was bound for Meridia\.</a>', text), text
        assert re.search(r'said by <a href="[^"]*/entity/diario-ficticio(\.html)?">Diario Ficticio</a>', text), text
        turtle = requests.get(f"{running.url}/claim/harbour-seizure/meridia-denial.ttl", timeout=30)
        graph = Graph().parse(data=turtle.text, format="turtle")
        assert (URIRef(ARTICLE_CLAIM + "meridia-denial"), URIRef(NF + "restsOn"),
                URIRef(ARTICLE_CLAIM + "meridia-denial-reported")) in graph
        first_hand = requests.get(f"{running.url}/claim/harbour-seizure/ownership-denied", headers={"Accept": "text/html"},
                                  timeout=30)
        assert first_hand.status_code == 200 and 'class="rests-on"' not in first_hand.text
        article = requests.get(f"{running.url}/article/harbour-seizure.ttl", timeout=30)
        graph = Graph().parse(data=article.text, format="turtle")
        unsigned = URIRef(BASE + "article/harbour-seizure")
        assert (unsigned, URIRef(NF + "notStatedInText"), URIRef("https://schema.org/author")) in graph
        assert not list(graph.objects(unsigned, URIRef("https://schema.org/author")))
    finally:
        running.stop()


def facts_problems(tmp_path: Path, edit) -> list:
    """The checker's problems for a copy of the second article's facts after ``edit(text) -> text``."""
    path = tmp_path / "harbour-seizure.yaml"
    path.write_text(edit((SECOND / "facts" / "harbour-seizure.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    facts, problems = read_facts_file(path)
    assert facts is not None, problems
    return problems + check_facts([facts], Vocabulary.load(PROJECT_ROOT / "ontology"))


def test_the_second_article_passes_the_checks_as_shipped(tmp_path):
    assert facts_problems(tmp_path, lambda text: text) == []


@pytest.mark.parametrize(("edit", "where", "rule", "message"), [
    (lambda t: t.replace("  - author          #", "  - url  #"), "harbour-seizure", "missing-key",
     "'author' listed under not_stated"),
    (lambda t: t.replace("  not_stated:\n", "  author: ana-nunez\n  not_stated:\n"), "harbour-seizure", "author-not-stated",
     "also lists 'author' under not_stated"),
    (lambda t: t.replace("rests_on: meridia-denial-reported", "rests_on: no-such-claim"), "meridia-denial",
     "unknown-reference", "'no-such-claim' is not a known other claim id of this article"),
    (lambda t: t.replace("rests_on: meridia-denial-reported", "rests_on: meridia-denial"), "meridia-denial",
     "unknown-reference", "'meridia-denial' is not a known other claim id"),
    (lambda t: t.replace("  hedge: Diario Ficticio reported that\n",
                         "  hedge: Diario Ficticio reported that\n  rests_on: meridia-denial\n"), "meridia-denial-reported",
     "rests-on-cycle", "meridia-denial-reported -> meridia-denial -> meridia-denial-reported"),
    (lambda t: t.replace("rests_on: meridia-denial-reported", "rests_on: [meridia-denial-reported]"), "meridia-denial",
     "unknown-reference", "['meridia-denial-reported'] is not a known other claim id"),
    (lambda t: t.replace("  rests_on: meridia-denial-reported\n", ""), "meridia-denial-reported", "claim-content",
     "or neither when other claims rest on it"),
    (lambda t: t.replace('    on: "2024-04-14"', '    on: "14 April 2024"'), "norte-sur-sanctions-listing", "time-format",
     "is not a year"),
])
def test_bad_uses_of_the_new_keys_name_the_item_and_the_rule(tmp_path, edit, where, rule, message):
    problems = facts_problems(tmp_path, edit)
    assert any(p.rule == rule and where in p.where and message in p.message for p in problems), problems

