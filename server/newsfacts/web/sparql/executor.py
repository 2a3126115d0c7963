"""Evaluating queries in a small pool of worker processes, with a timeout that really stops them.

pyoxigraph cannot cancel a query, so each query runs in a separate process
(worker.py) that the web process can kill. The pool of one web process holds
``query_workers`` regular workers and one spare:

- a query takes an idle regular worker and may run ``query_timeout_s``;
- when every regular worker is busy it takes the spare, for at most
  ``query_spare_timeout_s`` — so cheap queries are still answered while long
  ones run, and long ones cannot pile up;
- a query this pool last saw need longer than the spare allows (answered by a
  regular worker after longer, or stopped on the spare) no longer takes the
  spare, where it would only burn the spare's time and a worker restart to be
  stopped again: it queues for a regular worker instead, up to
  SLOW_QUEUE_WAIT_S, with at most SLOW_QUEUE_PER_WORKER such queries per
  regular worker waiting (beyond them, QUEUE_WAIT_S as below);
- when the spare is busy too, the query waits up to QUEUE_WAIT_S for a worker
  to come free (longer if one is being restarted), and is then refused (503,
  Retry-After): a burst of cheap queries queues briefly, slow ones cannot pile up;
  waiting queries are served in the order they came (a query arriving as a
  worker comes free does not take it from one that waits already);
- at the deadline the worker is killed (SIGKILL) — the CPU is freed at once —
  and a replacement is started in the background;
- a worker that dies (a crash in the engine) fails only its own query (500);
  it is replaced the same way, and an idle worker found dead is restarted.

Workers start lazily: the first query starts one and warms the others up in the
background. They are started from one long-lived thread so that their
parent-death signal fires only when the web process ends.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import pipes

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 30.0
RESTART_WAIT_S = 5.0  # how long a query waits for a worker being restarted, when no other is idle
QUEUE_WAIT_S = 0.5  # how long a query waits for a busy worker to come free before it is refused
SLOW_QUERIES_KEPT = 1024  # how many queries known to need longer than the spare allows a pool remembers
SLOW_QUEUE_WAIT_S = 10.0  # how long such a query may wait for a regular worker (it may not take the spare) …
FORGET_WITHIN = 0.5  # a query known to be slow is forgotten once answered within this share of the spare's limit
SLOW_QUEUE_PER_WORKER = 4  # … when fewer than this many per regular worker are waiting already (else QUEUE_WAIT_S)
PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])


class QueryTimeout(Exception):
    def __init__(self, seconds: float, spare: bool):
        super().__init__(f"stopped after {seconds:g} s")
        self.seconds, self.spare = seconds, spare


class WorkerCrashed(Exception):
    def __init__(self, returncode: int | None):
        self.returncode = returncode
        # the engine aborts the process when an allocation fails (the worker's memory limit)
        self.out_of_memory = returncode == -signal.SIGABRT
        name = ""
        if returncode is not None and returncode < 0:
            try:
                name = f" ({signal.Signals(-returncode).name})"
            except ValueError:
                name = ""
        super().__init__(f"the query worker stopped unexpectedly with status {returncode}{name}")


class WorkerUnavailable(Exception):
    pass


class PoolBusy(Exception):
    pass


class Worker:
    """One worker process (or none yet), regular or spare."""

    def __init__(self, spare: bool = False):
        self.spare = spare
        self.process: subprocess.Popen | None = None
        self.sandboxed = False
        self._context: tuple | None = None  # the CONTEXT fields the process holds (None: a new process holds none)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, spawner: ThreadPoolExecutor, memory_mb: int) -> None:
        self.stop()
        self.process = spawner.submit(_spawn, memory_mb).result()
        try:
            header, _ = pipes.read(self.process.stdout.fileno(), time.monotonic() + STARTUP_TIMEOUT_S)
        except (pipes.Deadline, pipes.PipeClosed) as error:
            self.stop()
            raise WorkerUnavailable(f"a query worker did not start ({type(error).__name__})") from error
        self.sandboxed = bool(header.get("sandboxed"))
        if not self.sandboxed:
            log.warning("query worker %s runs without the network sandbox: %s", self.pid, header.get("problem"))

    def run(self, job: dict, deadline: float) -> tuple[dict, bytes]:
        try:
            pipes.write(self.process.stdin.fileno(), self._sent(job))
        except OSError as error:
            raise pipes.PipeClosed() from error
        return pipes.read(self.process.stdout.fileno(), deadline)

    def _sent(self, job: dict) -> dict:
        """The job as sent: the fields of pipes.CONTEXT only when they differ from what this process last received (the
        worker keeps them: a lookup's job shrinks from about 1 KB of JSON to 200 bytes)."""
        context = tuple(map(job.get, pipes.CONTEXT))
        if context == self._context:  # the same objects, most often: compared by identity first
            sent = job.copy()
            for name in pipes.CONTEXT:
                sent.pop(name, None)
            return sent
        self._context = context
        return {**job, "context": True}

    def stop(self) -> int | None:
        """Kill the process (SIGKILL: no cleanup needed, the store is read-only) and reap it."""
        process, self.process = self.process, None
        self._context = None
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        returncode = process.wait()
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        return returncode


def _spawn(memory_mb: int) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen([sys.executable, "-m", "newsfacts.web.sparql.worker", str(os.getpid()), str(memory_mb)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)


class _Waiter:
    """A query in the pool's queue."""

    __slots__ = ("spare_allowed",)

    def __init__(self, spare_allowed: bool):
        self.spare_allowed = spare_allowed


class QueryPool:
    def __init__(self, size: int, spare: bool = True, memory_mb: int = 0):
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)
        self._restarting = 0
        self._regular = [Worker() for _ in range(max(1, size))]
        self._spare = [Worker(spare=True)] if spare else []
        self._workers = self._regular + self._spare
        self._idle_regular = list(self._regular)
        self._idle_spare = list(self._spare)
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-spawner")
        self._warming = False
        self._closed = False
        self._slow: collections.OrderedDict[int, None] = collections.OrderedDict()  # keys of queries too slow for the spare
        self._queued_slow = 0  # such queries waiting for a regular worker
        self._waiting: list[_Waiter] = []  # the queries in _acquire, in the order they came

    def run(self, job: dict, timeout: float, spare_timeout: float) -> tuple[dict, bytes]:
        """Evaluate a job; raises PoolBusy, QueryTimeout, WorkerCrashed or WorkerUnavailable."""
        key = _job_key(job) if self._slow else None  # made only when needed: about 10-40 µs, a tenth of a lookup
        worker = self._acquire(spare_allowed=key is None or not self.known_slow(key))
        limit = min(timeout, spare_timeout) if worker.spare else timeout
        try:
            if not worker.alive():
                worker.start(self._spawner, self.memory_mb)
            started = time.monotonic()
            header, body = worker.run(job, started + limit)
        except pipes.Deadline:
            worker.stop()
            self._replace(worker)
            if worker.spare:  # stopped at the spare's limit (one stopped at the regular limit is refused either way)
                self._remember_slow(_job_key(job) if key is None else key)
            raise QueryTimeout(limit, worker.spare and limit < timeout) from None
        except pipes.PipeClosed:
            returncode = worker.stop()
            self._replace(worker)
            raise WorkerCrashed(returncode) from None
        except BaseException:
            worker.stop()
            self._release(worker)
            raise
        self._release(worker)
        if self._spare:  # the latest run decides: slower than the spare allows, or well within it (a busy moment passed)
            elapsed = time.monotonic() - started
            if elapsed > spare_timeout:
                self._remember_slow(_job_key(job) if key is None else key)
            elif key is not None and elapsed <= spare_timeout * FORGET_WITHIN:
                self._forget_slow(key)
        return header, body

    def known_slow(self, key: int) -> bool:
        """Whether the query of this key needed longer than the spare allows when it last ran here."""
        with self._lock:
            return key in self._slow

    def _remember_slow(self, key: int) -> None:
        with self._lock:
            self._slow[key] = None
            self._slow.move_to_end(key)
            if len(self._slow) > SLOW_QUERIES_KEPT:
                self._slow.popitem(last=False)

    def _forget_slow(self, key: int) -> None:
        with self._lock:
            self._slow.pop(key, None)

    def _acquire(self, spare_allowed: bool = True) -> Worker:
        started = time.monotonic()
        with self._lock:
            # a query barred from the spare may queue longer for a regular worker, a few at a time
            queued = not spare_allowed and self._queued_slow < SLOW_QUEUE_PER_WORKER * len(self._regular)
            wait = SLOW_QUEUE_WAIT_S if queued else QUEUE_WAIT_S
            self._queued_slow += queued
            ticket = _Waiter(spare_allowed)
            self._waiting.append(ticket)
            try:
                while not self._turn(ticket) and not self._closed:
                    # wait a moment for a busy worker to finish (longer while one is being restarted), then refuse
                    deadline = started + (max(wait, RESTART_WAIT_S) if self._restarting else wait)
                    if time.monotonic() >= deadline:
                        break
                    self._released.wait(deadline - time.monotonic())
            finally:
                self._queued_slow -= queued
                self._waiting.remove(ticket)
                if self._waiting and (self._idle_regular or self._idle_spare):
                    self._released.notify_all()  # one who gave up may have stood before others in the queue
            if self._closed:
                raise WorkerUnavailable("the query pool is shut down")
            if self._idle_regular:
                worker = self._idle_regular.pop()
            elif spare_allowed and self._idle_spare:
                worker = self._idle_spare.pop()
            else:
                worker = None
            start_warming = not self._warming
            self._warming = True
        if worker is None:
            raise PoolBusy()
        if start_warming:
            threading.Thread(target=self._warm_up, name="sparql-warm-up", daemon=True).start()
        return worker

    def _turn(self, ticket: _Waiter) -> bool:
        """Whether an idle worker this query may take is left once every query that came before it and still waits
        has taken one (in the order and by the rule of _acquire): queries wait in turn, and one that arrives as a
        worker comes free does not take it from one that has been waiting."""
        regular, spare = len(self._idle_regular), len(self._idle_spare)
        for waiter in self._waiting:
            if waiter is ticket:
                return regular > 0 or (ticket.spare_allowed and spare > 0)
            if regular:
                regular -= 1
            elif waiter.spare_allowed and spare:
                spare -= 1
        return False

    def _release(self, worker: Worker, restarted: bool = False) -> None:
        with self._lock:
            (self._idle_spare if worker.spare else self._idle_regular).append(worker)
            if restarted:
                self._restarting -= 1
            self._released.notify_all()  # every waiter looks again: some may not take the spare

    def _replace(self, worker: Worker) -> None:
        """Start a new process for this slot in the background, then make it available again."""
        with self._lock:
            self._restarting += 1

        def restart():
            try:
                if not self._closed:
                    worker.start(self._spawner, self.memory_mb)
            except Exception:  # the slot is released dead: the next query that takes it retries the start
                if self._closed:  # the web process is stopping: a worker that cannot start now is no news
                    return
                log.exception("could not restart a query worker")
            finally:
                self._release(worker, restarted=True)

        threading.Thread(target=restart, name="sparql-restart", daemon=True).start()

    def _warm_up(self) -> None:
        for _ in range(len(self._workers)):
            with self._lock:
                idle = self._idle_regular + self._idle_spare
                cold = next((w for w in idle if not w.alive()), None)
                if cold is None or self._closed:
                    return
                (self._idle_spare if cold.spare else self._idle_regular).remove(cold)
            try:
                cold.start(self._spawner, self.memory_mb)
            except Exception:
                log.exception("could not start a query worker")
            finally:
                self._release(cold)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._released.notify_all()
        for worker in self._workers:
            worker.stop()
        self._spawner.shutdown(wait=False)


def _job_key(job: dict) -> int:
    """What makes one query as slow as another: its text, base IRI, prefixes and dataset (not the result format)."""
    return hash(tuple(_frozen(job.get(name)) for name in ("query", "base_iri", "query_prefixes", "dataset")))


def _frozen(value):
    """A hashable value equal for equal JSON-like values (a set of graph names in any order included)."""
    if isinstance(value, dict):
        return frozenset((key, _frozen(item)) for key, item in value.items())
    if isinstance(value, (set, frozenset)):
        return frozenset(_frozen(item) for item in value)
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value


_pools: dict[tuple[int, int], QueryPool] = {}
_pools_lock = threading.Lock()


def pool_for(owner: object, size: int, spare: bool, memory_mb: int = 0) -> QueryPool:
    """The pool of this process for an app (a forked web worker gets its own)."""
    key = (os.getpid(), id(owner))
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = QueryPool(size, spare, memory_mb)
        return pool


@atexit.register
def _close_pools() -> None:
    for (pid, _), pool in list(_pools.items()):
        if pid == os.getpid():
            pool.close()
