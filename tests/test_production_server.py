"""The production command (granian, two worker processes) behaves like the development server, and its workers
share one embedded release without corrupting or locking each other out."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from conftest import start_server

GRANIAN = Path(sys.executable).parent / "granian"


@pytest.fixture(scope="module")
def production(releases_dir):
    if not GRANIAN.exists():
        pytest.skip("granian is not installed (pip install -e '.[serve]')")
    running = start_server(releases_dir, command=[str(GRANIAN), "--interface", "wsgi", "--host", "127.0.0.1",
                                                  "--port", "{port}", "--workers", "2", "newsfacts.web.wsgi:app"])
    yield running
    running.stop()


def worker_pids(parent: int) -> set[int]:
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                children.add(int(entry))
    return children


def test_documents_errors_and_queries_as_on_the_development_server(production, server):
    for running in (production, server):
        seeother = requests.get(running.url + "/entity/iran", headers={"Accept": "text/turtle"}, allow_redirects=False,
                                timeout=10)
        assert seeother.status_code == 303 and seeother.headers["Location"] == "/entity/iran.ttl"
        turtle = requests.get(running.url + "/entity/iran.ttl", timeout=10)
        graph = Graph().parse(data=turtle.content, format="turtle")
        assert (URIRef("https://newsfacts.example/entity/iran"), RDFS.label, Literal("Irán", lang="es")) in graph
        missing = requests.get(running.url + "/entity/nowhere.ttl", timeout=10)
        assert missing.status_code == 404 and set(missing.json()) >= {"status", "title", "detail"}
        answer = requests.get(running.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200 and int(answer.json()["results"]["bindings"][0]["n"]["value"]) > 4000
        head = requests.head(running.url + "/entity/iran.ttl", timeout=10)
        assert head.status_code == 200 and head.content == b"" and head.headers["ETag"] == turtle.headers["ETag"]
    dev = requests.get(server.url + "/entity/infobae.nt", timeout=10).content
    prod = requests.get(production.url + "/entity/infobae.nt", timeout=10).content
    assert Graph().parse(data=dev.replace(server.url.encode(), b"http://host"), format="nt").isomorphic(
        Graph().parse(data=prod.replace(production.url.encode(), b"http://host"), format="nt"))


def test_two_workers_share_one_embedded_release(production):
    assert len(worker_pids(production.process.pid)) >= 2
    paths = ["/entity/iran.ttl", "/entity/nicolas-maduro.jsonld", "/entity/infobae.html", "/dataset.ttl", "/"]
    query = {"query": "ASK { ?c a <https://newsfacts.example/ontology/Claim> }"}

    def fetch(n: int) -> tuple[int, bool]:
        session = requests.Session()
        if n % 5 == 4:
            response = session.get(production.url + "/sparql", params=query,
                                   headers={"Accept": "application/sparql-results+json"}, timeout=60)
            return response.status_code, response.status_code == 200 and response.json()["boolean"] is True
        response = session.get(production.url + paths[n % 4], timeout=60)
        return response.status_code, len(response.content) > 100

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(fetch, range(200)))
    assert all(status == 200 and ok for status, ok in results), [r for r in results if r != (200, True)][:5]
    assert len(worker_pids(production.process.pid)) >= 2  # no worker died on the way
