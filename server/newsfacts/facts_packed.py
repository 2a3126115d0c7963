"""Facts files held packed while a build runs.

What the checks across files and the later stages read of a facts file (its path, article, entities, reports and
draft marker) is kept as it is; the whole file as read is kept pickled and compressed, and unpacked one file at a
time by the stages that read the rest (the checks of each file, grounding and mapping). Why: a corpus's claims and
events held as Python objects were the largest part of a 10M build's memory (about 1.5 GB for 24,000 articles),
and Python keeps most of the memory of many small objects even after they are let go of; packed, a generated
article takes about 2.4 KB instead of 64 KB (BENCHMARKS.md).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .facts import ArticleFacts, FactsLimits, read_facts_file
from .problems import Problem

#: zlib's fastest level: the facts compress about 3.5 times, and packing is done once per file read.
LEVEL = 1


def light(facts: ArticleFacts) -> ArticleFacts:
    """The facts of a file without what only the checks of that file, grounding and mapping read (a corpus's
    claims and events are most of its facts)."""
    return dataclasses.replace(facts, events=[], office_holdings=[], designations=[], claims=[])


def pack(facts: ArticleFacts) -> bytes:
    return zlib.compress(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL), LEVEL)


def unpack(packed: bytes) -> ArticleFacts:
    return pickle.loads(zlib.decompress(packed))


def _read_packed(path: Path, limits: FactsLimits) -> tuple[ArticleFacts | None, bytes, list[Problem]]:
    facts, problems = read_facts_file(path, limits)
    return (None, b"", problems) if facts is None else (light(facts), pack(facts), problems)


def read_packed(paths: list[Path], limits: FactsLimits) -> tuple[list[ArticleFacts], dict[Path, bytes], list[Problem]]:
    """Read these facts files, in their order (many on all cores, packed there): each file's light facts, each
    file's whole facts packed by its path, and the problems of the files that could not be read."""
    read = functools.partial(_read_packed, limits=limits)
    workers = os.cpu_count() or 1
    if len(paths) >= 200 and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(read, paths, chunksize=50)
            return _collected(results)
    return _collected(read(path) for path in paths)


def _collected(results) -> tuple[list[ArticleFacts], dict[Path, bytes], list[Problem]]:
    files, packed, problems = [], {}, []
    for facts, blob, file_problems in results:
        problems.extend(file_problems)
        if facts is not None:
            files.append(facts)
            packed[facts.path] = blob
    return files, packed, problems
