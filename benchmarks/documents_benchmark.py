"""Cold documents, side by side with Oxigraph's server answering DESCRIBE of the same resources.

    python benchmarks/documents_benchmark.py --size 100k                   # build (or --reuse) and measure
    python benchmarks/documents_benchmark.py --size 1m --workdir /tmp/nf-bench --reuse
    python benchmarks/documents_benchmark.py --size 10m --workdir /tmp/nf-bench   # needs the 1m release there

Builds a release of synthetic articles (`newsfacts build`, which stores every thing's documents in the
release's documents/; 10m: ten renamed copies of the 1m release's dump loaded with `oxigraph load`, as
cold_start_10m.py does, and its documents as `documents_10m` says), then serves it
with granian (2 workers, public_url = the base IRI so that the stored documents answer, no per-process document
cache) and runs wrk at 8 connections, one scenario per format, each rotating over many distinct resources
(entities, events, claims and articles: --resources of them, each URL requested about once per pass), then
the most linked entities against rare ones; then SPARQL: cheap lookups (`SELECT ?p ?o WHERE { <entity> ?p ?o }`,
rotating over the sampled entities) and the ten-query mix of benchmarks/queries. `oxigraph serve-read-only` on
the same store answers DESCRIBE of the same resources (Turtle) and the same SPARQL, and rdflib-endpoint DESCRIBE
too when given. Prints req/s, p50/p99, the ratio to Oxigraph with met/missed (documents ≥ 0.25×, p99 ≤ 50 ms;
lookups ≥ 0.25×; the mix ≥ 0.8× with p99 ≤ 2× Oxigraph's), the cold start (process start to the first
document), the build's cost and the release's size, and the memory of our server's process tree after the
whole load (its SPARQL worker processes included). JSON in benchmarks/results/.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load import Request, Server, free_port, run_wrk, tree_memory_mb, wait_idle, wait_quiet  # noqa: E402
from process_memory import breakdown, format_breakdown  # noqa: E402

BIN = Path(sys.executable).parent
BASE = "https://newsfacts.example/"
NF = BASE + "ontology/"
FORMATS = {"ttl": ("text/turtle", ""), "jsonld": ("application/ld+json", ""), "nt": ("application/n-triples", ""),
           "rdf": ("application/rdf+xml", ""), "html-en": ("text/html", "en"), "html-es": ("text/html", "es")}
KINDS = ("entity", "event", "claim", "article")  # path roots
TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_MB = 0.25, 50.0, {"100k": 500, "1m": 500, "10m": 800}
#: SPARQL scenario -> (Oxigraph's scenario, ratio goal, p99 goal as a multiple of Oxigraph's p99 or None)
SPARQL_TARGETS = {"sparql-lookup": (0.25, None), "sparql-mix": (0.8, 2.0)}
TARGET_COLD_START_S = 2.0
SPARQL_JSON = "application/sparql-results+json"


def log(text: str = "") -> None:
    print(text, flush=True)


def release_of(size: str, workdir: Path, reuse: bool, per_kind: int) -> tuple[Path, dict]:
    """The releases folder of ``size`` and the build's figures."""
    if size == "10m":
        return assemble_10m(workdir, reuse, per_kind)
    from serve_benchmark import build

    releases, figures = build(size, workdir / size, reuse)
    return releases, figures


