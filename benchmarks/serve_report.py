"""The tables of `serve_benchmark.py`: ratios against the peers, the targets met or missed, the summary printed at
the end of a run, and the same in Markdown for BENCHMARKS.md (`serve_benchmark.py --markdown RESULTS_JSON`)."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

FORMATS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "html": "text/html"}
NOISE_CORES = 0.25  # CPU used meanwhile by other programs above which a measurement is flagged
OURS, GUNICORN, OXIGRAPH, RDFLIB = "newsfacts", "newsfacts-gunicorn", "oxigraph", "rdflib-endpoint"
TARGETS = {"build_s": 120, "cold_start_s": 2, "rss_mb": 500, "vs_rdflib": 5, "vs_oxigraph": 0.25, "p99_ms": 50}


def log(text: str = "") -> None:
    print(text, flush=True)


def figures(result: dict, scenario: str, server: str, connections: int) -> dict | None:
    slot = result["scenarios"].get(scenario, {}).get(server)
    if not slot or slot.get("status") != "ok":
        return None
    found = slot["connections"].get(str(connections))
    return found if found and "error" not in found else None


def ratio_rows(result: dict, connections: list[int]) -> list[dict]:
    pairs = [(f"doc-{f}-{p}", f"doc-describe-{p}", RDFLIB) for f in FORMATS for p in ("popular", "rare")]
    pairs += [("sparql-mix", "sparql-mix", RDFLIB), ("sparql-lookup", "sparql-lookup", RDFLIB),
              ("sparql-mix", "sparql-mix", OXIGRAPH), ("sparql-lookup", "sparql-lookup", OXIGRAPH),
              ("doc-ttl-popular", "doc-ttl-popular", GUNICORN)]
    rows = []
    for ours, theirs, peer in pairs:
        row = {"ours": ours, "theirs": theirs, "peer": peer, "ratios": {}}
        for c in connections:
            a, b = figures(result, ours, OURS, c), figures(result, theirs, peer, c)
            row["ratios"][str(c)] = round(a["ok_rps"] / b["ok_rps"], 2) if a and b and b["ok_rps"] else None
        rows.append(row)
    return rows


def evaluate_targets(result: dict) -> list[dict]:
    """Each target as met / missed / n/a with the gap, at the size given (the targets are set for 1M)."""
    out = []

    def add(name: str, value, target, unit: str, higher_is_better: bool) -> None:
        if value is None:
            out.append({"target": name, "status": "n/a", "value": None, "goal": target})
            return
        met = value >= target if higher_is_better else value <= target
        gap = (value / target) if higher_is_better else (value - target)
        out.append({"target": name, "status": "met" if met else "missed", "value": value, "goal": target,
                    "unit": unit, "gap": round(gap, 2)})

    ours = result["servers"].get(OURS, {})
    add("build time (wall)", result["build"]["wall_s"], TARGETS["build_s"], "s", False)
    add("cold start", ours.get("cold_start_s"), TARGETS["cold_start_s"], "s", False)
    add("RSS of the server tree after the load", ours.get("memory_after_load", {}).get("rss_mb"), TARGETS["rss_mb"],
        "MB", False)
    ratios = {(r["ours"], r["peer"]): r["ratios"].get("8") for r in ratio_rows(result, [8])}
    docs = [ratios[(f"doc-{f}-{p}", RDFLIB)] for f in FORMATS for p in ("popular", "rare")]
    add("documents vs rdflib-endpoint DESCRIBE (worst format, c=8)", min(docs) if all(docs) else None,
        TARGETS["vs_rdflib"], "x", True)
    add("SPARQL mix vs rdflib-endpoint (c=8)", ratios[("sparql-mix", RDFLIB)], TARGETS["vs_rdflib"], "x", True)
    add("SPARQL mix vs oxigraph (c=8)", ratios[("sparql-mix", OXIGRAPH)], TARGETS["vs_oxigraph"], "x", True)
    p99 = [f["p99_ms"] for s in documents_scenarios() if (f := figures(result, s, OURS, 8))]
    add("p99 of documents at c=8 (worst)", max(p99) if len(p99) == len(documents_scenarios()) else None,
        TARGETS["p99_ms"], "ms", False)
    lookup = figures(result, "sparql-lookup", OURS, 8)
    add("p99 of SPARQL lookups at c=8", lookup["p99_ms"] if lookup else None, TARGETS["p99_ms"], "ms", False)
    return out


def documents_scenarios() -> list[str]:
    return [f"doc-{f}-{p}" for f in FORMATS for p in ("popular", "rare")]


def summary(results: list[dict], connections: list[int]) -> None:
    log("\n" + "=" * 100 + "\nSUMMARY")
    log(f"\n{'size':>5} {'triples':>9} {'build s':>8} {'mapping':>8} {'SHACL':>7} {'store':>7} {'dumps':>7}")
    for r in results:
        b = r["build"]
        log(f"{r['size']:>5} {b['triples']:>9,} {b['wall_s']:>8.1f} {b['mapping_s']:>8.1f} {b['shacl_s']:>7.1f} "
            f"{b['store_s']:>7.1f} {b['dumps_s']:>7.1f}")
    log(f"\n{'size':>5} {'server':>18} {'cold start s':>12} {'RSS idle MB':>12} {'RSS after MB':>13} {'PSS after MB':>13}")
    for r in results:
        for name, s in r["servers"].items():
            if s.get("status") == "n/a":
                log(f"{r['size']:>5} {name:>18} n/a")
                continue
            after = s.get("memory_after_load", {})
            log(f"{r['size']:>5} {name:>18} {s['cold_start_s']:>12.2f} {s['idle_memory']['rss_mb']:>12.0f} "
                f"{after.get('rss_mb', 0):>13.0f} {after.get('pss_mb', 0):>13.0f}")
    log("\nthroughput req/s (p99 ms) per connection count")
    header = f"{'size':>5} {'scenario':<21} {'server':>18} " + " ".join(f"{'c=' + str(c):>18}" for c in connections)
    log(header)
    for r in results:
        for scenario, servers in r["scenarios"].items():
            for name, slot in servers.items():
                if slot.get("status") != "ok":
                    log(f"{r['size']:>5} {scenario:<21} {name:>18} n/a ({slot.get('reason', '')[:60]})")
                    continue
                cells = []
                for c in connections:
                    f = figures(r, scenario, name, c)
                    noisy = "*" if f and f["other_cores"] > NOISE_CORES else " "
                    cells.append(f"{f['ok_rps']:>8.0f} ({f['p99_ms']:>6.1f}){noisy}" if f else f"{'n/a':>18}")
                log(f"{r['size']:>5} {scenario:<21} {name:>18} " + " ".join(f"{cell:>18}" for cell in cells))
    log(f"* other programs used more than {NOISE_CORES} cores during that measurement")
    log("\nratios: newsfacts req/s divided by the peer's")
    log(f"{'size':>5} {'ours':<18} {'theirs':<22} " + " ".join(f"{'c=' + str(c):>8}" for c in connections))
    for r in results:
        for row in ratio_rows(r, connections):
            cells = [f"{v:>7.2f}x" if v is not None else f"{'n/a':>8}" for v in row["ratios"].values()]
            log(f"{r['size']:>5} {row['ours']:<18} {row['peer'] + ' ' + row['theirs']:<22} " + " ".join(cells))
    per_query_table(results)
    largest = results[-1]
    note = "" if largest["size"] == "1m" else f" (measured at {largest['size']}; the targets are set for 1m)"
    log(f"\ntargets{note}")
    for t in largest["targets"]:
        if t["status"] == "n/a":
            log(f"  {t['target']:<58} n/a")
            continue
        unit = t["unit"]
        value = f"{t['value']:.2f} {unit}" if unit == "x" else f"{t['value']:.1f} {unit}"
        goal = f"{'≥' if unit == 'x' else '≤'} {t['goal']} {unit}"
        gap = f"{t['gap']:.2f} of the goal" if unit == "x" else f"{t['gap']:+.1f} {unit}"
        log(f"  {t['target']:<58} {value:>12}  goal {goal:<10} {t['status'].upper():<7} ({gap})")


def per_query_table(results: list[dict]) -> None:
    for r in results:
        table = r.get("per_query_ms")
        if not table:
            continue
        servers = list(table)
        log(f"\n{r['size']}: median ms per query, one at a time (answer size)")
        log(f"{'query':<22} " + " ".join(f"{s:>24}" for s in servers))
        for name in next(iter(table.values())):
            cells = []
            for s in servers:
                q = table[s].get(name, {})
                cells.append(f"{q.get('median_ms', 0):>10.1f} ({q.get('answer')})" if q.get("status") == 200
                             else f"status {q.get('status')}")
            log(f"{name:<22} " + " ".join(f"{c:>24}" for c in cells))


def markdown(report: dict) -> str:
    """The tables of a results file in Markdown (for BENCHMARKS.md)."""
    connections = report["connections"]
    lines = ["| size | triples | build wall s | mapping s | SHACL s | store load s | dumps s |", "|---|--:|--:|--:|--:|--:|--:|"]
    for r in report["sizes"]:
        b = r["build"]
        lines.append(f"| {r['size']} | {b['triples']:,} | {b['wall_s']:.1f} | {b['mapping_s']:.1f} | {b['shacl_s']:.1f} | "
                     f"{b['store_s']:.1f} | {b['dumps_s']:.1f} |")
    lines += ["", "| size | server | cold start s | RSS idle MB | RSS after load MB | PSS after load MB | processes |",
              "|---|---|--:|--:|--:|--:|--:|"]
    for r in report["sizes"]:
        for name, s in r["servers"].items():
            if s.get("status") == "n/a":
                lines.append(f"| {r['size']} | {name} | n/a | | | | |")
                continue
            after = s.get("memory_after_load", {})
            lines.append(f"| {r['size']} | {name} | {s['cold_start_s']:.2f} | {s['idle_memory']['rss_mb']:.0f} | "
                         f"{after.get('rss_mb', 0):.0f} | {after.get('pss_mb', 0):.0f} | {after.get('processes', '')} |")
    for r in report["sizes"]:
        lines += ["", f"**{r['size']}** ({r['build']['triples']:,} triples): successful requests per second, and "
                  "p50 / p95 / p99 latency in ms", "",
                  "| scenario | server | " + " | ".join(f"c={c}" for c in connections) + " |",
                  "|---|---|" + "--:|" * len(connections)]
        for scenario, servers in r["scenarios"].items():
            for name, slot in servers.items():
                if slot.get("status") != "ok":
                    lines.append(f"| {scenario} | {name} | " + " | ".join("n/a" for _ in connections) + " |")
                    continue
                cells = []
                for c in connections:
                    f = figures(r, scenario, name, c)
                    if not f:
                        cells.append("n/a")
                        continue
                    star = "\\*" if f["other_cores"] > NOISE_CORES else ""
                    errors = f" ({f['non_2xx_3xx']} errors)" if f["non_2xx_3xx"] else ""
                    cells.append(f"{f['ok_rps']:.0f}{star} — {f['p50_ms']:.1f} / {f['p95_ms']:.1f} / {f['p99_ms']:.1f}{errors}")
                lines.append(f"| {scenario} | {name} | " + " | ".join(cells) + " |")
    lines += ["", "| size | ours | peer's counterpart | " + " | ".join(f"c={c}" for c in connections) + " |",
              "|---|---|---|" + "--:|" * len(connections)]
    for r in report["sizes"]:
        for row in r["ratios"]:
            cells = [f"{v:.2f}×" if v is not None else "n/a" for v in row["ratios"].values()]
            lines.append(f"| {r['size']} | {row['ours']} | {row['peer']} {row['theirs']} | " + " | ".join(cells) + " |")
    for r in report["sizes"]:
        table = r.get("per_query_ms")
        if not table:
            continue
        servers = list(table)
        lines += ["", f"**{r['size']}**: median ms of each query alone, one at a time (rows or triples answered)", "",
                  "| query | " + " | ".join(servers) + " |", "|---|" + "--:|" * len(servers)]
        for name in next(iter(table.values())):
            cells = []
            for s in servers:
                q = table[s].get(name, {})
                cells.append(f"{q['median_ms']:.1f} ({q['answer']})" if q.get("status") == 200 else f"status {q.get('status')}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    largest = report["sizes"][-1]
    lines += ["", f"Targets, at {largest['size']}:", "", "| target | goal | measured | status | gap |", "|---|--:|--:|---|--:|"]
    for t in largest["targets"]:
        if t["status"] == "n/a":
            lines.append(f"| {t['target']} | {t['goal']} | n/a | n/a | |")
            continue
        unit = t["unit"]
        goal = f"{'≥' if unit == 'x' else '≤'} {t['goal']} {unit}"
        gap = f"{t['gap']:.2f} of the goal" if unit == "x" else f"{t['gap']:+.1f} {unit}"
        value = f"{t['value']:.2f} {unit}" if unit == "x" else f"{t['value']:.1f} {unit}"
        lines.append(f"| {t['target']} | {goal} | {value} | **{t['status']}** | {gap} |")
    return "\n".join(lines)


def versions(args) -> dict:
    def run(command: list[str]) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=30)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "n/a"

    found = {"python": platform.python_version()}
    for package in ("newsfacts", "pyoxigraph", "rdflib", "granian", "gunicorn", "flask"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "n/a"
    found["oxigraph"] = run([args.oxigraph, "--version"]) if args.oxigraph else "n/a"
    if args.rdflib_endpoint:
        peer_python = str(Path(args.rdflib_endpoint).parent / "python")
        found["rdflib-endpoint"] = run([peer_python, "-c", "import importlib.metadata as m; print(m.version("
                                        "'rdflib-endpoint'), 'rdflib', m.version('rdflib'))"])
    found["wrk"] = run(["wrk", "-v"])
    cpu = next((row.split(":", 1)[1].strip() for row in Path("/proc/cpuinfo").read_text().splitlines()
                if row.startswith("model name")), platform.processor())
    mem_kb = int(next(row.split()[1] for row in Path("/proc/meminfo").read_text().splitlines()
                      if row.startswith("MemTotal")))
    found["machine"] = {"cpu": cpu, "nproc": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
                        "kernel": platform.release()}
    return found
