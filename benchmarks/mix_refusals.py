"""Which answers of the ten-query mix are refusals, and why: N Python clients (8 by default) each send the queries of
benchmarks/queries in turn for a while, against `newsfacts serve` (granian, default settings) on a release.

    python benchmarks/mix_refusals.py RELEASES_DIR [--seconds 20] [--clients 8]
    PYTHONPATH=<another checkout>/server python benchmarks/mix_refusals.py RELEASES_DIR   # that checkout's code

Prints the answers per second that were 200, every answer that was not by query, status and problem title (503
`Busy`: no worker came free within the wait; `Busy: query stopped`: stopped at the spare's limit), and each
query's median and longest time. wrk (sparql_path.py) reports the same load's rate, but not which answers failed.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from peers_benchmark import query_mix
from sparql_path import wait_for_sparql

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("releases_dir", type=Path)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    port = 19000 + os.getpid() % 1000
    root = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(BIN / "newsfacts"), "serve", "--releases-dir", str(args.releases_dir), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_sparql(f"{root}/sparql")
        mix = query_mix("/sparql")
        names = [path.stem for path in sorted((HERE / "queries").glob("*.rq"))]  # the order of query_mix
        for path, accept in mix:  # each query once, alone
            assert requests.get(root + path, headers={"Accept": accept}, timeout=60).status_code == 200, path
        answers: collections.Counter = collections.Counter()
        seconds: dict[str, list[float]] = collections.defaultdict(list)
        stop = time.monotonic() + args.seconds

        def client(first: int) -> None:
            session, i = requests.Session(), first
            while time.monotonic() < stop:
                i = (i + 1) % len(mix)
                path, accept = mix[i]
                started = time.monotonic()
                response = session.get(root + path, headers={"Accept": accept}, timeout=60)
                seconds[names[i]].append(time.monotonic() - started)
                title = response.json().get("title", "") if response.status_code >= 400 else ""
                answers[(names[i], response.status_code, title)] += 1

        load_before = os.getloadavg()[0]
        clients = [threading.Thread(target=client, args=(k * len(mix) // args.clients,)) for k in range(args.clients)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        ok = sum(count for (_, status, _), count in answers.items() if status == 200)
        print(f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}; {args.clients} clients, {args.seconds:g} s: "
              f"{ok / args.seconds:.1f} answers 200 per second, {sum(answers.values()) - ok} not 200")
        for (name, status, title), count in sorted(answers.items()):
            if status != 200:
                print(f"  {name:22} {status} {title}: {count}")
        for name in names:
            times = sorted(seconds[name])
            print(f"  {name:22} {len(times):4} answers, median {times[len(times) // 2] * 1e3:7.1f} ms, "
                  f"longest {times[-1] * 1e3:7.1f} ms")
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
