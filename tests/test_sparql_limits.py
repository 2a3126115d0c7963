"""Bounded evaluation against a server with small limits (2 s timeout, 25 rows, 4 KiB queries, 256 MB per query):
timeouts that really stop the work, the memory limit, the busy answer, a crashing worker, the row cap, request sizes."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
import rdflib
import requests

from conftest import start_server
from newsfacts.web.sparql.executor import QUEUE_WAIT_S
from test_sparql_support import (
    EXPENSIVE,
    LIMITED_ENV,
    alive,
    assert_answers_normally,
    assert_error,
    busy_workers,
    cpu_seconds,
    drain,
    query,
    query_workers,
)

TIMEOUT_S = float(LIMITED_ENV["NEWSFACTS_QUERY_TIMEOUT_S"])
MAX_ROWS = int(LIMITED_ENV["NEWSFACTS_MAX_ROWS"])
MARGIN_S = 0.75
ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def limited_server(releases_dir):
    running = start_server(releases_dir, LIMITED_ENV)
    drain(running)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sparql_server(server):
    drain(server)
    return server


def warm(server, workers: int = 5) -> None:
    """Run a query, then wait until the pool has all its worker processes (4 regular and the spare) started and idle."""
    assert_answers_normally(server)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if len(query_workers(server.process.pid)) >= workers and not busy_workers(server.process.pid, 0.3, share=0.05):
            return
    raise AssertionError(f"the worker processes of {server.url} did not settle")


def run_in_threads(server, texts: list[str]) -> tuple[list[threading.Thread], list]:
    results: list = [None] * len(texts)

    def run(i: int) -> None:
        started = time.monotonic()
        response = query(server, texts[i])
        results[i] = (response, time.monotonic() - started)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    return threads, results


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_four_expensive_queries_are_stopped_and_the_cpu_goes_idle(limited_server):
    warm(limited_server)
    pid = limited_server.process.pid
    threads, results = run_in_threads(limited_server, [EXPENSIVE] * 4)
    time.sleep(0.3)
    burning = busy_workers(pid)
    assert len(burning) == 4, burning

    # meanwhile: a resource page, the service description and a cheap query answer within a second
    page, page_s = timed(lambda: requests.get(limited_server.url + "/", timeout=5))
    assert page.status_code < 500 and page_s < 1.0
    description, description_s = timed(lambda: requests.get(limited_server.url + "/sparql", headers={"Accept": "text/turtle"}))
    assert description.status_code == 200 and description_s < 1.0
    cheap, cheap_s = timed(lambda: query(limited_server, "ASK { ?s ?p ?o }"))
    assert cheap.status_code == 200 and cheap.json()["boolean"] is True and cheap_s < 1.0, (cheap.text, cheap_s)

    for thread in threads:
        thread.join()
    for response, elapsed in results:
        body = assert_error(response, 503, "Query timeout", f"longer than {TIMEOUT_S:g} s", "stopped")
        assert body["timeout_s"] == TIMEOUT_S
        assert TIMEOUT_S <= elapsed <= TIMEOUT_S + MARGIN_S, elapsed
    assert not any(alive(p) for p in burning)  # killed, not left running

    time.sleep(1.5)  # replacements start
    before = cpu_seconds(pid)
    time.sleep(1.0)
    assert cpu_seconds(pid) - before < 0.15
    assert_answers_normally(limited_server)


def test_beyond_the_workers_and_the_spare_queries_wait_briefly_then_are_refused(limited_server):
    warm(limited_server)
    threads, results = run_in_threads(limited_server, [EXPENSIVE] * 5)
    time.sleep(0.4)
    refused, refused_s = timed(lambda: query(limited_server, "ASK {}"))
    body = assert_error(refused, 503, "Busy", "try again")
    assert refused.headers["Retry-After"] == "2" and "timeout_s" not in body
    assert QUEUE_WAIT_S <= refused_s < QUEUE_WAIT_S + 0.5  # waited for a worker, briefly, then refused
    for thread in threads:
        thread.join()
    titles = sorted(response.json()["title"] for response, _ in results)
    assert titles == ["Busy: query stopped"] + ["Query timeout"] * 4
    spare = next((response, elapsed) for response, elapsed in results if response.json()["title"] == "Busy: query stopped")
    assert "spare worker" in spare[0].json()["detail"] and spare[0].headers["Retry-After"] == "2"
    assert 1.0 <= spare[1] <= 1.0 + MARGIN_S
    assert_answers_normally(limited_server)


def test_a_crashing_worker_fails_only_its_own_query(limited_server):
    warm(limited_server)
    pid = limited_server.process.pid
    threads, results = run_in_threads(limited_server, [EXPENSIVE])
    time.sleep(0.3)
    [worker] = busy_workers(pid)
    os.kill(worker, signal.SIGSEGV)
    threads[0].join()
    response, elapsed = results[0]
    assert_error(response, 500, "Query crashed", "SIGSEGV", "not affected")
    assert elapsed < TIMEOUT_S
    assert_answers_normally(limited_server)

    for idle in query_workers(pid):  # idle workers dying is noticed too
        os.kill(idle, signal.SIGKILL)
    time.sleep(0.2)
    for _ in range(3):
        assert_answers_normally(limited_server)


def test_a_query_needing_too_much_memory_is_stopped(limited_server):
    """Sorting the store joined with itself holds millions of rows: past 256 MB the worker stops, not the machine."""
    response, elapsed = timed(lambda: query(limited_server, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"))
    body = assert_error(response, 503, "Query memory limit", "256 MB")
    assert body["memory_mb"] == 256 and elapsed < TIMEOUT_S
    assert_answers_normally(limited_server)


def test_the_server_keeps_working_after_a_crash_in_a_separate_server(releases_dir):
    """A server whose every worker was killed in the middle of queries still serves (and its process is alive)."""
    running = start_server(releases_dir, {**LIMITED_ENV, "NEWSFACTS_QUERY_WORKERS": "1",
                                          "NEWSFACTS_QUERY_SPARE_TIMEOUT_S": "0"})
    drain(running)
    try:
        warm(running, workers=1)
        threads, results = run_in_threads(running, [EXPENSIVE])
        time.sleep(0.3)
        for worker in query_workers(running.process.pid):
            os.kill(worker, signal.SIGSEGV)
        threads[0].join()
        assert results[0][0].status_code == 500
        assert running.process.poll() is None
        assert_answers_normally(running)
    finally:
        running.stop()


def test_truncated_results_say_so_in_every_format(limited_server):
    url = limited_server.url + "/sparql"
    response = query(limited_server, ALL_TRIPLES)
    body = response.json()
    assert len(body["results"]["bindings"]) == MAX_ROWS
    assert body["truncated"] is True and body["maxRows"] == MAX_ROWS and body["head"]["link"] == [url + "#limits"]
    assert response.headers["X-Newsfacts-Truncated"] == "true" and response.headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)

    xml = query(limited_server, ALL_TRIPLES, accept="application/sparql-results+xml")
    assert xml.text.count("<result>") == MAX_ROWS and f'<link href="{url}#limits"/>' in xml.text
    for accept in ("text/csv", "text/tab-separated-values"):
        table = query(limited_server, ALL_TRIPLES, accept=accept)
        assert len(table.content.decode("utf-8").strip().splitlines()) == MAX_ROWS + 1
        assert table.headers["X-Newsfacts-Truncated"] == "true" and table.headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)

    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    for accept, fmt in [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]:
        graph_response = query(limited_server, construct, accept=accept)
        assert len(rdflib.Graph().parse(data=graph_response.content, format=fmt)) == MAX_ROWS
        assert graph_response.headers["X-Newsfacts-Truncated"] == "true"
    assert query(limited_server, construct, accept="text/turtle").text.startswith(
        f"# truncated: the query matched more than {MAX_ROWS} triples")

    exact = query(limited_server, ALL_TRIPLES + f" LIMIT {MAX_ROWS}")
    assert exact.headers["X-Newsfacts-Truncated"] == "false" and "X-SPARQL-MaxRows" not in exact.headers
    assert "truncated" not in exact.json() and len(exact.json()["results"]["bindings"]) == MAX_ROWS

    page = requests.get(url, params={"query": ALL_TRIPLES}, headers={"Accept": "text/html"})
    assert page.text.count("<tr>") == MAX_ROWS + 1 and "cut at" in page.text


def test_the_default_row_cap_is_ten_thousand(sparql_server):
    response = query(sparql_server, "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y }")
    body = json.loads(response.content)
    assert len(body["results"]["bindings"]) == 10000 and body["truncated"] is True
    assert response.headers["X-SPARQL-MaxRows"] == "10000"


def test_query_size_limits_use_the_error_shape(limited_server):
    url = limited_server.url + "/sparql"
    long_query = "ASK {} #" + "x" * 5000
    assert_error(requests.get(url, params={"query": long_query}), 414, "URI Too Long", "4096")
    assert_error(requests.post(url, data=long_query, headers={"Content-Type": "application/sparql-query"}), 413, "4096")
    assert_error(requests.post(url, data={"query": long_query}), 413, "4096")
    assert_error(requests.post(url, data="ASK {} #" + "x" * 9000, headers={"Content-Type": "application/sparql-query"}),
                 413, "Request too large")
    assert_answers_normally(limited_server)
