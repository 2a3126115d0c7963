"""What each process of a server's tree holds, from /proc/<pid>/smaps: RSS, PSS and private memory by kind of mapping.

    python benchmarks/process_memory.py <pid>      # the process and its descendants, one line each

Kinds: ``heap`` (the brk heap: malloc's main arena), ``anon`` (anonymous mappings: other malloc arenas, large
allocations such as RocksDB's block cache and table readers, Python's object arenas, thread stacks), ``store`` (files
of a release's store mapped into memory), ``sqlite`` (the release's SQLite files), ``pyoxigraph`` (its shared
library), ``python`` (the interpreter and the extension modules of the standard library and of the packages) and
``other`` (everything else). Used by documents_benchmark.py after its load.
"""

from __future__ import annotations

import sys
from pathlib import Path

from load import process_tree

KINDS = ("heap", "anon", "store", "sqlite", "pyoxigraph", "python", "other")


def kind_of(name: str) -> str:
    if name == "[heap]":
        return "heap"
    if not name or name.startswith("[anon") or name in ("[stack]",):
        return "anon"
    if "/store/" in name:
        return "store"
    if name.endswith((".sqlite", ".sqlite-wal", ".db")):
        return "sqlite"
    if "pyoxigraph" in name:
        return "pyoxigraph"
    if "python" in name or name.endswith(".so") or ".so." in name:
        return "python"
    return "other"


def smaps_by_kind(pid: int) -> dict[str, dict[str, float]]:
    """{kind: {"rss": MB, "pss": MB, "private": MB}} for one process."""
    out = {kind: {"rss": 0, "pss": 0, "private": 0} for kind in KINDS}
    kind = "other"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(None, 1)[0]
        if not first.endswith(":"):  # a mapping's header: address perms offset dev inode [name]
            parts = line.split(None, 5)
            kind = kind_of(parts[5].strip() if len(parts) > 5 else "")
            continue
        key = first[:-1]
        if key == "Rss":
            out[kind]["rss"] += int(line.split()[1])
        elif key == "Pss":
            out[kind]["pss"] += int(line.split()[1])
        elif key in ("Private_Clean", "Private_Dirty"):
            out[kind]["private"] += int(line.split()[1])
    return {kind: {k: round(v / 1024, 1) for k, v in figures.items()} for kind, figures in out.items()}


def role_of(pid: int, root: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    if pid == root:
        return "server (main)"
    if any(part.endswith(b"sparql.worker") for part in command):
        return "query worker"
    return "web worker"


def breakdown(root: int) -> list[dict]:
    """One entry per process of the tree: pid, role, and its figures by kind (MB) with the totals."""
    rows = []
    for pid in process_tree(root):
        try:
            kinds = smaps_by_kind(pid)
            role = role_of(pid, root)
        except OSError:
            continue
        total = {k: round(sum(f[k] for f in kinds.values()), 1) for k in ("rss", "pss", "private")}
        rows.append({"pid": pid, "role": role, "total": total, "kinds": kinds})
    return rows


def format_breakdown(rows: list[dict]) -> str:
    header = f"{'pid':>7} {'role':<14} {'RSS':>6} {'PSS':>6} {'priv':>6}  " + " ".join(f"{k:>10}" for k in KINDS)
    lines = [header, " " * 38 + "  (each kind: RSS/private MB)"]
    for row in rows:
        t = row["total"]
        lines.append(f"{row['pid']:>7} {row['role']:<14} {t['rss']:>6.1f} {t['pss']:>6.1f} {t['private']:>6.1f}  "
                     + " ".join(f"{row['kinds'][k]['rss']:>5.0f}/{row['kinds'][k]['private']:<4.0f}" for k in KINDS))
    rss, pss = sum(r["total"]["rss"] for r in rows), sum(r["total"]["pss"] for r in rows)
    lines.append(f"{'tree':>7} {len(rows):>2} processes   {rss:>6.1f} {pss:>6.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_breakdown(breakdown(int(sys.argv[1]))))