def assemble_10m(workdir: Path, reuse: bool, per_kind: int) -> tuple[Path, dict]:
    """Ten renamed copies of the 1m release (cold_start_10m.py), loaded into a release with stored documents
    (``documents_10m``)."""
    from cold_start_10m import write_copies

    from newsfacts.config import Settings

    releases = workdir / "10m" / "releases"
    release = releases / "big"
    figures_file = workdir / "10m" / "figures.json"
    if reuse and figures_file.exists():
        return releases, json.loads(figures_file.read_text())
    source = workdir / "1m" / "releases" / "current"
    if not (source / "manifest.json").exists():
        raise SystemExit(f"the 10m release is made from a 1m release: run --size 1m --workdir {workdir} first")
    shutil.rmtree(workdir / "10m", ignore_errors=True)
    (release / "dumps").mkdir(parents=True)
    manifest = json.loads((source / "manifest.json").read_text())
    dump = next(source / "dumps" / d["name"] for d in manifest["dumps"] if d["name"].endswith(".nq.gz"))
    started = time.perf_counter()
    quads = write_copies(dump, workdir / "10m" / "all.nq", 10, manifest["base_iri"])
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(release / "store"), "--file",
                    str(workdir / "10m" / "all.nq")], check=True, capture_output=True)
    (workdir / "10m" / "all.nq").unlink()
    store_s = time.perf_counter() - started
    (release / "manifest.json").write_text(json.dumps(dict(manifest, version="big", quads=quads, dumps=[])))
    shutil.copy(source / "void.ttl", release / "void.ttl")
    os.symlink("big", releases / "current")
    started = time.perf_counter()
    documents_10m(source, release, manifest["base_iri"], Settings.load({"releases_dir": str(releases)}), per_kind)
    documents_s = time.perf_counter() - started
    figures = {"wall_s": round(store_s + documents_s, 1), "store_s": round(store_s, 1),
               "documents_s": round(documents_s, 1), "triples": quads, "quads": quads,
               "documents": "the 1m release's ten times over, the requested ones rendered from the 10m store"}
    figures_file.write_text(json.dumps(figures))
    return releases, figures


def documents_10m(source: Path, release: Path, base: str, settings, per_kind: int) -> None:
    """The stored documents of the 10m release, without rendering ten million triples' worth (hours at this
    machine's rate): the 1m release's rows ten times over, each copy's stems renamed as cold_start_10m renames its
    IRIs, so that the file and its index have a 10m release's size; then the documents of every resource the
    benchmark requests (pick_resources, the same choice as main's) rendered from the 10m store with the build's
    own code, in place of theirs. Copies 1-9 of the other rows keep copy 0's bodies: no request asks for them."""
    import sqlite3

    from cold_start_10m import MINTED

    from newsfacts import documents

    sample, popular, rare = pick_resources(release / "store", per_kind)
    requested = sorted({documents._stem_of(iri, base) for iri in sample + popular + rare} - {None})
    wanted = set(requested)
    target = release / documents.DOCUMENTS_DIR / documents.DOCUMENTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(target)
    db.executescript("""PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE TABLE documents (stem TEXT, suffix TEXT, lang TEXT, etag TEXT, body BLOB, identity BLOB);
        CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT);""")
    db.execute("ATTACH DATABASE ? AS one", (f"file:{source / documents.DOCUMENTS_DIR / documents.DOCUMENTS_FILE}?mode=ro",))

    def renamed(stem: str, n: int) -> str | None:
        """The stem in copy ``n``; None for the things every copy shares (concepts, the vocabulary): copy 0 has them."""
        prefix = next((p for p in MINTED if stem.startswith(p)), None)
        if not n:
            return stem
        return None if prefix is None else f"{prefix}copy{n}-{stem[len(prefix):]}"

    db.create_function("renamed", 2, renamed, deterministic=True)
    db.create_function("wanted", 1, lambda stem: stem in wanted, deterministic=True)
    for n in range(10):
        db.execute("INSERT INTO documents SELECT stem, suffix, lang, etag, body, identity FROM (SELECT renamed(stem, ?) "
                   "AS stem, suffix, lang, etag, body, identity FROM one.documents) WHERE stem IS NOT NULL "
                   "AND NOT wanted(stem)", (n,))
        db.commit()
    documents._start(str(release), "big", settings)
    for start in range(0, len(requested), documents.CHUNK):
        documents._insert(db, documents._render_chunk(requested[start:start + documents.CHUNK]))
    db.execute("CREATE UNIQUE INDEX document ON documents (stem, suffix, lang)")
    count, things = db.execute("SELECT COUNT(*), COUNT(DISTINCT stem) FROM documents").fetchone()
    db.executemany("INSERT INTO about VALUES (?, ?)", [("version", "big"), ("public_base", base), ("documents", str(count)),
                                                       ("things", str(things)), ("code", documents.code_digest()),
                                                       ("rendered", str(len(requested)))])
    db.commit()
    db.close()


