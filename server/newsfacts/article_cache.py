"""Per-article parts of a release, kept in its ``articles/`` folder so that later builds reuse them.

A part is one article's checked, mapped and validated result: its quads (``<key>.nq``) and what the checks found
(its line in ``parts.jsonl``: grounding, the ids it defines and refers to, its validation results and their report). Its key is
the SHA-256 of everything the part depends on: the facts file's bytes, its source text (bytes, or why it was not
read), and the build digests (build code, ontology, shapes, mappings, output-changing settings). A build reuses
the part of an article whose key is unchanged and maps and validates only the others; the parts it reuses are
hard-linked from the previous release into the new one, so they cost no space and the previous release is never
written to. ``index.json`` names the part of each article and the digests the parts were made with.

An article's validation results depend also on the descriptions of the entities it names (sh:class follows their
types, which other articles may change): the part records a digest of those (``validated_with``), and the article
is validated again, though not mapped again, when it differs.

A reused part's quads are read only when something needs them (``LazyQuads``): an incremental build reads the
parts of the articles it changes, not the corpus. The entity descriptions are the union of the parts' quads in
the entities graph; ``entities.json`` counts, for each of those quads, how many parts hold it, so that the next
build knows the new union from the parts it changes alone.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import __version__
from .dumps import DUMP_FORMATS, file_digest
from .facts import ArticleFacts
from .grounding import GroundingResult
from .input_checksums import InputChecksums
from .package_code import package_digests
from .part_quads import GraphQuads, NQuadsText, kept_as_text, lines_of, named_iris, part_nquads
from .problems import Problem
from .release import Release
from .sourcetexts import SourceText, read_source_file, source_text_file

PARTS_DIR = "articles"
INDEX = "index.json"
#: The links graph of the release, which the next build's change set compares with its own.
LINKS_PART = "links.nq"
#: How many parts hold each quad of the entities graph (N-Quads line -> count).
ENTITIES_PART = "entities.json"
#: Every part's metadata (``ArticlePart.metadata``) and whether its dump members are kept, a JSON line per part in
#: the order of the articles: the next build reads this one file, not a file and four checks per part.
PARTS_INDEX = "parts.jsonl"
#: Settings whose value changes what an article's part holds.
OUTPUT_SETTINGS = ("base_iri", "license", "shacl_engine")
#: Not an input of any article: the links are checked and published from it by every build.
LINKS_FILE = "wikidata.sssom.tsv"


def code_digests() -> dict[str, str]:
    """SHA-256 of each file of the build code (the web tier excluded: it does not change what is built)."""
    return {path: sha for path, sha in package_digests().items()
            if not path.endswith(".html") and "web" not in Path(path).parts}


def build_digests(settings) -> dict[str, str]:
    """What every part depends on, in three digests so that the manifest can say which one changed."""
    rules = {}
    for folder in (settings.ontology_dir, settings.shapes_dir, settings.mappings_dir):
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.name != LINKS_FILE):
            rules[f"{Path(folder).name}/{path.relative_to(folder)}"] = file_digest(path)
    return {
        "code": _digest({"files": code_digests(), "newsfacts_version": __version__}),
        "rules": _digest(rules),
        "settings": _digest({name: getattr(settings, name) for name in OUTPUT_SETTINGS}),
    }


CHANGED_DIGEST = {"code": "the build code changed", "rules": "the ontology, shapes or mappings changed",
                  "settings": "an output-changing setting changed (base_iri, license or shacl_engine)"}


def source_key(settings, name: object, checksums: InputChecksums | None = None) -> str | None:
    """What an article's part depends on of its source text: its SHA-256, or why it is not read; None when
    reading it is a problem (the build then checks the article again, and reports it). With ``checksums``, a
    file unchanged since its checksum was kept is not read (it was UTF-8 text then: its part was made)."""
    found = source_text_file(settings.sources_dir, name, settings.max_source_text_bytes)
    if isinstance(found, SourceText):
        return None if found.problem else f"skipped: {found.skipped}"
    known, stamp = checksums.cached(found) if checksums is not None else (None, None)
    if known is not None:
        return known
    source = read_source_file(found, name, settings.max_source_text_bytes)
    if source.problem:
        return None
    sha = hashlib.sha256(source.raw).hexdigest()
    return checksums.keep(found, stamp, sha) if checksums is not None else sha


def part_key(digests: dict[str, str], facts_sha256: str, source_text: str, source: str) -> str:
    return _digest({"digests": digests, "facts": facts_sha256, "source_text": source_text, "source": source})


class LazyQuads:
    """The quads of a part's ``.nq`` file, read on first use."""

    def __init__(self, path: Path):
        self.path = path
        self._quads: list[ox.Quad] | None = None

    @property
    def loaded(self) -> list[ox.Quad]:
        if self._quads is None:
            with open(self.path, "rb") as data:
                self._quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
        return self._quads

    def __iter__(self):
        return iter(self.loaded)

    def __len__(self) -> int:
        return len(self.loaded)

    def __getitem__(self, index):
        return self.loaded[index]

    def nquads(self) -> bytes:
        """The part's N-Quads text, as its file holds it."""
        return self.path.read_bytes()


