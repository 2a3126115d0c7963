"""Dump files of a release: compressed, deterministic, each with its size and SHA-256, made of per-graph parts."""

from __future__ import annotations

import gzip
import hashlib
import json
import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import collector
from .json_indented import indented
from .prefixes import PREFIXES


@dataclass(frozen=True)
class DumpFormat:
    key: str
    suffix: str
    media_type: str
    rdf_format: ox.RdfFormat
    quads: bool  # keeps named graphs

    def order(self, graphs) -> list[str]:
        """The graphs in the order this format's dump holds them: by name, or by name as N-Quads writes it."""
        return sorted(graphs) if self.key == "jsonld" else sorted(graphs, key=lambda g: f"<{g}>")


DUMP_FORMATS = (
    DumpFormat("nquads", "nq.gz", "application/n-quads", ox.RdfFormat.N_QUADS, True),
    DumpFormat("trig", "trig.gz", "application/trig", ox.RdfFormat.TRIG, True),
    DumpFormat("turtle", "ttl.gz", "text/turtle", ox.RdfFormat.TURTLE, False),
    DumpFormat("jsonld", "jsonld.gz", "application/ld+json", ox.RdfFormat.JSON_LD, True),
)


@dataclass(frozen=True)
class DumpFile:
    name: str
    media_type: str
    compression: str | None
    byte_size: int
    sha256: str


@dataclass(frozen=True)
class PreviousDump:
    """A previous release's dump of one format and where each member of an article's graph is in it: a new dump
    copies the runs of members that follow one another in both (os.copy_file_range, the kernel copying) instead
    of reading each member's file: a +1 build at 10M triples read 96,000 of them (BENCHMARKS.md)."""

    path: Path
    spans: dict[str, tuple[int, int]]  # graph -> offset and size of its member
    files: dict[str, str]  # graph -> its member's file, to check that a run is where the spans say


def previous_dump(path: Path, fmt: DumpFormat, head: bytes, files: dict[str, str]) -> PreviousDump | None:
    """The spans of the members ``files`` (every graph of an article in the dump at ``path``, whose head member
    is ``head``): they come first, in the format's order; None when a member's file is missing."""
    spans, offset = {}, len(member(head)) if head else 0
    try:
        for graph in fmt.order(files):
            size = os.stat(files[graph]).st_size
            spans[graph] = (offset, size)
            offset += size
    except OSError:
        return None
    return PreviousDump(path, spans, files)


def _copy_run(out, previous: PreviousDump, graphs: list[str]) -> bool:
    """Copy the members of ``graphs`` (consecutive in ``previous``) into ``out``, when the first and the last are
    in ``previous`` where its spans say; False, and nothing written, when not."""
    start, _ = previous.spans[graphs[0]]
    end = sum(previous.spans[graphs[-1]])
    out.flush()  # what is buffered goes first; the kernel then writes at the file's offset, and moves it
    target = out.fileno()
    written = os.lseek(target, 0, os.SEEK_CUR)
    try:
        with open(previous.path, "rb", buffering=0) as source:
            for graph in {graphs[0], graphs[-1]}:
                offset, size = previous.spans[graph]
                with open(previous.files[graph], "rb") as kept:
                    if os.pread(source.fileno(), size, offset) != kept.read():
                        return False
            at = start
            while at < end:
                copied = os.copy_file_range(source.fileno(), target, end - at, at)
                if copied == 0:
                    raise OSError(f"{previous.path} ends before its members do")
                at += copied
    except OSError:
        os.ftruncate(target, written)  # nothing of the run is kept: it is written member by member
        os.lseek(target, written, os.SEEK_SET)
        return False
    return True


def _write_members(out, graphs: list[str], members: dict[str, dict[str, bytes]], key: str,
                   previous: PreviousDump | None, copyable: set[str]) -> None:
    """Write the members in format ``key`` of ``graphs`` into ``out``, in order; the runs of ``copyable`` graphs
    that follow one another in ``previous`` too are copied from it."""
    run: list[str] = []

    def flush() -> None:
        if run and not _copy_run(out, previous, run):
            for graph in run:
                out.write(members[graph][key])
        run.clear()

    for graph in graphs:
        span = previous.spans.get(graph) if previous is not None and graph in copyable else None
        if span is None:
            flush()
            out.write(members[graph][key])
            continue
        if run and sum(previous.spans[run[-1]]) != span[0]:
            flush()
        run.append(graph)
    flush()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_file(path: Path, media_type: str, compression: str | None) -> DumpFile:
    return DumpFile(path.name, media_type, compression, path.stat().st_size, file_digest(path))


