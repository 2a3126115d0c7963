"""A full build reads the corpus's quads from the articles' parts, kept as N-Quads text, one article or graph at a
time (part_quads.py), and publishes what it published when it held them all: the checks keep text, not quads; the
change set computed graph by graph is the one computed from the whole corpus; the store is loaded from the text;
the search index made from the store a batch of things at a time has the rows made from every quad at once."""

from __future__ import annotations

import sqlite3

import pyoxigraph as ox

from newsfacts import build as build_module
from newsfacts import history, search_index, search_update
from newsfacts.build import build, check
from newsfacts.part_quads import CorpusQuads, NQuadsFile
from test_incremental_build import T0, T1, all_quads, change_inputs, inputs, settings_for  # noqa: F401 (a fixture)

BASE = "https://newsfacts.example/"


def test_the_checks_keep_each_articles_quads_as_text_and_give_them_when_read(inputs):  # noqa: F811
    checked = check(settings_for(inputs, "releases"))
    assert checked.parts and all(isinstance(part.quads, NQuadsFile) for part in checked.parts)
    for part in checked.parts:
        quads = list(part.quads)
        assert quads and len(part.quads) == len(quads)
        assert ox.serialize(quads, format=ox.RdfFormat.N_QUADS) == part.quads.nquads()
        assert list(part.quads) == quads  # parsed again: the same quads, in the same order
    every = checked.all_quads()
    assert len(every) == len(set(every))
    # the store holds every quad and its description, loaded from the parts' text
    release = build(settings_for(inputs, "releases"), checked, built_at=T0)
    description = {q for q in all_quads(release) if q.graph_name.value == f"{BASE}graph/dataset"}
    assert description and all_quads(release) == stored(every) | description


def test_a_change_set_computed_graph_by_graph_is_the_one_computed_from_every_quad(inputs):  # noqa: F811
    settings = settings_for(inputs, "releases")
    first = build(settings, built_at=T0)
    for previous, old in ((None, set()), (first, history.DumpGraphs(first))):
        if previous is not None:
            change_inputs(inputs)
        checked = check(settings, full=True)
        by_graph = history.compute(old, checked.quads.graphs(), "v", getattr(previous, "version", None),
                                   "2026-11-01T09:00:00Z", BASE)
        whole = history.compute(old if previous else set(), list(checked.quads), "v",
                                getattr(previous, "version", None), "2026-11-01T09:00:00Z", BASE)
        assert set(by_graph["added"]) == set(whole["added"]) and by_graph["added"]
        assert set(by_graph["removed"]) == set(whole["removed"])
        assert by_graph["summary"] == whole["summary"] and by_graph["summary"]["claims"]["added"]
        assert list(by_graph["versions"]) == list(whole["versions"])
        assert list(checked.quads.graphs()) == list(history._grouped(checked.quads))  # the same graphs, in order


def test_the_search_index_made_from_the_store_in_batches_has_the_rows_made_from_every_quad(inputs, monkeypatch,  # noqa: F811
                                                                                          tmp_path):
    monkeypatch.setattr(search_update, "INDEX_BATCH", 7)  # many batches, the last one short
    release = build(settings_for(inputs, "releases"), built_at=T0)
    whole = tmp_path / "whole.sqlite"
    quads = [q for q in all_quads(release) if q.graph_name.value != f"{BASE}graph/dataset"]
    search_index.write_index(sorted(quads, key=str), whole, BASE)
    rows = [_rows(path) for path in (whole, release.path / "search" / "index.sqlite")]
    assert len(rows[0]["things"]) > 3 * 7 and rows[0]["links"]
    assert rows[0] == rows[1]  # row for row, in the same order (row ids included)


def test_a_full_build_loads_its_store_in_slices_of_whole_articles(inputs, monkeypatch):  # noqa: F811
    slices = []
    original = CorpusQuads.nquads

    def recorded(self, size):
        for data in original(self, size):
            slices.append(data.count(b"\n"))
            yield data

    monkeypatch.setattr(CorpusQuads, "nquads", recorded)
    monkeypatch.setattr(build_module, "LOAD_QUADS", 50)
    checked = check(settings_for(inputs, "releases"), full=True)
    release = build(settings_for(inputs, "releases"), checked, built_at=T0)
    largest = max(len(part.quads) for part in checked.parts)
    assert len(slices) > 3 and all(n < 50 + largest for n in slices)
    assert sum(slices) >= len(checked.all_quads())  # the entity descriptions of each part, and once more all of them
    assert {q for q in all_quads(release) if q.graph_name.value != f"{BASE}graph/dataset"} == stored(checked.all_quads())


def stored(quads) -> set[ox.Quad]:
    """The quads as a store keeps them (numbers in canonical form), loaded as the build loaded them before."""
    store = ox.Store()
    store.bulk_extend(quads)
    return set(store)


def _rows(path) -> dict[str, list]:
    db = sqlite3.connect(path)
    try:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: db.execute(f"SELECT * FROM {table}").fetchall() for table in tables
                if not table.startswith(("search_", "entity_search_"))}
    finally:
        db.close()
