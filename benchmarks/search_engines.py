"""Compare two full-text engines for the release's search index: SQLite FTS5 (stdlib) and tantivy (PyPI).

Reads the quads of a built release (its N-Quads dump), makes the catalog records once, then for each engine:
the time to write the index, its size on disk, and the latency of a set of searches (median and p99 of
single-thread queries). Used once to choose the engine (BENCHMARKS.md); tantivy is not a dependency, so
install it beside the project to run this (`pip install tantivy`).

    python benchmarks/search_engines.py --release releases/current
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from newsfacts.catalog import records
from newsfacts.search_index import SearchIndex, fold, write_index

QUERIES = ("maduro", "Nicolas Maduro", "iran drone", "irgc", "teheran", "venezuela", "Kalo", "agreement signed",
           "according to unnamed sources", "zzzz")


def read_quads(release: Path) -> tuple[list[ox.Quad], str]:
    dump = next((release / "dumps").glob("*.nq.gz"))
    with gzip.open(dump, "rb") as stream:
        quads = list(ox.parse(stream, format=ox.RdfFormat.N_QUADS))
    import json

    return quads, json.loads((release / "manifest.json").read_text())["base_iri"]


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def latencies(run, repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        for q in QUERIES:
            started = time.perf_counter()
            run(q)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 3), "p99_ms": round(times[int(len(times) * 0.99) - 1], 3)}


def fts5(quads, base_iri, folder: Path, repeat: int) -> dict:
    path = folder / "index.sqlite"
    started = time.perf_counter()
    write_index(quads, path, base_iri)
    built = time.perf_counter() - started
    index = SearchIndex(path)
    return {"engine": "SQLite FTS5", "build_s": round(built, 2), "bytes": size_of(path),
            **latencies(lambda q: (index.counts(q), index.search(q, "entity", 20)), repeat)}


def tantivy_engine(quads, base_iri, folder: Path, repeat: int) -> dict:
    import tantivy

    started = time.perf_counter()
    found = records(quads, base_iri)
    analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
                .filter(tantivy.Filter.ascii_fold()).build())
    builder = tantivy.SchemaBuilder()
    for name in ("name", "alt", "body"):
        builder.add_text_field(name, stored=name == "name", tokenizer_name="folded")
    builder.add_text_field("kind", stored=True, tokenizer_name="raw")
    builder.add_text_field("iri", stored=True, tokenizer_name="raw")
    schema = builder.build()
    (folder / "tantivy").mkdir()
    index = tantivy.Index(schema, path=str(folder / "tantivy"))
    index.register_tokenizer("folded", analyzer)
    writer = index.writer()
    for r in found:
        writer.add_document(tantivy.Document(
            name=" · ".join(label for _, label in r.names) or r.claim.get("text", ""),
            alt=" · ".join(label for _, label in r.alt_names), body=" · ".join(r.descriptions + r.texts),
            kind=r.kind, iri=r.iri))
    writer.commit()
    writer.wait_merging_threads()
    built = time.perf_counter() - started
    index.reload()
    searcher = index.searcher()

    def run(q: str):
        words = " ".join(fold(q).replace('"', " ").split())
        if not words:
            return []
        query = index.parse_query(words, ["name", "alt", "body"], field_boosts={"name": 10.0, "alt": 4.0})
        return searcher.search(query, 20).hits

    return {"engine": "tantivy", "build_s": round(built, 2), "bytes": size_of(folder / "tantivy"), **latencies(run, repeat)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", required=True, help="a built release folder (e.g. releases/current)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    quads, base_iri = read_quads(Path(args.release).resolve())
    print(f"{len(quads):,} quads from {args.release}")
    for engine in (fts5, tantivy_engine):
        folder = Path(tempfile.mkdtemp(prefix="search-engines-"))
        try:
            print(engine(quads, base_iri, folder, args.repeat))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