@dataclass
class ArticlePart:
    """One article's result; ``quads`` are kept in ``<key>.nq``, the rest in its line of PARTS_INDEX."""

    key: str
    article: str
    facts_sha256: str
    source_text: str
    grounding: dict
    line: int
    entities: list  # [id, wikidata id or None, line] of each entity the file describes
    reports: list[str]
    refers_to: list[str]  # IRIs of entities and reports its quads name
    validated_with: str = ""
    results: list = field(default_factory=list)  # [focus, rule, message, severity] of its validation results
    report: str = ""  # its results in the validation report, N-Triples
    quads: list[ox.Quad] | LazyQuads | NQuadsText = field(default_factory=list, repr=False)
    mapped: bool = True  # made by this build (else read from the previous release)
    validated: bool = True

    def grounding_result(self) -> GroundingResult:
        return GroundingResult(**self.grounding)

    def stand_in(self, path: Path) -> ArticleFacts:
        """What the checks across files need of an article not read again: its id, entities and reports."""
        return ArticleFacts(path, {"id": self.article, "source_text": self.source_text, "__line__": self.line},
                            reports=[{"id": rid} for rid in self.reports],
                            entities=[{"id": eid, "wikidata": qid, "__line__": line} if qid else
                                      {"id": eid, "__line__": line} for eid, qid, line in self.entities])

    def warnings(self, path: Path) -> list[Problem]:
        return [Problem(str(path), focus, rule, message) for focus, rule, message, severity in self.results
                if severity != "Violation"]

    def metadata(self) -> dict:
        return {name: getattr(self, name) for name in ("key", "article", "facts_sha256", "source_text", "grounding",
                                                        "line", "entities", "reports", "refers_to", "validated_with",
                                                        "results", "report")}


def new_part(key: str, facts: ArticleFacts, facts_sha256: str, grounding: GroundingResult, quads: NQuadsText,
             base_iri: str) -> ArticlePart:
    named = (f"{base_iri}entity/", f"{base_iri}report/")
    if kept_as_text(quads):  # read from the lines, none parsed
        refers_to = sorted(named_iris(lines_of(quads), named))
    else:
        refers_to = sorted({t.value for q in quads for t in (q.subject, q.object)
                            if isinstance(t, ox.NamedNode) and t.value.startswith(named)})
    return ArticlePart(key, facts.id, facts_sha256, str(facts.article["source_text"]), vars(grounding),
                       facts.article.get("__line__", 1),
                       [[e["id"], e.get("wikidata"), e.get("__line__", 1)] for e in facts.entities],
                       [r["id"] for r in facts.reports], refers_to, quads=quads)


MEMBER_SUFFIXES = {fmt.key: fmt.suffix for fmt in DUMP_FORMATS}


class MemberFiles(Mapping):
    """The dump members kept with a part, by format key (``DumpFormat.key``), read on each use. Their file names
    are made when asked for, as text: a +1 build at 10M triples makes one of these for each of 24,000 reused parts,
    and making their paths with pathlib took 1.8 s of it."""

    def __init__(self, folder: Path | str, key: str):
        self.folder, self.key = str(folder), key

    def path(self, fmt_key: str) -> str:
        return os.path.join(self.folder, f"{self.key}.dump.{MEMBER_SUFFIXES[fmt_key]}")

    def __getitem__(self, fmt_key: str) -> bytes:
        with open(self.path(fmt_key), "rb") as data:
            return data.read()

    def __iter__(self):
        return iter(MEMBER_SUFFIXES)

    def __len__(self) -> int:
        return len(MEMBER_SUFFIXES)


