"""Shared helpers of the SPARQL endpoint tests (no tests here).

- ``drain``: read a server's output pipes (a server whose log pipe fills up
  stops answering); each module's ``sparql_server`` fixture drains ``server``;
- ``LIMITED_ENV``: small limits (2 s timeout, 25 rows, 4 KiB queries, 256 MB)
  for the timeout, memory, crash, busy and row-cap tests;
- ``Listener``: a loopback socket server that counts connection attempts, to
  prove that nothing ever connects out;
- process-tree CPU time and query worker pids from /proc.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import requests

SPARQL_JSON = "application/sparql-results+json"
LIMITED_ENV = {
    "NEWSFACTS_QUERY_TIMEOUT_S": "2",
    "NEWSFACTS_MAX_ROWS": "25",
    "NEWSFACTS_MAX_QUERY_BYTES": "4096",
    "NEWSFACTS_QUERY_MEMORY_MB": "256",
    "NEWSFACTS_QUERY_WORKERS": "4",
    "NEWSFACTS_WORKERS": "1",  # one web process, so that every query of a test meets the same pool of query workers
}
# Three copies of the store joined with each other: about 9e10 rows, far beyond any timeout.
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def drain(running) -> None:
    """Read a server's stdout and stderr for ever (in daemon threads), once."""
    if getattr(running, "_drained", False):
        return
    running._drained = True
    for stream in (running.process.stdout, running.process.stderr):
        if stream is not None:
            threading.Thread(target=lambda s=stream: [None for _ in iter(s.readline, "")], daemon=True).start()


def query(server, text: str, accept: str = SPARQL_JSON, method: str = "GET", **params) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    if method == "GET":
        return requests.get(server.url + "/sparql", params={"query": text, **params}, headers=headers, timeout=60)
    if method == "FORM":
        return requests.post(server.url + "/sparql", data={"query": text, **params}, headers=headers, timeout=60)
    headers["Content-Type"] = "application/sparql-query"
    return requests.post(server.url + "/sparql", params=params, data=text.encode("utf-8"), headers=headers, timeout=60)


def assert_answers_normally(server) -> None:
    """The server still evaluates queries after whatever happened before."""
    response = query(server, "ASK { ?s ?p ?o }")
    assert response.status_code == 200, response.text
    assert response.json() == {"head": {}, "boolean": True}


def assert_error(response: requests.Response, status: int, *words: str) -> dict:
    """The one error shape, with its status and a message that says what happened."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    for word in words:
        assert word.lower() in (body["title"] + " " + body["detail"]).lower(), (word, body)
    return body


class Listener:
    """A TCP server on a free loopback port that records every connection attempt (and answers nothing)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections: list = []
        self._open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self._open:
            try:
                connection, address = self.socket.accept()
            except OSError:
                return
            self.connections.append(address)
            connection.close()

    def close(self) -> None:
        self._open = False
        self.socket.close()


# --- processes, from /proc ---------------------------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from 'state' on (the name may contain spaces)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (a granian server: its web workers, and their query workers)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def query_workers(pid: int) -> list[int]:
    """The SPARQL query worker processes of a server (whichever web process below ``pid`` started them)."""
    found = []
    for child in descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"newsfacts.web.sparql.worker" in command:
            found.append(child)
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time of a process tree: each live process's own time and that of the children it reaped."""
    total = 0
    for member in [pid, *descendants(pid)]:
        fields = _stat(member)
        if fields:
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICKS


def process_cpu(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS if fields else 0.0


def busy_workers(server_pid: int, window_s: float = 0.4, share: float = 0.25) -> list[int]:
    """Worker processes of a server that used more than ``share`` of a core during the window."""
    before = {pid: process_cpu(pid) for pid in query_workers(server_pid)}
    time.sleep(window_s)
    return [pid for pid, cpu in before.items() if process_cpu(pid) - cpu > window_s * share]


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"
