"""A small per-process cache of rendered documents.

A release never changes, so a document is a pure function of (release, URL, format, language): the
cache key holds all four and a new release simply misses. Bounded in bytes, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

MAX_BYTES = 64 * 1024 * 1024


class DocumentCache:
    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return  # a very large document is not worth evicting many others for
        with self._lock:
            if key in self._items:
                return
            self._items[key] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted)
