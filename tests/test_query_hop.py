"""What goes to a query worker with each job: the fields that stay the same (the release's store, the base IRI, the
predeclared prefixes, the limits' URL) only when they change, and the predeclared prefixes given to the engine
only when the query uses a prefix it does not declare — with the same answers as before in every case."""

from __future__ import annotations

import os

import pyoxigraph as ox
import pytest

from newsfacts.web.sparql import executor, guard, pipes, worker

EX = "https://example.org/"
KNOWN = {"ex": EX, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
LABELLED = 'SELECT ?label WHERE { ex:s1 rdfs:label ?label }'


def make_store(path, label: str):
    store = ox.Store(str(path))
    store.add(ox.Quad(ox.NamedNode(f"{EX}s1"), ox.NamedNode(KNOWN["rdfs"] + "label"), ox.Literal(label), ox.DefaultGraph()))
    store.flush()
    del store
    return str(path)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hop")
    return make_store(folder / "one", "first store"), make_store(folder / "two", "second store")


def job(store: str, query: str = LABELLED, uses_prefixes: bool = True) -> dict:
    return {"store": store, "query": query, "base_iri": EX, "query_prefixes": KNOWN, "uses_query_prefixes": uses_prefixes,
            "dataset": {"union": True}, "format": "csv", "max_rows": 10, "limits_url": f"{EX}sparql#limits"}


@pytest.fixture
def sent(monkeypatch):
    """The headers of the messages the pool writes to its workers (written as usual)."""
    headers: list[dict] = []
    write = pipes.write
    monkeypatch.setattr(executor.pipes, "write", lambda fd, header, body=b"": headers.append(header) or write(fd, header, body))
    return headers


def test_the_unchanging_fields_go_to_a_worker_once_and_again_when_they_change(stores, sent):
    one, two = stores
    pool = executor.QueryPool(1, spare=False)
    try:
        answers = [pool.run(job(store), 10.0, 0.0) for store in (one, one, one, two, two, one)]
        [regular] = pool._regular
        regular.stop()  # a new process knows nothing: the next job carries the fields again
        answers.append(pool.run(job(one), 10.0, 0.0))
    finally:
        pool.close()
    labels = [body.decode().split("\r\n")[1] for _, body in answers]
    assert labels == ["first store"] * 3 + ["second store"] * 2 + ["first store"] * 2
    assert all(header["ok"] and header["rows"] == 1 for header, _ in answers)
    carried = [header.get("context", False) for header in sent]
    assert carried == [True, False, False, True, False, True, True]
    for header in sent:
        assert set(pipes.CONTEXT) <= set(header) if header.get("context") else not set(pipes.CONTEXT) & set(header)
        assert header["query"] == LABELLED and header["uses_query_prefixes"] is True


@pytest.mark.parametrize("query, uses", [
    (LABELLED, True),
    ("PREFIX ex: <https://example.org/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + LABELLED, False),
    ("PREFIX ex: <https://example.org/>\n" + LABELLED, True),
    ("SELECT ?p ?o WHERE { <https://example.org/s1> ?p ?o }", False),
    ('SELECT ?s WHERE { ?s ?p "rdfs:label" } # ex:s1', False),
    ("SELECT ?s WHERE { ?s rdfs:label ?o }", True),
])
def test_the_guard_says_whether_a_query_uses_a_prefix_it_does_not_declare(query, uses):
    assert guard.inspect(query, EX, known_prefixes=KNOWN).uses_undeclared_prefix is uses


@pytest.mark.parametrize("query", [LABELLED, "SELECT ?label WHERE { <https://example.org/s1> rdfs:label ?label }"])
def test_a_query_using_the_predeclared_prefixes_is_answered_even_if_they_were_withheld(stores, query):
    store = ox.Store.read_only(stores[0])
    withheld, given = worker.evaluate(store, job(stores[0], query, False)), worker.evaluate(store, job(stores[0], query))
    assert withheld == given and withheld[0]["ok"] and b"first store" in withheld[1]


def test_a_syntax_error_reads_the_same_with_the_prefixes_withheld(stores):
    store = ox.Store.read_only(stores[0])
    broken = "SELECT ?label WHERE { ex:s1 rdfs:label ?label "
    withheld, given = worker.evaluate(store, job(stores[0], broken, False)), worker.evaluate(store, job(stores[0], broken))
    assert withheld == given and withheld[0]["error"] == "syntax"


def test_the_resident_memory_read_is_the_calling_processes_even_after_a_fork():
    """The descriptor of /proc/<pid>/statm is kept open: a forked process must read its own, not its parent's."""
    worker.resident_mb()  # the descriptor opened here
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child holds 200 MB more than its parent
        held = b"x" * (200 * 1024 * 1024)
        os.write(write_end, f"{worker.resident_mb()} {len(held)}".encode())
        os._exit(0)
    os.close(write_end)
    child_mb = float(os.read(read_end, 64).split()[0])
    os.waitpid(pid, 0)
    assert child_mb > worker.resident_mb() + 150
