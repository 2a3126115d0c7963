"""Shared fixtures: a release built from the shipped facts, and a real server process serving it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from newsfacts.build import build
from newsfacts.config import PROJECT_ROOT, Settings

SOURCES = PROJECT_ROOT.parent / "shared" / "sources"
# Builds of the tests leave out the stored documents (seconds each), except the session's release below, which
# every HTTP test reads, and the fresh clone's, which runs with the defaults.
os.environ.setdefault("NEWSFACTS_STORE_DOCUMENTS", "no")
ARTICLE = "iran-venezuela-drone-facility"
# A shell starts a background job (`pytest &`, `nohup … &`) with SIGINT ignored, and servers started from here
# would inherit that: Ctrl-C (SIGINT) would not stop them. The tests send SIGINT as a terminal does, so the servers
# they start get its default handling, as in a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or too busy starting to answer
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    if not SOURCES.is_dir():
        pytest.skip("../shared/sources is not beside the project")
    return SOURCES


@pytest.fixture(scope="session")
def releases_dir(tmp_path_factory, sources_dir) -> Path:
    """A releases folder whose current release is the shipped facts, built once per test session."""
    folder = tmp_path_factory.mktemp("releases")
    build(Settings.load({"releases_dir": str(folder), "sources_dir": str(sources_dir), "store_documents": "yes"}))
    return folder


@pytest.fixture(scope="session")
def release(releases_dir):
    from newsfacts.release import current_release

    return current_release(releases_dir)


@pytest.fixture(scope="session")
def store(release):
    return release.open_store()


class RunningServer:
    """A server process whose output goes to a log file (a pipe nobody reads would fill up and stall it)."""

    def __init__(self, command: list[str], env: dict, url: str, cwd: Path | None = None):
        self.url = url
        self.log = tempfile.NamedTemporaryFile(prefix="newsfacts-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT, text=True, cwd=cwd)
        try:
            wait_for_http(url + "/", self.process)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}; server output:\n{self.output()}") from exc

    def output(self) -> str:
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def start_server(releases_dir: Path | None, extra_env: dict | None = None, command: list[str] | None = None,
                 cwd: Path | None = None, port: int | None = None) -> RunningServer:
    """A server on a free port (or ``port``); ``releases_dir`` None leaves the releases folder to the default
    (``releases`` in ``cwd``). ``{port}`` in the command or in an environment value is the port."""
    port = port or free_port()
    env = dict(os.environ, **{name: value.replace("{port}", str(port)) for name, value in (extra_env or {}).items()})
    env.pop("NEWSFACTS_RELEASES_DIR", None)
    if releases_dir is not None:
        env["NEWSFACTS_RELEASES_DIR"] = str(releases_dir)
    command = command or [sys.executable, "-m", "newsfacts.cli", "serve", "--port", str(port)]
    command = [part.replace("{port}", str(port)) for part in command]
    return RunningServer(command, env, f"http://127.0.0.1:{port}", cwd)


@pytest.fixture(scope="session")
def server(releases_dir):
    """A real `newsfacts serve` process on a free loopback port, serving the shipped release."""
    running = start_server(releases_dir)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def small_pages(releases_dir):
    """A second server on the shipped release, with pages of 5 incoming links or claims and previews of 2 claims
    (paging is seen at once)."""
    running = start_server(releases_dir, {"NEWSFACTS_PAGE_SIZE": "5", "NEWSFACTS_LINKS_PAGE_SIZE": "5",
                                          "NEWSFACTS_PREVIEW_SIZE": "2"})
    yield running
    running.stop()


@pytest.fixture(scope="session")
def other_base_server(tmp_path_factory, sources_dir):
    """A release built with the serving host as its base IRI (``http://127.0.0.1:<port>/``), and a server on that
    port serving it: what a newcomer gets who sets ``base_iri`` to their own server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    folder = tmp_path_factory.mktemp("other-base-releases")
    build(Settings.load({"releases_dir": str(folder), "sources_dir": str(sources_dir), "base_iri": base}))
    running = start_server(folder, {"NEWSFACTS_BASE_IRI": base}, port=port)
    running.base_iri = base
    running.releases_dir = folder
    yield running
    running.stop()


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory):
    """The real Virtuoso server (tests/remote_stores.py), one per test module: it starts slowly."""
    from remote_stores import VirtuosoServer

    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(params=["oxigraph", "virtuoso"])
def store_server(request, tmp_path):
    """A running remote store, Oxigraph (one per test) or Virtuoso (one per module: it starts slowly; each
    publish replaces the release it holds)."""
    from remote_stores import OxigraphServer

    if request.param == "oxigraph":
        server = OxigraphServer(tmp_path / "oxigraph-data")
        yield server
        server.stop()
    else:
        server = request.getfixturevalue("virtuoso_server")
        yield server
        if server.process.poll() is not None:
            server.start()
