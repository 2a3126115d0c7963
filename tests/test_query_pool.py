"""The query pool (executor.py) with real worker processes on a small store: which worker a query gets, and when a
query that needs longer than the spare allows queues for a regular worker instead of taking the spare."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pyoxigraph as ox
import pytest

from newsfacts.web.sparql import executor, pipes

# 1,000 triples: three copies joined are 1e9 rows (beyond any timeout here), two are 1e6 (a fraction of a second)
CROSS_3 = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CROSS_3_OTHER = "SELECT (COUNT(*) AS ?m) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CROSS_2 = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
CHEAP = "ASK { ?s ?p ?o }"
TIMEOUT_S, SPARE_TIMEOUT_S = 1.5, 0.3  # a short timeout leaves a slow machine time to restart a worker


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("pool") / "store"
    store = ox.Store(str(path))
    ex = "https://example.org/"
    store.extend(ox.Quad(ox.NamedNode(f"{ex}s{n}"), ox.NamedNode(f"{ex}p"), ox.Literal(str(n)), ox.DefaultGraph())
                 for n in range(1000))
    store.flush()
    del store
    return path


@pytest.fixture
def pool():
    pool = executor.QueryPool(1, spare=True)
    yield pool
    pool.close()


def job(store_path, query: str, fmt: str = "json") -> dict:
    return {"store": str(store_path), "query": query, "format": fmt, "max_rows": 10, "dataset": {"union": True}}


def started_in_thread(call) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        began = time.monotonic()
        try:
            outcome["result"] = call()
        except Exception as error:  # noqa: BLE001 - the test looks at which one
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def settle(pool, store_path) -> None:
    """Both worker processes (the regular one and the spare) started and idle."""
    header, _ = pool.run(job(store_path, CHEAP), TIMEOUT_S, SPARE_TIMEOUT_S)
    assert header["ok"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(worker.alive() for worker in pool._workers) and len(pool._idle_regular) + len(pool._idle_spare) == 2:
            return
        time.sleep(0.05)
    raise AssertionError("the query workers did not start")


def test_a_query_stopped_on_the_spare_queues_for_a_regular_worker_next_time(pool, store_path):
    settle(pool, store_path)
    busy, first = started_in_thread(lambda: pool.run(job(store_path, CROSS_3), TIMEOUT_S, SPARE_TIMEOUT_S))
    time.sleep(0.3)  # the regular worker is busy until its timeout
    with pytest.raises(executor.QueryTimeout) as stopped:
        pool.run(job(store_path, CROSS_3_OTHER), TIMEOUT_S, SPARE_TIMEOUT_S)
    assert stopped.value.spare and stopped.value.seconds == SPARE_TIMEOUT_S
    deadline = time.monotonic() + 30
    while not (pool._idle_spare and pool._idle_spare[0].alive()) and time.monotonic() < deadline:
        time.sleep(0.05)  # the spare's replacement has started

    # the same query again, in another result format: it does not take the idle spare but waits for the regular
    # worker (and its replacement), and then runs there to the regular timeout; a cheap query sent meanwhile gets
    # the spare at once
    again, second = started_in_thread(lambda: pool.run(job(store_path, CROSS_3_OTHER, "csv"), TIMEOUT_S, SPARE_TIMEOUT_S))
    time.sleep(0.2)
    cheap_started = time.monotonic()
    header, body = pool.run(job(store_path, CHEAP), TIMEOUT_S, SPARE_TIMEOUT_S)
    assert header["ok"] and b"true" in body and time.monotonic() - cheap_started < 2.0
    busy.join()
    again.join()
    assert isinstance(first["error"], executor.QueryTimeout) and not first["error"].spare
    assert isinstance(second.get("error"), executor.QueryTimeout), second
    assert not second["error"].spare and second["error"].seconds == TIMEOUT_S  # not stopped on the spare


def test_a_query_answered_after_longer_than_the_spare_allows_is_known_slow(pool, store_path):
    settle(pool, store_path)
    slow, cheap = job(store_path, CROSS_2), job(store_path, CHEAP)
    assert not pool.known_slow(executor._job_key(slow))
    header, _ = pool.run(slow, TIMEOUT_S, 0.001)
    assert header["ok"]
    assert pool.known_slow(executor._job_key(slow))
    assert pool.known_slow(executor._job_key(dict(slow, format="csv")))  # the format does not matter
    assert not pool.known_slow(executor._job_key(cheap))


def test_the_key_of_a_query_ignores_the_order_of_its_graph_names():
    one = {"query": "ASK {}", "dataset": {"default": {"urn:a", "urn:b"}, "named": ["urn:c"]}}
    other = {"query": "ASK {}", "dataset": {"named": ["urn:c"], "default": {"urn:b", "urn:a"}}}
    assert executor._job_key(one) == executor._job_key(other)
    assert executor._job_key(one) != executor._job_key(dict(one, query="ASK { ?s ?p ?o }"))


def test_without_a_spare_nothing_is_remembered(store_path):
    pool = executor.QueryPool(1, spare=False)
    try:
        slow = job(store_path, CROSS_2)
        header, _ = pool.run(slow, TIMEOUT_S, 0.001)
        assert header["ok"] and not pool.known_slow(executor._job_key(slow))
    finally:
        pool.close()


def worker_process(budget_mb: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "newsfacts.web.sparql.worker", str(os.getpid()), "0", str(budget_mb)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    header, _ = pipes.read(process.stdout.fileno(), time.monotonic() + 30)
    assert header["ready"]
    return process


def ask(process, store_path, query: str) -> tuple[dict, bytes]:
    pipes.write(process.stdin.fileno(), job(store_path, query))
    return pipes.read(process.stdout.fileno(), time.monotonic() + 30)


@pytest.mark.parametrize("budget_mb, dropped", [(1, True), (100_000, False)])
def test_a_worker_over_its_memory_budget_drops_the_stores_caches_and_answers_on(store_path, budget_mb, dropped):
    process = worker_process(budget_mb)
    try:
        for _ in range(3):  # each query after a drop reopens the store
            header, body = ask(process, store_path, CROSS_2)
            assert header["ok"] and b'"1000000"' in body, (header, body)
            assert header.get("caches_dropped", False) is dropped
    finally:
        process.kill()
        process.wait()


def test_dropping_the_caches_gives_memory_back():
    """The worker's own functions, in this process: a store read through, then closed and trimmed."""
    code = """
import pyoxigraph as ox, sys
from newsfacts.web.sparql import worker
store = ox.Store()
store.extend(ox.Quad(ox.NamedNode(f"urn:s{n}"), ox.NamedNode("urn:p"), ox.Literal("x" * 200 + str(n))) for n in range(200_000))
before = worker.resident_mb()
del store
worker.give_back_memory()
print(before, worker.resident_mb())
"""
    before, after = map(float, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                              check=True).stdout.split())
    assert after < before - 20, (before, after)


def test_a_known_slow_query_answered_quickly_again_is_forgotten(pool, store_path):
    settle(pool, store_path)
    slow = job(store_path, CROSS_2)
    pool.run(slow, TIMEOUT_S, 0.001)
    assert pool.known_slow(executor._job_key(slow))
    header, _ = pool.run(slow, TIMEOUT_S, 30.0)  # the same query, within what the spare allows
    assert header["ok"] and not pool.known_slow(executor._job_key(slow))
