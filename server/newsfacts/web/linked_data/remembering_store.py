"""A store that remembers what the documents of many things ask of it again and again (for the build).

Rendering every thing's documents looks up the labels of the same linked things, and the statements and quotes
of the same claims, on page after page: an entity's label on every page that links to it, a claim's text on its
article's, its event's, its speakers' pages. A release never changes, so each answer can be kept: the first time
a thing is asked about, the per-subject query is run for it alone; after that, its triples come from memory.

Each such query binds its subjects with ``VALUES`` and the store answers subject by subject, in the order
given, dropping repeated triples (``CONSTRUCT``), so the answer for a list of things is the answers for each
thing, one after another, without repeats: the same triples in the same order, so the same documents
(``tests/test_documents_rendering.py`` renders documents both ways and compares the bytes).
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

#: Things remembered per kind of query (a few triples each): the labels of a large corpus's linked things, and
#: the claims of the articles near each other in the order the build renders them.
REMEMBERED = 20_000


class RememberingStore:
    """The read-only store of a release, with each thing's answer to a per-subject query kept once asked.

    Queries and pattern look-ups go to the store as they are; ``per_subject`` answers from memory."""

    def __init__(self, store: ox.Store):
        self.store = store
        self._answers: dict[str, dict[str, list[ox.Triple]]] = {}

    def __getattr__(self, name: str):  # query, quads_for_pattern, named_graphs…: the store's own
        return getattr(self.store, name)

    def per_subject(self, kind: str, iris: list[str], ask: Callable[[list[str]], list[ox.Triple]]) -> list[ox.Triple]:
        """The answer of ``ask(iris)``: each IRI's answer (``ask([iri])``, asked once per kind of query), in
        the order of ``iris``, a triple repeated only once."""
        known = self._answers.setdefault(kind, {})
        found: list[ox.Triple] = []
        for iri in iris:
            answer = known.get(iri)
            if answer is None:
                if len(known) >= REMEMBERED:  # memory stays bounded at any corpus size; what is asked again is asked soon
                    known.clear()
                answer = known[iri] = ask([iri])
            found += answer
        return list(dict.fromkeys(found)) if len(iris) > 1 else found


def per_subject(store, kind: str, iris: list[str], ask: Callable[[list[str]], list[ox.Triple]]) -> list[ox.Triple]:
    """``ask(iris)``, answered from memory when ``store`` remembers (a ``RememberingStore``)."""
    if isinstance(store, RememberingStore):
        return store.per_subject(kind, iris, ask)
    return ask(iris)
