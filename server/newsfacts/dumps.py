"""Dump files of a release: compressed, deterministic, each with its size and SHA-256."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .prefixes import PREFIXES


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
    DumpFormat("jsonld", "jsonld.gz", "application/ld+json", ox.RdfFormat.JSON_LD, True),
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


def write_dumps(quads: list[ox.Quad], triples: set[ox.Triple], folder: Path, stem: str, base_iri: str) -> list[DumpFile]:
    """Write every dump format: quad formats (N-Quads, TriG, JSON-LD) keep the named graphs, Turtle holds their union.

    Items are sorted, and gzip headers carry no name or time, so the same data gives the same bytes.
    Serialising is quick; compressing is not, and zlib releases the GIL, so formats compress side by side.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ordered = sorted(quads, key=lambda q: (str(q.graph_name), str(q)))
    ordered_triples = sorted(triples, key=str)
    prefixes = dict(PREFIXES, nfe=f"{base_iri}entity/")
    # JSON-LD: compacted with the context /context.jsonld publishes, which is made from the vocabulary graph
    from .web.linked_data.rdf_output import compact_dataset_jsonld, make_context

    vocabulary = [q.triple for q in ordered if isinstance(q.graph_name, ox.NamedNode)
                  and q.graph_name.value == f"{base_iri}graph/vocabulary"]

    def write(fmt: DumpFormat) -> DumpFile:
        path = folder / f"{stem}.{fmt.suffix}"
        items: Iterable = ordered if fmt.quads else ordered_triples
        options = {"prefixes": prefixes} if fmt.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
        if fmt.rdf_format == ox.RdfFormat.JSON_LD:
            data = compact_dataset_jsonld(items, make_context(vocabulary))
        else:
            data = ox.serialize(items, format=fmt.rdf_format, **options)
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=6) as out:
            out.write(data)
        return describe_file(path, fmt.media_type, "gzip")

    with ThreadPoolExecutor(max_workers=len(DUMP_FORMATS)) as pool:
        return list(pool.map(write, DUMP_FORMATS))
