"""The dumps' members are the same bytes whether made in worker processes or in the build's own, and a change
set's added quads reuse the N-Quads dump's members without changing what the change set holds."""

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


def written(quads: list[ox.Quad], folder, pool_quads: int, monkeypatch) -> tuple[dict[str, bytes], dict, dict]:
    monkeypatch.setattr(dumps, "POOL_QUADS", pool_quads)
    monkeypatch.setattr(dumps, "BATCH_QUADS", 500)  # several batches, so results come back in several pieces
    writer = dumps.DumpWriter(BASE, [q.triple for q in quads if q.graph_name.value == BASE + "graph/vocabulary"])
    files, made, nquads = writer.write(quads, folder, "newsfacts-test", {})
    return {f.name: (folder / f.name).read_bytes() for f in files}, made, nquads


def test_members_made_in_worker_processes_are_the_bytes_made_in_the_build(quads, tmp_path, monkeypatch):
    here, made_here, nquads_here = written(quads, tmp_path / "here", 10**12, monkeypatch)
    workers, made_in_workers, nquads_in_workers = written(quads, tmp_path / "workers", 0, monkeypatch)
    assert here == workers and len(here) == 4
    assert made_here == made_in_workers and len(made_here) == len(nquads_here) - 1 >= 3
    assert nquads_here == nquads_in_workers
    with gzip.open(tmp_path / "workers" / "newsfacts-test.nq.gz", "rb") as data:
        assert sorted(map(str, ox.parse(data, format=ox.RdfFormat.N_QUADS))) == sorted(map(str, set(quads)))


def test_a_change_set_reusing_the_dumps_members_holds_what_one_made_afresh(quads, tmp_path, monkeypatch):
    """A first release: all of every graph is added, so its added quads are its N-Quads dump, byte for byte."""
    files, _, nquads = written(quads, tmp_path / "dumps", 10**12, monkeypatch)
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
