"""Reads while a remote store switches releases: a reader running throughout sees the old release or the new one,
never a mixture and never nothing, on the real Oxigraph and Virtuoso servers (tests/remote_stores.py)."""

from __future__ import annotations

import shutil
import threading
import time

import pyoxigraph as ox

from newsfacts.build import build
from newsfacts.config import Settings
from newsfacts.remote import GRAPHS_TTL_S, OWL_VERSION, RemoteStore
from remote_stores import CLAIMS, SECOND, settings


def test_switching_releases_is_atomic_for_readers(store_server, tmp_path):
    first = settings(tmp_path, store_server)
    build(first)
    # a second release with one more claim: readers must see 12 claims or 13, never 0 or a mixture of graphs
    facts = tmp_path / "facts"
    shutil.copytree(SECOND / "facts", facts)
    text = (facts / "harbour-seizure.yaml").read_text(encoding="utf-8")
    extra = text[text.index("- id: cargo-owner"):text.index("- id: ownership-denied")].replace("cargo-owner", "cargo-owner-again")
    (facts / "harbour-seizure.yaml").write_text(text.replace("- id: ownership-denied", extra + "- id: ownership-denied"),
                                                encoding="utf-8")
    seen: list[int] = []
    stop = threading.Event()
    remote = RemoteStore.from_settings(first)

    def read():
        while not stop.is_set() and len(seen) < 5000:
            seen.append(len(list(remote.query(CLAIMS))))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        build(settings(tmp_path, store_server, facts=facts))
    finally:
        stop.set()
        reader.join()
    assert len(list(remote.query(CLAIMS))) == 13
    assert seen and set(seen) <= {12, 13}, sorted(set(seen))


def test_a_switch_that_replaces_every_graph_is_atomic_for_readers(store_server, tmp_path):
    """The second release has none of the first one's article graphs and a new one: readers that keep reading
    through the switch and after it see the first release's claims or the second's, never none or both."""
    build(settings(tmp_path, store_server))
    remote = RemoteStore.from_settings(settings(tmp_path, store_server))
    before = len(list(remote.query(CLAIMS)))
    seen: list[int] = []
    done = threading.Event()

    def read():
        stop_at = None
        while len(seen) < 5000 and (stop_at is None or time.monotonic() < stop_at):
            seen.append(len(list(remote.query(CLAIMS))))
            if stop_at is None and done.is_set():
                stop_at = time.monotonic() + 2 * GRAPHS_TTL_S

    reader = threading.Thread(target=read)
    reader.start()
    try:
        second = build(Settings.load({"releases_dir": str(tmp_path / "releases"), "store": store_server.query_url,
                                      **store_server.settings}))
    finally:
        done.set()
        reader.join()
    after = len(list(remote.query(CLAIMS)))
    assert after != before and remote.version("https://newsfacts.example/") == second.version
    assert seen and set(seen) <= {before, after}, sorted(set(seen))


def _release_quads(version: str, graphs: list[str]) -> list[ox.Quad]:
    """A small release: each graph holds its version and 200 statements that name it."""
    quads = []
    for graph in graphs:
        name = ox.NamedNode(graph)
        quads.append(ox.Quad(name, ox.NamedNode(OWL_VERSION), ox.Literal(version), name))
        quads += [ox.Quad(ox.NamedNode(f"{graph}/s{i}"), ox.NamedNode("urn:test:p"), ox.Literal(f"{version}-{i}"), name)
                  for i in range(200)]
    return quads


def test_a_query_that_reads_graph_after_graph_while_releases_switch_sees_one_release(store_server, tmp_path):
    """Queries that read one graph, then do some work, then read the others (a long query, as a document's or a
    user's may be) run throughout eight switches or more: each sees one release's versions, never two. On Virtuoso this
    takes the server's isolation at repeatable read (read committed let 40 of 1,585 such reads see two releases);
    a query and a switch that deadlock there are sent again, so no reader gets an error either."""
    base = "https://newsfacts.example/"
    graphs = [f"{base}graph/article/a{i}" for i in range(5)] + [f"{base}graph/dataset"]
    remote = RemoteStore.from_settings(settings(tmp_path, store_server))
    assert remote.consistency_warning() is None  # the test server's isolation, read back from it
    remote.publish(_release_quads("v0", graphs), "v0")
    query = f"""SELECT DISTINCT ?v WHERE {{
        {{ GRAPH <{graphs[-1]}> {{ ?d <{OWL_VERSION}> ?v }} }}
        UNION {{ SELECT (COUNT(*) AS ?work) WHERE {{ ?s <urn:test:p> ?o . ?t <urn:test:p> ?o . ?t <urn:test:p> ?u }} }}
        UNION {{ GRAPH ?g {{ ?g <{OWL_VERSION}> ?v }} FILTER(?g != <{graphs[-1]}>) }} }}"""
    seen: list[frozenset[str]] = []
    failed: list[BaseException] = []
    stop = threading.Event()

    def read():
        reader = RemoteStore.from_settings(settings(tmp_path, store_server))
        while not stop.is_set():
            try:
                seen.append(frozenset(s["v"].value for s in reader.query(query) if s["v"] is not None))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failed.append(error)
                return
            time.sleep(0.05)  # clients that never pause starve the switch on Virtuoso: docs/scaling.md

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        switches, give_up_at = 0, time.monotonic() + 120
        while switches < 8 or (len(seen) < 60 and time.monotonic() < give_up_at):
            switches += 1
            remote.publish(_release_quads(f"v{switches}", graphs), f"v{switches}")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not failed, failed[:3]
    assert len(seen) > 20 and all(len(versions) == 1 for versions in seen), [sorted(v) for v in seen if len(v) != 1][:5]
    assert len({version for versions in seen for version in versions}) > 1  # the reads spanned switches


def test_the_isolation_warning_and_the_deadlock_answer_of_virtuoso():
    from newsfacts.remote_virtuoso import is_deadlock, isolation_warning

    assert "DefaultIsolation is 2" in isolation_warning("")  # unset: read committed
    assert "DefaultIsolation = 4" in isolation_warning("2")
    assert isolation_warning("4") is None and isolation_warning("8") is None
    assert is_deadlock("Virtuoso 40001 Error SR172: Transaction deadlocked\n\nSPARQL query:\nSELECT …")
    assert not is_deadlock("Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error")
