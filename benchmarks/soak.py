"""Soak: minutes of mixed traffic against the production server, watching its memory and every status code.

Starts granian (2 workers, as in production) on a release (the shipped facts built into a temporary folder,
a generated set with --articles, or an existing --releases-dir), then for --seconds sends, from --clients
concurrent clients:

- documents (75%): entity, event, claim and article IRIs in every format, each with a random query string
  (unknown parameters must not grow the per-process document cache), following the 303 to the document;
- cheap SPARQL queries (18%): the shipped example queries and small lookups;
- heavy SPARQL queries (6%): a cross product that runs into the query timeout (503) or is answered;
- pathological requests (1%): operator chains, deep nesting, SERVICE, updates, oversized queries, bad
  percent-encoding — all must be refused with a 4xx.

The whole server process tree's memory (RSS and PSS) is sampled every --sample-every seconds. It prints the
memory after the warm-up, at the end and their ratio, and the count of every status code by kind of request.
It fails (exit 1) on any unexpected answer (a 5xx other than 503, a 4xx for a request that is not pathological,
a 2xx for one that is, a connection error) or when memory at the end exceeds the warm-up level by more than
--max-growth.

    python benchmarks/soak.py                       # 5 minutes on the shipped facts
    python benchmarks/soak.py --seconds 30          # a quick check that it works
    python benchmarks/soak.py --articles 2000 --json soak.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Server, free_port, tree_memory_mb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUERIES = ROOT / "server" / "newsfacts" / "queries"
FORMATS = ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml", "text/html"]
ACCEPT_ANY_RESULT = "application/sparql-results+json, text/turtle;q=0.9"

CHEAP = [
    "ASK { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s a ?type } LIMIT 10",
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 20",
]
HEAVY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT ?s ?o WHERE { ?s ?p ?o . ?o ?q ?r FILTER(REGEX(STR(?r), \"^(a+)+$\")) }",
]
# Each with the answers it may get: the guard refuses most before any worker is taken (a 4xx, even when every
# worker is busy); a syntax error is found by the engine, in a worker, so when all are busy it may get 503 first.
REFUSED, PARSED = frozenset(range(400, 500)), frozenset(range(400, 500)) | {503}
PATHOLOGICAL = [
    ("sparql", "ASK { FILTER(" + "||".join(["1"] * 21000) + ") }", REFUSED),
    ("sparql", "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }", REFUSED),
    ("sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", REFUSED),
    ("sparql", "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }", REFUSED),
    ("sparql", "ASK { ?s ?p " + ",".join(["1"] * 30000) + " }", REFUSED),
    ("sparql", "ASK {} #" + "x" * 70000, REFUSED),
    ("sparql", "SELECT WHERE {", PARSED),
    ("path", "/sparql?query=%FF%FE", REFUSED),
]


def prepare_release(args, workdir: Path) -> Path:
    """A releases folder with a current release: the given one, or the shipped (or generated) facts built."""
    if args.releases_dir:
        return Path(args.releases_dir).resolve()
    releases = workdir / "releases"
    command = [str(BIN / "newsfacts"), "build", "--releases-dir", str(releases)]
    if args.articles:
        subprocess.run([str(BIN / "newsfacts"), "generate", "--articles", str(args.articles), "--out", str(workdir / "data")],
                       check=True, capture_output=True)
        command += ["--facts-dir", str(workdir / "data" / "facts"), "--sources-dir", str(workdir / "data" / "sources")]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the build failed:\n{done.stderr[-2000:]}")
    return releases


def document_paths(releases: Path, limit: int = 5000) -> list[str]:
    """Server paths of the subjects of the current release (IRIs under its base IRI)."""
    current = (releases / "current").resolve()
    base = json.loads((current / "manifest.json").read_text())["base_iri"]
    store = ox.Store.read_only(str(current / "store"))
    paths = []
    for row in store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), \"{base}\")) }} "
                           f"LIMIT {limit}"):
        iri = row["s"].value
        if "#" not in iri:
            paths.append("/" + iri[len(base):])
    return paths or ["/"]


def random_query_string(rng: random.Random) -> str:
    length = rng.choice([8, 64, 512, 4096])
    key = "".join(rng.choices(string.ascii_lowercase, k=6))
    return f"?{key}=" + "".join(rng.choices(string.ascii_letters + string.digits, k=length))


class Traffic:
    """Clients sending the mix until told to stop; counts (kind, status) and the unexpected answers."""

    def __init__(self, url: str, paths: list[str], seed: int):
        self.url, self.paths, self.seed = url, paths, seed
        self.counts: Counter = Counter()
        self.unexpected: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.cheap = CHEAP + [p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq"))]

    def run_client(self, number: int) -> None:
        rng = random.Random(self.seed * 1000 + number)
        session = requests.Session()
        while not self.stop.is_set():
            roll = rng.random()
            kind = "pathological" if roll < 0.01 else "heavy" if roll < 0.07 else "cheap" if roll < 0.25 else "document"
            send, allowed = self._request(kind, rng)
            try:
                try:
                    response = send(session)
                except requests.ConnectionError:
                    # a kept-alive connection the server closed as the request went out: counted, and sent once
                    # more on a new connection (a server that really failed fails again)
                    self._record("reconnected", "connection reset")
                    session = requests.Session()
                    response = send(session)
                status = response.status_code
                response.close()
            except requests.RequestException as exc:
                status = f"error: {type(exc).__name__}"
            self._record(kind, status, allowed)

    def _sparql(self, session: requests.Session, text: str) -> requests.Response:
        return session.post(self.url + "/sparql", data=text.encode("utf-8"),
                            headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT_ANY_RESULT}, timeout=60)

    def _request(self, kind: str, rng: random.Random):
        """What to send (a function of the session) and, for a pathological request, the answers it may get."""
        if kind == "pathological":
            how, text, allowed = rng.choice(PATHOLOGICAL)
            if how == "path":
                return functools.partial(self._get, text, None), allowed
            return functools.partial(self._sparql_with, text), allowed
        if kind in ("heavy", "cheap"):
            return functools.partial(self._sparql_with, rng.choice(HEAVY if kind == "heavy" else self.cheap)), None
        return functools.partial(self._get, rng.choice(self.paths) + random_query_string(rng), rng.choice(FORMATS)), None

    def _get(self, path: str, accept: str | None, session: requests.Session) -> requests.Response:
        return session.get(self.url + path, headers={"Accept": accept} if accept else {}, timeout=60)

    def _sparql_with(self, text: str, session: requests.Session) -> requests.Response:
        return self._sparql(session, text)

    def _record(self, kind: str, status, allowed: frozenset | None = None) -> None:
        expected = kind == "reconnected" or isinstance(status, int) and (
            (kind == "pathological" and status in allowed)
            or (kind in ("cheap", "heavy") and status in (200, 503))
            or (kind == "document" and (200 <= status < 400 or status == 503)))
        with self.lock:
            self.counts[(kind, str(status))] += 1
            if not expected and len(self.unexpected) < 50:
                self.unexpected.append(f"{kind}: {status}")
            if not expected:
                self.counts[("unexpected", "total")] += 1


def sample_memory(pid: int, every_s: float, stop: threading.Event, samples: list) -> None:
    started = time.monotonic()
    while not stop.is_set():
        samples.append({"t": round(time.monotonic() - started, 1), **tree_memory_mb(pid)})
        stop.wait(every_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="length of the traffic, after the warm-up (300)")
    parser.add_argument("--warmup", type=float, default=30, help="seconds of the same traffic before the baseline (30)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes (2, as in production)")
    parser.add_argument("--articles", type=int, default=0, help="serve this many generated articles, not the shipped facts")
    parser.add_argument("--releases-dir", help="serve this releases folder's current release instead of building one")
    parser.add_argument("--sample-every", type=float, default=2.0, help="seconds between memory samples (2)")
    parser.add_argument("--max-growth", type=float, default=0.10, help="fail when memory grows more than this (0.10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the figures and samples to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsfacts-soak-") as tmp:
        workdir = Path(tmp)
        releases = prepare_release(args, workdir)
        paths = document_paths(releases)
        port = free_port()
        env = {"NEWSFACTS_RELEASES_DIR": str(releases), "NEWSFACTS_PORT": str(port)}
        server = Server("granian", [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", str(args.workers), "newsfacts.web.wsgi:app"],
                        f"http://127.0.0.1:{port}/", "text/html", workdir / "server.log", env=env)
        traffic = Traffic(f"http://127.0.0.1:{port}", paths, args.seed)
        samples: list[dict] = []
        sampling = threading.Event()
        try:
            started = tree_memory_mb(server.pid)
            sampler = threading.Thread(target=sample_memory, args=(server.pid, args.sample_every, sampling, samples),
                                       daemon=True)
            sampler.start()
            clients = [threading.Thread(target=traffic.run_client, args=(n,), daemon=True) for n in range(args.clients)]
            for client in clients:
                client.start()
            time.sleep(args.warmup)
            warm = tree_memory_mb(server.pid)
            warm_at = len(samples)
            time.sleep(args.seconds)
            traffic.stop.set()
            for client in clients:
                client.join(timeout=90)
            end = tree_memory_mb(server.pid)
        finally:
            sampling.set()
            server.stop()
            log_tail = (workdir / "server.log").read_text(errors="replace")[-3000:]

    after_warmup = samples[warm_at:] or [end]
    ratio = end["rss_mb"] / warm["rss_mb"] if warm["rss_mb"] else float("nan")
    requests_sent = sum(n for (kind, _), n in traffic.counts.items() if kind != "unexpected")
    print(f"soak: {args.seconds:g} s after a {args.warmup:g} s warm-up, {args.clients} clients, {args.workers} workers, "
          f"{len(paths)} document paths, {requests_sent} requests ({requests_sent / (args.seconds + args.warmup):.1f}/s)")
    print(f"memory (RSS of the server's process tree): at start {started['rss_mb']} MB, after warm-up {warm['rss_mb']} MB, "
          f"at the end {end['rss_mb']} MB, highest after warm-up {max(s['rss_mb'] for s in after_warmup)} MB; "
          f"end / warm-up = {ratio:.3f}")
    print(f"memory (PSS): after warm-up {warm['pss_mb']} MB, at the end {end['pss_mb']} MB; "
          f"median after warm-up {statistics.median(s['pss_mb'] for s in after_warmup)} MB")
    print("status codes:")
    for (kind, status), count in sorted(traffic.counts.items()):
        if kind != "unexpected":
            print(f"  {kind:13} {status:>24} {count}")
    failed = False
    if traffic.unexpected:
        failed = True
        print(f"UNEXPECTED answers: {traffic.counts[('unexpected', 'total')]} (first ones: {traffic.unexpected[:10]})")
        print("server log (end):\n" + log_tail)
    if ratio > 1 + args.max_growth:
        failed = True
        print(f"MEMORY GREW by {(ratio - 1) * 100:.1f}% after the warm-up (allowed: {args.max_growth * 100:.0f}%)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "seconds": args.seconds, "warmup_s": args.warmup, "clients": args.clients, "workers": args.workers,
            "memory": {"start": started, "warm": warm, "end": end, "ratio": round(ratio, 4)}, "samples": samples,
            "counts": {f"{k} {s}": n for (k, s), n in sorted(traffic.counts.items())}, "unexpected": traffic.unexpected,
        }, indent=2) + "\n", encoding="utf-8")
    print("soak: FAILED" if failed else "soak: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
