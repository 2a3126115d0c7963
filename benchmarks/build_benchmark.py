"""Build benchmark: time, stage timings and peak memory of `newsfacts build`, with each SHACL engine side by side,
and of the incremental build that publishes one more article, against issue 10's targets.

    python benchmarks/build_benchmark.py                          # shipped facts, then 250 generated articles (~100k triples)
    python benchmarks/build_benchmark.py --articles 2400 --engines turbo --skip-shipped     # ~1M triples
    python benchmarks/build_benchmark.py --articles 24000 --engines turbo --skip-shipped    # ~10M triples
    python benchmarks/build_benchmark.py --articles 250 --engines turbo --json results/build.json

For each generated data set, N+1 articles are generated; the full build publishes N of them, then the last one is
added to the facts folder and `newsfacts build` (incremental: it reuses the parts and the store of the release
just built) publishes it. Both rows are printed side by side, then whether each target of issue 10 that applies
to the size (1M or 10M triples) is met.

Each build runs in a fresh process, as `newsfacts build` does, in a temporary folder, once per SHACL engine
(NEWSFACTS_SHACL_ENGINE) on the same generated data. Stage timings come from the release manifest; wall time
from the clock; peak memory is the highest resident memory of the build's whole process tree (the build and its
validation workers), sampled every 50 ms from /proc, as resident memory (RSS: a page shared by the build and the
workers it forked counts once per process) and as proportional set size (PSS, each shared page divided among
the processes sharing it: the memory the tree takes from the machine). The load average is printed before and after, since other
work on the machine slows the figures. The engines must agree on the validation counts; the run stops if not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import tree_memory_mb  # noqa: E402

from newsfacts.synthetic import generate  # noqa: E402

ENGINES = ("pyshacl", "turbo")
STAGES = ("mapping_s", "shacl_s", "dumps_s", "changes_s", "store_s", "description_s", "search_index_s", "parts_s",
          "documents_s")
#: issue 10's targets: (name, smallest size in triples it is about, figure, limit)
TARGETS = (("full build at 1M triples", 900_000, "full", "wall_s", 60), ("+1 article at 1M triples", 900_000, "+1", "wall_s", 10),
           ("full build at 10M triples", 9_000_000, "full", "wall_s", 15 * 60),
           ("peak memory of the 10M build", 9_000_000, "full", "peak_pss_mb", 4096),
           ("+1 article at 10M triples", 9_000_000, "+1", "wall_s", 30))


def build(folder: Path, facts: Path | None, sources: Path | None, engine: str, *extra: str) -> dict:
    """One `newsfacts build` in a fresh process; its figures, with the peak RSS of its process tree."""
    args = [sys.executable, "-m", "newsfacts.cli", "build", "--releases-dir", str(folder / "releases"), *extra]
    if facts:
        args += ["--facts-dir", str(facts), "--sources-dir", str(sources)]
    env = {**os.environ, "NEWSFACTS_SHACL_ENGINE": engine}
    peak = peak_pss = 0.0
    started = time.perf_counter()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        while process.poll() is None:
            memory = tree_memory_mb(process.pid)
            peak, peak_pss = max(peak, memory["rss_mb"]), max(peak_pss, memory["pss_mb"])
            time.sleep(0.05)
        _out, err = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"build with {engine} failed ({process.returncode}):\n{err}")
    manifest = json.loads((folder / "releases" / "current" / "manifest.json").read_text())
    return {"engine": engine, "wall_s": wall, "peak_rss_mb": peak, "peak_pss_mb": peak_pss, **manifest["timings_s"],
            "triples": manifest["triples"], "quads": manifest["quads"], "articles": len(manifest["articles"]),
            "validation": manifest["validation"], "rebuilt": manifest.get("rebuilt", {})}



def print_row(name: str, kind: str, r: dict) -> None:
    print(f"{name:>22} {r['engine']:>7} {kind:>4} {r['triples']:>9} {r['wall_s']:>7.1f} "
          + " ".join(f"{r.get(stage, 0):>{6 if stage == 'mapping_s' else 7}.1f}" for stage in STAGES)
          + f" {r['peak_rss_mb']:>8.0f} {r['peak_pss_mb']:>8.0f}"
          + f" {r['validation']['violations']:>10} {r['validation']['warnings']:>8}", flush=True)


def judge(rows: list[dict]) -> list[str]:
    """Met or missed, for each target whose size the run reached (per engine)."""
    verdicts = []
    for name, size, kind, figure, limit in TARGETS:
        for r in rows:
            if r["kind"] == kind and r["triples"] >= size:
                value = r[figure]
                unit = "MB" if figure.startswith("peak_") else "s"
                verdicts.append(f"{name} ({r['engine']}, {r['triples']:,} triples): {value:.1f} {unit} against "
                                f"{limit} {unit}: {'met' if value <= limit else 'MISSED'}")
    return verdicts or ["no target of issue 10 is about this size (they are about 1M and 10M triples)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, nargs="*", default=[250], help="sizes of generated data sets")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--skip-shipped", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'data':>22} {'engine':>7} {'kind':>4} {'triples':>9} {'wall s':>7} {'map s':>6} {'shacl s':>7} {'dumps s':>7} "
          f"{'changes s':>7} {'store s':>7} {'descr s':>7} {'index s':>7} {'parts s':>7} {'docs s':>7} "
          f"{'peak RSS':>8} {'peak PSS':>8} "
          f"{'violations':>10} {'warnings':>8}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsfacts-bench-") as tmp:
        tmp = Path(tmp)
        sets: list[tuple[str, Path | None]] = [] if args.skip_shipped else [("shipped facts", None)]
        sets += [(f"{n} generated articles", generate(tmp / f"gen-{n}", n + 1)) for n in args.articles]
        for name, data in sets:
            found = []
            for engine in args.engines:
                folder = tmp / f"{name.replace(' ', '-')}-{engine}"
                facts = folder / "facts"
                if data:  # the generated facts but the last article, which the incremental build adds
                    shutil.copytree(data / "facts", facts)
                    extra = sorted(facts.glob("*.yaml"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))[-1]
                    extra.rename(folder / extra.name)
                r = build(folder, facts if data else None, data / "sources" if data else None, engine)
                found.append(r)
                rows.append({"data": name, "kind": "full", **r})
                print_row(name, "full", r)
                if data:
                    (folder / extra.name).rename(facts / extra.name)
                    r = build(folder, facts, data / "sources", engine)
                    if r["rebuilt"].get("articles") != {extra.stem: "new"}:
                        raise SystemExit(f"the build after adding {extra.stem} was not incremental: {r['rebuilt']}")
                    rows.append({"data": name, "kind": "+1", **r})
                    print_row(name, "+1", r)
            if len({(r["validation"]["violations"], r["validation"]["warnings"]) for r in found}) > 1:
                raise SystemExit(f"the engines disagree on {name}: {[r['validation'] for r in found]}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for verdict in judge(rows):
        print(verdict)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