@dataclass
class PreviousParts:
    """The parts of the release a build starts from."""

    release: Release
    index: dict  # article id -> {"key", "facts_sha256", "source_text"}
    #: part key -> its metadata and whether its dump members are kept (PARTS_INDEX); None when the release has
    #: no such file (each part's ``<key>.json`` is read, and its members looked for, instead)
    metadata: dict[str, dict] | None = field(default=None, repr=False)
    #: part key -> its line of PARTS_INDEX as the file holds it (a part reused as it was is written to the next
    #: release's index as it is, not serialised again)
    index_lines: dict[str, str] = field(default_factory=dict, repr=False)

    def by_facts(self) -> dict[str, dict]:
        return {entry["facts_sha256"]: dict(entry, article=article) for article, entry in self.index.items()}

    def quads_outside(self, parts: list[ArticlePart], entities_graph: str) -> set[ox.Quad] | None:
        """This release's quads outside the graphs of the articles ``parts`` reuse from it and its vocabulary
        (which an incremental build does not change): its links, its entity descriptions and the parts of the
        articles changed or removed since. None when it kept no links part or no entity counts."""
        try:
            with open(self.release.path / PARTS_DIR / LINKS_PART, "rb") as data:
                quads = set(ox.parse(data, format=ox.RdfFormat.N_QUADS))
            reused = {part.article for part in parts if not part.mapped}
            counts = self.entity_counts()
            if counts is None:
                return None
            quads.update(entity_quads(counts))
            for article, entry in self.index.items():
                if article not in reused:
                    quads.update(self.read(entry["key"]).quads)
        except (OSError, ValueError, TypeError, SyntaxError):
            return None
        return quads

    def entity_counts(self) -> dict[str, int] | None:
        """How many of this release's parts hold each quad of its entities graph (None if it did not count)."""
        try:
            return json.loads((self.release.path / PARTS_DIR / ENTITIES_PART).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def dump_members(self, key: str) -> MemberFiles | None:
        """The dump members of an article's graph kept with its part (None if it has none), each read when the
        dump it goes into is written (a +1 build holds one member at a time, not the corpus's)."""
        return MemberFiles(self.parts_folder, key) if self.has_members(key) else None

    @functools.cached_property
    def parts_folder(self) -> str:
        return str(self.release.path / PARTS_DIR)

    def has_members(self, key: str) -> bool:
        entry = (self.metadata or {}).get(key)
        if entry is not None:
            return entry["members"]
        members = MemberFiles(self.parts_folder, key)
        return all(os.path.isfile(members.path(fmt_key)) for fmt_key in members)

    def read(self, key: str) -> ArticlePart:
        folder = self.release.path / PARTS_DIR
        entry = (self.metadata or {}).get(key)
        if entry is None:  # a part missing from the index, or a release that kept a file per part
            entry = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        part = ArticlePart(**{name: value for name, value in entry.items() if name != "members"})
        part.quads = LazyQuads(folder / f"{key}.nq")
        part.mapped = part.validated = False
        return part


def read_parts_index(folder: Path) -> tuple[dict[str, dict] | None, dict[str, str]]:
    """The metadata of each part of a release's ``articles/`` folder by key, from PARTS_INDEX, and each part's line
    as the file holds it; (None, {}) when it has none or it cannot be read."""
    try:
        with open(folder / PARTS_INDEX, encoding="utf-8") as index:
            lines = index.readlines()
        entries = [(json.loads(line), line) for line in lines]
        kept = [(entry, line) for entry, line in entries if isinstance(entry.get("members"), bool)]
        return {entry["key"]: entry for entry, _ in kept}, {entry["key"]: line for entry, line in kept}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None, {}


def previous_parts(release: Release | None, digests: dict[str, str]) -> tuple[PreviousParts | None, str]:
    """The parts of ``release`` when they were made with the same digests; else None and why a full build."""
    if release is None:
        return None, "no previous release"
    try:
        index = json.loads((release.path / PARTS_DIR / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, f"the previous release {release.version} has no article parts"
    changed = [CHANGED_DIGEST[name] for name in CHANGED_DIGEST if index.get("digests", {}).get(name) != digests[name]]
    if changed:
        return None, "; ".join(changed)
    if not (release.path / PARTS_DIR / ENTITIES_PART).is_file():
        return None, f"the previous release {release.version} does not count its entity descriptions"
    return PreviousParts(release, index["articles"], *read_parts_index(release.path / PARTS_DIR)), ""


def entity_quads(counts: dict[str, int]) -> list[ox.Quad]:
    """The quads of the entities graph whose count is not zero, in the order of their N-Quads lines."""
    lines = "".join(line for line, n in sorted(counts.items()) if n > 0)
    return list(ox.parse(lines.encode("utf-8"), format=ox.RdfFormat.N_QUADS)) if lines else []


def entity_change(before: dict[str, int] | None, after: dict[str, int]) -> tuple[list[ox.Quad], list[ox.Quad]] | None:
    """The quads the entities graph loses and gains from one release to the next, from the counts of its quads'
    N-Quads lines each release keeps (ENTITIES_PART); None when the previous release kept none."""
    if before is None:
        return None
    return (entity_quads({line: 1 for line, n in before.items() if n > 0 and after.get(line, 0) <= 0}),
            entity_quads({line: 1 for line, n in after.items() if n > 0 and before.get(line, 0) <= 0}))


def count_entity_quads(counts: dict[str, int], quads, graph: str, by: int) -> None:
    """Add ``by`` to the count of each of ``quads`` in the entities ``graph`` (each quad once per part), counted by
    its N-Quads line (a part kept as text gives its lines: none is parsed)."""
    if kept_as_text(quads):
        lines = [line.decode("utf-8") + "\n" for line in GraphQuads(quads, graph).lines()]
    else:
        lines = [f"{q} .\n" for q in dict.fromkeys(q for q in quads if q.graph_name.value == graph)]
    for line in lines:
        counts[line] = counts.get(line, 0) + by
        if counts[line] == 0:
            del counts[line]


def write_parts(folder: Path, parts: list[ArticlePart], digests: dict[str, str], previous: PreviousParts | None,
                links: list[ox.Quad], members: dict[str, dict[str, bytes]], entity_counts: dict[str, int]) -> None:
    """Write the release's ``articles/``: new parts written, reused ones hard-linked from the previous release;
    the links graph, the counts of the entity descriptions, the index of the parts' metadata (PARTS_INDEX).
    ``members`` are the dump members made by this build, by article id."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ENTITIES_PART).write_text(json.dumps(entity_counts, ensure_ascii=False, sort_keys=True, indent=0),
                                        encoding="utf-8")
    with open(folder / LINKS_PART, "wb") as out:
        ox.serialize(links, out, format=ox.RdfFormat.N_QUADS)
    source = str(previous.release.path / PARTS_DIR) if previous else ""
    target = str(folder)
    unchanged = previous.index_lines if previous else {}
    with open(folder / PARTS_INDEX, "w", encoding="utf-8") as index_file:
        for part in parts:
            key = part.key
            if part.mapped:
                (folder / f"{key}.nq").write_bytes(part_nquads(part.quads))
            else:
                _link(os.path.join(source, f"{key}.nq"), os.path.join(target, f"{key}.nq"))
            kept = part.article in members or (previous is not None and not part.mapped and previous.has_members(key))
            for fmt in DUMP_FORMATS:
                name = f"{key}.dump.{fmt.suffix}"
                if part.article in members:
                    (folder / name).write_bytes(members[part.article][fmt.key])
                elif kept:
                    _link(os.path.join(source, name), os.path.join(target, name))
            line = unchanged.get(key) if kept == (previous is not None and previous.has_members(key)) else None
            if part.mapped or part.validated or line is None:
                line = json.dumps({**part.metadata(), "members": kept}, ensure_ascii=False) + "\n"
            index_file.write(line)
    index = {"digests": digests, "articles": {p.article: {"key": p.key, "facts_sha256": p.facts_sha256,
                                                          "source_text": p.source_text} for p in parts}}
    (folder / INDEX).write_text(json.dumps(index, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _link(source: str, target: str) -> None:
    """A hard link (a release is never written to, so sharing the file is safe); a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        Path(target).write_bytes(Path(source).read_bytes())


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
