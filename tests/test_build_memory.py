"""What a full build does to hold less of the corpus at once publishes the same release: the store loaded a slice
of quads at a time holds what one load gives; validation in chunks smaller than the data finds what one chunk
finds; the facts read are let go of what only mapping reads, keeping what later stages and `newsfacts validate`
read of them (path, id, entities, reports, draft marker); the change set of a full build against a previous release,
read from its dump a graph at a time, is the difference of the two whole releases."""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest

from newsfacts import build as build_module
from newsfacts import build_check, dump_graphs, history
from newsfacts.build import build, check
from newsfacts.dumps import member
from newsfacts.facts import FactsLimits, facts_paths, read_facts_files
from newsfacts.release import Release
from test_incremental_build import T0, T1, all_quads, change_inputs, inputs, report_results, settings_for  # noqa: F401 (a fixture)


def test_a_store_loaded_a_slice_at_a_time_holds_what_one_load_gives(inputs, monkeypatch):  # noqa: F811
    monkeypatch.setattr(build_module, "LOAD_QUADS", 1_000_000_000)
    whole = build(settings_for(inputs, "whole"), built_at=T0, full=True)
    monkeypatch.setattr(build_module, "LOAD_QUADS", 97)
    sliced = build(settings_for(inputs, "sliced"), built_at=T0, full=True)
    quads = all_quads(sliced)
    assert len(quads) > 10 * 97  # many slices, the last one short
    assert quads == all_quads(whole)
    graphs = [json.loads((r.path / "manifest.json").read_text())["graphs"] for r in (whole, sliced)]
    assert graphs[0] == graphs[1]


@pytest.mark.parametrize("chunk_quads", [150, 600])
def test_validation_in_small_chunks_finds_what_one_chunk_finds(inputs, monkeypatch, chunk_quads):  # noqa: F811
    monkeypatch.setattr(build_check, "CHUNK_QUADS", 1_000_000_000)
    one = build(settings_for(inputs, "one"), built_at=T0, full=True)
    monkeypatch.setattr(build_check, "CHUNK_QUADS", chunk_quads)
    chunked = build(settings_for(inputs, "chunked"), built_at=T0, full=True)
    results = report_results(one)
    assert results and report_results(chunked) == results  # the synthetic articles give warnings
    manifests = [json.loads((r.path / "manifest.json").read_text())["validation"] for r in (one, chunked)]
    assert manifests[0] == manifests[1]


def test_the_facts_checked_keep_what_later_stages_read_and_not_their_claims(inputs):  # noqa: F811
    checked = check(settings_for(inputs, "releases"), allow_drafts=True)
    read, problems = read_facts_files(facts_paths(inputs["facts"]), FactsLimits(10_000_000, 100_000))
    assert not problems and any(f.claims for f in read) and any(f.events for f in read)

    def kept(f):
        return str(f.path), f.id, f.article, f.entities, f.reports, f.draft

    assert [kept(f) for f in checked.files] == [kept(f) for f in read]
    assert not any(f.claims or f.events or f.office_holdings or f.designations for f in checked.files)


