"""The build's pause of CPython's cyclic garbage collector.

A build holds its corpus as millions of long-lived Python objects (quads, terms, parts) while it makes millions
of short-lived ones; each of the collector's full passes walks every live object, and they come every few
thousand allocations. At a million triples a full build took 136.7 s with them and 108.7 s without
(BENCHMARKS.md). Reference counting still frees every object as soon as nothing refers to it; only garbage in
reference cycles waits until the collector runs again, after the build (the peak memory of the build's process
tree went from 3,309 to 3,373 MB). Worker processes forked by the build inherit the pause; spawned ones
(validation.py) pause it themselves.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector back as it was after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
