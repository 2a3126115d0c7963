"""A release's N-Quads dump read back: whole, or a graph (a gzip member) at a time with each member's bytes.

The dump is written one gzip member per graph (``dumps.DumpWriter``), and a member depends only on its graph's
quads, so a member read back can be compared with one made by a later build to the byte: equal bytes, the same
quads (``history.compute``).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path

import pyoxigraph as ox

from .part_quads import GraphQuads, NQuadsText, graph_end, graph_of
from .release import DUMPS_DIR, Release


def previous_quads(release: Release | None) -> set[ox.Quad]:
    """The quads of a release, read from its N-Quads dump (nothing for no release)."""
    if release is None:
        return set()
    with gzip.open(_nquads_dump(release), "rb") as data:
        return set(ox.parse(data, format=ox.RdfFormat.N_QUADS))


class DumpGraphs:
    """A release's quads by graph, read from its N-Quads dump one graph at a time each time they are iterated:
    the dump holds one gzip member per graph (``dumps.DumpWriter``), each given as its bytes and its graph's
    N-Quads text (``GraphQuads``, parsed only if read as quads). The change set of a full build against a large
    release then holds one of that release's graphs at a time, not all of it, and skips every graph whose member
    is the new dump's to the byte. A member of several graphs (older releases sorted all quads in one) is parsed
    and given a run of a graph at a time; a graph found twice means such a dump, which ``history.compute``
    then reads whole."""

    def __init__(self, release: Release):
        self.path = _nquads_dump(release)

    def __iter__(self) -> Iterator[tuple[str, Iterable[ox.Quad]]]:
        for graph, _, quads in self.members():
            yield graph, quads

    def members(self) -> Iterator[tuple[str, bytes | None, Iterable[ox.Quad]]]:
        """Each graph, its member's bytes (None for a run of a member of several graphs) and its quads."""
        for packed, text in gzip_members(self.path):
            graph = _only_graph(text)
            if graph is not None:
                yield graph, packed, GraphQuads(NQuadsText(text), graph)
                continue
            for graph, quads in groupby(ox.parse(text, format=ox.RdfFormat.N_QUADS),
                                        key=lambda q: getattr(q.graph_name, "value", "")):
                yield graph, None, list(quads)


def gzip_members(path: Path, block: int = 1 << 20) -> Iterator[tuple[bytes, bytes]]:
    """The members of a gzip file, in order: each one's bytes and its decompressed data (one member at a time)."""
    with open(path, "rb") as handle:
        pending = handle.read(block)
        while pending:
            inflater = zlib.decompressobj(wbits=31)  # one gzip member: it stops at the member's end
            packed, data = [], []
            while not inflater.eof:
                chunk = pending or handle.read(block)
                if not chunk:
                    raise EOFError(f"{path} ends inside a gzip member")
                data.append(inflater.decompress(chunk))
                packed.append(chunk[:len(chunk) - len(inflater.unused_data)])
                pending = inflater.unused_data
            yield b"".join(packed), b"".join(data)
            pending = pending or handle.read(block)


def _only_graph(text: bytes) -> str | None:
    """The named graph of every line of N-Quads ``text``, or None when they are in more than one (or none).
    Counted, not read line by line: a line break inside a literal is written \\n, so each line ends the text
    once (" <graph> .\\n") and no other way."""
    first = text[:text.find(b"\n")]
    if not first.endswith(b"> ."):
        return None
    graph = graph_of(first)
    return graph if text.count(graph_end(graph) + b"\n") == text.count(b"\n") else None


def _nquads_dump(release: Release) -> Path:
    return release.path / DUMPS_DIR / f"newsfacts-{release.version}.nq.gz"
