"""Request paths, the IRIs they stand for, and the document formats.

A thing's IRI is ``base_iri + path`` (``/entity/iran`` -> ``https://newsfacts.example/entity/iran``), whatever
host the server runs on. The ontology and the concept schemes keep their own namespace, served at
``/ontology/…`` and ``/concept/…``. Each thing has documents at the same path plus a format suffix.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

VOCABULARY_BASE = "https://newsfacts.example/"
VOCABULARY_ROOTS = ("ontology/", "concept/")
#: Path roots of things minted in the data (what a request path may name).
DATA_ROOTS = ("entity/", "article/", "report/", "event/", "situation/", "claim/", "evidence/", "dataset",
              "validation-report", "graph/")


@dataclass(frozen=True)
class DocFormat:
    suffix: str
    media_type: str
    rdf_format: ox.RdfFormat | None  # None: HTML
    name: str

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


FORMATS = (
    DocFormat("html", "text/html", None, "HTML"),
    DocFormat("ttl", "text/turtle", ox.RdfFormat.TURTLE, "Turtle"),
    DocFormat("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, "JSON-LD"),
    DocFormat("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, "N-Triples"),
    DocFormat("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML, "RDF/XML"),
)
BY_SUFFIX = {f.suffix: f for f in FORMATS}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}
#: Media types clients send that mean one of ours.
ALIASES = {"application/xhtml+xml": "text/html", "application/json": "application/ld+json",
           "text/plain": "application/n-triples", "application/xml": "application/rdf+xml"}


def is_thing_path(path: str) -> bool:
    return path.startswith(DATA_ROOTS + VOCABULARY_ROOTS) or path in ("ontology", "concept")


def iri_of(path: str, base_iri: str) -> str:
    """The IRI a request path (without leading slash or format suffix) stands for."""
    if path == "ontology":
        return VOCABULARY_BASE + "ontology/"
    if path.startswith(VOCABULARY_ROOTS):
        return VOCABULARY_BASE + path
    return base_iri + path


def is_iri(text: str) -> bool:
    """Whether ``text`` is a valid absolute IRI (what a SPARQL query or an RDF document may hold)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def path_of(iri: str, base_iri: str) -> str | None:
    """The local path of an IRI this server resolves, or None for an outside IRI."""
    if iri == VOCABULARY_BASE + "ontology/":
        return "/ontology"
    for root in VOCABULARY_ROOTS:
        if iri.startswith(VOCABULARY_BASE + root):
            return "/" + iri[len(VOCABULARY_BASE):]
    if iri.startswith(base_iri):
        local = iri[len(base_iri):]
        if local.split("#")[0].startswith(DATA_ROOTS):
            return "/" + local
    return None


def document_path(iri: str, base_iri: str, suffix: str = "html") -> str | None:
    """The path of a thing's document in one format (hash IRIs: their base document with the fragment)."""
    path = path_of(iri, base_iri)
    if path is None:
        return None
    path, hash_mark, fragment = path.partition("#")
    return f"{path}.{suffix}" + (f"#{fragment}" if hash_mark else "")


def split_suffix(path: str) -> tuple[str, DocFormat | None]:
    """'entity/iran.ttl' -> ('entity/iran', Turtle); 'entity/iran' -> ('entity/iran', None)."""
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in BY_SUFFIX and "/" not in suffix:
        return stem, BY_SUFFIX[suffix]
    return path, None