def pick_resources(store_dir: Path, per_kind: int) -> tuple[list[str], list[str], list[str]]:
    """A random sample of each kind (entities, events, claims, articles), the most linked entities, and rare ones."""
    import pyoxigraph

    store = pyoxigraph.Store.read_only(str(store_dir))
    rng = random.Random(9)
    sample = []
    for kind in KINDS:
        iris = sorted(r["s"].value for r in store.query(
            f"SELECT DISTINCT ?s WHERE {{ ?s a ?type FILTER(STRSTARTS(STR(?s), '{BASE}{kind}/') && !CONTAINS(STR(?s), '#')) }}",
            use_default_graph_as_union=True))
        sample += rng.sample(iris, min(per_kind, len(iris)))
    rng.shuffle(sample)
    linked = sorted(((int(r["n"].value), r["e"].value) for r in store.query(
        f"SELECT ?e (COUNT(*) AS ?n) WHERE {{ ?s ?p ?e FILTER(STRSTARTS(STR(?e), '{BASE}entity/')) }} GROUP BY ?e",
        use_default_graph_as_union=True)), key=lambda item: (-item[0], item[1]))
    del store
    ids = [iri for _, iri in linked]
    return sample, ids[:20], ids[-200:]


def documents_size_mb(release: Path) -> dict:
    def size(path: Path) -> float:
        return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1) if path.exists() else 0.0

    return {"documents_mb": size(release / "documents"), "store_mb": size(release / "store"),
            "release_mb": size(release)}


def document_requests(iris: list[str], fmt: str) -> list[Request]:
    media_type, lang = FORMATS[fmt]
    suffix = fmt.split("-")[0]
    return [Request(f"/{quote(iri[len(BASE):])}.{suffix}", media_type, lang=lang) for iri in iris]


def sparql_requests(endpoint: str, entities: list[str]) -> dict[str, list[Request]]:
    """Cheap lookups of the sampled entities, and the query mix (peers_benchmark.query_mix), at ``endpoint``."""
    from peers_benchmark import query_mix

    lookup = "SELECT ?p ?o WHERE { <%s> ?p ?o }"
    return {"sparql-lookup": [Request(f"{endpoint}?{urlencode({'query': lookup % iri})}", SPARQL_JSON) for iri in entities],
            "sparql-mix": [Request(path, accept) for path, accept in query_mix(endpoint)]}


def measure(server: Server, root: str, scenarios: dict[str, list[Request]], args) -> dict:
    out = {}
    for name, load in scenarios.items():
        wait_quiet(args.quiet_wait_s, 0.25, window_s=1.0, besides=server.pid)
        figures = run_wrk(root, load, args.connections, args.duration, args.wrk_cpu, server.pid)
        out[name] = figures
        if "error" in figures:
            log(f"  {server.name:>10} {name:<20} {figures['error']}")
            continue
        errors = figures["non_2xx_3xx"] + figures["socket_errors"]
        log(f"  {server.name:>10} {name:<20} {figures['ok_rps']:>8.0f} req/s  p50 {figures['p50_ms']:6.1f}  "
            f"p99 {figures['p99_ms']:6.1f} ms  server {figures['server_cores']:.2f} cores  other programs "
            f"{figures['other_cores']:.2f} cores" + (f"  ERRORS {errors}" if errors else ""))
    return out