def test_a_full_builds_change_set_against_a_previous_release_is_the_difference_of_the_two(inputs):  # noqa: F811
    settings = settings_for(inputs, "releases")
    first = build(settings, built_at=T0)
    change_inputs(inputs)
    second = build(settings, built_at=T1, full=True)
    assert json.loads((second.path / "manifest.json").read_text())["rebuilt"]["full"] == "--full"
    expected = history.compute(dump_graphs.previous_quads(first), dump_graphs.previous_quads(second), second.version,
                               first.version, "2026-11-01T09:00:00Z", "https://newsfacts.example/")
    assert expected["added"] and expected["removed"] and expected["summary"]["claims"]["added"]
    changes = second.path / "changes"
    expected["versions"] = set(ox.parse("".join(expected["versions"]).encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    for name, key in ((history.ADDED, "added"), (history.REMOVED, "removed"), (history.VERSIONS, "versions")):
        with gzip.open(changes / name, "rb") as data:
            assert set(ox.parse(data, format=ox.RdfFormat.N_QUADS)) == set(expected[key]), name
    assert json.loads((changes / history.SUMMARY).read_text(encoding="utf-8")) == expected["summary"]


def test_a_previous_dump_not_written_a_graph_at_a_time_gives_the_same_change_set(tmp_path):
    """Releases of older code have N-Quads dumps sorted by quad, each graph's quads in many runs."""
    base = "https://newsfacts.example/"
    quads = [ox.Quad(ox.NamedNode(f"{base}entity/e{n}"), ox.NamedNode(f"{base}p"), ox.Literal(f"v{n}"),
                     ox.NamedNode(f"{base}graph/{'ab'[n % 2]}")) for n in range(6)]
    release = Release(tmp_path / "20261101T080000Z-old")
    (release.path / "dumps").mkdir(parents=True)
    with gzip.open(release.path / "dumps" / f"newsfacts-{release.version}.nq.gz", "wb") as out:
        out.write(ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.N_QUADS))  # graphs a, b, a, b, ...
    new = quads[1:] + [ox.Quad(quads[0].subject, quads[0].predicate, ox.Literal("changed"), quads[0].graph_name)]
    streamed = history.compute(dump_graphs.DumpGraphs(release), new, "v", release.version, "2026-11-01T09:00:00Z", base)
    whole = history.compute(set(quads), new, "v", release.version, "2026-11-01T09:00:00Z", base)
    assert streamed["added"] == whole["added"] == {new[-1]} and streamed["removed"] == whole["removed"] == {quads[0]}
    assert streamed["summary"] == whole["summary"] and list(streamed["versions"]) == list(whole["versions"])


def test_the_members_of_a_gzip_file_are_read_one_by_one_whatever_the_blocks_read(tmp_path):
    texts = [b"", b"a single line\n", bytes(range(256)) * 40, b"x" * 5]
    path = tmp_path / "members.gz"
    path.write_bytes(b"".join(member(text) for text in texts))
    for block in (3, 64, 1 << 20):
        assert list(dump_graphs.gzip_members(path, block)) == [(member(text), text) for text in texts]
    path.write_bytes(member(b"whole") + member(b"cut short")[:-4])
    with pytest.raises(EOFError, match="ends inside a gzip member"):
        list(dump_graphs.gzip_members(path))


class _Read:
    """A graph's quads that say whether they were read."""

    def __init__(self, quads, reads, graph):
        self.quads, self.reads, self.graph = quads, reads, graph

    def __iter__(self):
        self.reads.append(self.graph)
        return iter(self.quads)


def test_a_graph_whose_dump_member_is_unchanged_is_not_read_and_the_change_set_is_the_same(inputs):  # noqa: F811
    first = build(settings_for(inputs, "releases"), built_at=T0)
    old = dump_graphs.DumpGraphs(first)
    graphs = {graph: list(quads) for graph, quads in old}
    members = {graph: (len(graphs[graph]), packed) for graph, packed, _ in old.members()}
    assert len(graphs) > 3 and all(packed for _, packed in members.values())
    reads: list[str] = []
    same = history.compute(old, {g: _Read(q, reads, g) for g, q in graphs.items()}, "v", first.version,
                           "2026-11-01T09:00:00Z", "https://newsfacts.example/", members)
    assert not same["added"] and not same["removed"] and not same["summary"]["resources"] and reads == []
    # one article's graph changed: a build makes its member anew (other bytes); only it is read to compare
    changed = next(g for g in graphs if "/graph/article/" in g)
    quad = graphs[changed][0]
    graphs[changed] = graphs[changed][1:] + [ox.Quad(quad.subject, quad.predicate, ox.Literal("changed"), quad.graph_name)]
    del members[changed]
    streamed = history.compute(old, {g: _Read(q, reads, g) for g, q in graphs.items()}, "v", first.version,
                               "2026-11-01T09:00:00Z", "https://newsfacts.example/", members)
    assert reads == [changed, *graphs]  # compared; then every graph read once for the changed resources' statements
    whole = history.compute(set(dump_graphs.previous_quads(first)), [q for qs in graphs.values() for q in qs], "v",
                            first.version, "2026-11-01T09:00:00Z", "https://newsfacts.example/")
    assert streamed["added"] == whole["added"] == {graphs[changed][-1]} and streamed["removed"] == whole["removed"] == {quad}
    assert streamed["summary"] == whole["summary"] and list(streamed["versions"]) == list(whole["versions"])


def test_a_quad_written_otherwise_in_the_previous_dump_is_neither_added_nor_removed(tmp_path):
    """Graphs that differ are compared by their lines, then the lines that differ parsed: a line another version of
    the serialiser wrote otherwise (here a typed string) is the same quad."""
    base = "https://newsfacts.example/"
    graph = f"{base}graph/a"
    old_text = (f'<{base}entity/e1> <{base}p> "v1"^^<http://www.w3.org/2001/XMLSchema#string> <{graph}> .\n'
                f'<{base}entity/e2> <{base}p> "v2" <{graph}> .\n').encode()
    release = Release(tmp_path / "20261101T080000Z-old")
    (release.path / "dumps").mkdir(parents=True)
    (release.path / "dumps" / f"newsfacts-{release.version}.nq.gz").write_bytes(member(old_text))
    quads = list(ox.parse(old_text, format=ox.RdfFormat.N_QUADS))
    new = {graph: quads[:1] + [ox.Quad(quads[1].subject, quads[1].predicate, ox.Literal("v3"), quads[1].graph_name)]}
    change_set = history.compute(dump_graphs.DumpGraphs(release), new, "v", release.version, "2026-11-01T09:00:00Z", base)
    assert change_set["added"] == {new[graph][1]} and change_set["removed"] == {quads[1]}
    assert change_set["summary"]["resources"] == {f"{base}entity/e2": "updated"}
