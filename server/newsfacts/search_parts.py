"""A full build's search index records made from the articles' N-Quads text, the store asked only what crosses them.

Reading a thing's statements from the store costs 14-28 µs a quad (each term's text is looked up in the store's
dictionary) and 25-55 µs a pattern asked; a full build has every article's part as N-Quads text, which parses
several times faster. So the records of a thing whose statements are all in one part (a claim, an event, an
article: each in its article's graph) are made from that part's lines: the lines whose subject is the thing, then
those of its evidence, their targets and their selectors (catalog.records reads no more). The store is still
asked what may cross parts: the claims that mention the thing, and whether an office holding names it as holder.

A thing is made from the store as before (search_update.records_from_store) when its statements are in more than
one part or in the shared graphs (an entity: its description is in the entities graph), when it holds an office,
or when a node of its evidence is not in the parts read. Either way its record is the same
(tests/test_search_parts.py compares the records made both ways in each of these cases, tests/test_stream_build.py
a build's index with the one made from every quad).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .catalog import NF, OA, READ_PREDICATES, SUBCLASS_OF, Record, kind_of, records
from .part_quads import SPREAD, parsed, part_nquads

HOLDER = ox.NamedNode(NF + "holder")
MENTIONS = ox.NamedNode(NF + "mentions")
#: The evidence chain of a claim, as catalog.records follows it: a claim's evidence, its targets, their selectors.
CHAIN = (NF + "hasEvidence", OA + "hasTarget", OA + "hasSelector")
#: The predicates records read, as N-Quads terms: the other lines are not parsed.
_READ = frozenset(f"<{predicate}>".encode() for predicate in READ_PREDICATES)
#: Literals the store keeps as they are written; any other datatype may be kept in canonical form ("5"^^xsd:byte
#: and "05"^^xsd:byte are one value there), so those read from text are put through a store too.
_AS_WRITTEN = ("http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")


#: A batch of things is made from the parts' text when they hold at least this many of its things a part on
#: average; else from the store. An article's part holds one article and about ten claims and ten events: a batch
#: of articles would read 2,000 parts (900,000 lines at 10M triples) for 10 lines of each.
THINGS_A_PART = 4


@dataclass
class PartsText:
    """Where each findable thing's statements are: the number of the one part they are all in, or SPREAD."""

    things: list[str]  # the findable things' IRIs, sorted
    part_of: array  # for each of ``things``, its part's number, or SPREAD
    spread: frozenset[str]  # the IRIs that are the subject of lines in more than one part or in the shared graphs
    source: Callable[[int], str | bytes]  # a part's text, or the path of the file that holds it

    @classmethod
    def of(cls, subjects: dict[str, int], parts: list, base_iri: str) -> PartsText:
        """From ``subjects`` (N-Quads term -> part number or SPREAD: part_quads.CorpusQuads.subjects_and_predicates)
        and the parts they number."""
        things = sorted(iri for iri in (s[1:-1] for s in subjects if s[:1] == "<") if kind_of(iri, base_iri) is not None)
        part_of = array("i", (subjects[f"<{iri}>"] for iri in things))
        spread = frozenset(s[1:-1] for s, number in subjects.items() if number == SPREAD and s[:1] == "<")

        def source(number: int) -> str | bytes:
            quads = parts[number].quads
            path = getattr(quads, "path", None)  # a part read from its file (part_quads.NQuadsFile, LazyQuads)
            return str(path) if isinstance(path, Path) else part_nquads(quads)

        return cls(things, part_of, spread, source)

    def sources(self, start: int, end: int) -> list[str | bytes] | None:
        """The texts (or files) of the parts that hold the statements of ``things[start:end]``; None when there are
        more than one for every ``THINGS_A_PART`` things (the store reads those things' statements quicker)."""
        numbers = sorted(set(self.part_of[start:end]) - {SPREAD})
        if len(numbers) * THINGS_A_PART > end - start:
            return None
        return [self.source(number) for number in numbers]


