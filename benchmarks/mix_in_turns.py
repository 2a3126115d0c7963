"""The SPARQL query mix against several servers in turns, so that a busy machine's load falls on each alike.

    python benchmarks/mix_in_turns.py --releases-dir /tmp/tm-bench/1m/releases \\
        --ours before=PYTHONPATH=/tmp/base/server --ours after --oxigraph --rounds 4 --seconds 8

Each ``--ours NAME[=VAR=VALUE,VAR=VALUE]`` starts granian (2 workers) on the release with those environment
variables added (PYTHONPATH pointing at another checkout's ``server`` folder serves that code); ``--oxigraph`` adds
`oxigraph serve-read-only` on the same store. After a 3 s warm-up each, every round runs wrk on each server in turn
(8 connections, the ten queries of benchmarks/queries as documents_benchmark.py sends them), then prints the mean
ok req/s, the answers that were not 2xx and the memory of each server's process tree.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load import Request, Server, free_port, run_wrk, tree_memory_mb  # noqa: E402
from peers_benchmark import query_mix  # noqa: E402

BIN = Path(sys.executable).parent


def parse_ours(text: str) -> tuple[str, dict]:
    name, _, assignments = text.partition("=")
    env = dict(item.split("=", 1) for item in assignments.split(",") if item)
    return name, env


def start(name: str, env: dict | None, releases: Path, log_dir: Path) -> tuple[Server, str, list[Request]]:
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    if env is None:
        command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(releases / "current" / "store"), "--bind",
                   f"127.0.0.1:{port}", "--union-default-graph"]
        load = [Request(path, accept) for path, accept in query_mix("/query")]
    else:
        command = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--workers", "2", "--port", str(port),
                   "newsfacts.web.wsgi:app"]
        load = [Request(path, accept) for path, accept in query_mix("/sparql")]
        env = {"NEWSFACTS_RELEASES_DIR": str(releases), **env}
    server = Server(name, command, root + load[0].path, load[0].accept, log_dir / f"{name}.log", env=env)
    return server, root, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--releases-dir", type=Path, required=True)
    parser.add_argument("--ours", action="append", default=[], help="NAME[=VAR=VALUE,...]: our server with these variables")
    parser.add_argument("--oxigraph", action="store_true", help="also Oxigraph's server on the same store")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--log-dir", type=Path, default=Path("/tmp"))
    parser.add_argument("--wrk-cpu", type=int, default=(os.cpu_count() or 1) - 1)
    args = parser.parse_args()
    wanted = [parse_ours(text) for text in args.ours] + ([("oxigraph", None)] if args.oxigraph else [])
    servers = {}
    try:
        for name, env in wanted:
            servers[name] = start(name, env, args.releases_dir, args.log_dir)
            server, root, load = servers[name]
            run_wrk(root, load, args.connections, 3, args.wrk_cpu, server.pid)  # warm-up: every query worker started
        runs: dict[str, list[dict]] = {name: [] for name in servers}
        for round_ in range(args.rounds):
            for name, (server, root, load) in servers.items():
                f = run_wrk(root, load, args.connections, args.seconds, args.wrk_cpu, server.pid)
                runs[name].append(f)
                if "error" in f:
                    print(f"round {round_} {name:<12} {f['error']}", flush=True)
                    continue
                print(f"round {round_} {name:<12} ok {f['ok_rps']:6.1f} req/s  not 2xx {f['non_2xx_3xx']:4d}  p50 "
                      f"{f['p50_ms']:7.1f}  p99 {f['p99_ms']:7.1f} ms  server {f['server_cores']:.2f} cores  other "
                      f"{f['other_cores']:.2f}  load {os.getloadavg()[0]:.1f}", flush=True)
        for name, figures in runs.items():
            done = [f for f in figures if "error" not in f]
            mean = sum(f["ok_rps"] for f in done) / max(1, len(done))
            print(f"{name:<12} mean ok {mean:6.1f} req/s, not 2xx {sum(f['non_2xx_3xx'] for f in done)} in {len(done)} "
                  f"runs; tree after the runs {tree_memory_mb(servers[name][0].pid)}")
    finally:
        for server, _, _ in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
