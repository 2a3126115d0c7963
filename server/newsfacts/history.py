"""The change set of a release against the previous one, computed at build time.

The previous release is the one ``current`` pointed at when the build started; its quads are read from its
N-Quads dump (present whatever the store), so the change set compares exactly what the two dumps hold (the
dataset description graph, which names the version, is in neither). The first release's change set is
against nothing: everything is added.

A change set is a folder (``changes/`` in the release, and a copy in ``<releases_dir>/history/<version>/``
that pruning keeps, so the history stays continuous after old releases are removed):

- ``added.nq.gz``, ``removed.nq.gz``: the quads added and removed, by graph (sorted, reproducible gzip);
- ``versions.nq.gz``: the new description (own statements, those of its ``#`` parts included) of every
  resource whose description changed, each in the graph named by the resource's IRI (empty when deleted);
- ``summary.json``: counts by graph; claims added, retracted and changed (certainty, speaker, quote, text);
  entities added, removed and merged; every changed resource with ``created``, ``updated`` or ``deleted``.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import pyoxigraph as ox

from .change_summary import NF, OA_EXACT, OA_HAS_BODY, RDFS_LABEL, SKOS_EXACT, claims_involved, claims_summary, entities_summary
from .dump_graphs import DumpGraphs
from .dumps import member
from .json_indented import indented
from .part_quads import GraphQuads, lines_of, parsed, subject_of
from .release import MANIFEST, Release

CHANGES_DIR = "changes"
HISTORY_DIR = "history"
SUMMARY = "summary.json"
ADDED, REMOVED, VERSIONS = "added.nq.gz", "removed.nq.gz", "versions.nq.gz"


def resource_of(term) -> str | None:
    """The resource a subject belongs to: its IRI without the fragment (a quote selector is part of its evidence)."""
    return term.value.split("#", 1)[0] if isinstance(term, ox.NamedNode) else None


def compute(old: set[ox.Quad] | DumpGraphs, new: Iterable[ox.Quad] | Mapping[str, Iterable[ox.Quad]], version: str,
            previous: str | None, built_at: str, base_iri: str,
            new_members: Mapping[str, tuple[int, bytes]] | None = None) -> dict:
    """Everything a change set holds: the added and removed quads, the changed resources' new descriptions
    (``versions``: the N-Quads text of each in the order of the file, made as it is read), and the summary.
    The corpus is read in one pass per release (two more only when a claim's evidence changed without the claim),
    and the rest of the work is proportional to what changed. ``old`` read from a dump (``DumpGraphs``) is
    compared graph by graph, and read again for the statements of the resources that changed. ``new`` given
    as each graph's quads, in the order of the graphs' N-Quads text (``part_quads.CorpusQuads.graphs``: read
    each time they are iterated), is read a graph at a time; a first release's added quads are then those
    graphs, not a set. ``new_members``: graph -> (its number of quads, its member) in the new release's N-Quads
    dump, for the graphs whose members the build made: a graph of ``old`` whose member has the same bytes holds
    the same quads, and is neither parsed nor compared."""
    new_members = new_members or {}
    if isinstance(new, Mapping):
        new_groups, new = new, _Chained(new)
    else:
        new = new if isinstance(new, set | frozenset) else set(new)
        new_groups = _grouped(new)  # each graph's quads
    if not old and isinstance(new, _Chained):  # a first release: everything added, read graph by graph
        added, removed, old_groups = new, set(), {}.items()
    elif isinstance(old, DumpGraphs):
        added, removed, old_groups, seen = set(), set(), old, set()
        for graph, packed, quads in old.members():
            if graph in seen:  # a dump not written a graph at a time (older releases sorted all quads): compared whole
                return compute({q for _, group in old for q in group}, new, version, previous, built_at, base_iri)
            seen.add(graph)
            if packed is not None and graph in new_members and new_members[graph][1] == packed:
                continue  # the same member, the same quads (BENCHMARKS.md, "Unchanged graphs found by their bytes")
            here, there = set(_lines(quads)), set(_lines(new_groups.get(graph, ())))  # parsed where they differ
            more, fewer = set(parsed(there - here)), set(parsed(here - there))
            both = more & fewer  # a quad written otherwise by another version of the serialiser: in both graphs
            added |= more - both
            removed |= fewer - both
        for graph in new_groups.keys() - seen:
            added.update(new_groups[graph])
    else:
        new = set(new)
        added, removed, old_groups = new - old, old - new, _grouped(old).items()
    changed = (_resources(added) | _resources(removed)) - {None}
    by_graph = {"added": new_groups if not old else _grouped(added), "removed": _grouped(removed)}
    (before, _), (after, texts) = _own_statements(old_groups, changed), _own_statements(new_groups.items(), changed)
    claims = claims_involved(before, after, changed, base_iri)
    extra = claims - changed
    extra |= {t.object.value for group in (before, after) for claim in claims for t in group.get(claim, ())
              if t.predicate.value == NF + "hasEvidence"} - changed
    if extra:
        before.update(_own_statements(old_groups, extra)[0])
        after.update(_own_statements(new_groups.items(), extra)[0])
    resources = {iri: "created" if iri not in before else "deleted" if iri not in after else "updated"
                 for iri in sorted(changed)}
    summary = {
        "version": version, "previous": previous, "built_at": built_at,
        "quads": {key: {graph: len(quads) for graph, quads in sorted(groups.items())} for key, groups in by_graph.items()},
        "claims": claims_summary(before, after, claims),
        "entities": entities_summary(before, after, changed, new, base_iri + "entity/"),
        "resources": resources,
    }
    versions = _Versions(texts)
    return {"added": added, "removed": removed, "by_graph": by_graph, "versions": versions, "summary": summary}


def record(previous: Release | None, quads: Iterable[ox.Quad] | Mapping[str, Iterable[ox.Quad]], folder: Path,
           version: str, built_at: str,
           base_iri: str, before: set[ox.Quad] | None = None, unchanged: set[str] = frozenset(),
           dump_members: dict[str, tuple[int, bytes]] | None = None) -> dict:
    """Compute the change set of a release being built against ``previous`` (``against``) and write it into
    ``folder`` (``write``, which ``dump_members`` is for); its summary."""
    change_set = against(previous, quads, version, built_at, base_iri, before, unchanged, dump_members)
    write(change_set, folder, dump_members)
    return change_set["summary"]


def against(previous: Release | None, quads: Iterable[ox.Quad] | Mapping[str, Iterable[ox.Quad]], version: str,
            built_at: str, base_iri: str,
            before: set[ox.Quad] | None = None, unchanged: set[str] = frozenset(),
            dump_members: Mapping[str, tuple[int, bytes]] | None = None) -> dict:
    """The change set of a release being built against ``previous``; ``dump_members`` as ``compute``'s
    ``new_members``.

    An incremental build gives ``before``, the previous release's quads outside the ``unchanged`` graphs (its
    reused articles): then only those graphs are compared, and the previous dump is not read. A resource's
    statements are all in graphs that may change (an article's own graph, the entities and links graphs), so
    the change set is the same."""
    if before is not None:
        quads = (q for group in quads.values() for q in group) if isinstance(quads, Mapping) else quads
        old, quads = before, [q for q in quads if q.graph_name.value not in unchanged]
    else:
        old = DumpGraphs(previous) if previous is not None else set()
    return compute(old, quads, version, previous.version if previous else None, built_at, base_iri, dump_members)


def write(change_set: dict, folder: Path, dump_members: dict[str, tuple[int, bytes]] | None = None) -> None:
    """Write a change set; its added and removed quads one gzip member per graph, like the N-Quads dump.
    ``dump_members``: graph -> (its number of quads, its member) in the release's N-Quads dump; a graph all
    of whose quads are added (a new article's, or any of a first release) has the same member in both files,
    which is then not made again."""
    folder.mkdir(parents=True, exist_ok=True)
    added, removed = (change_set["by_graph"][key] if "by_graph" in change_set else _grouped(change_set[key])
                      for key in ("added", "removed"))
    # all of a graph is added when the dump has as many of its quads and none was removed
    reused = {graph: found[1] for graph, quads in added.items()
              if graph not in removed and (found := (dump_members or {}).get(graph)) and found[0] == len(quads)}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # zlib releases the GIL
        versions = pool.submit(_write_text, folder / VERSIONS, change_set["versions"])
        _write_members(folder / ADDED, added, reused, pool)
        _write_members(folder / REMOVED, removed, {}, pool)
        versions.result()
    (folder / SUMMARY).write_text(indented(change_set["summary"]) + "\n", encoding="utf-8")  # json.dumps(indent=1)


def keep_copies(releases_dir: str | Path) -> list[Path]:
    """Copy the change set of every release that has none in ``history/`` yet (the one just built, and any whose
    build stopped between publishing and copying), so pruning never loses one."""
    root = Path(releases_dir)
    made = []
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        if folder.is_symlink() or folder.name.startswith(".") or not (folder / MANIFEST).is_file():
            continue
        if not (root / HISTORY_DIR / folder.name).exists():
            copied = keep_copy(Release(folder), root)
            if copied is not None:
                made.append(copied)
    return made


def keep_copy(release: Release, releases_dir: str | Path) -> Path | None:
    """Copy a release's change set to ``history/<version>/``, which pruning leaves alone. Written in a temporary
    folder and renamed, so a reader sees all of it or none (and then reads the release's own ``changes/``)."""
    source = release.path / CHANGES_DIR
    if not source.is_dir():
        return None
    history = Path(releases_dir) / HISTORY_DIR
    history.mkdir(exist_ok=True)
    target = history / release.version
    if target.exists():
        return target
    staging = Path(tempfile.mkdtemp(prefix=f".{release.version}-", dir=history))
    try:
        for item in source.iterdir():
            shutil.copy2(item, staging / item.name)
        staging.chmod(0o755)
        os.rename(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


class _VersionTexts:
    """The statements (N-Triples text) of the changed resources, kept in a temporary SQLite file rather than in
    memory (a first release's are the corpus's), read back sorted by resource and statement. The resource is kept
    as ``<iri>``, the order of the file (UTF-8 bytes and code points sort alike), so that one sort on stored
    columns gives it; a statement in several graphs is dropped when read (twice as quick as ``SELECT DISTINCT``
    sorting on an expression: BENCHMARKS.md, "The change set's statements sorted once")."""

    def __init__(self):
        self.folder = tempfile.TemporaryDirectory(prefix="newsfacts-versions-")
        self.db = sqlite3.connect(Path(self.folder.name) / "versions.sqlite", check_same_thread=False)
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                              "CREATE TABLE lines (resource TEXT NOT NULL, text TEXT NOT NULL)")

    def add(self, rows: list[tuple[str, str]]) -> None:
        """``rows``: (IRI, statement)."""
        self.db.executemany("INSERT INTO lines VALUES ('<' || ? || '>', ?)", rows)

    def __iter__(self) -> Iterator[tuple[str, list[str]]]:
        """Each resource's distinct statements, sorted, the resources in the order of ``<iri>``."""
        rows = self.db.execute("SELECT resource, text FROM lines ORDER BY resource, text")
        for resource, group in groupby(rows, key=itemgetter(0)):
            texts: list[str] = []
            for _, text in group:
                if not texts or texts[-1] != text:
                    texts.append(text)
            yield resource[1:-1], texts


class _Versions:
    """The N-Quads text of the changed resources' descriptions, one resource's at a time, sorted by graph (the
    resource) and then by quad. Made each time it is iterated, not held whole: a first release's is as large as
    the corpus."""

    def __init__(self, texts: _VersionTexts):
        self.texts = texts

    def __iter__(self) -> Iterator[str]:
        for iri, texts in self.texts:
            yield "".join(f"{text} <{iri}> .\n" for text in texts)


class _Chained:
    """The quads of graphs given by name, read a graph at a time each time they are iterated."""

    def __init__(self, groups: Mapping[str, Iterable[ox.Quad]]):
        self.groups = groups

    def __iter__(self) -> Iterator[ox.Quad]:
        return (q for group in self.groups.values() for q in group)

    def __bool__(self) -> bool:
        return bool(self.groups)


def _grouped(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Quad]]:
    """Quads by graph, in the order of the graphs' N-Quads text (named graphs only: a release has no others)."""
    groups: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        groups[getattr(q.graph_name, "value", "")].append(q)  # "" for the default graph
    return {graph: groups[graph] for graph in sorted(groups, key=lambda graph: f"<{graph}>")}


def _lines(quads: Iterable[ox.Quad]) -> list[bytes]:
    """The N-Quads lines of one graph's quads, in order: those kept as text (``GraphQuads``) read, others written.
    A quad's line is one to one with the quad, as the same serialiser writes it."""
    return quads.lines() if isinstance(quads, GraphQuads) else lines_of(list(quads))


def _write_members(path: Path, groups: dict[str, list[ox.Quad]], reused: dict[str, bytes], pool) -> None:
    """N-Quads, gzip: one member per graph (``reused``'s if it has one), or one empty member for no quads."""
    def made(graph: str) -> bytes:
        return reused.get(graph) or member(ox.serialize(sorted(groups[graph], key=str), format=ox.RdfFormat.N_QUADS))

    with open(path, "wb") as out:
        for data in pool.map(made, groups):
            out.write(data)
        if not groups:
            out.write(member(b""))


def _write_text(path: Path, texts: Iterable[str]) -> None:
    """Texts, gzip (one member, written as it is compressed: the text of a first release's is the corpus's)."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out:
        for text in texts:
            out.write(text.encode("utf-8"))


def _resources(quads: Iterable[ox.Quad]) -> set[str | None]:
    if isinstance(quads, _Chained):  # graph by graph: those kept as N-Quads text read from their lines' subjects
        found: set[str | None] = set()
        for group in quads.groups.values():
            if isinstance(group, GraphQuads):
                found |= {subject_of(line).split("#", 1)[0] if line.startswith(b"<") else None  # as resource_of
                          for line in group.lines()}
            else:
                found |= _resources(group)
        return found
    return {resource_of(subject) for subject in {q.subject for q in quads}}


#: The predicates whose statements the summary reads (claims, their evidence, entities' labels and links), as
#: N-Quads terms: only these statements of the changed resources are parsed into quads; of the others, the text only.
READ = frozenset(f"<{iri}>".encode() for iri in (NF + "certainty", NF + "attributedTo", NF + "claimText", NF + "hasEvidence",
                                                 OA_EXACT, OA_HAS_BODY, RDFS_LABEL, SKOS_EXACT))


def _own_statements(groups: Iterable[tuple[str, Iterable[ox.Quad]]],
                    resources: set[str]) -> tuple[dict[str, list[ox.Quad]], _VersionTexts]:
    """The statements of each of ``resources`` (those of its ``#`` parts included) in ``groups`` (graph and quads)
    that has any, sorted by their N-Triples text, those of the predicates the summary reads (``READ``) only; and
    the N-Quads text of all of them, in the graph named by the resource (its ``versions``: kept in a file). Read
    from each graph's N-Quads lines, by their subject's text: a line of another subject costs a look-up, and only
    the lines the summary reads of the resources wanted are parsed (a graph kept as text, or read from a dump,
    is never parsed whole). A graph's quads are read when it comes (``compute``)."""
    found: dict[str, dict[str, ox.Quad]] = defaultdict(dict)
    owners: dict[bytes, str | None] = {}  # a subject's text -> its resource if one of those wanted, else None
    texts = _VersionTexts()
    for graph, quads in (groups if resources else ()):
        lines = _lines(quads)
        cut = -len(graph.encode()) - 5 if graph else -2  # the " <graph> ." that ends each line
        rows: list[tuple[str, str]] = []
        chosen: list[tuple[dict[str, ox.Quad], str, bytes]] = []
        for line in lines:
            subject = line[:line.index(b" ")]
            owner = owners.get(subject, False)
            if owner is False:
                owner = subject[1:-1].decode("utf-8").split("#", 1)[0] if subject.startswith(b"<") else None
                owner = owners[subject] = owner if owner in resources else None
            if owner is not None:
                text = line[:cut].decode("utf-8")
                read = found[owner]  # a resource with statements has an entry, if none is read
                if line[len(subject) + 1:line.index(b" ", len(subject) + 1)] in READ:
                    chosen.append((read, text, line))
                rows.append((owner, text))
        if chosen:
            parsed_quads = ox.parse(b"\n".join(line for _, _, line in chosen) + b"\n", format=ox.RdfFormat.N_QUADS)
            for (read, text, _), q in zip(chosen, parsed_quads, strict=True):
                read[text] = q
        texts.add(rows)
        del lines, rows, chosen
    statements = {iri: [by_text[text] for text in sorted(by_text)] for iri, by_text in found.items()}
    return statements, texts
