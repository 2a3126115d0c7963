"""A query worker process: evaluates one query at a time on a release store opened read-only.

Started by executor.py as ``python -m newsfacts.web.sparql.worker <parent pid> <memory MB>``;
reads jobs on stdin, answers on stdout (pipes.py). Before its first job it
loses network access (sandbox.py), limits its memory (RLIMIT_DATA: a query
that needs more fails, MemoryError or an abort, instead of exhausting the
machine) and lowers its CPU priority so the web process stays responsive. Queries run on a thread with a large stack, so deep
expressions that overflow the default 8 MB stack (chains of thousands of
operators, BINDs or UNIONs) are evaluated instead of crashing the process. The
store is reopened when a job names another release.

The engine keeps caches of the store's blocks that grow with the data queries
read (about 35 MB after the benchmark's query mix at 1M triples, more after
scans of other indexes) and that no setting of pyoxigraph bounds. So that every
worker of the tree stays within a budget under any sustained load, a worker whose
resident memory exceeds CACHE_BUDGET_MB after a job closes its store and gives the
freed memory back to the system (malloc_trim); the next job reopens the store
(about 30 ms at 1M triples) and starts with cold caches.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import resource
import sys
import threading

import pyoxigraph as ox

from . import pipes, sandbox
from .results import serialise

STACK_BYTES = 512 * 1024 * 1024
NICENESS = 5
MB = 1024 * 1024
BASELINE_BYTES = 128 * MB  # the interpreter, pyoxigraph and the store's caches before any query
REMOTE_MODULE = "newsfacts.remote"
CACHE_BUDGET_MB = 128  # resident memory past which a worker drops its store's caches after a job
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _remote_unavailable(error: BaseException) -> bool:
    """Whether ``error`` is a remote store not answering (the web process evaluating on a remote store).

    The worker processes never import the remote-store client (requests, urllib3, ssl: about 20 MB each): when
    that module was never loaded, no error can come from it."""
    remote = sys.modules.get(REMOTE_MODULE)
    return remote is not None and isinstance(error, remote.StoreUnavailable)


def _dataset_arguments(dataset: dict) -> dict:
    if dataset.get("union"):
        return {"use_default_graph_as_union": True}
    arguments = {"use_default_graph_as_union": False}  # the query's own FROM, or the protocol's dataset
    if dataset.get("default") is not None:
        arguments["default_graph"] = [ox.NamedNode(g) for g in dataset["default"]]
    if dataset.get("named") is not None:
        arguments["named_graphs"] = [ox.NamedNode(g) for g in dataset["named"]]
    return arguments


def _query(store: ox.Store, job: dict):
    """``Store.query`` for the job. The predeclared prefixes are given to the engine (which parses them for every
    query) only when the guard saw the query use a prefix it does not declare (``uses_query_prefixes``); should the
    query not parse without them, it is parsed again with them, so that the answer never depends on the guard."""
    prefixes = job.get("query_prefixes") or None
    arguments = {"base_iri": job.get("base_iri") or None, **_dataset_arguments(job.get("dataset", {}))}
    if prefixes is not None and not job.get("uses_query_prefixes", True):
        try:
            return store.query(job["query"], **arguments)
        except SyntaxError:
            pass
    return store.query(job["query"], prefixes=prefixes, **arguments)


def evaluate(store: ox.Store, job: dict) -> tuple[dict, bytes]:
    try:
        result = _query(store, job)
        done = serialise(result, job["format"], job["max_rows"], job.get("limits_url", ""), job.get("prefixes"))
    except SyntaxError as error:
        return {"ok": False, "error": "syntax", "message": str(error)}, b""
    except MemoryError:
        return {"ok": False, "error": "memory", "message": "the query needed more memory than it may use"}, b""
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # OSError from the store, and the engine's panics (not Exception subclasses)
        if _remote_unavailable(error):
            raise
        return {"ok": False, "error": "evaluation", "message": f"{type(error).__name__}: {error}"}, b""
    return {"ok": True, "kind": done.kind, "format": done.format, "rows": done.rows, "truncated": done.truncated}, done.body


_statm: tuple[int, int] | None = None  # (pid, descriptor of its /proc/<pid>/statm), opened once per process


def resident_mb() -> float:
    """This process's resident memory (VmRSS), from /proc/self/statm, read through a descriptor kept open (after
    every job: opening the file took about ten times as long as reading it)."""
    global _statm
    if _statm is None or _statm[0] != os.getpid():
        _statm = (os.getpid(), os.open(f"/proc/{os.getpid()}/statm", os.O_RDONLY | os.O_CLOEXEC))
    return int(os.pread(_statm[1], 256, 0).split()[1]) * PAGE_BYTES / MB


def give_back_memory() -> None:
    """Return the heap's free pages to the system (glibc keeps them otherwise); nothing where there is no glibc."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def serve(in_fd: int, out_fd: int, sandboxed: bool, sandbox_problem: str, cache_budget_mb: float = CACHE_BUDGET_MB) -> None:
    pipes.write(out_fd, {"ready": True, "pid": os.getpid(), "sandboxed": sandboxed, "problem": sandbox_problem})
    store_path, store = None, None
    context: dict = {}  # the fields of pipes.CONTEXT the web process sent last (a job without them uses these)
    while True:
        try:
            job, _ = pipes.read(in_fd)
        except pipes.PipeClosed:
            return
        if job.pop("context", False):
            context = {name: job.get(name) for name in pipes.CONTEXT}
        else:
            job.update((name, value) for name, value in context.items() if name not in job)
        if job["store"] != store_path:
            store = None
            try:
                store = ox.Store.read_only(job["store"])
                store_path = job["store"]
            except OSError as error:
                store_path = None
                pipes.write(out_fd, {"ok": False, "error": "store", "message": f"cannot open the release store: {error}"})
                continue
        header, body = evaluate(store, job)
        over_budget = resident_mb() > cache_budget_mb
        if over_budget:
            header["caches_dropped"] = True
        pipes.write(out_fd, header, body)
        if over_budget:  # after the answer: the web process does not wait for this
            store_path, store = None, None
            give_back_memory()


def main() -> None:
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    memory_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    cache_budget_mb = float(sys.argv[3]) if len(sys.argv) > 3 else CACHE_BUDGET_MB
    sandbox.die_with_parent(parent)
    in_fd, out_fd = 0, os.dup(1)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the message stream
    try:
        sandbox.no_sockets()
        sandboxed, problem = True, ""
    except OSError as error:
        sandboxed, problem = False, str(error)
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    if memory_mb > 0:
        limit = STACK_BYTES + BASELINE_BYTES + memory_mb * MB
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    threading.stack_size(STACK_BYTES)
    thread = threading.Thread(target=serve, args=(in_fd, out_fd, sandboxed, problem, cache_budget_mb), name="query")
    thread.start()
    thread.join()


if __name__ == "__main__":
    main()
