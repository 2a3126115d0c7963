"""Where reconciliation candidates come from: the release's index of entities alone, and the exact-name lookup.

Ranking only entities keeps the cost of a query to the entities that match, however common its words are among
events and claims (the cost itself is measured in benchmarks/find_benchmark.py).
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from newsfacts.search_index import WEIGHTS, SearchIndex, index_path, match_expression
from newsfacts.web.find.reconcile import Query, Reconciler

BASE = "https://newsfacts.example/"


@pytest.fixture(scope="module")
def index(release):
    found = SearchIndex(index_path(release.path))
    yield found
    found.close()


def test_the_entity_index_holds_every_entity_and_nothing_else_as_the_main_index_does(index):
    entities = index.db.execute("SELECT search.rowid, search.name, search.alt, search.body FROM things "
                                "JOIN search ON search.rowid = things.id WHERE things.kind = 'entity' ORDER BY 1").fetchall()
    indexed = index.db.execute("SELECT rowid, name, alt, body FROM entity_search ORDER BY rowid").fetchall()
    assert len(entities) > 50 and [tuple(r) for r in indexed] == [tuple(r) for r in entities]
    assert index.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0] == "2"


@pytest.mark.parametrize("text", ["Iran", "venezuela drones", "Maduro", "Guard", "a"])
def test_name_candidates_are_the_entities_the_main_index_finds(index, text):
    """The same entities as the main index with a filter on the kind, only ranked among entities."""
    expression = match_expression(text, any_word=True, columns="{name alt}")
    everything = {r[0] for r in index.db.execute(
        "SELECT things.iri FROM search JOIN things ON things.id = search.rowid WHERE search MATCH ? AND things.kind = 'entity'",
        (expression,))}
    found = index.name_candidates(text, 10_000)
    assert everything and {r["iri"] for r in found} == everything
    assert all(r["kind"] == "entity" for r in found)
    scores = [s for (s,) in index.db.execute(f"SELECT bm25(entity_search, {', '.join(map(str, WEIGHTS))}) AS s "
                                             "FROM entity_search WHERE entity_search MATCH ? ORDER BY s", (expression,))]
    assert len(scores) == len(found)  # every match ranked, best first


def test_an_index_written_before_the_entity_index_still_answers(index, tmp_path):
    old = tmp_path / "index.sqlite"
    shutil.copy(index.path, old)
    db = sqlite3.connect(old)
    db.execute("DROP TABLE entity_search")
    db.commit()
    db.close()
    before = SearchIndex(old)
    try:
        assert before.entity_table == "search"
        for text in ("Iran", "Maduro"):
            assert {r["iri"] for r in before.name_candidates(text, 500)} == {r["iri"] for r in index.name_candidates(text, 500)}
        assert [h.iri for h in before.search("Maduro", "entity", 5)][:1] == [BASE + "entity/nicolas-maduro"]
    finally:
        before.close()


def test_exact_names_are_found_folded_whatever_their_kind_of_label(index):
    assert [r["iri"] for r in index.exact_name("NICOLAS MADURO")] == [BASE + "entity/nicolas-maduro"]
    assert [r["iri"] for r in index.exact_name("Teherán")] == [BASE + "entity/tehran"]  # Spanish label
    assert [r["iri"] for r in index.exact_name("irgc")] == [BASE + "entity/irgc"]  # alternative label
    assert index.exact_name("Maduro") == []  # a partial name is not an exact one


def test_an_entity_named_as_the_query_is_a_candidate_even_when_the_ranked_ones_leave_it_out(index, monkeypatch):
    monkeypatch.setattr(index, "name_candidates", lambda *args, **kwargs: [])
    found = Reconciler(index, BASE, {}).reconcile(Query("Nicolás Maduro", [], "any", 10, []))
    assert [(c["id"], c["match"], c["score"]) for c in found] == [("nicolas-maduro", True, 100.0)]
