"""A small per-process cache of rendered documents.

A release never changes, so a document is a pure function of (release, resource, format, language, page): the
cache key holds these and nothing else from the request (no raw path, query string or host), so a client cannot
make new entries by varying what the document does not depend on, and a new release simply misses. Bounded by
number of entries and by the bytes of keys and bodies together, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

MAX_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 10_000
ENTRY_OVERHEAD = 200  # bytes an entry costs beyond its key and body (tuple, dict slot): counted so tiny ones add up


def key_bytes(key: tuple) -> int:
    return sum(len(part.encode("utf-8")) if isinstance(part, str) else len(str(part)) for part in key)


class DocumentCache:
    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES):
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def accounted_bytes(self) -> int:
        """Bytes of every key and body held (plus a fixed overhead per entry)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple, body: bytes) -> None:
        size = self.size_of(key, body)
        if size > self.max_bytes // 8:
            return  # a very large document is not worth evicting many others for (and a budget of 0 holds none)
        with self._lock:
            if key in self._items:
                return
            self._items[key] = body
            self._bytes += size
            while self._bytes > self.max_bytes or len(self._items) > self.max_entries:
                old_key, evicted = self._items.popitem(last=False)
                self._bytes -= self.size_of(old_key, evicted)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @staticmethod
    def size_of(key: tuple, body: bytes) -> int:
        return key_bytes(key) + len(body) + ENTRY_OVERHEAD
