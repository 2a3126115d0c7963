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
from newsfacts import build_check, history
from newsfacts.build import build, check
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
    expected = history.compute(history.previous_quads(first), history.previous_quads(second), second.version,
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
    streamed = history.compute(history.DumpGraphs(release), new, "v", release.version, "2026-11-01T09:00:00Z", base)
    whole = history.compute(set(quads), new, "v", release.version, "2026-11-01T09:00:00Z", base)
    assert streamed["added"] == whole["added"] == {new[-1]} and streamed["removed"] == whole["removed"] == {quads[0]}
    assert streamed["summary"] == whole["summary"] and list(streamed["versions"]) == list(whole["versions"])
