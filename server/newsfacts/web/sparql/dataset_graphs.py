"""The graphs of the served release (what FROM and the graph parameters may name), and the prefixes used in output."""

from __future__ import annotations

import threading

from ...vocabulary import NF
from ..releases import Served

_cache: dict[str, dict[str, int | None]] = {}
_lock = threading.Lock()

COMMON_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "void": "http://rdfs.org/ns/void#",
    "wd": "http://www.wikidata.org/entity/",
}


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
    """Prefixes for Turtle / TriG / RDF/XML output: common vocabularies, the dataset's, then the query's own."""
    prefixes = {**COMMON_PREFIXES, "nf": NF}  # the vocabulary keeps its namespace on every base
    prefixes.update({name: iri for name, iri in (declared or {}).items() if iri.startswith(("http://", "https://"))})
    return prefixes
