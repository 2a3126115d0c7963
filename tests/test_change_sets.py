"""Each build's change set against the previous release: exact quads, the summary, the copy kept in history/,
and what a pruned release still shows."""

from __future__ import annotations

import gzip
import json
import shutil

import pyoxigraph as ox
import pytest
import requests

from conftest import start_server
from release_history import (
    CHANGED_CLAIM,
    KEPT_ENTITY,
    REMOVED_CLAIM,
    SECOND_CLAIM,
    SECOND_ENTITY,
    changed_claim_certainty,
    shared_history,
)

CERTAINTY = "https://newsfacts.example/concept/certainty/"


@pytest.fixture(scope="module")
def history(tmp_path_factory, sources_dir):
    return shared_history(tmp_path_factory, sources_dir)


def nquads(path) -> set[ox.Quad]:
    with gzip.open(path, "rb") as data:
        return set(ox.parse(data, format=ox.RdfFormat.N_QUADS))


def dump(release) -> set[ox.Quad]:
    return nquads(release.path / "dumps" / f"newsfacts-{release.version}.nq.gz")


def summary(release) -> dict:
    return json.loads((release.path / "changes" / "summary.json").read_text(encoding="utf-8"))


def test_added_and_removed_quads_are_exactly_the_difference_of_the_dumps(history):
    previous: set[ox.Quad] = set()
    for release in history.releases:
        current = dump(release)
        changes = release.path / "changes"
        assert nquads(changes / "added.nq.gz") == current - previous
        assert nquads(changes / "removed.nq.gz") == previous - current
        counts = summary(release)["quads"]
        assert sum(counts["added"].values()) == len(current - previous)
        assert sum(counts["removed"].values()) == len(previous - current)
        previous = current
    assert summary(history.releases[0])["previous"] is None
    assert [summary(r)["previous"] for r in history.releases[1:]] == [r.version for r in history.releases[:-1]]


def test_the_quads_are_listed_by_graph_then_quad_and_a_first_release_adds_its_nquads_dump(history):
    first = history.releases[0]
    assert summary(first)["quads"]["added"]
    assert (first.path / "changes" / "added.nq.gz").read_bytes() == \
        (first.path / "dumps" / f"newsfacts-{first.version}.nq.gz").read_bytes()
    for release in history.releases:
        for name in ("added.nq.gz", "removed.nq.gz", "versions.nq.gz"):
            with gzip.open(release.path / "changes" / name, "rb") as data:
                text = data.read().decode("utf-8")
            quads = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
            assert quads == sorted(set(quads), key=lambda q: (str(q.graph_name), str(q))), (release.version, name)
            assert text == "".join(f"{q} .\n" for q in quads)


def test_the_summary_names_claims_added_retracted_and_changed_and_entities_added_and_removed(history):
    first, second, third = (summary(r) for r in history.releases)
    assert CHANGED_CLAIM in first["claims"]["added"] and first["claims"]["retracted"] == []
    assert KEPT_ENTITY in first["entities"]["added"]

    assert second["claims"]["retracted"] == [REMOVED_CLAIM]
    assert all("/harbour-seizure/" in claim for claim in second["claims"]["added"])
    assert SECOND_CLAIM in second["claims"]["added"]
    assert changed_claim_certainty(second) == {"before": [CERTAINTY + "reported"], "after": [CERTAINTY + "alleged"]}
    assert [c["claim"] for c in second["claims"]["changed"]] == [CHANGED_CLAIM]
    assert SECOND_ENTITY in second["entities"]["added"] and KEPT_ENTITY not in second["entities"]["added"]
    assert second["resources"][CHANGED_CLAIM] == "updated"
    assert second["resources"][REMOVED_CLAIM] == "deleted"
    assert second["resources"][SECOND_ENTITY] == "created"
    assert KEPT_ENTITY not in second["resources"]

    assert SECOND_CLAIM in third["claims"]["retracted"] and third["claims"]["added"] == []
    assert SECOND_ENTITY in third["entities"]["removed"] and third["entities"]["merged"] == []
    assert third["resources"][SECOND_ENTITY] == "deleted"


def test_the_new_descriptions_of_changed_resources_are_their_own_statements(history):
    second = history.releases[1]
    versions = nquads(second.path / "changes" / "versions.nq.gz")
    claim = {q.triple for q in versions if q.graph_name.value == CHANGED_CLAIM}
    own = {q.triple for q in dump(second) if q.subject.value.split("#")[0] == CHANGED_CLAIM}
    assert claim == own and claim
    assert not any(q.graph_name.value == REMOVED_CLAIM for q in versions)  # deleted: no description


def test_a_copy_of_each_change_set_is_kept_outside_the_release_folders(history):
    for release in history.releases:
        copy = history.releases_dir / "history" / release.version
        for item in (release.path / "changes").iterdir():
            assert (copy / item.name).read_bytes() == item.read_bytes()


def test_a_pruned_release_says_so_and_keeps_its_change_set(history, tmp_path):
    """Pruning removes a release folder; its change set, its page and its part of the stream remain."""
    releases = tmp_path / "releases"
    shutil.copytree(history.releases_dir, releases, symlinks=True)
    pruned = history.releases[0].version
    shutil.rmtree(releases / pruned)
    server = start_server(releases)
    try:
        gone = requests.get(f"{server.url}/release/{pruned}/entity/iran.ttl", timeout=30)
        assert gone.status_code == 410 and gone.json()["title"] == "Release pruned"
        changes = requests.get(f"{server.url}/release/{pruned}/changes", timeout=30)
        assert changes.status_code == 200 and "has been pruned" in changes.text
        added = requests.get(f"{server.url}/release/{pruned}/changes/added.nq.gz", timeout=30)
        assert added.status_code == 200 and gzip.decompress(added.content) == gzip.decompress(
            (history.releases[0].path / "changes" / "added.nq.gz").read_bytes())
        index = requests.get(f"{server.url}/history", timeout=30)
        assert index.status_code == 200 and f"<code>{pruned}</code></td><td>" in index.text
        assert index.text.count("pruned</td>") == 1
        page = requests.get(f"{server.url}/history/entity/iran", timeout=30)
        assert page.status_code == 200 and "pruned" in page.text
        timemap = requests.get(f"{server.url}/timemap/entity/iran", timeout=30)
        assert timemap.status_code == 200 and pruned not in timemap.text
        assert history.releases[1].version in timemap.text
        stream_page = requests.get(f"{server.url}/ldes/{pruned}/1", headers={"Accept": "text/turtle"}, timeout=30)
        assert stream_page.status_code == 200
    finally:
        server.stop()


def test_the_manifest_names_the_previous_release_and_the_landing_page_links_the_history(history):
    assert [r.manifest()["changes"]["previous"] for r in history.releases] == [None] + [
        r.version for r in history.releases[:-1]]
    server = start_server(history.releases_dir)
    try:
        landing = requests.get(f"{server.url}/", timeout=30)
        current = history.releases[-1].version
        for href in ("/history", f"/release/{current}/changes", "/ldes"):
            assert f'href="{href}"' in landing.text
            assert requests.get(server.url + href, timeout=30).status_code == 200
    finally:
        server.stop()
