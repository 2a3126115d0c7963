"""Whether two releases are the same: the store's quads, the dumps' and the change set's bytes, the article parts,
the search index's rows, the description and validation report, the manifest apart from its timings.

    python benchmarks/build_compare.py RELEASE_A RELEASE_B

Used to check that a change to how the build works publishes what it published before: build the same inputs at
the same time (``python benchmarks/build_compare.py --build FACTS SOURCES RELEASES_DIR``, a full build dated
2026-01-01) with the code before and after (``PYTHONPATH=<old tree>/server``), then compare. The parts' keys and
the inputs digest depend on the build code, so the parts are compared article by article, their keys left out.
Prints each difference and exits 1 if there is any.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pyoxigraph as ox

#: Folders of a release compared byte for byte, file by file.
BYTES = ("dumps", "changes")
#: Files compared byte for byte.
FILES = ("void.ttl",)


def differences(a: Path, b: Path) -> list[str]:
    found = []
    for folder in BYTES:
        names = {p.relative_to(a / folder) for p in (a / folder).rglob("*") if p.is_file()}
        other = {p.relative_to(b / folder) for p in (b / folder).rglob("*") if p.is_file()}
        found += [f"{folder}/{name}: only in one" for name in sorted(names ^ other)]
        found += [f"{folder}/{name}: different bytes" for name in sorted(names & other)
                  if (a / folder / name).read_bytes() != (b / folder / name).read_bytes()]
    found += [f"{name}: different bytes" for name in FILES if (a / name).read_bytes() != (b / name).read_bytes()]
    # the validation report's blank nodes are named anew by each build: compared as graphs
    if not _same_graph(*((r / "validation-report.ttl").read_text() for r in (a, b)), "turtle"):
        found.append("validation-report.ttl: a different graph")
    manifests = [json.loads((r / "manifest.json").read_text()) for r in (a, b)]
    for manifest in manifests:
        for key in ("timings_s", "inputs_digest", "article_parts"):  # the last two name the code's digest
            manifest.pop(key, None)
        manifest["inputs"] = sorted(manifest["inputs"].values())  # named relative to the folder it ran in
    if manifests[0] != manifests[1]:
        found.append("manifest.json: different apart from timings: " + ", ".join(
            key for key in sorted(manifests[0].keys() | manifests[1].keys()) if manifests[0].get(key) != manifests[1].get(key)))
    found += _part_differences(a / "articles", b / "articles")
    stores = [ox.Store.read_only(str(r / "store")) for r in (a, b)]
    quads = [set(store.quads_for_pattern(None, None, None, None)) for store in stores]
    if quads[0] != quads[1]:
        found.append(f"store: {len(quads[0] - quads[1])} quads only in the first, {len(quads[1] - quads[0])} only in the second")
    rows = [_index_rows(r / "search" / "index.sqlite") for r in (a, b)]
    found += [f"search index: table {table} differs" for table in sorted(rows[0].keys() | rows[1].keys())
              if rows[0].get(table) != rows[1].get(table)]
    return found


def _part_differences(a: Path, b: Path) -> list[str]:
    found = []
    for name in ("entities.json", "links.nq"):
        if (a / name).read_bytes() != (b / name).read_bytes():
            found.append(f"articles/{name}: different bytes")
    indexes = [json.loads((folder / "index.json").read_text())["articles"] for folder in (a, b)]
    if indexes[0].keys() != indexes[1].keys():
        return [*found, "articles/index.json: different articles"]
    metadata = [_metadata(folder) for folder in (a, b)]
    for article in sorted(indexes[0]):
        keys = [index[article]["key"] for index in indexes]
        # a part's metadata is its line in parts.jsonl, or (releases made before it) its <key>.json
        data = [dict(kept.get(key) or json.loads((folder / f"{key}.json").read_text()), key=None, members=None)
                for kept, folder, key in zip(metadata, (a, b), keys, strict=True)]
        if _same_graph(data[0].pop("report"), data[1].pop("report"), "nt") is False:
            found.append(f"articles: {article}'s validation report differs")
        if data[0] != data[1]:
            found.append(f"articles: {article}'s metadata differs")
        files = [sorted(p.name.removeprefix(key) for p in folder.glob(f"{key}.*") if p.suffix != ".json")
                 for folder, key in zip((a, b), keys, strict=True)]
        if files[0] != files[1]:
            found.append(f"articles: {article}'s files differ: {files}")
            continue
        for suffix in files[0]:
            data = [(folder / f"{key}{suffix}").read_bytes() for folder, key in zip((a, b), keys, strict=True)]
            if data[0] != data[1]:
                found.append(f"articles: {article}'s {suffix} differs")
    return found


def _metadata(folder: Path) -> dict[str, dict]:
    """The parts' metadata by key from the folder's parts.jsonl; empty when it has none."""
    path = folder / "parts.jsonl"
    if not path.is_file():
        return {}
    return {entry["key"]: entry for entry in map(json.loads, path.read_text().splitlines())}


def _same_graph(a: str, b: str, rdf_format: str) -> bool:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    return isomorphic(Graph().parse(data=a, format=rdf_format), Graph().parse(data=b, format=rdf_format))


def _index_rows(path: Path) -> dict[str, list]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE '%search_%' ORDER BY name")]
        return {table: db.execute(f"SELECT * FROM {table}").fetchall() for table in tables}  # noqa: S608 (names from the file)
    finally:
        db.close()


def build_dated(facts: str, sources: str, releases: str) -> None:
    """A full build of ``facts`` and ``sources`` into ``releases``, dated 2026-01-01 (no stored documents)."""
    import datetime
    import os

    os.environ["NEWSFACTS_STORE_DOCUMENTS"] = "no"
    from newsfacts.build import build
    from newsfacts.config import Settings

    settings = Settings.load({"facts_dir": facts, "sources_dir": sources, "releases_dir": releases})
    release = build(settings, full=True, built_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    print(release.path)


def main() -> None:
    if sys.argv[1] == "--build":
        build_dated(*sys.argv[2:5])
        return
    a, b = (Path(arg) for arg in sys.argv[1:3])
    found = differences(a, b)
    for line in found:
        print(line)
    print("the same release" if not found else f"{len(found)} difference(s)")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
