"""Where a full build's memory goes: the resident memory (RSS) and proportional set size (PSS) of the build's
process and of its worker processes, sampled from /proc every 100 ms, by stage of the build.

    python benchmarks/build_memory.py --facts-dir …/data/facts --sources-dir …/data/sources --releases-dir /tmp/x/releases
    python benchmarks/build_memory.py … --releases-dir /tmp/x/releases      # again: a full build against the release just built

The build runs as `newsfacts build --full` in a child process with its stages marked (the functions that do them
are wrapped to write the time they start and end, nothing else changes); this process samples the child's
process tree from outside. For each stage it prints the highest RSS and PSS of the build's process, the highest
PSS of its workers, and the highest PSS of the whole tree (the memory the build takes from the machine: a page
shared by the build and a worker it forked counts once, where RSS counts it in each). Stored documents are off
(NEWSFACTS_STORE_DOCUMENTS=no) unless set otherwise, and the SHACL engine is pyshacl-turbo unless
NEWSFACTS_SHACL_ENGINE says. The load average is printed before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from load import process_tree

#: (module, function) of each stage marked: the checks' stages, then the release's
STAGES = (("build_check", "read_packed"), ("build_check", "ground_and_map"),
          ("build_check", "_entity_counts"), ("build_check", "_validate"), ("build", "write_dumps"),
          ("history", "record"), ("build", "_load_store"), ("build", "counts_in_store"), ("build", "write_index"),
          ("build", "index_from_store"),
          ("build", "write_parts"))


def child(marks: str, build_args: list[str]) -> None:
    """Run ``newsfacts build`` here, each stage's start and end written to ``marks``."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
    import importlib

    out = open(marks, "w", buffering=1)  # noqa: SIM115 (open for the life of the process)

    def marked(function, name: str):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            out.write(f"{time.time():.3f} start {name}\n")
            try:
                return function(*args, **kwargs)
            finally:
                out.write(f"{time.time():.3f} end {name}\n")
        return wrapper

    for module_name, name in STAGES:
        module = importlib.import_module(f"newsfacts.{module_name}")
        setattr(module, name, marked(getattr(module, name), name))
    from newsfacts import cli

    sys.argv = ["newsfacts", "build", "--full", *build_args]
    try:
        cli.main()
    except SystemExit as exc:
        if exc.code:
            raise


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process (0 when it is gone)."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss / 1024, pss / 1024


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facts-dir", required=True)
    parser.add_argument("--sources-dir", required=True)
    parser.add_argument("--releases-dir", required=True)
    parser.add_argument("--json", type=Path, help="also write the samples and the stages to this file")
    args = parser.parse_args()
    marks = Path(args.releases_dir).parent / "build-memory-marks.txt"
    marks.parent.mkdir(parents=True, exist_ok=True)
    env = {"NEWSFACTS_STORE_DOCUMENTS": "no", "NEWSFACTS_SHACL_ENGINE": "turbo", **os.environ}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    started = time.time()
    command = [sys.executable, __file__, "--child", str(marks), "--releases-dir", args.releases_dir,
               "--facts-dir", args.facts_dir, "--sources-dir", args.sources_dir]
    samples = []  # (time, build RSS, build PSS, workers' PSS, workers)
    with subprocess.Popen(command, env=env) as process:
        while process.poll() is None:
            pids = process_tree(process.pid)
            found = [memory_mb(pid) for pid in pids]
            samples.append((time.time(), found[0][0], found[0][1], sum(pss for _, pss in found[1:]), len(pids) - 1))
            time.sleep(0.1)
    wall = time.time() - started
    print(f"exit {process.returncode}, wall {wall:.1f} s; load average after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if process.returncode:
        raise SystemExit(process.returncode)
    events = [(float(line.split()[0]), line.split()[1], line.split()[2]) for line in marks.read_text().splitlines()]
    peak = max(samples, key=lambda s: s[2] + s[3])
    print(f"peak of the tree: PSS {peak[2] + peak[3]:.0f} MB (build {peak[2]:.0f}, {peak[4]} worker(s) {peak[3]:.0f}) "
          f"at {peak[0] - started:.1f} s; highest RSS of the build's process {max(s[1] for s in samples):.0f} MB")
    print(f"{'stage (or between)':>36} {'from s':>7} {'takes s':>7} {'build RSS':>9} {'build PSS':>9} {'workers PSS':>11} "
          f"{'tree PSS':>8}")
    rows = []
    for (at, kind, name), (until, next_kind, next_name) in zip(events, events[1:], strict=False):
        inside = [s for s in samples if at <= s[0] <= until]
        label = name if (kind, next_kind, next_name) == ("start", "end", name) else f"{kind} {name} .. {next_kind} {next_name}"
        if not inside:
            continue
        row = {"stage": label, "from_s": at - started, "seconds": until - at,
               "build_rss_mb": max(s[1] for s in inside), "build_pss_mb": max(s[2] for s in inside),
               "workers_pss_mb": max(s[3] for s in inside), "tree_pss_mb": max(s[2] + s[3] for s in inside)}
        rows.append(row)
        print(f"{label[:36]:>36} {row['from_s']:>7.1f} {row['seconds']:>7.1f} {row['build_rss_mb']:>9.0f} "
              f"{row['build_pss_mb']:>9.0f} {row['workers_pss_mb']:>11.0f} {row['tree_pss_mb']:>8.0f}")
    if args.json:
        args.json.write_text(json.dumps({"wall_s": wall, "stages": rows, "samples": samples}) + "\n")


if __name__ == "__main__":
    main()