def records_from_parts(store: ox.Store, iris: list[str], texts: list[str | bytes], spread: frozenset[str],
                       base_iri: str, skip_graph: str, from_store: Callable[[set[str]], list[Record]]) -> list[Record]:
    """The index records of ``iris`` (sorted), in their order: made from ``texts`` (the N-Quads text of parts, or
    their files' paths) where the thing's statements are all there, else by ``from_store``; each thing's mentions
    counted in ``store`` outside ``skip_graph``."""
    lines = [line for text in texts for line in (Path(text).read_bytes() if isinstance(text, str) else text).split(b"\n")
             if line]
    local = [iri for iri in iris if iri not in spread and next(store.quads_for_pattern(
        None, HOLDER, ox.NamedNode(iri), None), None) is None]
    by_subject = _statements(lines, local)
    supers = [q for q in store.quads_for_pattern(None, ox.NamedNode(SUBCLASS_OF), None, None)
              if q.graph_name.value != skip_graph]
    made_here = {iri for iri in local if iri in by_subject and _chain_within(iri, by_subject, spread)}
    made = [r for r in records([q for own in by_subject.values() for q in own] + supers, base_iri) if r.iri in made_here]
    count_mentions(store, made, skip_graph)
    others = set(iris) - made_here
    return sorted(made + (from_store(others) if others else []), key=lambda r: r.iri)


def count_mentions(store: ox.Store, made: list[Record], skip_graph: str) -> None:
    """Set each record's ``mentioned_by``: the claims that mention it. They are counted, not made into records
    that are then left out: at 10M triples the most mentioned entity has 61,501 of them."""
    for record in made:
        record.mentioned_by = sum(1 for q in store.quads_for_pattern(None, MENTIONS, ox.NamedNode(record.iri), None)
                                  if isinstance(q.subject, ox.NamedNode) and q.graph_name.value != skip_graph)


def _statements(lines: list[bytes], iris: list[str]) -> dict[str, list[ox.Quad]]:
    """The quads of ``lines`` whose subject is one of ``iris`` or a node of their evidence chains (CHAIN), by
    subject, of the predicates records read; the lines are grouped by their subject's text, and only those wanted
    are parsed, a link of the chain at a time."""
    grouped: dict[bytes, list[bytes]] = {}
    for line in lines:
        at = line.index(b" ")
        if line[at + 1:line.index(b" ", at + 1)] in _READ:
            grouped.setdefault(line[:at], []).append(line)
    found: dict[str, list[ox.Quad]] = {}
    wanted = {f"<{iri}>".encode() for iri in iris}
    for predicate in (*CHAIN, None):
        if not wanted:
            break
        level = _canonical(parsed(dict.fromkeys(line for subject in wanted for line in grouped.get(subject, ()))))
        for q in level:
            found.setdefault(q.subject.value, []).append(q)
        wanted = {f"<{q.object.value}>".encode() for q in level if predicate is not None and q.predicate.value == predicate
                  and isinstance(q.object, ox.NamedNode) and q.object.value not in found}
    return found


def _chain_within(iri: str, by_subject: dict[str, list[ox.Quad]], spread: frozenset[str]) -> bool:
    """Whether every node of the evidence chain of ``iri`` has its statements in ``by_subject``, all of them (a node
    not in ``spread`` has its statements in one part)."""
    level = [iri]
    for predicate in CHAIN:
        level = [q.object.value for subject in level for q in by_subject.get(subject, ())
                 if q.predicate.value == predicate and isinstance(q.object, ox.NamedNode)]
        if any(node in spread or node not in by_subject for node in level):
            return False
    return True


def _canonical(quads: list[ox.Quad]) -> list[ox.Quad]:
    """``quads`` as the store keeps them: the literals of datatypes it may write in canonical form put through an
    in-memory store (the same encoding as the release's)."""
    typed = [q for q in quads if isinstance(q.object, ox.Literal) and q.object.datatype.value not in _AS_WRITTEN]
    if not typed:
        return quads
    held = ox.Store()
    held.extend(typed)
    kept = set(typed)
    return [q for q in quads if q not in kept] + list(held)
