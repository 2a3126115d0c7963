"""An article part's quads held as N-Quads text, and the corpus's quads read part by part.

A quad as a Python object costs about 530 bytes, its N-Quads line about a third of that; the lists, sets and
dicts over a million of them cost as much again. A build keeps each article's quads as the N-Quads text its
mapping made (``NQuadsText``) and parses them again each time a stage reads them: a stage then holds the quads
of one article (or one graph) at a time, not the corpus's (BENCHMARKS.md, "A full build in bounded memory").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

import pyoxigraph as ox

#: The part number of a subject whose statements are in more than one part or in the shared graphs.
SPREAD = -1


class NQuadsText:
    """Quads kept as their N-Quads text (one quad a line), parsed anew each time they are iterated."""

    def __init__(self, data: bytes):
        self.data = data

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(ox.parse(self.data, format=ox.RdfFormat.N_QUADS))

    def __len__(self) -> int:
        return self.data.count(b"\n")  # a line break inside a literal is written \n: one line a quad

    def nquads(self) -> bytes:
        return self.data


class NQuadsFile(NQuadsText):
    """Quads kept in an N-Quads file (one quad a line), read and parsed anew each time they are iterated."""

    def __init__(self, path: Path):
        self.path = path

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()


def kept_in(folder: Path, number: int, text: bytes) -> NQuadsFile:
    """``text`` written to ``folder``/``number``.nq, and the quads read from there."""
    path = folder / f"{number}.nq"
    path.write_bytes(text)
    return NQuadsFile(path)


def kept_as_text(quads) -> bool:
    """Whether a part's quads are kept as N-Quads text (a file, or the text a worker made): its lines can then be
    chosen by their text before any is parsed."""
    return hasattr(quads, "nquads")


def graph_end(graph: str) -> bytes:
    """How the N-Quads line of a quad in ``graph`` ends (an IRI holds no space: no other graph's line ends so)."""
    return f" <{graph}> .".encode()


def lines_of(quads) -> list[bytes]:
    """The N-Quads lines of a part's quads (``part_nquads``), without their line breaks."""
    return part_nquads(quads).split(b"\n")[:-1]


def parsed(lines: Iterable[bytes]) -> list[ox.Quad]:
    """The quads of N-Quads lines."""
    data = b"\n".join(lines)
    return list(ox.parse(data + b"\n", format=ox.RdfFormat.N_QUADS)) if data else []


def graph_of(line: bytes) -> str:
    """The graph IRI of an N-Quads line in a named graph (its last term: no IRI holds a space)."""
    return line[line.rindex(b" <") + 2:-3].decode("utf-8")


def subject_of(line: bytes) -> str:
    """The subject of an N-Quads line as ``Quad.subject.value`` gives it: an IRI, or a blank node's id."""
    term = line[:line.index(b" ")]
    return (term[1:-1] if term.startswith(b"<") else term[2:]).decode("utf-8")


def named_iris(lines: Iterable[bytes], prefixes: tuple[str, ...]) -> set[str]:
    """The IRIs starting with one of ``prefixes`` that are the subject or the object of N-Quads lines (as the
    quads' ``subject.value`` and ``object.value`` give them). A line's terms are read from its start: the subject
    and the predicate hold no space, and an object IRI no ``>``; a literal object is not read."""
    wanted = tuple(f"<{prefix}".encode() for prefix in prefixes)
    found: set[bytes] = set()
    for line in lines:
        subject_end = line.index(b" ")
        if line.startswith(wanted):
            found.add(line[1:subject_end - 1])
        at = line.index(b" ", subject_end + 1) + 1  # the object's first character
        if line.startswith(wanted, at):
            found.add(line[at + 1:line.index(b">", at)])
    return {iri.decode("utf-8") for iri in found}


class GraphQuads:
    """The quads of ``quads`` in one named graph, distinct, read each time they are iterated. A part kept as
    N-Quads text is filtered line by line and only the graph's lines are parsed (a quad's line is one to one with
    the quad: distinct lines are distinct quads)."""

    def __init__(self, quads: Iterable[ox.Quad], graph: str):
        self.quads, self.graph = quads, graph
        self.size: int | None = None

    def lines(self) -> list[bytes]:
        """The graph's distinct N-Quads lines, in the order of the part's (its quads kept as text only)."""
        end = graph_end(self.graph)
        found = list(dict.fromkeys(line for line in lines_of(self.quads) if line.endswith(end)))
        self.size = len(found)
        return found

    def __iter__(self) -> Iterator[ox.Quad]:
        if kept_as_text(self.quads):
            found = parsed(self.lines())
        else:
            found = dict.fromkeys(q for q in self.quads if q.graph_name.value == self.graph)
        self.size = len(found)
        return iter(found)

    def __len__(self) -> int:
        if self.size is None:
            self.size = sum(1 for _ in self)
        return self.size


class CorpusQuads:
    """The quads a build may change, each time they are iterated read again from the parts: the quads of the
    articles mapped by this build outside the entities graph (each part's distinct quads; no two parts share a
    graph), then ``shared``: the entity descriptions (the union of every part's), the vocabulary and the links.
    The same quads, in the same order, as the list a build held before."""

    def __init__(self, parts: list, entities_graph: str, shared: list[ox.Quad]):
        self.parts, self.entities_graph, self.shared = parts, entities_graph, shared

    def articles(self, *, mapped: bool = True) -> Iterator[ox.Quad]:
        """The quads of the articles mapped by this build (``mapped``) or reused from the previous release."""
        end = graph_end(self.entities_graph)
        for part in self.parts:
            if part.mapped == mapped:
                if kept_as_text(part.quads):  # only the lines wanted are parsed
                    yield from parsed(dict.fromkeys(line for line in lines_of(part.quads) if not line.endswith(end)))
                else:
                    yield from dict.fromkeys(q for q in part.quads if q.graph_name.value != self.entities_graph)

    def about(self, prefix: str) -> list[ox.Quad]:
        """The quads of ``__iter__`` whose subject is an IRI that starts with ``prefix``, in the same order (the
        parts' lines chosen by their text, only those parsed)."""
        end, start = graph_end(self.entities_graph), f"<{prefix}".encode()
        found: list[ox.Quad] = []
        for part in self.parts:
            if part.mapped and kept_as_text(part.quads):
                found += parsed(dict.fromkeys(line for line in lines_of(part.quads)
                                              if line.startswith(start) and not line.endswith(end)))
            elif part.mapped:
                found += [q for q in dict.fromkeys(q for q in part.quads if q.graph_name.value != self.entities_graph)
                          if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)]
        return found + [q for q in self.shared if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)]

    def __iter__(self) -> Iterator[ox.Quad]:
        yield from self.articles()
        yield from self.shared

    def __len__(self) -> int:
        return sum(1 for _ in self)  # a pass over the parts

    def every(self) -> Iterator[ox.Quad]:
        """Every quad of the release (the reused articles' too), each once."""
        yield from self
        yield from self.articles(mapped=False)

    def subjects_and_predicates(self) -> tuple[dict[str, int], set[str]]:
        """The subjects and the predicates of every quad of the release (``every``), as N-Quads terms ("<iri>",
        "_:id"), those of the parts kept as text read from their lines; each subject with the number of the part
        (in ``parts``) that holds all its statements, or SPREAD when they are in more than one part or in the
        shared graphs (search_parts.py)."""
        subjects: dict[str, int] = {}
        predicates: set[str] = set()
        for number, part in enumerate(self.parts):
            for subject, predicate in _subjects_and_predicates(part.quads):
                if subjects.setdefault(subject, number) != number:
                    subjects[subject] = SPREAD
                predicates.add(predicate)
        for q in self.shared:
            subjects[str(q.subject)] = SPREAD
            predicates.add(str(q.predicate))
        return subjects, predicates

    def graphs(self) -> dict[str, Iterable[ox.Quad]]:
        """What ``__iter__`` gives, by graph, in the order of the graphs' N-Quads text: each article's graph read
        from its part when it is iterated, the shared graphs as lists."""
        found: dict[str, Iterable[ox.Quad]] = {}
        end = graph_end(self.entities_graph)
        for part in self.parts:
            if not part.mapped:
                continue
            if kept_as_text(part.quads):  # the first line outside the entities graph names the article's
                graph = next((graph_of(line) for line in lines_of(part.quads) if not line.endswith(end)), None)
            else:
                graph = next((q.graph_name.value for q in part.quads if q.graph_name.value != self.entities_graph), None)
            if graph is not None:
                found[graph] = GraphQuads(part.quads, graph)
        for q in self.shared:
            found.setdefault(q.graph_name.value, []).append(q)
        return {graph: found[graph] for graph in sorted(found, key=lambda graph: f"<{graph}>")}

    def in_graph(self, graph: str) -> list[ox.Quad]:
        """The shared quads in ``graph`` (the entities, vocabulary or links graph)."""
        return [q for q in self.shared if q.graph_name.value == graph]

    def nquads(self, size: int) -> Iterator[bytes]:
        """Every quad of the release as N-Quads text, about ``size`` quads at a time, whole parts (the entity
        descriptions of each part as well: each is one of the shared ones, which a store holds once)."""
        batch: list[bytes] = []
        held = 0
        texts = chain((part_nquads(part.quads) for part in self.parts), [ox.serialize(self.shared, format=ox.RdfFormat.N_QUADS)])
        for data in texts:
            batch.append(data)
            held += data.count(b"\n")
            if held >= size:
                yield b"".join(batch)
                batch, held = [], 0
        if batch:
            yield b"".join(batch)


def _subjects_and_predicates(quads) -> Iterator[tuple[str, str]]:
    """The subject and the predicate of each of a part's quads, as N-Quads terms: read from the lines of a part
    kept as text (the subject and the predicate hold no space)."""
    if kept_as_text(quads):
        for line in lines_of(quads):
            at = line.index(b" ")
            yield line[:at].decode("utf-8"), line[at + 1:line.index(b" ", at + 1)].decode("utf-8")
    else:
        for q in quads:
            yield str(q.subject), str(q.predicate)


def part_nquads(quads) -> bytes:
    """A part's quads as N-Quads text: the text it is kept as, or read from its file, or serialised."""
    if kept_as_text(quads):
        return quads.nquads()
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
