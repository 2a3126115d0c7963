"""The graphs of the served release (what FROM and the graph parameters may name), and the prefixes used in output."""

from __future__ import annotations

import threading

from ..releases import Served
from .query_prefixes import predeclared

_cache: dict[str, dict[str, int | None]] = {}
_lock = threading.Lock()


def graphs_of(served: Served) -> dict[str, int | None]:
    """Named graph IRI -> number of triples (None when the manifest does not say), for one release; cached."""
    key = str(served.release.path)
    graphs = _cache.get(key)
    if graphs is None:
        counts = served.manifest.get("graphs") if isinstance(served.manifest.get("graphs"), dict) else {}
        names = [name for name in counts if name] or [g.value for g in served.store.named_graphs()]
        graphs = {name: counts.get(name) for name in names}
        with _lock:
            _cache.clear()  # one release is served at a time
            _cache[key] = graphs
    return graphs


def prefixes_for(base_iri: str, declared: dict[str, str] | None = None) -> dict[str, str]:
    """Prefixes for Turtle / TriG / RDF/XML output and the query page's table: those every query may use undeclared
    (common vocabularies, the dataset's), then the query's own."""
    prefixes = predeclared(base_iri)
    prefixes.update({name: iri for name, iri in (declared or {}).items() if iri.startswith(("http://", "https://"))})
    return prefixes
