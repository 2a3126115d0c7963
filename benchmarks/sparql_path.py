"""Where the time of the SPARQL path goes: cheap lookups and the query mix, newsfacts (granian, default settings)
against `oxigraph serve-read-only` on the same store, one after the other in one run, with the CPU each process
of our tree spent per request and the memory (RSS, PSS, private) of each process after the load.

    python benchmarks/sparql_path.py RELEASES_DIR [--duration 5] [--connections 8] [--scenarios lookup,mix]
    python benchmarks/sparql_path.py RELEASES_DIR --in-process 3000   # the web side of a lookup, in this process

RELEASES_DIR holds a built release (`current`), e.g. from newsfacts.synthetic.generate(folder, 240) (100k triples)
and `newsfacts build`. Lookups rotate over 50 entities (`SELECT ?p ?o WHERE { <entity> ?p ?o }`); the mix is
benchmarks/queries/*.rq. wrk (Debian package) drives the load; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import requests
from peers_benchmark import LUA, query_mix  # the same wrk script and query mix as the peers benchmark

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SPARQL_JSON = "application/sparql-results+json"
SCENARIOS = ("lookup", "mix", "each")  # "each": every query of the mix alone, one after the other
LOOKUP = "SELECT ?p ?o WHERE { <https://newsfacts.example/entity/synthetic-%d> ?p ?o }"


def lookups(endpoint: str) -> list[tuple[str, str]]:
    return [(f"{endpoint}?{urlencode({'query': LOOKUP % i})}", SPARQL_JSON) for i in range(50)]


def wrk(root: str, load: list[tuple[str, str]], connections: int, duration: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % (", ".join(json.dumps(p) for p, _ in load), ", ".join(json.dumps(a) for _, a in load)))
    try:
        out = subprocess.run(["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration}s",
                              "--timeout", "30s", "-s", script.name, root], capture_output=True, text=True).stdout
    finally:
        os.unlink(script.name)
    done, micros, p50, _, p99, errors = (int(x) for x in next(r for r in out.splitlines() if r.startswith("RESULT")).split()[1:])
    return {"rps": done / (micros / 1e6), "p50_ms": p50 / 1000, "p99_ms": p99 / 1000, "errors": errors, "requests": done}


def tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except OSError:
                continue
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def kind_of(pid: int, root: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_text()
    return "query worker" if "sparql.worker" in command else ("main" if pid == root else "web worker")


REAPED_KIND = {"main": "web worker", "web worker": "query worker"}  # whose CPU a process's reaped children spent


def cpu_s(root: int) -> dict[int | tuple[int, str], tuple[str, float]]:
    """CPU seconds of each process of the tree, and (key (pid, "reaped")) of its children reaped so far: a query
    worker killed at its time limit takes its CPU time into its web worker's cutime."""
    out: dict = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            kind = kind_of(pid, root)
            out[pid] = (kind, (int(fields[11]) + int(fields[12])) / tick)
            if kind in REAPED_KIND:
                out[(pid, "reaped")] = (REAPED_KIND[kind], (int(fields[13]) + int(fields[14])) / tick)
        except OSError:
            continue
    return out


def memory(root: int) -> list[dict]:
    rows = []
    for pid in tree(root):
        try:
            rollup = {line.split(":")[0]: int(line.split()[1]) // 1024
                      for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines() if line.endswith("kB")}
            rows.append({"pid": pid, "kind": kind_of(pid, root), "rss_mb": rollup["Rss"], "pss_mb": rollup["Pss"],
                         "private_mb": rollup["Private_Dirty"] + rollup.get("Private_Clean", 0)})
        except OSError:
            continue
    return rows


def _spent(process: subprocess.Popen, before: dict, requests_done: int) -> dict[str, float]:
    """CPU per request (ms) of each kind of process of the tree since ``before`` (cpu_s)."""
    spent: dict[str, float] = {}
    after = cpu_s(process.pid)
    for kind, seconds in after.values():
        spent[kind] = spent.get(kind, 0.0) + seconds
    for kind, seconds in before.values():  # a process gone since counts in its parent's reaped time
        spent[kind] = spent.get(kind, 0.0) - seconds
    return {k: round(v * 1e3 / max(requests_done, 1), 3) for k, v in spent.items()}


