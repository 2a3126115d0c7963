"""Serving benchmark, side by side with the peers: newsfacts (granian, 2 workers) against
`oxigraph serve-read-only` and rdflib-endpoint, on the same data, same machine, same load tool (wrk).

    python benchmarks/peers_benchmark.py                       # 10k, 100k and 1M triples, 5 s per measurement
    python benchmarks/peers_benchmark.py --sizes 10k --duration 2
    python benchmarks/peers_benchmark.py --rdflib-endpoint /path/to/venv/bin/rdflib-endpoint

For each size it generates synthetic articles (newsfacts.synthetic), builds a release with `newsfacts build`
(stage timings from the manifest), then runs one server at a time:
- newsfacts: cold start (process start to the first answered document), resident memory of the whole process
  tree after the load, documents (Turtle, JSON-LD, HTML of a popular and a rare entity) and the SPARQL mix of
  benchmarks/queries/*.rq, at 1, 8 and 32 connections;
- oxigraph serve-read-only on the same store: the SPARQL mix;
- rdflib-endpoint on the Turtle dump of the same release: the SPARQL mix, and DESCRIBE of the same entities as
  the counterpart of our documents.
wrk (Debian package) drives the load, cycling through the URLs of a scenario; its Lua hook prints the
percentiles. Prints tables and ratios; writes JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
ARTICLES = {"10k": 24, "100k": 240, "1m": 2400, "10m": 24000}
CONNECTIONS = (1, 8, 32)
BASE = "https://newsfacts.example/"
SPARQL_JSON = "application/sparql-results+json"
LUA = """
local paths = {%s}
local accepts = {%s}
local i = math.random(#paths)
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Accept"] = accepts[i]})
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.timeout + summary.errors.read
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), errors))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(current, []))
    return total / 1024


class Server:
    def __init__(self, command: list[str], probe: str, accept: str, env: dict | None = None, timeout: float = 600):
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, env=dict(os.environ, **(env or {})), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = self.started + timeout
        while True:
            try:
                if requests.get(probe, headers={"Accept": accept}, timeout=5).status_code < 500:
                    break
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"{command[0]} did not start")
            time.sleep(0.02)
        self.cold_start_s = time.perf_counter() - self.started

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wrk(url_root: str, requests_: list[tuple[str, str]], connections: int, duration: int) -> dict:
    """Load for ``duration`` seconds, cycling through (path, Accept) pairs."""
    script = Path(tempfile.mktemp(suffix=".lua"))
    script.write_text(LUA % (", ".join(json.dumps(p) for p, _ in requests_), ", ".join(json.dumps(a) for _, a in requests_)))
    try:
        out = subprocess.run(["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration}s",
                              "--timeout", "30s", "-s", str(script), url_root], capture_output=True, text=True,
                             timeout=duration + 60).stdout
    finally:
        script.unlink(missing_ok=True)
    line = next((row for row in out.splitlines() if row.startswith("RESULT")), None)
    if line is None:
        return {"rps": 0.0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "errors": -1}
    requests_done, micros, p50, p95, p99, errors = (int(x) for x in line.split()[1:])
    return {"rps": requests_done / (micros / 1e6), "p50_ms": p50 / 1000, "p95_ms": p95 / 1000, "p99_ms": p99 / 1000,
            "errors": errors, "requests": requests_done}


def query_mix(endpoint_path: str) -> list[tuple[str, str]]:
    """The queries of benchmarks/queries as (URL path, Accept): results as SPARQL JSON, graphs as Turtle."""
    mix = []
    for path in sorted((HERE / "queries").glob("*.rq")):
        text = path.read_text()
        accept = "text/turtle" if "\nDESCRIBE" in text or "\nCONSTRUCT" in text else SPARQL_JSON
        mix.append((f"{endpoint_path}?{urlencode({'query': text})}", accept))
    return mix


def check_paths(root: str, requests_: list[tuple[str, str]]) -> list[str]:
    """The paths that do not answer 200 (a benchmark of errors would be meaningless)."""
    return [p for p, a in requests_ if requests.get(root + p, headers={"Accept": a}, timeout=120).status_code != 200]


def measure(name: str, root: str, scenarios: dict, duration: int, results: dict, pid: int | None = None) -> None:
    for scenario, requests_ in scenarios.items():
        failing = check_paths(root, requests_)
        if failing:
            print(f"  {name} {scenario}: n/a ({len(failing)} of {len(requests_)} URLs fail, e.g. {failing[0][:80]})")
            continue
        for connections in CONNECTIONS:
            figures = wrk(root, requests_, connections, duration)
            results.setdefault(scenario, {})[f"{name}@{connections}"] = figures
            print(f"  {name:>16} {scenario:>10} c={connections:<3} {figures['rps']:>9.0f} req/s  p50 {figures['p50_ms']:>7.1f} ms"
                  f"  p95 {figures['p95_ms']:>7.1f}  p99 {figures['p99_ms']:>7.1f}  errors {figures['errors']}", flush=True)
    if pid:
        results.setdefault("rss_mb", {})[name] = tree_rss_mb(pid)


