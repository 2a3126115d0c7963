"""Search and reconciliation latency under concurrent load, on a generated corpus.

Generates synthetic articles (``newsfacts generate``), builds a release (or reuses one), serves it with
granian as in production, and for each scenario and number of connections sends requests for a fixed time,
reporting throughput and latency percentiles. The load comes from wrk (benchmarks/load.py: one event-loop
thread, a Lua script rotating through the scenario's requests, POST bodies included), so the client takes
little of the CPU the server is measured on; without wrk, from Python threads (one keep-alive connection each),
which compete with the server for the cores. Names are drawn from the release's own index (``--names`` of
them, rotated): whole names, and one in three a single word of a name (a partial name, often a word many
other names share).

    python benchmarks/find_benchmark.py --articles 24            # about 10k triples: a smoke run
    python benchmarks/find_benchmark.py --articles 2400          # about 1M triples: the target run

Target (issue 11): p99 <= 50 ms for a single-name reconciliation query at 8 connections, at 1M triples.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests
from load import Request, Server, free_port, run_wrk, wait_quiet

BIN = Path(sys.executable).parent
TARGET_P99_MS = 50.0
JSON_TYPE = "application/json"


def build(articles: int, folder: Path) -> tuple[Path, float]:
    releases = folder / "releases"
    if (releases / "current" / "manifest.json").exists():
        return releases, 0.0
    subprocess.run([str(BIN / "newsfacts"), "generate", "--articles", str(articles), "--out", str(folder / "data")],
                   check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([str(BIN / "newsfacts"), "build", "--facts-dir", str(folder / "data" / "facts"), "--sources-dir",
                    str(folder / "data" / "sources"), "--releases-dir", str(releases)], check=True, capture_output=True)
    return releases, time.perf_counter() - started


def names(releases: Path, count: int, seed: int = 11) -> list[str]:
    """Entity names of the release, some whole, some a single word of the name (a partial name)."""
    db = sqlite3.connect(releases / "current" / "search" / "index.sqlite")
    rows = [r[0] for r in db.execute("SELECT name FROM things WHERE kind = 'entity' ORDER BY id")]
    rng = random.Random(seed)
    picked = [rng.choice(rows) for _ in range(count)]
    return [name if i % 3 else rng.choice(name.split()) for i, name in enumerate(picked)]


def scenarios(sample: list[str]) -> dict[str, list[Request]]:
    """Each scenario: the requests the clients rotate through."""
    def form(queries: dict) -> str:
        return urlencode({"queries": json.dumps(queries, ensure_ascii=False)})

    single = [Request("/reconcile", JSON_TYPE, method="POST", body=form({"q0": {"query": n}})) for n in sample]
    batch = [Request("/reconcile", JSON_TYPE, method="POST", body=form({f"q{i}": {"query": n} for i, n in
                                                                       enumerate(sample[k:k + 10])}))
             for k in range(0, len(sample), 10)]
    search = [Request("/search.json?" + urlencode({"q": n}), JSON_TYPE) for n in sample]
    suggest = [Request("/reconcile/suggest/entity?" + urlencode({"prefix": n[:4]}), JSON_TYPE) for n in sample]
    return {"reconcile-single": single, "reconcile-batch-10": batch, "search": search, "suggest": suggest}


def run_threads(url: str, load: list[Request], connections: int, duration_s: float) -> dict:
    """The load from Python threads, when wrk is not installed (the threads share the cores with the server)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + duration_s

    def client(offset: int) -> None:
        session, mine, bad, i = requests.Session(), [], 0, offset
        while time.perf_counter() < stop:
            r = load[i % len(load)]
            i += 1
            headers = {"Accept": r.accept, **({"Content-Type": "application/x-www-form-urlencoded"} if r.body else {})}
            started = time.perf_counter()
            response = session.request(r.method, url + r.path, data=r.body, headers=headers, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
            bad += response.status_code != 200
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(k * 7,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 2)

    return {"connections": connections, "requests": len(latencies), "rps": round(len(latencies) / duration_s, 1),
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": round(latencies[-1], 2),
            "mean_ms": round(statistics.fmean(latencies), 2), "non_2xx_3xx": errors[0]}


def run_load(url: str, load: list[Request], connections: int, duration_s: float, server_pid: int, wrk_cpu: int | None) -> dict:
    if shutil.which("wrk"):
        figures = run_wrk(url, load, connections, duration_s, wrk_cpu, server_pid)
        if "error" in figures:
            raise SystemExit(f"wrk failed: {figures}")
        return {"client": "wrk", **figures}
    return {"client": "python-threads", **run_threads(url, load, connections, duration_s)}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=24, help="synthetic articles (24 ~ 10k triples, 2400 ~ 1M)")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the generated data and release here")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--workers", type=int, default=2, help="granian workers")
    parser.add_argument("--names", type=int, default=1000, help="distinct names the requests rotate through")
    parser.add_argument("--scenarios", nargs="+", help="only these scenarios (default: all)")
    parser.add_argument("--wrk-cpu", type=int, help="pin wrk to this core (default: not pinned)")
    parser.add_argument("--output", type=Path, help="write the results as JSON here")
    parser.add_argument("--quiet-wait-s", type=float, default=20, help="wait this long at most for the machine to go quiet")
    args = parser.parse_args()
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="find-benchmark-"))
    releases, build_s = build(args.articles, folder)
    manifest = json.loads((releases / "current" / "manifest.json").read_text())
    print(f"release: {manifest['triples']:,} triples, {args.articles} articles"
          + (f", built in {build_s:.1f} s" if build_s else " (reused)"))
    print(f"client: {'wrk' if shutil.which('wrk') else 'Python threads (wrk is not installed)'}; "
          f"{args.names} names rotated; load average before: {load_average()}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = Server("granian", [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                                "--workers", str(args.workers), "newsfacts.web.wsgi:app"], url + "/reconcile", JSON_TYPE,
                    folder / "server.log", env={"NEWSFACTS_RELEASES_DIR": str(releases), "PATH": f"{BIN}:{os.environ['PATH']}"},
                    timeout_s=120)
    results = {"triples": manifest["triples"], "articles": args.articles, "workers": args.workers, "names": args.names,
               "load_average_before": load_average(), "runs": []}
    try:
        for name, load in scenarios(names(releases, args.names)).items():
            if args.scenarios and name not in args.scenarios:
                continue
            run_load(url, load, 1, 1.0, server.pid, args.wrk_cpu)  # warm-up: indexes opened, pages cached
            for connections in args.connections:
                waited, other = wait_quiet(args.quiet_wait_s, besides=server.pid)
                figures = run_load(url, load, connections, args.duration, server.pid, args.wrk_cpu)
                results["runs"].append({"scenario": name, **figures, "other_load_cores_before": round(other, 2)})
                print(f"{name:20} c={connections:<3} {figures['rps']:>8} req/s  p50 {figures['p50_ms']:>7} ms  "
                      f"p99 {figures['p99_ms']:>7} ms  not 2xx {figures['non_2xx_3xx']}"
                      + (f"  cores: server {figures['server_cores']}, wrk {figures['wrk_cores']}, others {figures['other_cores']}"
                         if "server_cores" in figures else f"  (others used {other:.2f} cores before)"))
        results["load_average_after"] = load_average()
        print(f"load average after: {results['load_average_after']}")
        single = next((r for r in results["runs"] if r["scenario"] == "reconcile-single" and r["connections"] == 8), None)
        if single:
            met = single["p99_ms"] <= TARGET_P99_MS
            print(f"target: p99 of a single-name reconciliation at 8 connections <= {TARGET_P99_MS} ms: "
                  f"{single['p99_ms']} ms, {'met' if met else 'missed'} (at {manifest['triples']:,} triples)")
        if args.output:
            args.output.write_text(json.dumps(results, indent=1) + "\n")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