def each_query(process: subprocess.Popen, root: str, endpoint: str, connections: int, duration: int) -> dict:
    """Every query of the mix alone for ``duration`` s after 1 s of warm-up: req/s, latency, answers not 2xx, CPU
    per request."""
    figures = {}
    names = [path.stem for path in sorted((HERE / "queries").glob("*.rq"))]  # the order of query_mix
    for name, (path, accept) in zip(names, query_mix(endpoint), strict=True):
        wrk(root, [(path, accept)], connections, 1)  # warm-up: workers stopped during the mix restarted first
        before = cpu_s(process.pid)
        figures[name] = wrk(root, [(path, accept)], connections, duration)
        figures[name]["cpu_ms_per_request"] = _spent(process, before, figures[name]["requests"])
    return figures


def wait_for_sparql(endpoint_url: str, limit_s: float = 60.0) -> None:
    """Until the SPARQL endpoint answers an ASK (a server just started), at most ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{endpoint_url}?query=ASK%7B%7D", headers={"Accept": SPARQL_JSON}, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)


def measure(command: list[str], root: str, endpoint: str, connections: int, duration: int,
            scenarios: tuple[str, ...] = SCENARIOS, each_connections: int = 2, each_duration: int = 3) -> dict:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_sparql(root + endpoint)
        figures = {}
        for scenario, load in (("lookup", lookups(endpoint)), ("mix", query_mix(endpoint))):
            if scenario not in scenarios:
                continue
            for path, accept in load:
                assert requests.get(root + path, headers={"Accept": accept}, timeout=60).status_code == 200, path
            if scenario == "lookup":
                wrk(root, load, connections, 2)  # warm-up: every query worker started
            before = cpu_s(process.pid)
            figures[scenario] = wrk(root, load, connections, duration)
            figures[scenario]["cpu_ms_per_request"] = _spent(process, before, figures[scenario]["requests"])
        if "each" in scenarios:
            figures["each"] = each_query(process, root, endpoint, each_connections, each_duration)
        figures["memory"] = memory(process.pid)
        return figures
    finally:
        process.terminate()
        process.wait(20)


def in_process(releases_dir: Path, count: int) -> None:
    """The web side of a lookup without an HTTP server: WSGI calls on the app in this process (real query workers),
    CPU per lookup (this process only), the pool's part of it (the same job run through the pool alone), and a bare
    Flask route for comparison. Three rounds; the load of other processes moves these figures little."""
    from flask import Flask

    from newsfacts.web.app import create_app
    from newsfacts.web.sparql import executor

    app = create_app({"releases_dir": str(releases_dir)})
    bare = Flask("bare")
    bare.add_url_rule("/sparql", "bare", lambda: "ok")
    texts = [urlencode({"query": LOOKUP % i}) for i in range(50)]

    def call(target, query_string: str) -> bytes:
        environ = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/sparql", "QUERY_STRING": query_string,
                   "REQUEST_URI": "/sparql?" + query_string, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": SPARQL_JSON,
                   "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr}
        statuses = []
        body = b"".join(target(environ, lambda status, headers, exc_info=None: statuses.append(status)))
        assert statuses == ["200 OK"], statuses
        return body

    jobs = []
    run = executor.QueryPool.run
    executor.QueryPool.run = lambda pool, job, *limits: jobs.append(job) or run(pool, job, *limits)
    for i in range(200):  # the workers started, the job of a lookup kept
        call(app, texts[i % 50])
    executor.QueryPool.run = run
    settings = app.config["NEWSFACTS"]
    pool = executor.pool_for(app, settings.query_workers, settings.query_spare_timeout_s > 0, settings.query_memory_mb)

    def cpu_ms(step) -> float:
        started = time.process_time()
        for i in range(count):
            step(i)
        return (time.process_time() - started) * 1e3 / count

    def workers_ms() -> float:
        return sum(seconds for kind, seconds in cpu_s(os.getpid()).values() if kind == "query worker") * 1e3

    for _ in range(3):
        before = workers_ms()
        whole = cpu_ms(lambda i: call(app, texts[i % 50]))
        in_workers = (workers_ms() - before) / count
        hop = cpu_ms(lambda i: pool.run(jobs[-1], settings.query_timeout_s, settings.query_spare_timeout_s))
        flask_only = cpu_ms(lambda i: call(bare, ""))
        print(f"in-process CPU per lookup {whole:.3f} ms: the pool (job written, answer read) {hop:.3f} ms, the rest "
              f"{whole - hop:.3f} ms; a bare Flask route {flask_only:.3f} ms; the query workers {in_workers:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("releases_dir", type=Path)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="which to run, comma-separated: lookup, mix")
    parser.add_argument("--each-connections", type=int, default=2, help="connections for each query alone (scenario each)")
    parser.add_argument("--each-duration", type=int, default=3, help="seconds for each query alone (scenario each)")
    parser.add_argument("--in-process", type=int, default=0, metavar="N",
                        help="instead: N lookups as WSGI calls in this process, CPU per lookup split (no server, no wrk)")
    args = parser.parse_args()
    if args.in_process:
        in_process(args.releases_dir, args.in_process)
        return
    scenarios = tuple(name for name in SCENARIOS if name in args.scenarios.split(","))
    store = (args.releases_dir / "current").resolve() / "store"
    port = 18000 + os.getpid() % 1000
    load_before = os.getloadavg()
    ours = measure([str(BIN / "newsfacts"), "serve", "--releases-dir", str(args.releases_dir), "--port", str(port)],
                   f"http://127.0.0.1:{port}", "/sparql", args.connections, args.duration, scenarios,
                   args.each_connections, args.each_duration)
    theirs = measure([str(BIN / "oxigraph"), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port + 1}",
                      "--union-default-graph"], f"http://127.0.0.1:{port + 1}", "/query", args.connections, args.duration,
                     scenarios, args.each_connections, args.each_duration)
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; c={args.connections}, {args.duration} s")
    for scenario in (name for name in scenarios if name != "each"):
        a, b = ours[scenario], theirs[scenario]
        print(f"{scenario:7} newsfacts {a['rps']:7.0f} req/s p50 {a['p50_ms']:6.1f} p99 {a['p99_ms']:6.1f} errors {a['errors']}"
              f" | oxigraph {b['rps']:7.0f} req/s p50 {b['p50_ms']:6.1f} p99 {b['p99_ms']:6.1f}"
              f" | {a['rps'] / b['rps']:.2f}x, p99 {a['p99_ms'] / max(b['p99_ms'], 0.001):.1f}x")
        print(f"        CPU ms per request: newsfacts {a['cpu_ms_per_request']}; oxigraph {b['cpu_ms_per_request']}")
    if "each" in scenarios:
        print(f"each query alone, c={args.each_connections}, {args.each_duration} s: req/s, p50 ms, answers not 2xx, CPU ms per "
              "request (ours: web + query worker)")
        for name, a in ours["each"].items():
            b, cpu = theirs["each"][name], a["cpu_ms_per_request"]
            print(f"  {name:22} newsfacts {a['rps']:7.1f} p50 {a['p50_ms']:7.1f} errors {a['errors']:3} CPU "
                  f"{cpu.get('web worker', 0):6.2f} + {cpu.get('query worker', 0):7.2f} | oxigraph {b['rps']:7.1f} p50 "
                  f"{b['p50_ms']:7.1f} CPU {sum(b['cpu_ms_per_request'].values()):7.2f} | {a['rps'] / max(b['rps'], 1e-9):.2f}x")
    for row in ours["memory"]:
        print(f"  {row['kind']:12} pid {row['pid']:>7}  RSS {row['rss_mb']:4} MB  PSS {row['pss_mb']:4} MB"
              f"  private {row['private_mb']:4} MB")
    print(f"newsfacts tree: RSS {sum(r['rss_mb'] for r in ours['memory'])} MB, PSS {sum(r['pss_mb'] for r in ours['memory'])} MB;"
          f" oxigraph: RSS {sum(r['rss_mb'] for r in theirs['memory'])} MB")


if __name__ == "__main__":
    main()
