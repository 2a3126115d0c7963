"""Messages between the web process and a query worker over its stdin/stdout pipes.

A message is an 8-byte prefix (length of a JSON header, length of a body),
the header (a JSON object) and the body (bytes). The web process reads with a
deadline so that a worker that never answers can be killed.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time

PREFIX = struct.Struct(">II")
#: The fields of a query worker's job that stay the same from one query to the next (the release and the settings).
#: A worker keeps those of the last job marked ``"context": true``; the pool sends them again only when they change.
CONTEXT = ("store", "base_iri", "query_prefixes", "limits_url")


class PipeClosed(Exception):
    """The other end closed the pipe (a worker that died)."""


class Deadline(Exception):
    """Nothing (or not all) arrived before the deadline."""


def encode(header: dict, body: bytes = b"") -> bytes:
    data = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return PREFIX.pack(len(data), len(body)) + data + body


def write(fd: int, header: dict, body: bytes = b"") -> None:
    view = memoryview(encode(header, body))
    while view:
        written = os.write(fd, view)
        view = view[written:]


FIRST_READ = 1 << 16  # the first read of a message takes this much at most: most messages arrive in one


def _wait(fd: int, deadline: float | None) -> None:
    if deadline is None:
        return
    wait = deadline - time.monotonic()
    if wait <= 0 or not select.select([fd], [], [], wait)[0]:
        raise Deadline()


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        _wait(fd, deadline)
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise PipeClosed()
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read(fd: int, deadline: float | None = None) -> tuple[dict, bytes]:
    """One message; ``deadline`` is a time.monotonic() value (None: wait for ever).

    One wait and one read fetch the prefix and whatever of the message is already in the pipe (all of a small
    one); only the rest is read by size. Reading ahead cannot take a part of the next message: each side sends
    one message and then waits for the other's answer (the worker's "ready", then a job, its answer, a job …).
    """
    _wait(fd, deadline)
    data = os.read(fd, FIRST_READ)
    if not data:
        raise PipeClosed()
    if len(data) < PREFIX.size:
        data += _read_exactly(fd, PREFIX.size - len(data), deadline)
    header_size, body_size = PREFIX.unpack_from(data)
    header_end = PREFIX.size + header_size
    if len(data) < header_end:
        data += _read_exactly(fd, header_end - len(data), deadline)
    header = json.loads(data[PREFIX.size:header_end].decode("utf-8"))
    body = data[header_end:]
    if len(body) < body_size:  # a large body: the rest joined to what came first (one copy)
        body += _read_exactly(fd, body_size - len(body), deadline)
    return header, body
