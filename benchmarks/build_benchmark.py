"""Build benchmark: time and triple counts of `newsfacts build` for the shipped facts and for generated articles.

    python benchmarks/build_benchmark.py                 # shipped facts, then 1,000 generated articles
    python benchmarks/build_benchmark.py --articles 100 300 3000

Each build runs in a fresh process, as `newsfacts build` does, in a temporary folder; the figures come from the
release manifest (stage timings) and the wall clock. Prints one row per data set.
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

from newsfacts.synthetic import generate  # noqa: E402


def build(folder: Path, facts: Path | None, sources: Path | None) -> dict:
    args = [sys.executable, "-m", "newsfacts.cli", "build", "--releases-dir", str(folder / "releases")]
    if facts:
        args += ["--facts-dir", str(facts), "--sources-dir", str(sources)]
    started = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"build failed ({result.returncode}):\n{result.stderr}")
    manifest = json.loads((folder / "releases" / "current" / "manifest.json").read_text())
    return {"wall_s": wall, **manifest["timings_s"], "triples": manifest["triples"], "quads": manifest["quads"],
            "articles": len(manifest["articles"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, nargs="*", default=[1000], help="sizes of generated data sets")
    parser.add_argument("--skip-shipped", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    header = f"{'data':>24} {'articles':>8} {'triples':>9} {'wall s':>7} {'map s':>6} {'shacl s':>7} {'store s':>7} " \
             f"{'dumps s':>7} {'µs/triple':>9}"
    print(header)
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsfacts-bench-") as tmp:
        tmp = Path(tmp)
        if not args.skip_shipped:
            rows.append(("shipped facts", build(tmp / "shipped", None, None)))
        for n in args.articles:
            data = generate(tmp / f"gen-{n}", n)
            rows.append((f"{n} generated articles", build(tmp / f"gen-{n}", data / "facts", data / "sources")))
        for name, r in rows:
            print(f"{name:>24} {r['articles']:>8} {r['triples']:>9} {r['wall_s']:>7.1f} {r['mapping_s']:>6.1f} "
                  f"{r['shacl_s']:>7.1f} {r['store_s']:>7.1f} {r['dumps_s']:>7.1f} "
                  f"{1e6 * r['wall_s'] / r['triples']:>9.0f}")


if __name__ == "__main__":
    main()
