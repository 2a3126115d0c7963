"""Articles grounded and mapped on all cores: the workers send N-Quads back (pickling the quads themselves costs
more than mapping them), and each result is kept as it comes (the build writes it to a file: part_quads.kept_in)."""

from __future__ import annotations

import functools
import os
from concurrent.futures import ProcessPoolExecutor

from .facts_packed import unpack
from .grounding import GroundingResult, ground
from .mapping import Mapper
from .problems import Problem

#: The fewest articles mapped in worker processes (fewer are mapped here: starting the workers costs more).
MAP_IN_WORKERS = 100


def ground_and_map(mapper: Mapper, packed: list[bytes], sources_dir: str, max_source_text_bytes: int,
                   keep=None) -> list[tuple[GroundingResult, list[Problem], object]]:
    """Each packed file (facts_packed.py) unpacked, grounded in its source text (grounding.ground), then mapped
    unless that found problems: its grounding result, problems, and N-Quads (or what ``keep(number, text)`` makes
    of them), in order, on all cores when there are many."""
    keep = keep or (lambda _number, text: text)
    each = functools.partial(_ground_and_map, mapper, sources_dir, max_source_text_bytes)
    return [(result, problems, keep(n, text)) for n, (result, problems, text) in enumerate(_on_all_cores(each, packed))]


def _ground_and_map(mapper: Mapper, sources_dir: str, max_source_text_bytes: int,
                    packed: bytes) -> tuple[GroundingResult, list[Problem], bytes]:
    facts = unpack(packed)
    (result,), problems = ground([facts], sources_dir, max_source_text_bytes)
    return result, problems, b"" if problems else mapper.to_nquads(facts)


def _on_all_cores(function, items: list):
    """``function`` of each item, in order, as each comes; on all cores from ``MAP_IN_WORKERS`` items on."""
    workers = os.cpu_count() or 1
    if len(items) < MAP_IN_WORKERS or workers < 2:
        yield from (function(item) for item in items)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(function, items, chunksize=max(1, min(50, len(items) // (4 * workers))))