def member(data: bytes) -> bytes:
    """One gzip member: no name, no time, so that the same data gives the same bytes."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def _without_prefixes(data: bytes) -> bytes:
    """A Turtle or TriG serialization without its leading @prefix lines (written once, at the top of a dump)."""
    at = 0
    while data.startswith(b"@prefix ", at):
        at = data.index(b"\n", at) + 1
    return data[at:]


def _indented(item: dict) -> str:
    """A named graph's JSON-LD object as it stands inside the dataset document's "@graph" array (indent 1)."""
    return "  " + indented(item, "\n  ")


class DumpWriter:
    """Dumps made of one gzip member per named graph (and one for the head and the tail of each format).

    A multi-member gzip file is a valid gzip file (RFC 1952), read whole by gzip, zcat and every gzip library.
    Each graph's member depends only on that graph's quads, the prefixes and the JSON-LD context, so the members
    of an article's graph are kept with its part and reused by later builds, which then only concatenate: the
    files are the same bytes whether their members were made now or reused. Within a dump, graphs come in the
    order of their names and quads sorted; Turtle holds the triples of each graph in turn (no triple is in two
    graphs); in JSON-LD each graph's object but the last ends with the comma that separates it from the next."""

    def __init__(self, base_iri: str, vocabulary: list[ox.Triple]):
        from .web.linked_data.rdf_output import make_context  # the context /context.jsonld publishes

        self.base_iri, self.vocabulary = base_iri, vocabulary  # what a worker process makes its own writer of
        self.prefixes = dict(PREFIXES, nfe=f"{base_iri}entity/")
        self.context = make_context(vocabulary)
        sample = [ox.Quad(ox.NamedNode(f"{base_iri}s"), ox.NamedNode(f"{base_iri}p"), ox.NamedNode(f"{base_iri}o"),
                          ox.NamedNode(f"{base_iri}g"))]
        document = json.dumps({"@context": self.context["@context"], "@graph": []}, ensure_ascii=False, indent=1)
        self.heads = {"nquads": b"", "jsonld": document.removesuffix("[]\n}").encode() + b"[\n"}
        for key, rdf_format, items in (("trig", ox.RdfFormat.TRIG, sample), ("turtle", ox.RdfFormat.TURTLE,
                                                                               [q.triple for q in sample])):
            data = ox.serialize(items, format=rdf_format, prefixes=self.prefixes)
            self.heads[key] = data[:len(data) - len(_without_prefixes(data))]
        self.tails = {"nquads": b"", "trig": b"", "turtle": b"", "jsonld": b"\n ]\n}\n"}

    def members(self, quads: list[ox.Quad], last: bool = False) -> dict[str, bytes]:
        """The gzip member of one named graph's quads in each format (``last``: the last graph of the JSON-LD)."""
        return {key: member(value) for key, value in self.texts(quads, last).items()}

    def texts(self, quads: list[ox.Quad], last: bool = False) -> dict[str, bytes]:
        """What ``members`` compresses: one named graph's quads in each format."""
        # the graph's object of compact_dataset_jsonld, made directly (not written as JSON and read back)
        from .web.linked_data.rdf_output import _compact_nodes

        ordered = sorted(quads, key=str)
        item = {"id": ordered[0].graph_name.value, "@graph": _compact_nodes([q.triple for q in ordered], self.context)}
        data = {"nquads": ox.serialize(ordered, format=ox.RdfFormat.N_QUADS),
                "trig": _without_prefixes(ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=self.prefixes)),
                "turtle": _without_prefixes(ox.serialize([q.triple for q in ordered], format=ox.RdfFormat.TURTLE,
                                                         prefixes=self.prefixes)),
                "jsonld": (_indented(item) + ("" if last else ",\n")).encode("utf-8")}
        return data

    def write(self, quads: list[ox.Quad], folder: Path, stem: str, known: dict[str, dict[str, bytes]],
              others: dict | None = None, previous: dict[str, PreviousDump] | None = None
              ) -> tuple[list[DumpFile], dict[str, dict[str, bytes]], dict[str, tuple[int, bytes]]]:
        """Write every dump format of ``quads`` and of the graphs ``others`` (name -> its quads, read only if its
        members are made); the members of graphs in ``known`` are not made again, and are copied from the
        ``previous`` dump of their format (by format key) where they follow one another in it. Returns the files,
        the members made (but the last graph's: its JSON-LD member ends the document), and of each graph whose
        members were made, its number of quads and its N-Quads member (a change set's added quads reuse them)."""
        return self._write(quads, folder, stem, known, others, previous)

    def _write(self, quads: list[ox.Quad], folder: Path, stem: str, known: dict[str, dict[str, bytes]],
               others: dict | None, previous: dict[str, PreviousDump] | None = None
               ) -> tuple[list[DumpFile], dict[str, dict[str, bytes]], dict[str, tuple[int, bytes]]]:
        folder.mkdir(parents=True, exist_ok=True)
        by_graph: dict[str, list[ox.Quad]] = {}
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise ValueError("a release has no triples in the default graph")
            by_graph.setdefault(q.graph_name.value, []).append(q)
        by_graph.update(others or {})
        last = max(by_graph)  # the last graph of the JSON-LD document, whose object has no comma after it
        wanted = [g for g in by_graph if g not in known or g == last]
        # serialised here, one graph after the other, and compressed in threads meanwhile (zlib releases the GIL);
        # serialising in threads too was slower: each thread waited for the GIL after each compression
        made: dict[str, dict[str, bytes]] = {}
        sizes: dict[str, int] = {}
        workers = os.cpu_count() or 1
        if workers > 1 and sum(1 for g in wanted if g in (others or {})) >= PARALLEL_GRAPHS:
            self._made_in_workers(wanted, by_graph, others, last, made, sizes, workers)
            wanted = [g for g in wanted if g not in made]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque = deque()
            for graph in wanted:
                quads = list(by_graph[graph])  # read now, if ``others`` holds it as an iterable
                sizes[graph] = len(quads)
                pending.append((graph, {key: pool.submit(member, text)
                                        for key, text in self.texts(quads, graph == last).items()}))
                del quads
                while len(pending) > 8 or (graph == wanted[-1] and pending):  # a few graphs' texts held at a time
                    done, futures = pending.popleft()
                    made[done] = {key: future.result() for key, future in futures.items()}
        made = {graph: made[graph] for graph in by_graph if graph in made}  # in the order of the graphs, as before
        members = {**known, **made}
        files = []
        for fmt in DUMP_FORMATS:
            path = folder / f"{stem}.{fmt.suffix}"
            with open(path, "wb") as out:
                if self.heads[fmt.key]:
                    out.write(member(self.heads[fmt.key]))
                _write_members(out, fmt.order(by_graph), members, fmt.key, (previous or {}).get(fmt.key),
                               set(known) - {last})
                if self.tails[fmt.key]:
                    out.write(member(self.tails[fmt.key]))
            files.append(describe_file(path, fmt.media_type, "gzip"))
        nquads = {graph: (sizes[graph], members["nquads"]) for graph, members in made.items()}
        made.pop(last)  # made for this document's end: not for reuse
        return files, made, nquads

    def _made_in_workers(self, wanted: list[str], by_graph: dict, others: dict, last: str,
                         made: dict[str, dict[str, bytes]], sizes: dict[str, int], workers: int) -> None:
        """The members of the graphs of ``others`` in ``wanted`` (articles' graphs, each read from its part by the
        worker), made by worker processes, one per core, a few graphs in flight at a time: into ``made`` and
        ``sizes``. Making the texts is Python work (JSON-LD above all) that one process does on one core."""
        vocabulary = ox.serialize(self.vocabulary, format=ox.RdfFormat.N_TRIPLES)
        # spawned, as validation's workers: a worker holds the graphs it is making, not the build's heap
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_start_writer, initargs=(self.base_iri, vocabulary)) as pool:
            pending: deque = deque()
            for graph in (g for g in wanted if g in others):
                pending.append((graph, pool.submit(_graph_members, by_graph[graph], graph == last)))
                while len(pending) > 4 * workers or (pending and graph == wanted[-1]):
                    done, future = pending.popleft()
                    sizes[done], made[done] = future.result()
            while pending:
                done, future = pending.popleft()
                sizes[done], made[done] = future.result()


#: From this many graphs of articles to make on, their members are made in worker processes.
PARALLEL_GRAPHS = 200

_writer: DumpWriter | None = None


def _start_writer(base_iri: str, vocabulary: bytes) -> None:
    global _writer
    _writer = DumpWriter(base_iri, [q.triple for q in ox.parse(vocabulary, format=ox.RdfFormat.N_TRIPLES)])


def _graph_members(quads, last: bool) -> tuple[int, dict[str, bytes]]:
    """A worker's: the number of a graph's quads and its members (``DumpWriter.members``)."""
    with collector.paused():  # a spawned worker does not inherit the build's pause
        quads = list(quads)
        return len(quads), _writer.members(quads, last)
