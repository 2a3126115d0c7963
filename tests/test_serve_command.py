"""`newsfacts serve`: granian with --workers by default, Werkzeug behind --dev, the same settings in every web worker,
the URL printed, and the whole process tree gone after SIGTERM or SIGINT."""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from conftest import start_server
from test_sparql_support import alive, descendants, query_workers

SERVE = [sys.executable, "-m", "newsfacts.cli", "serve"]


def web_workers(pid: int) -> list[int]:
    return [p for p in descendants(pid) if p not in query_workers(pid)]


def process_state(pid: int) -> str:
    """What a process is doing, for a failure message: its command, state, signal masks and its threads' waits."""
    proc = Path("/proc") / str(pid)
    try:
        command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        status = [line for line in (proc / "status").read_text().splitlines()
                  if line.split(":")[0] in ("State", "Threads", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")]
        threads = [f"{(t / 'comm').read_text().strip()}: {(t / 'wchan').read_text()}" for t in (proc / "task").iterdir()]
    except OSError:
        return f"{pid}: gone"
    return f"{pid} {command}\n  " + "; ".join(status) + "\n  threads: " + ", ".join(threads)


def stop_with(running, signum: int) -> list[int]:
    """Send ``signum`` to the server; return the processes of its tree still alive 10 s later."""
    tree = descendants(running.process.pid)
    running.process.send_signal(signum)
    try:
        running.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the server did not exit within 15 s of {signal.Signals(signum).name}:\n"
                             + "\n".join(process_state(p) for p in [running.process.pid, *tree])
                             + "\nits output:\n" + running.output()[-3000:]) from None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in tree):
        time.sleep(0.1)
    return [p for p in tree if alive(p)]


def test_serve_runs_granian_with_the_given_workers_and_settings(releases_dir, tmp_path):
    """The releases folder is given on the command line only (the environment names an empty one): if the web
    workers did not get the command's settings, they would find no release and answer 503."""
    running = start_server(tmp_path / "empty", command=[*SERVE, "--releases-dir", str(releases_dir), "--workers", "3",
                                                        "--port", "{port}"])
    try:
        landing = requests.get(running.url + "/", timeout=10)
        assert landing.status_code == 200 and landing.headers["Server"] == "granian"
        assert requests.get(running.url + "/entity/iran.ttl", timeout=10).status_code == 200
        ask = requests.get(running.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        assert len(web_workers(running.process.pid)) == 3
        assert query_workers(running.process.pid)  # the query went to a worker process below a web worker
        assert f"serving on {running.url}/ with granian, 3 worker(s)" in running.output()
        assert stop_with(running, signal.SIGTERM) == []
        assert running.process.returncode == 0
    finally:
        running.stop()


def test_dev_serves_with_werkzeug_and_stops_on_sigint(releases_dir):
    running = start_server(releases_dir, command=[*SERVE, "--dev", "--port", "{port}"])
    try:
        landing = requests.get(running.url + "/", timeout=10)
        assert landing.status_code == 200 and landing.headers["Server"].startswith("Werkzeug/")
        ask = requests.get(running.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        assert f"serving on {running.url}/ with the development server" in running.output()
        assert stop_with(running, signal.SIGINT) == []
    finally:
        running.stop()


def test_workers_below_one_is_a_usage_error(tmp_path):
    done = subprocess.run([*SERVE, "--workers", "0", "--releases-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "workers must be at least 1" in done.stderr and "Traceback" not in done.stderr


def test_dumps_download_when_the_releases_folder_is_relative(releases_dir, tmp_path):
    """Regression: with the default `releases` folder (relative, in the working directory) every dump answered 500,
    because the file was looked up relative to the package instead of the working directory."""
    shutil.copytree(releases_dir, tmp_path / "releases", symlinks=True)
    running = start_server(None, cwd=tmp_path)
    try:
        listing = requests.get(running.url + "/dumps", headers={"Accept": "text/html"}, timeout=10)
        assert listing.status_code == 200
        links = sorted(set(re.findall(r'href="(/dumps/[^"]+)"', listing.text)))
        assert len(links) >= 4, links
        for link in links:
            version, name = link.split("/")[2:4]
            if version == "latest":  # the alias of the current release's dumps
                version = (tmp_path / "releases" / "current").resolve().name
                name = name.replace("latest", version)
            response = requests.get(running.url + link, timeout=30)
            on_disk = (tmp_path / "releases" / version / "dumps" / name).read_bytes()
            assert response.status_code == 200, (link, response.status_code, response.text[:300])
            assert hashlib.sha256(response.content).digest() == hashlib.sha256(on_disk).digest(), link
    finally:
        running.stop()
