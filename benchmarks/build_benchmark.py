"""Build benchmark: time, stage timings and peak memory of `newsfacts build`, with each SHACL engine side by side.

    python benchmarks/build_benchmark.py                          # shipped facts, then 250 generated articles (~100k triples)
    python benchmarks/build_benchmark.py --articles 2400          # ~1M triples
    python benchmarks/build_benchmark.py --articles 250 --engines turbo --json results/build.json

Each build runs in a fresh process, as `newsfacts build` does, in a temporary folder, once per SHACL engine
(NEWSFACTS_SHACL_ENGINE) on the same generated data. Stage timings come from the release manifest; wall time
from the clock; peak memory is the highest resident memory of the build's whole process tree (the build and its
validation workers), sampled every 50 ms from /proc. The load average is printed before and after, since other
work on the machine slows the figures. The engines must agree on the validation counts; the run stops if not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers_benchmark import tree_rss_mb  # noqa: E402

from newsfacts.synthetic import generate  # noqa: E402

ENGINES = ("pyshacl", "turbo")
STAGES = ("mapping_s", "shacl_s", "dumps_s", "search_index_s", "store_s")


def build(folder: Path, facts: Path | None, sources: Path | None, engine: str) -> dict:
    """One `newsfacts build` in a fresh process; its figures, with the peak RSS of its process tree."""
    args = [sys.executable, "-m", "newsfacts.cli", "build", "--releases-dir", str(folder / "releases")]
    if facts:
        args += ["--facts-dir", str(facts), "--sources-dir", str(sources)]
    env = {**os.environ, "NEWSFACTS_SHACL_ENGINE": engine}
    peak = 0.0
    started = time.perf_counter()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        while process.poll() is None:
            peak = max(peak, tree_rss_mb(process.pid))
            time.sleep(0.05)
        _out, err = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"build with {engine} failed ({process.returncode}):\n{err}")
    manifest = json.loads((folder / "releases" / "current" / "manifest.json").read_text())
    return {"engine": engine, "wall_s": wall, "peak_rss_mb": peak, **manifest["timings_s"],
            "triples": manifest["triples"], "quads": manifest["quads"], "articles": len(manifest["articles"]),
            "validation": manifest["validation"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, nargs="*", default=[250], help="sizes of generated data sets")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--skip-shipped", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'data':>22} {'engine':>7} {'triples':>9} {'wall s':>7} {'map s':>6} {'shacl s':>7} {'dumps s':>7} "
          f"{'index s':>7} {'store s':>7} {'peak MB':>8} {'violations':>10} {'warnings':>8}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsfacts-bench-") as tmp:
        tmp = Path(tmp)
        sets: list[tuple[str, Path | None]] = [] if args.skip_shipped else [("shipped facts", None)]
        sets += [(f"{n} generated articles", generate(tmp / f"gen-{n}", n)) for n in args.articles]
        for name, data in sets:
            found = []
            for engine in args.engines:
                folder = tmp / f"{name.replace(' ', '-')}-{engine}"
                r = build(folder, data / "facts" if data else None, data / "sources" if data else None, engine)
                found.append(r)
                rows.append({"data": name, **r})
                print(f"{name:>22} {engine:>7} {r['triples']:>9} {r['wall_s']:>7.1f} "
                      + " ".join(f"{r.get(stage, 0):>{6 if stage == 'mapping_s' else 7}.1f}" for stage in STAGES)
                      + f" {r['peak_rss_mb']:>8.0f} {r['validation']['violations']:>10} {r['validation']['warnings']:>8}",
                      flush=True)
            if len({(r["validation"]["violations"], r["validation"]["warnings"]) for r in found}) > 1:
                raise SystemExit(f"the engines disagree on {name}: {[r['validation'] for r in found]}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
