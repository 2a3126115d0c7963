"""A full build reads the corpus's quads from the articles' parts, kept as N-Quads text, one article or graph at a
time (part_quads.py), and publishes what it published when it held them all: the checks keep text, not quads; the
change set computed graph by graph is the one computed from the whole corpus; the store is loaded from the text;
the search index made from the store a batch of things at a time has the rows made from every quad at once."""

from __future__ import annotations

import sqlite3

import pyoxigraph as ox
import pytest

from newsfacts import build as build_module
from newsfacts import dump_graphs, history, search_index, search_parts, search_update
from newsfacts.article_cache import count_entity_quads
from newsfacts.build import build, check
from newsfacts.build_check import _Chunk, _OwnQuads
from newsfacts.catalog import kind_of
from newsfacts.part_quads import SPREAD, CorpusQuads, GraphQuads, NQuadsFile, lines_of, named_iris
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
    for previous, old in ((None, set()), (first, dump_graphs.DumpGraphs(first))):
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


@pytest.mark.parametrize("in_workers", [False, True], ids=["here", "in-workers"])
def test_the_search_index_made_from_the_store_in_batches_has_the_rows_made_from_every_quad(inputs, monkeypatch,  # noqa: F811
                                                                                          tmp_path, in_workers):
    monkeypatch.setattr(search_update, "INDEX_BATCH", 7)  # many batches, the last one short
    monkeypatch.setattr(search_update, "PARALLEL_THINGS", 0 if in_workers else 10**9)  # worker processes, or none
    if not in_workers:  # every batch of things in one part made from its text (in workers: as many as they would be)
        monkeypatch.setattr(search_parts, "THINGS_A_PART", 1)
    from_store = []  # the things whose records the store made (in this process)
    records_from_store = search_update.records_from_store
    monkeypatch.setattr(search_update, "records_from_store",
                        lambda store, iris, **more: from_store.extend(iris) or records_from_store(store, iris, **more))
    given = []  # where the build tells the index the things are (from the parts it loaded), or None (ask the store)
    index_from_store = build_module.index_from_store
    monkeypatch.setattr(build_module, "index_from_store",
                        lambda *args: given.append(args[5]) or index_from_store(*args))
    release = build(settings_for(inputs, "releases"), built_at=T0)
    assert len(given) == 1 and given[0].things  # a full build lists no subject in the store
    parts = given[0]
    here = {iri for iri, number in zip(parts.things, parts.part_of, strict=True) if number != SPREAD}
    # both ways are taken: claims, events and articles are in one part each; entities are in the shared graphs
    assert {kind_of(iri, BASE) for iri in here} >= {"claim", "event", "article"}
    assert {kind_of(iri, BASE) for iri in set(parts.things) - here} == {"entity"}
    if not in_workers:  # the others' records were made from the parts' text
        assert {kind_of(iri, BASE) for iri in from_store} == {"entity"}
    whole = tmp_path / "whole.sqlite"
    quads = [q for q in all_quads(release) if q.graph_name.value != f"{BASE}graph/dataset"]
    search_index.write_index(sorted(quads, key=str), whole, BASE)
    rows = [_rows(path) for path in (whole, release.path / "search" / "index.sqlite")]
    assert len(rows[0]["things"]) > 3 * 7 and rows[0]["links"]
    assert rows[0] == rows[1]  # row for row, in the same order (row ids included)
    with sqlite3.connect(whole) as db:  # the claims mentioning a thing are counted (search_update.records_from_store)
        assert db.execute("SELECT max(mentioned_by) FROM things WHERE kind = 'entity'").fetchone()[0] > 1


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


def test_the_parts_read_as_text_give_what_their_quads_give(inputs):  # noqa: F811
    checked = check(settings_for(inputs, "releases"), full=True)
    entities = f"{BASE}graph/entities"
    as_text = CorpusQuads(checked.parts, entities, checked.quads.shared)
    held = [type("Part", (), {"quads": list(part.quads), "mapped": part.mapped})() for part in checked.parts]
    as_quads = CorpusQuads(held, entities, checked.quads.shared)
    assert all(isinstance(part.quads, NQuadsFile) for part in checked.parts)
    assert list(as_text) == list(as_quads) and len(list(as_text)) > 100
    prefix = f"{BASE}claim/"
    about = as_text.about(prefix)
    assert about == [q for q in as_quads if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)]
    assert about and as_quads.about(prefix) == about
    graphs = as_text.graphs()
    assert list(graphs) == list(as_quads.graphs())
    for graph, quads in graphs.items():
        assert list(quads) == list(as_quads.graphs()[graph]) and len(quads) == len(list(quads))
    subjects, predicates = as_text.subjects_and_predicates()
    assert (subjects, predicates) == as_quads.subjects_and_predicates()
    assert set(subjects) == {str(q.subject) for q in as_text.every()}
    shared = {str(q.subject) for q in checked.quads.shared}
    for number, part in enumerate(checked.parts):  # a subject in one part only is numbered by it, else SPREAD
        for subject in {str(q.subject) for q in part.quads}:
            elsewhere = subject in shared or any(subject in {str(q.subject) for q in other.quads}
                                                 for other in checked.parts if other is not part)
            assert subjects[subject] == (SPREAD if elsewhere else number)
    assert predicates == {str(q.predicate) for q in as_text.every()}
    for part, kept in zip(checked.parts, held, strict=True):
        text, made = _OwnQuads(part.quads, f"{BASE}entity/", 0), _OwnQuads(kept.quads, f"{BASE}entity/", 0)
        serialized = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in made],
                                  format=ox.RdfFormat.N_TRIPLES)
        assert text.ntriples() == made.ntriples() == serialized and serialized
        assert _Chunk([text, made]).ntriples() == serialized * 2
        article = next(iter(g for g in graphs if g.endswith("/" + part.article)))
        assert GraphQuads(part.quads, article).lines() == \
            [line.encode() for line in ox.serialize(list(GraphQuads(kept.quads, article)),
                                                    format=ox.RdfFormat.N_QUADS).decode().splitlines()]
        # what a part refers to and the entity description lines it counts, read from its text as from its quads
        named = (f"{BASE}entity/", f"{BASE}report/")
        assert named_iris(lines_of(part.quads), named) == {
            t.value for q in kept.quads for t in (q.subject, q.object)
            if isinstance(t, ox.NamedNode) and t.value.startswith(named)}
        counted_text, counted_quads = {}, {}
        count_entity_quads(counted_text, part.quads, entities, 1)
        count_entity_quads(counted_quads, kept.quads, entities, 1)
        assert counted_text == counted_quads and counted_text
    assert any(f"{BASE}report/" in iri for part in checked.parts for iri in part.refers_to)


def test_dump_members_made_in_worker_processes_are_the_same_bytes(inputs, monkeypatch):  # noqa: F811
    from newsfacts import dumps

    made = {}
    for name, graphs in (("here", 10**9), ("in-workers", 1)):
        monkeypatch.setattr(dumps, "PARALLEL_GRAPHS", graphs)
        release = build(settings_for(inputs, f"releases-{name}"), built_at=T0)
        made[name] = {p.name: p.read_bytes() for p in (release.path / "dumps").iterdir()}
        made[name].update({f"parts/{p.name}": p.read_bytes() for p in (release.path / "articles").rglob("*.dump.*")})
    assert made["here"] == made["in-workers"] and len(made["here"]) > 4
