"""Cold start of the server on a store of about ten million triples.

    python benchmarks/cold_start_10m.py --release RELEASES/current [--copies 10]

Building ten million triples through the whole pipeline needs more memory than this machine has (the build
holds about 2.2 GB per million triples), so this takes an existing release of about one million triples, writes
``--copies`` copies of its N-Quads dump with the minted IRIs renamed per copy (the vocabulary is shared), loads
them with `oxigraph load` into a release folder of its own, and times the production server from process start
to the first answered request, for a query and for a document. Prints the figures; writes nothing in the
project.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

MINTED = ("entity/", "article/", "report/", "event/", "situation/", "claim/", "evidence/", "graph/article/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_copies(dump: Path, out: Path, copies: int, base: str) -> int:
    lines = 0
    with gzip.open(dump, "rt", encoding="utf-8") as source:
        original = source.readlines()
    with open(out, "w", encoding="utf-8") as target:
        for n in range(copies):
            for line in original:
                if n:
                    for prefix in MINTED:
                        line = line.replace(f"<{base}{prefix}", f"<{base}{prefix}copy{n}-")
                target.write(line)
                lines += 1
    return lines


def time_first_answer(releases: Path, url_path: str, accept: str) -> tuple[float, int]:
    port = free_port()
    env = dict(os.environ, NEWSFACTS_RELEASES_DIR=str(releases))
    started = time.perf_counter()
    server = subprocess.Popen([str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "2", "newsfacts.web.wsgi:app"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}{url_path}", headers={"Accept": accept}, timeout=60)
                return time.perf_counter() - started, response.status_code
            except requests.ConnectionError:
                if time.perf_counter() - started > 60:
                    raise TimeoutError("the server did not answer within 60 s") from None
                time.sleep(0.02)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--release", required=True, type=Path, help="a release folder of about a million triples")
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    manifest = json.loads((args.release / "manifest.json").read_text())
    dump = next(args.release / "dumps" / d["name"] for d in manifest["dumps"] if d["name"].endswith(".nq.gz"))
    base = manifest["base_iri"]
    with tempfile.TemporaryDirectory(prefix="newsfacts-10m-") as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        quads = write_copies(dump, tmp / "all.nq", args.copies, base)
        print(f"wrote {quads:,} quads in {time.perf_counter() - started:.0f} s")
        release = tmp / "releases" / "big"
        (release / "dumps").mkdir(parents=True)
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "oxigraph"), "load", "--location", str(release / "store"),
                        "--file", str(tmp / "all.nq")], check=True, capture_output=True)
        print(f"oxigraph load: {time.perf_counter() - started:.0f} s")
        (tmp / "all.nq").unlink()
        (release / "manifest.json").write_text(json.dumps(dict(manifest, version="big", quads=quads, dumps=[])))
        shutil.copy(args.release / "void.ttl", release / "void.ttl")
        os.symlink("big", tmp / "releases" / "current")
        for path, accept in (("/sparql?query=ASK%20%7B%7D", "application/sparql-results+json"),
                             ("/entity/synthetic-2399.ttl", "text/turtle")):
            seconds, status = time_first_answer(tmp / "releases", path, accept)
            print(f"cold start to first answer of {path}: {seconds:.2f} s (status {status})")


if __name__ == "__main__":
    main()
