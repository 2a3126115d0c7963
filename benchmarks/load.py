"""Load and process measurement for the serving benchmark: servers started and timed, wrk runs, /proc figures.

Used by benchmarks/serve_benchmark.py; no dependency beyond requests and the wrk command (Debian package).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# wrk cycles through the requests of a scenario (each with its own Accept header). A request marked "bust" gets
# a query parameter no other request has (the server ignores it: its document cache is keyed on the resource, so
# only a server started with NEWSFACTS_DOCUMENT_CACHE_MB=0 renders every request). done() prints the figures on one
# line, latencies in microseconds.
LUA = """
local requests = {%s}
local i = math.random(#requests)
local counter = 0
local prefix = tostring(math.random(1000000000))
request = function()
  i = i %% #requests + 1
  local r = requests[i]
  local path = r[1]
  if r[3] then
    counter = counter + 1
    local sep = "?"
    if string.find(path, "?", 1, true) then sep = "&" end
    path = path .. sep .. "nocache=" .. prefix .. "-" .. counter
  end
  local headers = {["Accept"] = r[2]}
  if r[5] then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  if r[6] ~= "" then headers["Accept-Language"] = r[6] end
  if r[7] ~= "" then headers["Accept-Encoding"] = r[7] end
  return wrk.format(r[4], path, headers, r[5])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.timeout, summary.bytes))
end
"""


@dataclass(frozen=True)
class Request:
    path: str
    accept: str
    bust_cache: bool = False
    method: str = "GET"
    body: str | None = None  # a form, URL-encoded (ASCII: it is written into the Lua script as it is)
    lang: str = ""  # Accept-Language, when not empty
    encoding: str = ""  # Accept-Encoding, when not empty


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (threads are not processes here)."""
    children, tree, stack = _children(), [], [pid]
    while stack:
        current = stack.pop()
        tree.append(current)
        stack.extend(children.get(current, []))
    return tree


def tree_memory_mb(pid: int) -> dict:
    """Resident memory of the whole process tree: the sum of VmRSS (pages shared between processes counted once
    per process, the usual 'RSS of the tree'), and the sum of PSS (shared pages divided among their sharers)."""
    rss = pss = 0
    tree = process_tree(pid)
    for member in tree:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return {"rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1), "processes": len(tree)}


def tree_cpu_s(pid: int) -> float:
    """CPU time of the process tree so far, that of its members already ended and reaped included (a query worker
    killed at its timeout and replaced: its time is added to its parent's cutime/cstime when the parent waits for it)."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])  # utime, stime, cutime, cstime
    return total / CLOCK_TICKS


def machine_busy_s() -> float:
    """CPU time used by the whole machine so far (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def wait_quiet(limit_s: float, cores: float = 0.25, window_s: float = 2.0, besides: int | None = None) -> tuple[float, float]:
    """Wait until the machine uses under `cores` cores over a window, not counting the process tree `besides`
    (nothing else running that would spoil a measurement), at most limit_s; returns the seconds waited and the
    last load seen, in cores."""
    started = time.perf_counter()
    while True:
        before, own = machine_busy_s(), tree_cpu_s(besides) if besides else 0.0
        time.sleep(window_s)
        own = (tree_cpu_s(besides) - own) if besides else 0.0
        load = max(0.0, machine_busy_s() - before - own) / window_s
        if load < cores or time.perf_counter() - started >= limit_s:
            return time.perf_counter() - started, load


def wait_idle(pid: int, limit_s: float, window_s: float = 0.5, busy_fraction: float = 0.05) -> float:
    """Wait until the process tree uses under busy_fraction of one core over a window (background warm-up
    done), at most limit_s; returns the seconds waited."""
    started = time.perf_counter()
    before = tree_cpu_s(pid)
    while time.perf_counter() - started < limit_s:
        time.sleep(window_s)
        after = tree_cpu_s(pid)
        if after - before < busy_fraction * window_s:
            break
        before = after
    return time.perf_counter() - started


class Server:
    """A server process in a session of its own (so that stop() ends exactly the processes it started), timed
    from the start of the process to the first HTTP answer of any status to the probe URL."""

    def __init__(self, name: str, command: list[str], probe: str, accept: str, log: Path, env: dict | None = None,
                 timeout_s: float = 600):
        self.name = name
        self.log = log
        self._log_handle = open(log, "w")  # noqa: SIM115
        started = time.perf_counter()
        self.process = subprocess.Popen(command, env=dict(os.environ, **(env or {})), stdout=self._log_handle,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = started + timeout_s
        session = requests.Session()
        while True:
            try:
                session.get(probe, headers={"Accept": accept}, timeout=max(1.0, deadline - time.perf_counter()))
                break
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"{name} did not answer {probe} (exit {self.process.returncode}); see {log}")
            time.sleep(0.01)
        self.cold_start_s = time.perf_counter() - started

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # workers that outlived their parent are still in its process group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log_handle.close()


def wrk_command(cpu: int | None) -> list[str]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    if cpu is not None and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu), wrk]
    return [wrk]


def run_wrk(root: str, load: list[Request], connections: int, duration_s: float, cpu: int | None,
            server_pid: int | None = None) -> dict:
    """One bounded wrk run (one thread, `connections` connections, duration_s seconds). Also reports the CPU used
    meanwhile by the server's process tree, by wrk, and by everything else on the machine (other_cores: work that
    competed with the measurement)."""
    entries = ", ".join(f"{{{json.dumps(r.path)}, {json.dumps(r.accept)}, {'true' if r.bust_cache else 'false'}, "
                        f"{json.dumps(r.method)}, {json.dumps(r.body) if r.body is not None else 'nil'}, "
                        f"{json.dumps(r.lang)}, {json.dumps(r.encoding)}}}" for r in load)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(LUA % entries)
        script = handle.name
    try:
        command = wrk_command(cpu) + ["-t", "1", "-c", str(connections), "-d", f"{max(1, round(duration_s))}s",
                                      "--timeout", "30s", "-s", script, root]
        busy, server, children = machine_busy_s(), tree_cpu_s(server_pid) if server_pid else 0.0, _children_cpu_s()
        started = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + 90).stdout
        elapsed = time.perf_counter() - started
        busy, children = machine_busy_s() - busy, _children_cpu_s() - children
        server = (tree_cpu_s(server_pid) - server) if server_pid else 0.0
    finally:
        os.unlink(script)
    line = next((row for row in out.splitlines() if row.startswith("RESULT")), None)
    if line is None:
        return {"error": "wrk printed no result", "output": out[-500:]}
    done, micros, p50, p95, p99, worst, status, connect, read, timeout, received = (int(x) for x in line.split()[1:])
    seconds = micros / 1e6
    return {"connections": connections, "duration_s": round(seconds, 3), "requests": done,
            "non_2xx_3xx": status, "socket_errors": connect + read + timeout,
            "rps": round(done / seconds, 1), "ok_rps": round((done - status) / seconds, 1),
            "p50_ms": p50 / 1000, "p95_ms": p95 / 1000, "p99_ms": p99 / 1000, "max_ms": worst / 1000,
            "mb_per_s": round(received / seconds / 1e6, 2), "server_cores": round(server / elapsed, 2),
            "wrk_cores": round(children / elapsed, 2),
            "other_cores": round(max(0.0, busy - server - children) / elapsed, 2)}


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
