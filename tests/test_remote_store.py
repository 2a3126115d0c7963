"""Publishing to, and querying, a remote store over the SPARQL 1.1 protocols: the real Oxigraph server
(`oxigraph serve`, PyPI package oxigraph), started and stopped here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from conftest import free_port, wait_for_http
from newsfacts.build import build
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.problems import BuildFailed
from newsfacts.release import current_release
from newsfacts.remote import RemoteStore, StoreUnavailable

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
CLAIMS = "SELECT ?c WHERE { ?c a <https://newsfacts.example/ontology/Claim> }"


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not os.access(found, os.X_OK):
        pytest.skip("the oxigraph server (PyPI package oxigraph) is not installed")
    return found


class OxigraphServer:
    def __init__(self, location: Path):
        self.port = free_port()
        self.location = location
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}",
             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_http(f"{self.url}/query", self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture()
def oxigraph(tmp_path):
    server = OxigraphServer(tmp_path / "oxigraph-data")
    yield server
    server.stop()


def settings(tmp_path: Path, store: str, facts: Path = SECOND / "facts", **extra) -> Settings:
    return Settings.load({"facts_dir": str(facts), "sources_dir": str(SECOND / "sources"),
                          "releases_dir": str(tmp_path / "releases"), "store": store, **extra})


def test_a_release_published_to_oxigraph_answers_like_the_embedded_store(oxigraph, tmp_path):
    remote_release = build(settings(tmp_path, f"{oxigraph.url}/query"))
    embedded_release = build(settings(tmp_path / "embedded", "embedded"))
    assert not remote_release.store_path.exists()
    remote = RemoteStore.from_settings(settings(tmp_path, f"{oxigraph.url}/query"))
    assert remote.version("https://newsfacts.example/") == remote_release.version
    embedded = embedded_release.open_store()
    query = """PREFIX nf: <https://newsfacts.example/ontology/>
               SELECT ?claim ?certainty ?who WHERE { ?claim nf:certainty ?certainty ; nf:attributedTo ?who }"""
    def answers(store):
        return {tuple(s[v].value for v in ("claim", "certainty", "who"))
                for s in store.query(query, use_default_graph_as_union=True)}
    assert answers(remote) == answers(embedded) and len(answers(remote)) == 12
    described = remote.query("DESCRIBE <https://newsfacts.example/entity/ana-nunez>")
    assert ox.Triple(ox.NamedNode("https://newsfacts.example/entity/ana-nunez"),
                     ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.Literal("Ana Núñez", language="en")) in set(described)
    graphs = {s["g"].value for s in remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }")}
    assert graphs == set(remote_release.manifest()["graphs"])


def test_switching_releases_is_atomic_for_readers(oxigraph, tmp_path):
    first = settings(tmp_path, f"{oxigraph.url}/query")
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
        build(settings(tmp_path, f"{oxigraph.url}/query", facts=facts))
    finally:
        stop.set()
        reader.join()
    assert len(list(remote.query(CLAIMS))) == 13
    assert seen and set(seen) <= {12, 13}, sorted(set(seen))


def test_publishing_to_a_store_that_is_down_publishes_nothing(tmp_path):
    good = build(settings(tmp_path, "embedded"))
    dead = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(BuildFailed, match="cannot publish to the store .* cannot be reached"):
        build(settings(tmp_path, dead))
    assert current_release(tmp_path / "releases") == good
    assert [p.name for p in (tmp_path / "releases").iterdir() if p.name.startswith(".staging")] == []


def test_a_store_that_goes_down_and_comes_back(oxigraph, tmp_path):
    build(settings(tmp_path, f"{oxigraph.url}/query"))
    remote = RemoteStore.from_settings(settings(tmp_path, f"{oxigraph.url}/query"))
    assert len(list(remote.query(CLAIMS))) == 12
    oxigraph.stop()
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        remote.query(CLAIMS)
    oxigraph.start()
    assert len(list(remote.query(CLAIMS))) == 12


def test_the_build_command_publishes_to_a_remote_store(oxigraph, tmp_path):
    result = subprocess.run([sys.executable, "-m", "newsfacts.cli", "build", "--facts-dir", str(SECOND / "facts"),
                             "--sources-dir", str(SECOND / "sources"), "--releases-dir", str(tmp_path / "r"),
                             "--store", f"{oxigraph.url}/query"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    answer = requests.post(f"{oxigraph.url}/query", data={"query": "ASK { ?s ?p ?o }"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert answer.json()["boolean"] is True


def test_the_server_on_a_remote_store_and_its_outage(oxigraph, tmp_path):
    from conftest import start_server

    store_url = f"{oxigraph.url}/query"
    release = build(settings(tmp_path, store_url))
    web = start_server(tmp_path / "releases", {"NEWSFACTS_STORE": store_url})
    try:
        ask = {"query": "ASK { ?c a <https://newsfacts.example/ontology/Claim> }"}
        json_accept = {"Accept": "application/sparql-results+json"}
        answer = requests.get(f"{web.url}/sparql", params=ask, headers=json_accept, timeout=10)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert answer.headers["X-Newsfacts-Release"] == release.version
        select = {"query": "SELECT ?who WHERE { ?c <https://newsfacts.example/ontology/attributedTo> ?who } ORDER BY ?who"}
        rows = requests.get(f"{web.url}/sparql", params=select, headers=json_accept, timeout=10).json()["results"]["bindings"]
        speakers = ["ana-nunez", "council-of-nations", *["diario-ficticio"] * 8, "luis-ortega", "port-authority"]
        assert [r["who"]["value"].rsplit("/", 1)[1] for r in rows] == speakers
        refused = requests.get(f"{web.url}/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> {} }"},
                               headers=json_accept, timeout=10)
        assert refused.status_code == 403

        oxigraph.stop()
        import time

        time.sleep(1.1)  # past the remote version's time to live
        down = requests.get(f"{web.url}/sparql", params=ask, headers=json_accept, timeout=30)
        assert down.status_code == 503 and down.headers["Retry-After"] == "5"
        assert down.json()["title"] == "Store unavailable" and "not answering" in down.json()["detail"]

        oxigraph.start()
        back = requests.get(f"{web.url}/sparql", params=ask, headers=json_accept, timeout=10)
        assert back.status_code == 200 and back.json()["boolean"] is True
    finally:
        web.stop()
