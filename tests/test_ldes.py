"""The change stream as a Linked Data Event Stream: a client that follows the pages gets every member version,
once, in time order; older pages are immutable; the npm ldes-client replicates it too."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from conftest import start_server
from newsfacts.web.linked_data.paths import path_of
from release_history import CHANGED_CLAIM, REMOVED_CLAIM, shared_history

TREE, LDES = "https://w3id.org/tree#", "https://w3id.org/ldes#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VERSION_OF = "http://purl.org/dc/terms/isVersionOf"
GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"
AS = "https://www.w3.org/ns/activitystreams#"
PAGE_SIZE = 200  # the first release changes ~460 resources: three pages


@pytest.fixture(scope="module")
def history(tmp_path_factory, sources_dir):
    return shared_history(tmp_path_factory, sources_dir)


@pytest.fixture(scope="module")
def site(history):
    running = start_server(history.releases_dir, {"NEWSFACTS_HISTORY_PAGE_SIZE": str(PAGE_SIZE)})
    yield running
    running.stop()


def expected_members(site, history) -> dict[str, tuple[str, str]]:
    """member IRI -> (resource, status), from the change sets on disk."""
    found = {}
    for release in history.releases:
        summary = json.loads((release.path / "changes" / "summary.json").read_text(encoding="utf-8"))
        for iri, status in summary["resources"].items():
            found[f"{site.url}/release/{release.version}{path_of(iri, history.settings.base_iri)}"] = (iri, status)
    return found


def fetch(url: str, accept: str = "application/trig") -> tuple[requests.Response, ox.Store]:
    response = requests.get(url, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200, (url, response.text[:300])
    fmt = {"application/trig": ox.RdfFormat.TRIG, "text/turtle": ox.RdfFormat.TURTLE}[accept]
    data = ox.Store()  # in memory
    data.extend(ox.parse(response.content, format=fmt))
    return response, data


def objects(dataset: ox.Store, subject: str, predicate: str) -> list:
    return [q.object for q in dataset.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)]


def follow(site) -> tuple[list[tuple[str, str]], list[requests.Response], ox.Store]:
    """Start at /ldes and follow every tree:relation: the (page, member) pairs in the order met, the pages, and
    all the data."""
    stream = f"{site.url}/ldes#stream"
    root, data = fetch(f"{site.url}/ldes")
    assert [o.value for o in objects(data, stream, TREE + "view")] == [f"{site.url}/ldes"]
    assert objects(data, stream, LDES + "timestampPath")[0].value == GENERATED
    assert objects(data, stream, LDES + "versionOfPath")[0].value == VERSION_OF
    everything, members, responses, seen = ox.Store(), [], [], set()
    queue = [f"{site.url}/ldes"]
    while queue:
        url = queue.pop(0)
        assert url not in seen
        seen.add(url)
        response, page = fetch(url)
        responses.append(response)
        everything.extend(page.quads_for_pattern(None, None, None))
        for link in objects(page, url, TREE + "relation"):  # the page's node IRI is the URL fetched
            relation = list(page.quads_for_pattern(link, None, None))
            kinds = {q.object.value for q in relation if q.predicate.value == RDF_TYPE}
            assert kinds == {TREE + "GreaterThanOrEqualToRelation"}
            assert {q.object.value for q in relation if q.predicate.value == TREE + "path"} == {GENERATED}
            queue += [q.object.value for q in relation if q.predicate.value == TREE + "node"]
        members += [(url, m.value) for m in objects(page, stream, TREE + "member")]
    return members, responses, everything


def test_following_the_pages_gives_every_member_version_once_in_time_order(site, history):
    members, responses, data = follow(site)
    expected = expected_members(site, history)
    assert len(members) == len({m for _, m in members}) == len(expected)
    assert {m for _, m in members} == set(expected)
    times = [objects(data, m, GENERATED)[0].value for _, m in members]
    assert times == sorted(times)
    for member, (resource, status) in expected.items():
        assert [o.value for o in objects(data, member, VERSION_OF)] == [resource]
        assert AS + {"created": "Create", "updated": "Update", "deleted": "Delete"}[status] in {
            o.value for o in objects(data, member, RDF_TYPE)}
    first_pages = {page for page, member in members if f"/release/{history.releases[0].version}/" in member}
    assert len(first_pages) >= 2  # a release with more changes than a page holds has several pages

    second = history.releases[1].version
    changed = f"{site.url}/release/{second}/{CHANGED_CLAIM.removeprefix('https://newsfacts.example/')}"
    assert [o.value for o in objects(data, changed, "https://newsfacts.example/ontology/certainty")] == [
        "https://newsfacts.example/concept/certainty/alleged"]
    removed = f"{site.url}/release/{second}/{REMOVED_CLAIM.removeprefix('https://newsfacts.example/')}"
    assert {o.value for o in objects(data, removed, RDF_TYPE)} == {AS + "Delete"}


def test_older_pages_are_immutable_and_the_newest_is_not(site):
    _, responses, data = follow(site)
    pages = responses[1:]  # the root first
    for response in pages[:-1]:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert ox.Quad(ox.NamedNode(response.url), ox.NamedNode(LDES + "immutable"), ox.Literal(True)) in data
    newest = pages[-1]
    assert "immutable" not in newest.headers["Cache-Control"]
    assert not objects(data, newest.url, LDES + "immutable")
    again = requests.get(newest.url, headers={"Accept": "application/trig", "If-None-Match": newest.headers["ETag"]},
                         timeout=30)
    assert again.status_code == 304


def test_a_member_carries_the_statements_of_its_parts_in_its_own_graph(site, history):
    first = history.releases[0].version
    event = "event/iran-venezuela-drone-facility/military-personnel-training"
    _, page_data = follow(site)[1:]
    member = ox.NamedNode(f"{site.url}/release/{first}/{event}")
    parts = list(page_data.quads_for_pattern(None, None, None, member))
    assert parts and all(q.subject.value.startswith(f"https://newsfacts.example/{event}#") for q in parts)


def test_the_stream_is_turtle_too_and_unknown_pages_are_404(site, history):
    response, data = fetch(f"{site.url}/ldes/{history.releases[1].version}/1", accept="text/turtle")
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert objects(data, f"{site.url}/ldes#stream", TREE + "member")
    assert requests.get(f"{site.url}/ldes/{history.releases[1].version}/9", timeout=30).status_code == 404
    assert requests.get(f"{site.url}/ldes", headers={"Accept": "image/png"}, timeout=30).status_code == 406


CLIENT_SCRIPT = """
import { replicateLDES, intoConfig } from "ldes-client";
const client = replicateLDES(intoConfig({ url: process.argv[2] }), "ascending");
const reader = client.stream({ highWaterMark: 10 }).getReader();
for (let member = await reader.read(); !member.done; member = await reader.read()) {
  const m = member.value;
  console.log(JSON.stringify({ id: m.id.value, isVersionOf: m.isVersionOf, timestamp: m.timestamp,
                               quads: m.quads.length }));
}
"""


@pytest.fixture(scope="module")
def ldes_client():
    """The npm ldes-client, installed from the npm registry into a temporary folder (skipped without node/npm)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed for the ldes-client test")
    folder = Path(tempfile.mkdtemp(prefix="ldes-client-"))
    try:
        (folder / "package.json").write_text('{"name": "ldes-client-test", "private": true, "type": "module"}\n')
        installed = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "ldes-client"], cwd=folder,
                                   capture_output=True, text=True, timeout=600)
        if installed.returncode != 0:
            pytest.skip(f"npm could not install ldes-client: {installed.stderr[-500:]}")
        (folder / "replicate.mjs").write_text(CLIENT_SCRIPT)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_npm_ldes_client_replicates_every_member_in_order(site, history, ldes_client):
    run = subprocess.run(["node", "replicate.mjs", f"{site.url}/ldes"], cwd=ldes_client, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    members = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    expected = expected_members(site, history)
    assert len(members) == len(expected) and {m["id"] for m in members} == set(expected)
    assert all(m["isVersionOf"] == expected[m["id"]][0] for m in members)
    times = [m["timestamp"] for m in members]
    assert times == sorted(times)
    assert all(m["quads"] >= 3 for m in members)  # isVersionOf, generatedAtTime, its type at least


def test_a_new_release_extends_the_stream_at_its_end(history, tmp_path):
    """A consumer that stopped at the newest page finds, after the next build, a relation from it to the new page;
    the page it had is now immutable and nothing before it changed."""
    import dataclasses
    import time

    from newsfacts.build import build

    releases = tmp_path / "releases"
    shutil.copytree(history.releases_dir, releases, symlinks=True)
    server = start_server(releases)
    try:
        _, responses, _ = follow(server)
        newest = responses[-1]
        older = {r.url: r.content for r in responses[1:-1]}
        assert not objects(fetch(newest.url)[1], newest.url, TREE + "relation")
        time.sleep(1.1)
        added = build(dataclasses.replace(history.settings, releases_dir=str(releases)))
        response, page = fetch(newest.url)
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        targets = [q.object.value for link in objects(page, newest.url, TREE + "relation")
                   for q in page.quads_for_pattern(link, ox.NamedNode(TREE + "node"), None)]
        assert targets == [f"{server.url}/ldes/{added.version}/1"]
        _, after, _ = follow(server)
        assert {r.url: r.content for r in after[1:len(responses) - 1]} == older
        assert after[-1].url == targets[0] and "immutable" not in after[-1].headers["Cache-Control"]
    finally:
        server.stop()
