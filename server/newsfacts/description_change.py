"""The dataset description's counts of an incremental build, from the previous release's counts and the change.

A full build counts distinct triples, subjects, predicates, objects, typed subjects and entities in Python sets
of the whole corpus (dataset.counts_of); counting them with SPARQL on the store costs about as much (0.8 s at
100k triples, measured). An incremental build instead reads the previous release's counts from its description
(its store's dataset graph, and its manifest for the quads of each graph) and looks up, in the previous store
and the new one, only the triples and terms of the quads the change removed or added: each count moves by one
for every triple or term present in one store and not in the other (the description graph itself left out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox

from .dataset import EXAMPLE_RESOURCES, RDF_TYPE, VOID, Counts, dataset_iri


def previous_counts(store: ox.Store, graph: str, base_iri: str, graphs: dict[str, int]) -> Counts | None:
    """The counts the description in ``graph`` of ``store`` gives (None if it has none); ``graphs`` from the
    release's manifest."""
    g, ds = ox.NamedNode(graph), ox.NamedNode(dataset_iri(base_iri))

    def value(subject, name: str) -> str | None:
        found = next(store.quads_for_pattern(subject, ox.NamedNode(VOID + name), None, g), None)
        return found.object.value if found is not None else None

    numbers = {name: value(ds, name) for name in ("triples", "distinctSubjects", "properties", "distinctObjects",
                                                   "entities")}
    if None in numbers.values():
        return None
    classes = {}
    for q in store.quads_for_pattern(ds, ox.NamedNode(VOID + "classPartition"), None, g):
        classes[value(q.object, "class")] = int(value(q.object, "entities"))
    examples = {q.object.value for q in store.quads_for_pattern(ds, ox.NamedNode(VOID + "exampleResource"), None, g)}
    return Counts(int(numbers["triples"]), int(numbers["distinctSubjects"]), int(numbers["properties"]),
                  int(numbers["distinctObjects"]), classes, int(numbers["entities"]), examples,
                  {name: n for name, n in graphs.items() if name and name != graph})


def counts_after(previous: Counts, old: ox.Store, new: ox.Store, removed: list[ox.Quad], added: list[ox.Quad],
                 base_iri: str, skip_graph: str) -> Counts:
    """``previous`` (the counts of ``old``) moved by the change from ``old`` to ``new``: ``removed`` and ``added``
    quads, none of them in ``skip_graph`` (the description's graph, in both stores, not counted)."""

    def present(store: ox.Store, s=None, p=None, o=None) -> int:
        # the same term as the store gives it back: a lookup of "511"^^xsd:integer also finds other forms of 511
        return int(any(q.graph_name.value != skip_graph and (o is None or q.object == o) and (s is None or q.subject == s)
                       for q in store.quads_for_pattern(s, p, o, None)))

    def moved(store_args) -> int:
        return sum(present(new, *args) - present(old, *args) for args in store_args)

    as_stored = ox.Store()  # the terms as the stores keep them ("5"^^xsd:nonNegativeInteger is "5"^^xsd:integer)
    as_stored.extend(q for q in removed + added if q.graph_name.value != skip_graph)
    triples = {q.triple for q in as_stored}
    subjects = {t.subject for t in triples}
    classes = dict(previous.classes)
    for t in triples:
        if t.predicate == RDF_TYPE:
            change = present(new, t.subject, t.predicate, t.object) - present(old, t.subject, t.predicate, t.object)
            classes[t.object.value] = classes.get(t.object.value, 0) + change
    entities = [(s,) for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(base_iri)]
    graphs = dict(previous.graphs)
    for q in removed:
        graphs[q.graph_name.value] = graphs.get(q.graph_name.value, 0) - 1
    for q in added:
        graphs[q.graph_name.value] = graphs.get(q.graph_name.value, 0) + 1
    examples = {base_iri + e for e in EXAMPLE_RESOURCES if present(new, ox.NamedNode(base_iri + e))}
    return Counts(previous.triples + moved((t.subject, t.predicate, t.object) for t in triples),
                  previous.subjects + moved((s,) for s in subjects),
                  previous.properties + moved((None, p) for p in {t.predicate for t in triples}),
                  previous.objects + moved((None, None, o) for o in {t.object for t in triples}),
                  {c: n for c, n in classes.items() if n > 0}, previous.entities + moved(entities), examples,
                  {g: n for g, n in graphs.items() if n > 0})


#: The counts the store answers for ``counts_in_store``: distinct triples, distinct objects, subjects by class, quads
#: by graph.
COUNT_QUERIES = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
)


def counts_in_store(store: ox.Store, base_iri: str, quads: Iterable[ox.Quad] | None = None, *,
                    subjects_seen: Callable[[dict[str, int]], None] | None = None) -> Counts:
    """The counts of everything in ``store`` (a full build's, before its description is added), by SPARQL. They
    are the store's: it keeps numbers in canonical form ("5"^^xsd:nonNegativeInteger is "5"^^xsd:integer there),
    so they are what the endpoint answers, and what counts_after moves by lookups in the store.

    ``quads``, when given, are the quads ``store`` was loaded with: the counts of subjects and predicates (IRIs and
    blank nodes, which the store keeps as they are) are then taken from them, in one pass, rather than by the
    slowest queries (distinct subjects on the base IRI takes most of the time at 100k triples). When they are read
    from ``quads``' text, ``subjects_seen`` is given the subjects' N-Quads terms, each with its part
    (part_quads.CorpusQuads.subjects_and_predicates), before they are dropped (a full build takes the things of its
    search index from them). They are read after the queries: the engine's memory for its distinct counts and this
    set are not held at once (at 10M triples each takes hundreds of MB)."""

    def number(query: str) -> int:
        return int(next(iter(store.query(query)))[0].value)

    # two at a time, the longest first: the engine lets go of the GIL while it evaluates (1M triples: 5.8-6.5 s
    # one after the other, 2.7-3.3 s two at a time)
    with ThreadPoolExecutor(max_workers=2) as pool:
        triples, objects, classes, graphs = pool.map(lambda query: list(store.query(query)), COUNT_QUERIES)
    triples, objects = (int(rows[0][0].value) for rows in (triples, objects))
    classes, graphs = ({row[0].value: int(row[1].value) for row in rows} for rows in (classes, graphs))
    examples = {base_iri + e for e in EXAMPLE_RESOURCES
                if next(store.quads_for_pattern(ox.NamedNode(base_iri + e), None, None, None), None) is not None}
    if hasattr(quads, "subjects_and_predicates"):  # read from the parts' N-Quads text (part_quads.CorpusQuads)
        subjects, predicates = quads.subjects_and_predicates()
        if subjects_seen is not None:
            subjects_seen(subjects)
        entities = sum(1 for s in subjects if s.startswith(f"<{base_iri}"))
        return Counts(triples, len(subjects), len(predicates), objects, classes, entities, examples, graphs)
    if quads is not None:  # one pass: they may be read as they are iterated (part_quads.CorpusQuads.every)
        subjects, predicates = set(), set()
        for q in quads:
            if not isinstance(q.graph_name, ox.DefaultGraph):
                subjects.add(q.subject)
                predicates.add(q.predicate)
        properties = len(predicates)
        entities = {s.value for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(base_iri)}
        return Counts(triples, len(subjects), properties, objects, classes, len(entities), examples, graphs)
    return Counts(triples, *(number(f"SELECT (COUNT(DISTINCT ?{v}) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
                             for v in "sp"), objects,
                  classes, number("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                  f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{base_iri}\")) }}"), examples, graphs)
