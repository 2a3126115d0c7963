"""A release's store made from the previous release's store and the change, instead of loaded from scratch.

Embedded: Oxigraph's ``Store.backup`` (a RocksDB checkpoint) copies the previous store into the new release's
folder; on the same file system its files are hard links, so the copy takes milliseconds and no space, and the
previous release is only read. The copy is then changed into the new release: graphs that are no longer
published are removed, and every graph that may have changed (all but the graphs of articles reused unchanged)
gets the quads it lacks and loses those it no longer has. The result holds exactly the quads of the new release.
What is changed grows with the change, not the corpus, where the build knows it: the entity descriptions' change
is known from the counts each release keeps (not read from the store and compared), and the dataset description
(a few quads per graph: 120,201 quads at 10M triples) has the quads changed that differ, where removing and loading
it again took 5.9 s of a +1 build's 8.8 s at 10M (BENCHMARKS.md).

A remote store is sent the change only: ``RemoteStore.publish`` with ``keep`` drops the graphs that may have
changed and inserts their new content in one SPARQL Update (on Virtuoso, whose updates are limited in size: loaded
into staging graphs, then moved into place in one small update), so readers see the old release or the new one;
the graphs of reused articles are not sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox


def _by_graph(quads: list[ox.Quad], unchanged: set[str]) -> dict[str, list[ox.Quad]]:
    found: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        if not isinstance(q.graph_name, ox.NamedNode):
            raise ValueError("a release has no triples in the default graph")
        if q.graph_name.value not in unchanged:
            found[q.graph_name.value].append(q)
    return found


def store_from_previous(previous: Path, target: Path, quads: list[ox.Quad], unchanged: set[str],
                        whole: Callable[[str], bool] = lambda graph: False,
                        complete: Callable[[ox.Store, dict], list[ox.Quad]] | None = None,
                        known: dict[str, tuple[list[ox.Quad], list[ox.Quad]]] | None = None,
                        completed_graph: str | None = None) -> dict:
    """Make the store at ``target`` from the store at ``previous`` (not written to) so that it holds ``quads``;
    ``unchanged`` names graphs known to be the same in both, ``known`` graphs whose removed and added quads are
    known (their quads in ``quads`` are not read). Returns the counts of quads removed and added, the quads
    themselves (``removed_quads``, ``added_quads``), and ``touched``: the quads removed or added, and every quad,
    old and new, of the changed graphs for which ``whole`` is true (an article's graph: what its things' records in
    the search index are made from). ``complete``, given the changed store and that result, returns the quads
    ``completed_graph`` is to hold (it is left as it was until then, and only its quads that differ are changed),
    before the store is flushed once (more flushes would let RocksDB compact the shared files)."""
    ox.Store.read_only(str(previous)).backup(str(target))
    store = ox.Store(str(target))
    known = known or {}
    changed = _by_graph(quads, unchanged | set(known))
    gone: list[ox.Quad] = []
    came: list[ox.Quad] = []
    touched: list[ox.Quad] = []
    left = unchanged | set(known) | {completed_graph}  # once: a union per graph made this quadratic (27 s at 10M)
    for graph in list(store.named_graphs()):
        if graph.value not in left and graph.value not in changed:
            old = list(store.quads_for_pattern(None, None, None, graph))
            gone += old
            touched += old
            store.remove_graph(graph)
    for graph, (removed, added) in known.items():
        for q in removed:
            store.remove(q)
        store.extend(added)
        gone += removed
        came += added
        touched += (list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph))) + removed
                    if whole(graph) else removed + added)
    for graph, new in changed.items():
        old = set(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        wanted = set(new)
        for q in old - wanted:
            store.remove(q)
        store.extend(wanted - old)
        gone += old - wanted
        came += wanted - old
        touched += (old | wanted) if whole(graph) else (old ^ wanted)
    made = {"removed": len(gone), "added": len(came), "removed_quads": gone, "added_quads": came, "touched": touched}
    if complete is not None:
        wanted = set(complete(store, made))
        old = set(store.quads_for_pattern(None, None, None, ox.NamedNode(completed_graph))) if completed_graph else set()
        for q in old - wanted:
            store.remove(q)
        store.extend(wanted - old)
    store.flush()
    del store
    return made
