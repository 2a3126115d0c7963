"""Real SPARQL servers for the remote-store tests, each started in its own folder and stopped afterwards:
Oxigraph (`oxigraph serve`, PyPI package oxigraph) and Virtuoso (`virtuoso-t`, Debian's virtuoso-opensource)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import free_port, wait_for_http
from newsfacts.config import PROJECT_ROOT, Settings

#: Virtuoso creates its database on first start (about 30 s on an idle machine): generous under load.
VIRTUOSO_START_S = 300
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 2000
MaxDirtyBuffers = 1200
MaxQueryMem = 200M
ThreadsPerQuery = 2
DefaultIsolation = 4

[HTTPServer]
ServerPort = {http_port}
ServerRoot = {dir}
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not os.access(found, os.X_OK):
        pytest.skip("the oxigraph server (PyPI package oxigraph) is not installed")
    return found


class OxigraphServer:
    name = "oxigraph"
    settings: dict = {}

    def __init__(self, location: Path):
        self.port = free_port()
        self.location = location
        self.url = f"http://127.0.0.1:{self.port}"
        self.query_url = f"{self.url}/query"
        self.update_url = f"{self.url}/update"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}",
             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_http(self.query_url, self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class VirtuosoServer:
    """Virtuoso with its database, log and ini in ``folder``, on free ports, with little memory; its updates
    need the default account (dba/dba) over HTTP digest authentication."""

    name = "virtuoso"
    settings = {"store_user": "dba", "store_password": "dba"}

    def __init__(self, folder: Path):
        binary = shutil.which("virtuoso-t")
        if binary is None:
            pytest.skip("the Virtuoso server (Debian package virtuoso-opensource) is not installed")
        self.binary, self.folder = binary, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        (folder / "virtuoso.ini").write_text(
            VIRTUOSO_INI.format(dir=folder, sql_port=free_port(), http_port=self.port), encoding="utf-8")
        self.url = f"http://127.0.0.1:{self.port}"
        self.query_url = f"{self.url}/sparql"
        self.update_url = f"{self.url}/sparql-auth"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "+configfile", str(self.folder / "virtuoso.ini"), "+foreground"],
                                        cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + VIRTUOSO_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "virtuoso.log").read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}:\n{log}")
            try:
                if requests.post(self.query_url, data={"query": "ASK {}"}, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"Virtuoso did not answer at {self.query_url} within {VIRTUOSO_START_S} s")

    def stop(self) -> None:
        self.process.terminate()  # a clean shutdown: checkpoint, then exit
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def update(server: OxigraphServer | VirtuosoServer, text: str) -> None:
    """Send a SPARQL Update straight to ``server`` (with its credentials), not through newsfacts."""
    credentials = server.settings
    auth = requests.auth.HTTPDigestAuth(credentials["store_user"], credentials["store_password"]) if credentials else None
    requests.post(server.update_url, data=text.encode(), auth=auth, headers={"Content-Type": "application/sparql-update"},
                  timeout=60).raise_for_status()


# ---------------------------------------------------------------- fixtures and settings the remote-store tests share

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
CLAIMS = "SELECT ?c WHERE { ?c a <https://newsfacts.example/ontology/Claim> }"


def settings(tmp_path: Path, store, facts: Path = SECOND / "facts", **extra) -> Settings:
    """Settings publishing to ``store``: 'embedded', a URL, or a running server (with its credentials)."""
    if not isinstance(store, str):
        extra = {**store.settings, **extra}
        store = store.query_url
    return Settings.load({"facts_dir": str(facts), "sources_dir": str(SECOND / "sources"),
                          "releases_dir": str(tmp_path / "releases"), "store": store, **extra})
