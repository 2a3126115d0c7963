"""`newsfacts serve` (granian, two worker processes) behaves like the development server (`newsfacts serve --dev`),
and its workers share one embedded release without corrupting or locking each other out.

A check whose route the app does not have (yet) is skipped with the reason; a route that exists must behave."""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from werkzeug.exceptions import MethodNotAllowed, NotFound

from conftest import start_server

SPARQL_JSON = "application/sparql-results+json"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def production(server):
    """The session's `newsfacts serve`: the production server with its defaults."""
    return server


@pytest.fixture(scope="module")
def development(releases_dir):
    running = start_server(releases_dir, command=[sys.executable, "-m", "newsfacts.cli", "serve", "--dev", "--port", "{port}"])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def routes(releases_dir):
    """The app's URL map, to tell a route that is not there yet from one that misbehaves."""
    from newsfacts.web.app import create_app

    return create_app({"releases_dir": str(releases_dir)}).url_map.bind("localhost")


def require_route(routes, path: str, method: str = "GET") -> None:
    try:
        routes.match(path, method=method)
    except (NotFound, MethodNotAllowed):
        pytest.skip(f"the app has no route for {method} {path} yet")


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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@pytest.fixture(params=["production", "development"])
def running(request, production, development):
    return production if request.param == "production" else development


def test_document_with_content_negotiation(running, routes):
    require_route(routes, "/entity/iran")
    seeother = requests.get(running.url + "/entity/iran", headers={"Accept": "text/turtle"}, allow_redirects=False,
                            timeout=10)
    assert seeother.status_code == 303 and seeother.headers["Location"] == "/entity/iran.ttl"
    turtle = requests.get(running.url + "/entity/iran", headers={"Accept": "text/turtle"}, timeout=10)
    assert turtle.status_code == 200 and turtle.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert (URIRef("https://newsfacts.example/entity/iran"), RDFS.label, Literal("Irán", lang="es")) in graph


def test_missing_document_is_a_json_404(running, routes):
    require_route(routes, "/entity/nowhere.ttl")
    missing = requests.get(running.url + "/entity/nowhere.ttl", timeout=10)
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("application/")
    body = missing.json()
    assert set(body) >= {"status", "title", "detail"} and body["status"] == 404


def test_sparql_select_by_get(running, routes):
    require_route(routes, "/sparql")
    answer = requests.get(running.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                          headers={"Accept": SPARQL_JSON}, timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(SPARQL_JSON)
    assert answer.json()["head"]["vars"] == ["n"]
    assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) > 4000


def test_head_is_get_without_a_body(running, routes):
    require_route(routes, "/entity/iran.ttl", "HEAD")
    get = requests.get(running.url + "/entity/iran.ttl", timeout=10)
    head = requests.head(running.url + "/entity/iran.ttl", timeout=10)
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def test_same_document_as_the_development_server(production, development, routes):
    require_route(routes, "/entity/infobae.nt")
    dev = requests.get(development.url + "/entity/infobae.nt", timeout=10)
    prod = requests.get(production.url + "/entity/infobae.nt", timeout=10)
    assert dev.status_code == prod.status_code == 200
    assert prod.headers.get("Server") != dev.headers.get("Server")  # two different servers answered
    assert Graph().parse(data=dev.content.replace(development.url.encode(), b"http://host"), format="nt").isomorphic(
        Graph().parse(data=prod.content.replace(production.url.encode(), b"http://host"), format="nt"))


def test_two_workers_share_one_embedded_release(production, routes):
    """About 200 requests from 16 clients, each on a connection of its own so that both workers get some: every
    one answered, both workers busy answering, neither gone, nothing logged as an error. At most two queries are
    in flight at once: a web process evaluates two at a time (plus a spare) and refuses more with 503 by design,
    which tests/test_sparql_limits.py covers."""
    paths = ["/entity/iran.ttl", "/entity/nicolas-maduro.jsonld", "/entity/infobae.html", "/dataset.ttl", "/"]
    for path in paths:
        require_route(routes, path)
    with_sparql = True
    try:
        routes.match("/sparql")
    except NotFound:
        with_sparql = False
    workers = worker_pids(production.process.pid)
    assert len(workers) == 2, workers
    cpu_before = {pid: cpu_seconds(pid) for pid in workers}
    query = {"query": "ASK { ?c a <https://newsfacts.example/ontology/Claim> }"}
    query_slots = threading.BoundedSemaphore(2)

    def fetch(n: int) -> tuple[int, str, bool]:
        with requests.Session() as session:
            if with_sparql and n % 5 == 4:
                with query_slots:
                    response = session.get(production.url + "/sparql", params=query, headers={"Accept": SPARQL_JSON},
                                           timeout=60)
                return response.status_code, "/sparql", response.status_code == 200 and response.json()["boolean"]
            path = paths[n % 5]
            response = session.get(production.url + path, timeout=60)
            return response.status_code, path, len(response.content) > 100

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(fetch, range(200)))
    elapsed = time.monotonic() - started
    failed = [r for r in results if r[0] != 200 or not r[2]]
    assert not failed, failed[:5]
    assert elapsed < 60
    assert worker_pids(production.process.pid) == workers  # no worker died or was replaced on the way
    busy = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in workers}
    assert all(seconds > 0.05 for seconds in busy.values()), busy  # both answered a share of the requests
    log = production.output()
    assert "Traceback" not in log and "lock file" not in log, log[-3000:]  # RocksDB: "While lock file: …/LOCK"
