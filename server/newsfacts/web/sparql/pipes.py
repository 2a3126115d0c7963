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


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise Deadline()
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise Deadline()
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise PipeClosed()
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read(fd: int, deadline: float | None = None) -> tuple[dict, bytes]:
    """One message; ``deadline`` is a time.monotonic() value (None: wait for ever)."""
    header_size, body_size = PREFIX.unpack(_read_exactly(fd, PREFIX.size, deadline))
    header = json.loads(_read_exactly(fd, header_size, deadline).decode("utf-8"))
    body = _read_exactly(fd, body_size, deadline) if body_size else b""
    return header, body
