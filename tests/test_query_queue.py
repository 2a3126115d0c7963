"""How a query waits for a query worker when every one is busy (executor.py, real worker processes): answered once
one frees within the wait, refused after it, and waiting queries served in the order they came."""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox
import pytest

from newsfacts.web.sparql import executor

CHEAP = "ASK { ?s ?p ?o }"
TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("queue") / "store"
    store = ox.Store(str(path))
    store.add(ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("o"),
                      ox.DefaultGraph()))
    store.flush()
    del store
    return str(path)


@pytest.fixture
def pool(store_path):
    """One regular worker, no spare, started and idle."""
    pool = executor.QueryPool(1, spare=False)
    assert pool.run(job(store_path), TIMEOUT_S, 0.0)[0]["ok"]
    yield pool
    pool.close()


def job(store_path: str) -> dict:
    return {"store": store_path, "query": CHEAP, "format": "json", "max_rows": 10, "dataset": {"union": True}}


def busy_for(pool, seconds: float) -> None:
    """Every worker taken (as a running query takes it) and given back after ``seconds``."""
    [worker] = [pool._acquire()]
    threading.Timer(seconds, pool._release, args=(worker,)).start()


def in_thread(call, outcome: dict) -> threading.Thread:
    def run():
        try:
            outcome["result"] = call()
        except Exception as error:  # noqa: BLE001 - the test looks at which one
            outcome["error"] = error
        outcome["done"] = time.monotonic()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_query_finding_every_worker_busy_is_answered_once_one_frees_within_the_wait(pool, store_path):
    busy_for(pool, executor.QUEUE_WAIT_S / 2)
    started = time.monotonic()
    header, body = pool.run(job(store_path), TIMEOUT_S, 0.0)
    waited = time.monotonic() - started
    assert header["ok"] and b'"boolean":true' in body.replace(b" ", b"")
    assert waited >= executor.QUEUE_WAIT_S / 2, waited  # it waited for the worker (not refused: no PoolBusy)


def test_a_query_finding_every_worker_busy_beyond_the_wait_is_refused(pool, store_path):
    busy_for(pool, executor.QUEUE_WAIT_S + 1.0)
    started = time.monotonic()
    with pytest.raises(executor.PoolBusy):
        pool.run(job(store_path), TIMEOUT_S, 0.0)
    assert executor.QUEUE_WAIT_S <= time.monotonic() - started < executor.QUEUE_WAIT_S + 1.0  # not the worker's return
    time.sleep(1.0)
    assert pool.run(job(store_path), TIMEOUT_S, 0.0)[0]["ok"]  # the worker is back


def test_waiting_queries_get_the_worker_in_the_order_they_came(pool, store_path, monkeypatch):
    monkeypatch.setattr(executor, "QUEUE_WAIT_S", 5.0)  # every one is answered, however loaded the machine
    busy_for(pool, 0.3)
    outcomes = [{} for _ in range(6)]
    threads = []
    for outcome in outcomes:
        waiting = len(pool._waiting)
        threads.append(in_thread(lambda: pool.run(job(store_path), TIMEOUT_S, 0.0), outcome))
        while len(pool._waiting) == waiting and not outcome:  # each comes after the one before is in the queue
            time.sleep(0.001)
    for thread in threads:
        thread.join()
    assert all(outcome["result"][0]["ok"] for outcome in outcomes), outcomes
    finished = [outcome["done"] for outcome in outcomes]
    assert finished == sorted(finished)
