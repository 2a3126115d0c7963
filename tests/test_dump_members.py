"""A change set's added quads reuse the N-Quads dump's members without changing what the change set holds."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest

from newsfacts import dumps, history

BASE = "https://newsfacts.example/"


@pytest.fixture(scope="module")
def quads(release) -> list[ox.Quad]:
    with gzip.open(release.dumps_path / f"newsfacts-{release.version}.nq.gz", "rb") as data:
        return list(ox.parse(data, format=ox.RdfFormat.N_QUADS))


def written(quads: list[ox.Quad], folder) -> tuple[dict[str, bytes], dict, dict]:
    writer = dumps.DumpWriter(BASE, [q.triple for q in quads if q.graph_name.value == BASE + "graph/vocabulary"])
    files, made, nquads = writer.write(quads, folder, "newsfacts-test", {})
    return {f.name: (folder / f.name).read_bytes() for f in files}, made, nquads


def test_the_nquads_members_returned_are_those_in_the_dump(quads, tmp_path):
    files, made, nquads = written(quads, tmp_path)
    assert set(nquads) == {q.graph_name.value for q in quads} and set(made) < set(nquads)
    assert b"".join(member for _, member in (nquads[g] for g in sorted(nquads, key=lambda g: f"<{g}>"))) == \
        files["newsfacts-test.nq.gz"]
    for graph, (count, member) in nquads.items():
        assert count == len(list(ox.parse(gzip.decompress(member), format=ox.RdfFormat.N_QUADS))) > 0, graph


def test_a_change_set_reusing_the_dumps_members_holds_what_one_made_afresh(quads, tmp_path):
    """A first release: all of every graph is added, so its added quads are its N-Quads dump, byte for byte."""
    files, _, nquads = written(quads, tmp_path / "dumps")
    change_set = history.compute(set(), quads, "v", None, "2026-11-27T00:00:00Z", BASE)
    history.write(change_set, tmp_path / "reused", nquads)
    history.write(change_set, tmp_path / "fresh")
    for name in (history.ADDED, history.REMOVED, history.VERSIONS, history.SUMMARY):
        reused, fresh = (tmp_path / "reused" / name).read_bytes(), (tmp_path / "fresh" / name).read_bytes()
        assert gzip.decompress(reused) == gzip.decompress(fresh) if name.endswith(".gz") else reused == fresh, name
    assert (tmp_path / "reused" / history.ADDED).read_bytes() == files["newsfacts-test.nq.gz"]
    # a graph with some of its quads added (or removed) has its change made afresh: not the dump's member
    graph = BASE + "graph/entities"
    kept = next(q for q in quads if q.graph_name.value == graph)
    change_set = history.compute({kept}, quads, "v", None, "2026-11-27T00:00:00Z", BASE)
    history.write(change_set, tmp_path / "partly", nquads)
    with gzip.open(tmp_path / "partly" / history.ADDED, "rb") as data:
        assert set(ox.parse(data, format=ox.RdfFormat.N_QUADS)) == set(quads) - {kept}