def serve(name: str, command: list[str], probe: str, accept: str, env: dict, folder: Path) -> Server:
    server = Server(name, command, probe, accept, folder / f"{name}.log", env=env)
    wait_idle(server.pid, 20)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="100k", choices=("10k", "100k", "1m", "10m"))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsfacts-documents-bench"))
    parser.add_argument("--reuse", action="store_true", help="reuse the release built earlier in --workdir")
    parser.add_argument("--resources", type=int, default=4000, help="distinct resources rotated over (all kinds)")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--oxigraph", default=str(BIN / "oxigraph") if (BIN / "oxigraph").exists() else shutil.which("oxigraph"))
    parser.add_argument("--rdflib-endpoint", default=None, help="the rdflib-endpoint command; omitted: not measured")
    parser.add_argument("--dynamic", action="store_true", help="also measure Turtle rendered on request (another "
                        "public URL, so the stored documents are not used), for contrast")
    parser.add_argument("--quiet-wait-s", type=float, default=20)
    parser.add_argument("--wrk-cpu", type=int, default=(os.cpu_count() or 1) - 1)
    parser.add_argument("--documents", default="", help="only these document scenarios, comma-separated (e.g. "
                        "doc-ttl,doc-html-en); the SPARQL ones always run")
    args = parser.parse_args()
    log(f"load average before: {os.getloadavg()}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    releases, build_figures = release_of(args.size, args.workdir, args.reuse, args.resources // len(KINDS))
    current = (releases / "current").resolve()
    size = documents_size_mb(current)
    log(f"{args.size}: {build_figures['triples']:,} triples; build {build_figures['wall_s']} s, of which documents "
        f"{build_figures.get('documents_s', 'n/a')} s; documents/ {size['documents_mb']} MB, store/ {size['store_mb']} MB")
    sample, popular, rare = pick_resources(current / "store", args.resources // len(KINDS))
    entities = [iri for iri in sample if iri.startswith(BASE + "entity/")]
    log(f"{len(sample)} resources rotated over; most linked entity {popular[0]}")
    result = {"size": args.size, "build": build_figures, "release": size, "resources": len(sample),
              "load_average_before": os.getloadavg(), "ours": {}, "oxigraph": {}, "rdflib-endpoint": {}}
    scenarios = {f"doc-{fmt}": document_requests(sample, fmt) for fmt in FORMATS}
    scenarios["doc-ttl-most-linked"] = document_requests(popular, "ttl")
    scenarios["doc-ttl-rare"] = document_requests(rare, "ttl")
    # wrk asks for no compression; browsers and crawlers accept gzip, which the stored bytes are
    scenarios["doc-ttl-most-linked-gzip"] = [dataclasses.replace(r, encoding="gzip") for r in scenarios["doc-ttl-most-linked"]]
    scenarios["doc-ttl-gzip"] = [dataclasses.replace(r, encoding="gzip") for r in scenarios["doc-ttl"]]
    if args.documents:
        scenarios = {name: load for name, load in scenarios.items() if name in args.documents.split(",")}
    env = {"NEWSFACTS_RELEASES_DIR": str(releases), "NEWSFACTS_PUBLIC_URL": BASE, "NEWSFACTS_DOCUMENT_CACHE_MB": "0"}
    granian = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--workers", "2", "--port"]
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    ours = serve("newsfacts", granian + [str(port), "newsfacts.web.wsgi:app"], root + scenarios["doc-ttl"][0].path,
                 "text/turtle", env, args.workdir)
    result["cold_start_s"] = round(ours.cold_start_s, 3)
    log(f"  newsfacts cold start (process start to the first document): {result['cold_start_s']} s")
    try:
        result["ours"] = measure(ours, root, scenarios, args)
        sparql = sparql_requests("/sparql", entities)
        run_wrk(root, sparql["sparql-lookup"], args.connections, 2, args.wrk_cpu, ours.pid)  # warm-up: every query worker started
        result["ours"].update(measure(ours, root, sparql, args))
        result["memory_after_load"] = tree_memory_mb(ours.pid)
        log(f"  newsfacts tree after the load: {result['memory_after_load']}")
        result["processes_after_load"] = breakdown(ours.pid)
        log(format_breakdown(result["processes_after_load"]))
    finally:
        ours.stop()
    if args.dynamic:
        port = free_port()
        root = f"http://127.0.0.1:{port}"
        dynamic = serve("rendered", granian + [str(port), "newsfacts.web.wsgi:app"], root + scenarios["doc-ttl"][0].path,
                        "text/turtle", {**env, "NEWSFACTS_PUBLIC_URL": ""}, args.workdir)
        try:
            result["rendered"] = measure(dynamic, root, {"doc-ttl": scenarios["doc-ttl"]}, args)
        finally:
            dynamic.stop()
    describe = {"describe": [Request(f"/query?{urlencode({'query': f'DESCRIBE <{iri}>'})}", "text/turtle") for iri in sample]}
    if args.oxigraph:
        port = free_port()
        root = f"http://127.0.0.1:{port}"
        peer = serve("oxigraph", [args.oxigraph, "serve-read-only", "--location", str(current / "store"), "--bind",
                                  f"127.0.0.1:{port}", "--union-default-graph"], root + describe["describe"][0].path,
                     "text/turtle", {}, args.workdir)
        try:
            sparql = sparql_requests("/query", entities)
            run_wrk(root, sparql["sparql-lookup"], args.connections, 2, args.wrk_cpu, peer.pid)  # the same warm-up
            result["oxigraph"] = measure(peer, root, {**describe, **sparql}, args)
        finally:
            peer.stop()
    if args.rdflib_endpoint:
        packed = next((current / "dumps").glob("*.nq.gz"), None)
        if packed is not None:
            dump = args.workdir / "dump.nq"
            with gzip.open(packed) as source, open(dump, "wb") as target:
                shutil.copyfileobj(source, target)
            port = free_port()
            root = f"http://127.0.0.1:{port}"
            rdflib_describe = {"describe": [Request("/" + r.path[len("/query"):], r.accept) for r in describe["describe"]]}
            peer = Server("rdflib-endpoint", [args.rdflib_endpoint, "serve", "--host", "127.0.0.1", "--port", str(port),
                                              str(dump)], root + "/?query=ASK%20%7B%7D", "application/sparql-results+json",
                          args.workdir / "rdflib.log", timeout_s=3600)
            try:
                result["rdflib-endpoint"] = measure(peer, root, rdflib_describe, args)
            finally:
                peer.stop()
                dump.unlink()
    report(result, args)
    out = HERE / "results" / f"documents-{args.size}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    log(f"results: {out}")


def report(result: dict, args) -> None:
    theirs = result["oxigraph"].get("describe", {})
    log(f"\n{result['size']}: {args.connections} connections, {result['resources']} distinct resources; "
        f"Oxigraph DESCRIBE {theirs.get('ok_rps', 0):.0f} req/s (p50 {theirs.get('p50_ms', 0):.1f}, "
        f"p99 {theirs.get('p99_ms', 0):.1f} ms)")
    rdflib = result["rdflib-endpoint"].get("describe")
    if rdflib:
        log(f"rdflib-endpoint DESCRIBE {rdflib['ok_rps']:.0f} req/s (p99 {rdflib['p99_ms']:.1f} ms)")
    log(f"{'scenario':<20} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'÷ oxigraph':>10}  target (≥ {TARGET_RATIO}×, "
        f"p99 ≤ {TARGET_P99_MS:.0f} ms)")
    for name, f in result["ours"].items():
        if "error" in f:
            log(f"{name:<20} n/a")
            continue
        peer = result["oxigraph"].get(name if name in SPARQL_TARGETS else "describe", {})
        ratio = f["ok_rps"] / peer["ok_rps"] if peer.get("ok_rps") else None
        if name in SPARQL_TARGETS:
            goal, p99_times = SPARQL_TARGETS[name]
            met = ratio is not None and ratio >= goal and (p99_times is None or f["p99_ms"] <= p99_times * peer["p99_ms"])
            log(f"{name:<20} {f['ok_rps']:>8.0f} {f['p50_ms']:>7.1f} {f['p99_ms']:>7.1f} "
                f"{(f'{ratio:.2f}×' if ratio else 'n/a'):>10}  {'met' if met else 'MISSED'} (≥ {goal}×"
                + (f", p99 ≤ {p99_times:g}× Oxigraph's {peer.get('p99_ms', 0):.1f} ms)" if p99_times else ")")
                + (f"  {f['non_2xx_3xx']} answers not 2xx" if f["non_2xx_3xx"] else ""))
            continue
        met = ratio is not None and ratio >= TARGET_RATIO and f["p99_ms"] <= TARGET_P99_MS and not f["non_2xx_3xx"]
        log(f"{name:<20} {f['ok_rps']:>8.0f} {f['p50_ms']:>7.1f} {f['p99_ms']:>7.1f} "
            f"{(f'{ratio:.2f}×' if ratio else 'n/a'):>10}  {'met' if met else 'MISSED'}")
    cold = result.get("cold_start_s")
    if cold is not None:
        log(f"cold start {cold} s; goal ≤ {TARGET_COLD_START_S:g} s: {'met' if cold <= TARGET_COLD_START_S else 'MISSED'}")
    memory = result.get("memory_after_load", {})
    goal = TARGET_RSS_MB.get(result["size"], 500)
    log(f"server tree after the load: {memory.get('rss_mb')} MB RSS ({memory.get('pss_mb')} MB PSS) in "
        f"{memory.get('processes')} processes; goal ≤ {goal} MB: {'met' if memory.get('rss_mb', 1e9) <= goal else 'MISSED'}")


if __name__ == "__main__":
    main()
