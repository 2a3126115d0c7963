"""Serving benchmark: build, cold start, memory, throughput and latency of newsfacts in production (granian, two
workers), side by side with `oxigraph serve-read-only` and rdflib-endpoint on the same dump, same machine and
same load tool (wrk).

    python benchmarks/serve_benchmark.py                           # 10k, 100k and 1M triples, 5 s per measurement
    python benchmarks/serve_benchmark.py --sizes 10k 100k 1m --duration 10
    python benchmarks/serve_benchmark.py --quick                   # smoke run: 10k only, 2 s per measurement
    python benchmarks/serve_benchmark.py --rdflib-endpoint /tmp/venv-peer/bin/rdflib-endpoint

For each size it generates synthetic articles (`newsfacts generate`), builds a release (`newsfacts build`; stage
timings from the manifest, wall time around the command) and then runs one server at a time:

- newsfacts under granian (2 workers): cold start (process start to the first answered request), documents
  (Turtle, JSON-LD and HTML of the most popular entity, and of the rarest entities with a query parameter that
  no other request has, so the per-process document cache never answers), the SPARQL mix of
  benchmarks/queries/*.rq and the lookup query alone, at 1, 8 and 32 connections; resident memory of the whole
  process tree (web workers and SPARQL worker processes) after the load;
- newsfacts under gunicorn (-w 2): the popular Turtle document, for a granian/gunicorn comparison;
- `oxigraph serve-read-only --union-default-graph` on the release's own store: the SPARQL mix and the lookup;
- rdflib-endpoint on the release's N-Quads dump (an rdflib Dataset with a union default graph): the SPARQL mix,
  the lookup, and DESCRIBE of the same entities as the counterpart of our documents.

Every URL is fetched once before its measurement; a scenario whose URLs do not all answer 200 (a route not there
yet, a query the server cannot answer) is reported n/a and the run goes on. Answers are counted (rows, triples)
so that the servers can be seen to agree. wrk runs with one thread pinned to the last core; servers are not
pinned. Throughput counts answers with a status below 400. Each measurement waits (--quiet-wait-s) for other
programs on the machine to go quiet, records the CPU they took meanwhile, and is repeated (--retries) when they
took more than a quarter of a core; disturbed figures are starred. Results: JSON in benchmarks/results/, tables
on stdout.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load import Request, Server, free_port, run_wrk, tree_memory_mb, wait_idle, wait_quiet  # noqa: E402
from serve_report import (  # noqa: E402
    FORMATS,
    GUNICORN,
    NOISE_CORES,
    OURS,
    OXIGRAPH,
    RDFLIB,
    TARGETS,
    evaluate_targets,
    log,
    markdown,
    ratio_rows,
    summary,
    versions,
)

BIN = Path(sys.executable).parent
ARTICLES = {"10k": 24, "100k": 240, "1m": 2400}
BASE = "https://newsfacts.example/"
SPARQL_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
RARE_ENTITIES = 100
OURS_UNCACHED = "newsfacts (no document cache)"  # the server the "-rare" document scenarios run on


# ---------------------------------------------------------------------------------------------- data and build

def build(size: str, folder: Path, reuse: bool) -> tuple[Path, dict]:
    releases = folder / "releases"
    timing_file = folder / "build-wall.json"
    if reuse and (releases / "current" / "manifest.json").exists() and timing_file.exists():
        log(f"  reusing the release built earlier in {releases}")
        wall = json.loads(timing_file.read_text())["wall_s"]
    else:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        subprocess.run([str(BIN / "newsfacts"), "generate", "--articles", str(ARTICLES[size]), "--out",
                        str(folder / "data")], check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run([str(BIN / "newsfacts"), "build", "--facts-dir", str(folder / "data" / "facts"),
                               "--sources-dir", str(folder / "data" / "sources"), "--releases-dir", str(releases)],
                              capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
        timing_file.write_text(json.dumps({"wall_s": wall}))
    manifest = json.loads((releases / "current" / "manifest.json").read_text())
    figures = {"wall_s": round(wall, 2), **manifest["timings_s"], "triples": manifest["triples"],
               "quads": manifest.get("quads"), "articles": ARTICLES[size]}
    return releases, figures


def pick_entities(store_dir: Path) -> tuple[str, list[str]]:
    """The most mentioned entity and the least mentioned ones (at most RARE_ENTITIES), from the release's store."""
    import pyoxigraph

    store = pyoxigraph.Store.read_only(str(store_dir))
    query = f"""SELECT ?e (COUNT(?c) AS ?n) WHERE {{ ?c <{BASE}ontology/mentions> ?e }} GROUP BY ?e"""
    counts = sorted(((int(row["n"].value), row["e"].value) for row in store.query(query, use_default_graph_as_union=True)),
                    key=lambda item: (item[0], item[1]))
    del store
    ids = [iri.rsplit("/", 1)[1] for _, iri in counts]
    return ids[-1], ids[:RARE_ENTITIES]


