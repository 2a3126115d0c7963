"""Dump files of a release: compressed, deterministic, each with its size and SHA-256."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

PREFIXES = {
    "nf": "https://newsfacts.example/ontology/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "dcterms": "http://purl.org/dc/terms/",
    "wd": "http://www.wikidata.org/entity/",
}


@dataclass(frozen=True)
class DumpFormat:
    key: str
    suffix: str
    media_type: str
    rdf_format: ox.RdfFormat
    quads: bool  # keeps named graphs


DUMP_FORMATS = (
    DumpFormat("nquads", "nq.gz", "application/n-quads", ox.RdfFormat.N_QUADS, True),
    DumpFormat("trig", "trig.gz", "application/trig", ox.RdfFormat.TRIG, True),
    DumpFormat("turtle", "ttl.gz", "text/turtle", ox.RdfFormat.TURTLE, False),
    DumpFormat("jsonld", "jsonld.gz", "application/ld+json", ox.RdfFormat.JSON_LD, False),
)


@dataclass(frozen=True)
class DumpFile:
    name: str
    media_type: str
    compression: str | None
    byte_size: int
    sha256: str


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_file(path: Path, media_type: str, compression: str | None) -> DumpFile:
    return DumpFile(path.name, media_type, compression, path.stat().st_size, file_digest(path))


def write_dumps(quads: list[ox.Quad], folder: Path, stem: str, base_iri: str) -> list[DumpFile]:
    """Write every dump format of ``quads``; triple formats hold the union of the graphs."""
    folder.mkdir(parents=True, exist_ok=True)
    ordered = sorted(quads, key=lambda q: (str(q.graph_name), str(q)))  # same data, same bytes
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in ordered}, key=str)
    prefixes = dict(PREFIXES, nfe=f"{base_iri}entity/")
    files = []
    for fmt in DUMP_FORMATS:
        path = folder / f"{stem}.{fmt.suffix}"
        items: Iterable = ordered if fmt.quads else triples
        # no file name and no time in the gzip header: the same data gives the same bytes
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
            if fmt.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
                ox.serialize(items, out, format=fmt.rdf_format, prefixes=prefixes)
            else:
                ox.serialize(items, out, format=fmt.rdf_format)
        files.append(describe_file(path, fmt.media_type, "gzip"))
    return files