def build(size: str, folder: Path) -> tuple[Path, dict]:
    sys.path.insert(0, str(HERE.parent / "server"))
    from newsfacts.synthetic import generate

    generate(folder / "data", ARTICLES[size])
    started = time.perf_counter()
    subprocess.run([str(BIN / "newsfacts"), "build", "--facts-dir", str(folder / "data" / "facts"), "--sources-dir",
                    str(folder / "data" / "sources"), "--releases-dir", str(folder / "releases")], check=True,
                   capture_output=True)
    wall = time.perf_counter() - started
    manifest = json.loads((folder / "releases" / "current" / "manifest.json").read_text())
    return folder / "releases", {"wall_s": wall, **manifest["timings_s"], "triples": manifest["triples"]}


def run_size(size: str, duration: int, rdflib_endpoint: str | None, results_dir: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"newsfacts-bench-{size}-") as tmp:
        folder = Path(tmp)
        releases, build_figures = build(size, folder)
        print(f"\n== {size}: {build_figures['triples']:,} triples; build {build_figures['wall_s']:.1f} s "
              f"(mapping {build_figures['mapping_s']:.1f}, SHACL {build_figures['shacl_s']:.1f}, store "
              f"{build_figures['store_s']:.1f}, dumps {build_figures['dumps_s']:.1f})", flush=True)
        result: dict = {"size": size, "build": build_figures}
        entities = ["synthetic-0", "synthetic-5", f"synthetic-{ARTICLES[size] * 2}"]
        documents = {
            "doc-ttl": [(f"/entity/{e}.ttl", "text/turtle") for e in entities],
            "doc-jsonld": [(f"/entity/{e}.jsonld", "application/ld+json") for e in entities],
            "doc-html": [(f"/entity/{e}.html", "text/html") for e in entities],
        }
        mix = {"sparql-mix": query_mix("/sparql")}

        port = free_port()
        ours = Server([str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                       "--workers", "2", "newsfacts.web.wsgi:app"], f"http://127.0.0.1:{port}/entity/{entities[-1]}.ttl",
                      "text/turtle", env={"NEWSFACTS_RELEASES_DIR": str(releases)})
        result["cold_start_s"] = {"newsfacts": ours.cold_start_s}
        print(f"  newsfacts cold start {ours.cold_start_s:.2f} s", flush=True)
        try:
            measure("newsfacts", f"http://127.0.0.1:{port}", {**documents, **mix}, duration, result, ours.process.pid)
        finally:
            ours.stop()

        port = free_port()
        oxigraph = Server([str(BIN / "oxigraph"), "serve-read-only", "--location", str(releases / "current" / "store"),
                           "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                          f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", SPARQL_JSON)
        result["cold_start_s"]["oxigraph"] = oxigraph.cold_start_s
        try:
            measure("oxigraph", f"http://127.0.0.1:{port}", {"sparql-mix": query_mix("/query")},
                    duration, result, oxigraph.process.pid)
        finally:
            oxigraph.stop()

        if rdflib_endpoint:
            manifest = json.loads((releases / "current" / "manifest.json").read_text())
            dump = next(d["name"] for d in manifest["dumps"] if d["name"].endswith(".ttl.gz"))
            turtle = folder / "union.ttl"
            turtle.write_bytes(gzip.decompress((releases / "current" / "dumps" / dump).read_bytes()))
            port = free_port()
            peer = Server([rdflib_endpoint, "serve", "--host", "127.0.0.1", "--port", str(port), str(turtle)],
                          f"http://127.0.0.1:{port}/?query=ASK%7B%7D", SPARQL_JSON)
            result["cold_start_s"]["rdflib-endpoint"] = peer.cold_start_s
            print(f"  rdflib-endpoint cold start (loading the data) {peer.cold_start_s:.1f} s", flush=True)
            # rdflib-endpoint answers at / (its /sparql is not routed in 0.6.3)
            describe = [(f"/?{urlencode({'query': f'DESCRIBE <{BASE}entity/{e}>'})}", "text/turtle") for e in entities]
            try:
                measure("rdflib-endpoint", f"http://127.0.0.1:{port}",
                        {"doc-ttl": describe, "sparql-mix": query_mix("/")},
                        duration, result, peer.process.pid)
            finally:
                peer.stop()
    (results_dir / f"{size}.json").write_text(json.dumps(result, indent=1))
    return result


def ratios(result: dict) -> list[str]:
    lines = []
    for scenario, peer in (("sparql-mix", "oxigraph"), ("sparql-mix", "rdflib-endpoint"), ("doc-ttl", "rdflib-endpoint")):
        figures = result.get(scenario, {})
        for c in CONNECTIONS:
            ours, theirs = figures.get(f"newsfacts@{c}"), figures.get(f"{peer}@{c}")
            if ours and theirs and theirs["rps"]:
                lines.append(f"  {scenario:>10} vs {peer:<15} c={c:<3} {ours['rps'] / theirs['rps']:>6.2f}x "
                             f"({ours['rps']:.0f} / {theirs['rps']:.0f} req/s)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="*", default=["10k", "100k", "1m"], choices=sorted(ARTICLES))
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rdflib-endpoint", default=shutil.which("rdflib-endpoint"),
                        help="the rdflib-endpoint command (install it in a venv of its own)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    cpu = next((row.split(":", 1)[1].strip() for row in Path("/proc/cpuinfo").read_text().splitlines()
                if row.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}")
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    for size in args.sizes:
        result = run_size(size, args.duration, args.rdflib_endpoint, results_dir)
        print("\n".join(ratios(result)))
        rss = result.get("rss_mb", {})
        print("  resident memory after the load: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))


if __name__ == "__main__":
    main()