def mix_queries() -> dict[str, str]:
    return {p.stem: p.read_text() for p in sorted((HERE / "queries").glob("*.rq"))}


def query_accept(text: str) -> str:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("#", "PREFIX", "prefix")))
    return TURTLE if body.lstrip().upper().startswith(("DESCRIBE", "CONSTRUCT")) else SPARQL_JSON


def query_request(endpoint: str, text: str) -> Request:
    return Request(f"{endpoint}?{urlencode({'query': text})}", query_accept(text))


# ------------------------------------------------------------------------------------------------ measurements

def count_answer(response: requests.Response) -> int | None:
    """Rows of a SPARQL JSON answer, triples of an RDF answer; None for other documents."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    if kind == SPARQL_JSON:
        body = response.json()
        return len(body["results"]["bindings"]) if "results" in body else int(bool(body.get("boolean")))
    rdf_format = {TURTLE: "turtle", "application/n-triples": "nt"}.get(kind)
    if kind.endswith("xml") and b"rdf:RDF" in response.content[:4000]:
        rdf_format = "xml"  # rdflib-endpoint answers DESCRIBE in RDF/XML, whatever it is asked
    if rdf_format:
        from rdflib import Graph

        return len(Graph().parse(data=response.content, format=rdf_format))
    return None


def check(root: str, load: list[Request]) -> tuple[str | None, list[int | None]]:
    """Fetch every request once: the first failure (or None) and the answer sizes."""
    counts = []
    session = requests.Session()
    for r in load:
        try:
            response = session.get(root + r.path, headers={"Accept": r.accept}, timeout=120)
        except requests.RequestException as exc:
            return f"{r.path[:70]}: {type(exc).__name__}", counts
        if response.status_code != 200:
            return f"{response.status_code} for {r.path[:70]}", counts
        if not response.content:
            return f"empty answer for {r.path[:70]}", counts
        counts.append(count_answer(response))
    return None, counts


def fmt_ms(value) -> str:
    return f"{value:8.1f}" if isinstance(value, (int, float)) else f"{'-':>8}"


def measure(server: Server, root: str, scenarios: dict[str, list[Request]], args, result: dict) -> None:
    name = server.name
    for scenario, load in scenarios.items():
        failure, counts = check(root, load)
        slot = result["scenarios"].setdefault(scenario, {})
        if failure:
            slot[name] = {"status": "n/a", "reason": failure}
            log(f"  {name:>18} {scenario:<20} n/a: {failure}")
            continue
        slot[name] = {"status": "ok", "answers": counts, "connections": {}}
        for connections in args.connections:
            figures = measure_once(server, root, load, connections, args, name, scenario)
            slot[name]["connections"][str(connections)] = figures
            if "error" in figures:
                log(f"  {name:>18} {scenario:<20} c={connections:<3} {figures['error']}")
                continue
            errors = figures["non_2xx_3xx"] + figures["socket_errors"]
            log(f"  {name:>18} {scenario:<20} c={connections:<3} {figures['ok_rps']:>8.0f} req/s"
                f"  p50 {fmt_ms(figures['p50_ms'])}  p95 {fmt_ms(figures['p95_ms'])}  p99 {fmt_ms(figures['p99_ms'])} ms"
                f"  server {figures['server_cores']:.2f} cores" + (f"  errors {errors}" if errors else "")
                + (f"  OTHER LOAD {figures['other_cores']:.2f} cores" if figures["other_cores"] > NOISE_CORES else ""))


def measure_once(server: Server, root: str, load: list[Request], connections: int, args, name: str,
                 scenario: str) -> dict:
    """A wrk run when nothing else is busy on the machine; repeated (at most args.retries times) when other
    programs took CPU meanwhile. The least disturbed run is kept, with the number of attempts."""
    runs = []
    for attempt in range(1 + args.retries):
        wait_quiet(args.quiet_wait_s, NOISE_CORES, window_s=1.0, besides=server.pid)
        figures = run_wrk(root, load, connections, args.duration, args.wrk_cpu, server.pid)
        runs.append(figures)
        if "error" in figures or figures["other_cores"] <= NOISE_CORES:
            break
        if attempt < args.retries:
            log(f"  {name:>18} {scenario:<20} c={connections:<3} other programs took {figures['other_cores']:.2f} "
                "cores meanwhile; measuring again")
    best = min(runs, key=lambda f: f.get("other_cores", 0))
    best["attempts"] = len(runs)
    return best


def per_query(server: str, root: str, endpoint: str, budget_s: float, result: dict) -> None:
    """Median latency of each query of the mix alone, one request at a time."""
    session = requests.Session()
    figures = {}
    for name, text in mix_queries().items():
        r = query_request(endpoint, text)
        times, status, started = [], None, time.perf_counter()
        while len(times) < 3 or (time.perf_counter() - started < budget_s and len(times) < 50):
            t0 = time.perf_counter()
            response = session.get(root + r.path, headers={"Accept": r.accept}, timeout=120)
            times.append((time.perf_counter() - t0) * 1000)
            status = response.status_code
            if status != 200:
                break
        figures[name] = {"status": status, "median_ms": round(statistics.median(times), 2), "runs": len(times),
                         "answer": count_answer(response) if status == 200 else None}
    result.setdefault("per_query_ms", {})[server] = figures


def start(name: str, command: list[str], probe: str, accept: str, workdir: Path, args, result: dict,
          env: dict | None = None, timeout_s: float = 600, label: str | None = None) -> Server | None:
    """Start a server; its scenario figures go under ``name``, its own (start, memory) under ``label`` or name."""
    label = label or name
    waited, load = wait_quiet(args.quiet_wait_s * 4, NOISE_CORES)
    if load >= NOISE_CORES:
        log(f"  the machine is busy with other work ({load:.2f} cores); measuring anyway, expect noise")
    elif waited > 5:
        log(f"  waited {waited:.0f} s for other work on the machine to finish")
    try:
        server = Server(name, command, probe, accept, workdir / f"{label}.log", env=env, timeout_s=timeout_s)
    except (RuntimeError, OSError) as exc:
        log(f"  {label}: n/a ({exc})")
        result["servers"][label] = {"status": "n/a", "reason": str(exc)}
        return None
    server.label = label
    settle = wait_idle(server.pid, 5 if args.quick else 30)
    memory = tree_memory_mb(server.pid)
    result["servers"][label] = {"cold_start_s": round(server.cold_start_s, 3), "settled_after_s": round(settle, 2),
                               "idle_memory": memory, "other_load_before_cores": round(load, 2)}
    log(f"  {label}: cold start {server.cold_start_s:.2f} s (idle {settle:.1f} s later), "
        f"{memory['rss_mb']:.0f} MB RSS idle in {memory['processes']} processes")
    return server


def finish(server: Server, result: dict) -> None:
    memory = tree_memory_mb(server.pid)
    label = getattr(server, "label", server.name)
    result["servers"][label]["memory_after_load"] = memory
    log(f"  {label}: {memory['rss_mb']:.0f} MB RSS ({memory['pss_mb']:.0f} MB PSS) in "
        f"{memory['processes']} processes after the load")
    server.stop()


def run_size(size: str, args, workdir: Path) -> dict:
    folder = workdir / size
    log(f"\n== {size}: generating {ARTICLES[size]} articles and building")
    releases, build_figures = build(size, folder, args.reuse)
    log(f"  {build_figures['triples']:,} triples; build {build_figures['wall_s']:.1f} s wall (mapping "
        f"{build_figures['mapping_s']:.1f}, SHACL {build_figures['shacl_s']:.1f}, store {build_figures['store_s']:.1f}, "
        f"dumps {build_figures['dumps_s']:.1f})")
    result: dict = {"size": size, "build": build_figures, "servers": {}, "scenarios": {}}
    current = releases / "current"
    popular, rare = pick_entities(current / "store")
    result["entities"] = {"popular": popular, "rare": rare}
    log(f"  popular entity {popular}; {len(rare)} rare entities ({rare[0]} …)")

    queries = mix_queries()
    lookup = queries[next(name for name in queries if "lookup" in name)]

    def sparql(endpoint: str) -> dict[str, list[Request]]:
        return {"sparql-mix": [query_request(endpoint, text) for text in queries.values()],
                "sparql-lookup": [query_request(endpoint, lookup)]}

    documents = {}
    for suffix, accept in FORMATS.items():
        documents[f"doc-{suffix}-popular"] = [Request(f"/entity/{popular}.{suffix}", accept)]
        documents[f"doc-{suffix}-rare"] = [Request(f"/entity/{e}.{suffix}", accept, bust_cache=True) for e in rare]
    env = {"NEWSFACTS_RELEASES_DIR": str(releases)}
    probe_path = f"/entity/{popular}.ttl"

    # ours, under granian
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    server = start(OURS, [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                          "--workers", "2", "newsfacts.web.wsgi:app"], root + probe_path, TURTLE, folder, args, result,
                   env=env)
    cached = {name: load for name, load in documents.items() if not name.endswith("-rare")}
    if server:
        try:
            measure(server, root, {**cached, **sparql("/sparql")}, args, result)
            if result["scenarios"]["sparql-mix"][OURS]["status"] == "ok":
                per_query(OURS, root, "/sparql", args.per_query_s, result)
        finally:
            finish(server, result)

    # ours, under granian, without the document cache: what rendering a document costs (the cache is keyed on the
    # resource, so a query parameter no longer makes a request miss it)
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    server = start(OURS, [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                          "--workers", "2", "newsfacts.web.wsgi:app"], root + probe_path, TURTLE, folder, args, result,
                   env={**env, "NEWSFACTS_DOCUMENT_CACHE_MB": "0"}, label=OURS_UNCACHED)
    if server:
        try:
            measure(server, root, {name: load for name, load in documents.items() if name.endswith("-rare")}, args,
                    result)
        finally:
            finish(server, result)

    # ours, under gunicorn: one document URL
    if not args.no_gunicorn and (BIN / "gunicorn").exists():
        port = free_port()
        root = f"http://127.0.0.1:{port}"
        server = start(GUNICORN, [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "newsfacts.web.wsgi:app"],
                       root + probe_path, TURTLE, folder, args, result, env=env)
        if server:
            try:
                measure(server, root, {"doc-ttl-popular": documents["doc-ttl-popular"]}, args, result)
            finally:
                finish(server, result)

    # oxigraph serve-read-only on the same store
    if args.oxigraph:
        port = free_port()
        root = f"http://127.0.0.1:{port}"
        server = start(OXIGRAPH, [args.oxigraph, "serve-read-only", "--location", str(current / "store"), "--bind",
                                  f"127.0.0.1:{port}", "--union-default-graph"],
                       root + "/query?" + urlencode({"query": "ASK {}"}), SPARQL_JSON, folder, args, result)
        if server:
            try:
                measure(server, root, sparql("/query"), args, result)
                if result["scenarios"]["sparql-mix"][OXIGRAPH]["status"] == "ok":
                    per_query(OXIGRAPH, root, "/query", args.per_query_s, result)
            finally:
                finish(server, result)

    # rdflib-endpoint on the N-Quads dump
    if args.rdflib_endpoint:
        manifest = json.loads((current / "manifest.json").read_text())
        dump = next(d["name"] for d in manifest["dumps"] if d["name"].endswith(".nq.gz"))
        nquads = folder / "dump.nq"
        with gzip.open(current / "dumps" / dump) as source, open(nquads, "wb") as target:
            shutil.copyfileobj(source, target)
        port = free_port()
        root = f"http://127.0.0.1:{port}"
        server = start(RDFLIB, [args.rdflib_endpoint, "serve", "--host", "127.0.0.1", "--port", str(port), str(nquads)],
                       root + "/?" + urlencode({"query": "ASK {}"}), SPARQL_JSON, folder, args, result, timeout_s=1800)
        if server:
            try:
                describe = {
                    "doc-describe-popular": [query_request("/", f"DESCRIBE <{BASE}entity/{popular}>")],
                    "doc-describe-rare": [query_request("/", f"DESCRIBE <{BASE}entity/{e}>") for e in rare],
                }
                measure(server, root, {**describe, **sparql("/")}, args, result)
                if result["scenarios"]["sparql-mix"][RDFLIB]["status"] == "ok":
                    per_query(RDFLIB, root, "/", args.per_query_s, result)
            finally:
                finish(server, result)
        nquads.unlink(missing_ok=True)
    return result


# ------------------------------------------------------------------------------------------------- reporting

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k", "1m"], choices=list(ARTICLES))
    parser.add_argument("--duration", type=float, default=5, help="seconds per measurement (default 5)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--quick", action="store_true", help="smoke run: 10k only, 2 s per measurement")
    parser.add_argument("--rdflib-endpoint", default=shutil.which("rdflib-endpoint"),
                        help="the rdflib-endpoint command (install it in a venv of its own); omitted: not measured")
    parser.add_argument("--oxigraph", default=str(BIN / "oxigraph") if (BIN / "oxigraph").exists()
                        else shutil.which("oxigraph"), help="the oxigraph server command")
    parser.add_argument("--no-gunicorn", action="store_true", help="skip the gunicorn comparison")
    parser.add_argument("--workdir", type=Path, help="keep generated data and releases here (default: a temporary "
                                                     "folder, removed at the end)")
    parser.add_argument("--reuse", action="store_true", help="reuse the releases already built in --workdir")
    parser.add_argument("--markdown", type=Path, metavar="RESULTS_JSON",
                        help="print the tables of an earlier run in Markdown, and do nothing else")
    parser.add_argument("--retries", type=int, default=2,
                        help="measure again when other programs used the CPU meanwhile, at most this often")
    parser.add_argument("--quiet-wait-s", type=float, default=30,
                        help="wait at most this long before a measurement for other programs to go quiet")
    parser.add_argument("--wrk-cpu", type=int, default=(os.cpu_count() or 1) - 1,
                        help="core wrk is pinned to (default: the last one)")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text())))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the servers started are stopped on the way out
    if args.quick:
        args.sizes, args.duration = ["10k"], 2
    args.per_query_s = 0.3 if args.quick else 1.0
    args.quiet_wait_s = 5 if args.quick else args.quiet_wait_s
    args.sizes = sorted(set(args.sizes), key=list(ARTICLES).index)

    found = versions(args)
    log(f"machine: {found['machine']['cpu']}, {found['machine']['nproc']} cores, {found['machine']['memory_gib']} GiB; "
        + ", ".join(f"{k} {v}" for k, v in found.items() if k != "machine"))
    log(f"{args.duration:g} s per measurement at {', '.join(map(str, args.connections))} connections; wrk pinned to "
        f"core {args.wrk_cpu}")
    if not args.rdflib_endpoint:
        log("rdflib-endpoint not found (pass --rdflib-endpoint): its rows will be n/a")
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    report = {"started": stamp, "argv": sys.argv[1:], "duration_s": args.duration, "connections": args.connections,
              "versions": found, "targets": TARGETS, "sizes": []}
    out = results_dir / f"serve-{stamp}.json"
    temporary = None
    if args.workdir is None:
        temporary = tempfile.TemporaryDirectory(prefix="newsfacts-serve-bench-")
        args.workdir = Path(temporary.name)
    try:
        for size in args.sizes:
            result = run_size(size, args, args.workdir)
            result["ratios"] = ratio_rows(result, args.connections)
            result["targets"] = evaluate_targets(result)
            report["sizes"].append(result)
            out.write_text(json.dumps(report, indent=1))
        summary(report["sizes"], args.connections)
    finally:
        if temporary is not None:
            temporary.cleanup()
    shutil.copyfile(out, results_dir / "serve-latest.json")
    log(f"\nresults: {out}")


if __name__ == "__main__":
    main()
