"""The checks of a build: read and check the facts files, ground quotes in the source texts and map to RDF (each
article in turn: mapping_pool.py), check the links, check the vocabulary, validate the data with SHACL. Any problem
stops the build before anything is written; the problems of a stage are reported before those of the next.

Articles whose part (article_cache.py) in the current release has the same key are not read, mapped or validated
again: their quads and results are reused. What crosses articles is checked every time: ids defined and names
that must resolve (an article reused is read and checked again when an entity or report it names is gone), the
links, the vocabulary, and the entity descriptions, which every validated chunk holds beside its articles.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.namespace import RDF

from . import collector
from .article_cache import (
    ArticlePart,
    PreviousParts,
    build_digests,
    count_entity_quads,
    entity_quads,
    new_part,
    part_key,
    previous_parts,
    source_key,
)
from .config import Settings
from .facts import ArticleFacts, FactsLimits, draft_problems, facts_paths
from .facts_packed import read_packed, unpack
from .facts_rules import check_facts
from .grounding import GroundingResult, status_quads
from .input_checksums import InputChecksums
from .inputs import oversized_files
from .links import MappingRow, check_links, link_quads, read_sssom
from .mapping import Mapper
from .mapping_pool import ground_and_map
from .part_quads import CorpusQuads, kept_as_text, kept_in, lines_of, subject_of
from .problems import BuildFailed, DataDoesNotConform, Problem
from .release import current_release
from .validation import (
    DATA_SHAPES,
    SH,
    VOCABULARY_SHAPES,
    ValidationOutcome,
    check_shapes,
    load_shapes,
    merge_reports,
    split,
    validate,
)
from .vocabulary import Vocabulary

SSSOM_FILE = "wikidata.sssom.tsv"
#: The most quads of articles validated in one chunk (by one worker process) in a build.
CHUNK_QUADS = 100_000


@dataclass
class Checked:
    """Everything the checks produced, ready to be published."""

    files: list[ArticleFacts]  # articles reused from the previous release are stand-ins (ids, entities, reports)
    #: the graphs this build may change, each in its named graph: the articles it mapped, the entity descriptions,
    #: the vocabulary and the links (all the articles in a full build; ``all_quads`` gives every quad), read from
    #: the parts each time they are iterated
    quads: CorpusQuads
    grounding: list[GroundingResult]
    validation: ValidationOutcome
    links: list[MappingRow]
    timings: dict[str, float] = field(default_factory=dict)
    parts: list[ArticlePart] = field(default_factory=list)
    #: article id -> why it was mapped and validated again ("new", "changed facts file", "removed", "full: --full"…)
    rebuilt: dict[str, str] = field(default_factory=dict)
    #: articles validated again, though not mapped again, because an entity they name is described differently
    revalidated: list[str] = field(default_factory=list)
    full: str | None = None  # why every article was rebuilt; None for an incremental build
    previous: PreviousParts | None = None  # the release whose parts were reused
    digests: dict[str, str] = field(default_factory=dict)
    entity_counts: dict[str, int] = field(default_factory=dict)  # see article_cache.ENTITIES_PART
    #: the folder of the mapped articles' quads (removed when this is let go of)
    scratch: tempfile.TemporaryDirectory | None = field(default=None, repr=False)
    #: the SHA-256 of each facts file and source text the checks read or found kept (input_checksums.py)
    input_checksums: InputChecksums | None = None

    def all_quads(self) -> list[ox.Quad]:
        """Every quad of the release, the reused articles' read from their parts, as a list (``quads.every()``
        reads them one part at a time)."""
        return list(self.quads.every())


@collector.paused()
def check(settings: Settings, allow_drafts: bool = False, *, full: bool = False) -> Checked:
    """Run every check; raise DataDoesNotConform listing every problem found by the first failing stage.
    A draft (a file still marked by `newsfacts draft`) is a problem unless `allow_drafts` (validate).
    With ``full``, no part of the current release is reused."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    _stop_if(oversized_files([settings.ontology_dir, settings.shapes_dir, settings.mappings_dir],
                             settings.max_input_file_bytes))
    try:
        vocabulary = Vocabulary.load(settings.ontology_dir)
        mapper = Mapper(settings.mappings_dir, settings.base_iri)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError) as exc:
        raise BuildFailed(f"cannot read the ontology or mappings: {exc!r}" if isinstance(exc, KeyError | TypeError)
                          else f"cannot read the ontology or mappings: {exc}") from exc
    digests = build_digests(settings)
    previous, full_reason = (None, "--full") if full else previous_parts(current_release(settings.releases_dir), digests)
    limits = FactsLimits.from_settings(settings)
    paths = facts_paths(settings.facts_dir)
    checksums = InputChecksums(settings.releases_dir)
    shas = {path: checksums.sha256(path) for path in paths}
    reused, reasons = _reusable(settings, paths, shas, previous, digests, checksums)
    read, packed, problems = read_packed([p for p in paths if p not in reused], limits)
    if not paths:
        problems.append(Problem(str(settings.facts_dir), "folder", "no-facts", "no facts files (*.yaml) found"))
    by_path = {f.path: f for f in read}
    stale = _unresolved(reused, by_path, settings.base_iri)
    if stale:  # checked again, so that the problem is reported as a full build reports it
        more, more_packed, more_problems = read_packed(stale, limits)
        problems += more_problems
        by_path.update({f.path: f for f in more})
        packed.update(more_packed)
        for path in stale:
            reasons[path] = "an entity or report it names is no longer defined"
            del reused[path]
    files = [by_path[p] if p in by_path else reused[p].stand_in(p) for p in paths if p in by_path or p in reused]
    problems += check_facts(files, vocabulary, only=set(by_path), whole=lambda f: unpack(packed[f.path]))
    fresh = [f for f in files if f.path in by_path]
    if not allow_drafts:
        problems += draft_problems(fresh)
    _stop_if(problems)
    # each article grounded, then mapped, from its packed facts (the quotes' selectors grounding finds are
    # mapped); its quads kept in a file as they are mapped, read from there by each stage (part_quads.py)
    scratch = tempfile.TemporaryDirectory(prefix="newsfacts-mapped-")
    grounded = ground_and_map(mapper, [packed[f.path] for f in fresh], settings.sources_dir,
                              settings.max_source_text_bytes, keep=functools.partial(kept_in, Path(scratch.name)))
    packed.clear()  # each file was unpacked where it was grounded and mapped
    _stop_if([problem for _result, found, _quads in grounded for problem in found])
    rows, _meta, problems = read_sssom(Path(settings.mappings_dir) / SSSOM_FILE)
    _stop_if(problems)
    rows, problems = check_links(rows, files)
    _stop_if(problems)

    mapped = iter(grounded)
    parts, rebuilt = [], {}
    for facts in files:
        if facts.path in reused:
            parts.append(reused[facts.path])
            continue
        result, _problems, quads = next(mapped)
        with open(quads.path, "ab") as out:
            ox.serialize(status_quads(result, mapper.iri.article(facts.id), mapper.article_graph_iri(facts)), out,
                         format=ox.RdfFormat.N_QUADS)
        name = str(facts.article["source_text"])
        parts.append(new_part(part_key(digests, shas[facts.path], name, source_key(settings, name, checksums) or ""), facts,
                              shas[facts.path], result, quads, settings.base_iri))
        rebuilt[facts.id] = (f"full: {full_reason}" if previous is None else reasons.get(facts.path)
                             or ("changed facts file" if facts.id in previous.index else "new"))
    del read, by_path, fresh, mapped, grounded
    if previous is not None:
        present = {part.article for part in parts}
        rebuilt.update({article: "removed" for article in sorted(previous.index) if article not in present})
    entities_graph = mapper.iri.graph("entities")
    entity_counts = _entity_counts(previous, parts, entities_graph)
    # the quads of the articles mapped by this build (their entity descriptions are in the counts), then the
    # entity descriptions: the union of every part's; read from the parts each time they are needed
    descriptions = entity_quads(entity_counts)
    origin: dict[str, str] = {}  # where each entity is first described: its subjects' file in problems
    for facts, part in zip(files, parts, strict=True):
        for eid, _qid, _line in part.entities:
            origin.setdefault(mapper.iri.entity(eid), str(facts.path))
    vocabulary_graph = ox.NamedNode(mapper.iri.graph("vocabulary"))
    vocabulary_quads = [ox.Quad(t.subject, t.predicate, t.object, vocabulary_graph) for t in vocabulary.triples]
    links = link_quads(rows, mapper.iri.entity, mapper.iri.graph("links"))
    corpus = CorpusQuads(parts, entities_graph, descriptions + vocabulary_quads + links)
    timings["mapping_s"] = time.perf_counter() - started

    started = time.perf_counter()
    outcome, revalidated = _validate(settings, vocabulary, files, parts, CorpusQuads(parts, entities_graph, descriptions),
                                     links, origin, mapper.iri.entity(""), shapes_checked=previous is not None)
    timings["shacl_s"] = time.perf_counter() - started
    return Checked(files, corpus, [p.grounding_result() for p in parts], outcome, rows,
                   timings, parts, rebuilt, revalidated, full_reason if previous is None else None, previous, digests,
                   entity_counts, scratch, checksums)


def _entity_counts(previous: PreviousParts | None, parts: list[ArticlePart], graph: str) -> dict[str, int]:
    """How many parts hold each entity description quad: the previous release's counts, less its parts that are
    not reused (changed or removed articles), plus the parts made now; counted over every part when the
    previous counts or parts cannot be read."""
    counts = previous.entity_counts() if previous is not None else None
    reused = {part.article for part in parts if not part.mapped}
    try:
        if counts is None:
            raise ValueError("no previous counts")
        for article, entry in previous.index.items():
            if article not in reused:
                count_entity_quads(counts, previous.read(entry["key"]).quads, graph, -1)
        if any(n < 0 for n in counts.values()):
            raise ValueError("a count below zero")
    except (OSError, ValueError, TypeError, SyntaxError):
        counts = {}
        for part in parts:
            if not part.mapped:
                count_entity_quads(counts, part.quads, graph, 1)
    for part in parts:
        if part.mapped:
            count_entity_quads(counts, part.quads, graph, 1)
    return counts


def _reusable(settings: Settings, paths: list[Path], shas: dict[Path, str], previous: PreviousParts | None,
              digests: dict[str, str], checksums: InputChecksums | None = None
              ) -> tuple[dict[Path, ArticlePart], dict[Path, str]]:
    """The parts of the previous release that the facts files still have (same key), and why others are not."""
    reused, reasons = {}, {}
    by_facts = previous.by_facts() if previous else {}
    for path in paths:
        entry = by_facts.get(shas[path])
        if entry is None:
            continue
        source = source_key(settings, entry["source_text"], checksums)
        if source is None or part_key(digests, shas[path], entry["source_text"], source) != entry["key"]:
            reasons[path] = "changed source text"
            continue
        try:
            reused[path] = previous.read(entry["key"])
        except (OSError, ValueError, TypeError, SyntaxError):  # a part removed or damaged since: made again
            reasons[path] = f"its part in {previous.release.version} cannot be read"
    return reused, reasons


def _unresolved(reused: dict[Path, ArticlePart], read: dict[Path, ArticleFacts], base_iri: str) -> list[Path]:
    """Reused articles that name an entity or a report no article defines any more."""
    entities = {e.get("id") for f in read.values() for e in f.entities}
    reports = {r.get("id") for f in read.values() for r in f.reports}
    for part in reused.values():
        entities.update(eid for eid, _qid, _line in part.entities)
        reports.update(part.reports)
    defined = {f"{base_iri}entity/{e}" for e in entities if isinstance(e, str)}
    defined |= {f"{base_iri}report/{r}" for r in reports if isinstance(r, str)}
    return [path for path, part in reused.items() if not set(part.refers_to) <= defined]


def _validate(settings: Settings, vocabulary: Vocabulary, files: list[ArticleFacts], parts: list[ArticlePart],
              article_quads: CorpusQuads, links: list[ox.Quad], origin: dict[str, str],
              entity_prefix: str, shapes_checked: bool = False) -> tuple[ValidationOutcome, list[str]]:
    """Validate the articles mapped by this build and those whose named entities changed, each chunk with every
    entity description, the links and the vocabulary beside it (sh:class follows rdfs:subClassOf, concepts are
    checked for their scheme, references cross articles); reuse the results of the others. The shapes (against
    SHACL-SHACL) and the vocabulary are checked unless ``shapes_checked``: the release whose parts are reused was
    built with the same shapes and ontology (its digests say so) and checked them."""
    data_shapes = load_shapes(settings.shapes_dir, DATA_SHAPES)
    if not shapes_checked:
        vocabulary_shapes = load_shapes(settings.shapes_dir, VOCABULARY_SHAPES)
        check_shapes(vocabulary_shapes, "shapes/vocabulary.ttl", settings.shacl_engine)
        check_shapes(data_shapes, "shapes/shapes.ttl and shapes/recommended.ttl", settings.shacl_engine)
        vocab_check = validate([], vocabulary.triples, vocabulary_shapes, lambda iri: str(settings.ontology_dir),
                               settings.shacl_engine)
        _stop_if(vocab_check.violations)
    entity_quads = article_quads.about(entity_prefix)
    descriptions: dict[str, list[str]] = defaultdict(list)
    for q in entity_quads:
        descriptions[q.subject.value].append(str(q))
    revalidated = []
    for part in parts:
        named = [(iri, sorted(descriptions.get(iri, ()))) for iri in part.refers_to if iri.startswith(entity_prefix)]
        validated_with = hashlib.sha256(repr(named).encode()).hexdigest()
        if not part.validated and part.validated_with != validated_with:
            part.validated = True
            revalidated.append(part.article)
        part.validated_with = validated_with
    checking = [part for part in parts if part.validated]
    path_of = {part.key: str(facts.path) for facts, part in zip(files, parts, strict=True)}
    # one pass over each part: where its subjects come from (for problems), which part owns each of its own
    # subjects (for the results kept with the parts) and how many quads of its own it has (for the chunks)
    own: list[_OwnQuads] = []
    owner: dict[str, ArticlePart] = {}
    for part in checking:
        size = 0
        subjects = (subject_of(line) for line in lines_of(part.quads)) if kept_as_text(part.quads) else \
            (q.subject.value for q in part.quads)  # read from the part's text when it is kept as text
        for subject in subjects:
            origin.setdefault(subject, path_of[part.key])
            if not subject.startswith(entity_prefix):
                owner.setdefault(subject, part)
                size += 1
        own.append(_OwnQuads(part.quads, entity_prefix, size))
    # at least a chunk per core, and none larger than CHUNK_QUADS: a validation worker's memory does not grow
    # with the corpus (each chunk is validated with every entity description, the links and the vocabulary);
    # each chunk's quads are read from its parts when its N-Triples are made
    chunks = [_Chunk(chunk) for chunk in split(own, max(os.cpu_count() or 1, -(-sum(map(len, own)) // CHUNK_QUADS)))]
    outcome = validate(chunks, entity_quads + links + vocabulary.triples, data_shapes,
                       lambda iri: origin.get(iri.split("#")[0], origin.get(iri, "data")), settings.shacl_engine)
    _stop_if(outcome.violations)

    def owner_of(focus: str) -> ArticlePart | None:
        return owner.get(focus) or owner.get(focus.split("#")[0])

    for part in checking:
        part.results, part.report = [], ""
    for problem in outcome.warnings:
        part = owner_of(problem.where)
        if part is not None:
            part.results.append([problem.where, problem.rule, problem.message, "Warning"])
    for key, fragment in _fragments(outcome.report, owner_of).items():
        next(p for p in checking if p.key == key).report = fragment
    kept = [(facts, part) for facts, part in zip(files, parts, strict=True) if not part.validated]
    if not kept:
        return outcome, revalidated
    warnings = sorted(outcome.warnings + [w for facts, part in kept for w in part.warnings(facts.path)],
                      key=lambda w: (w.where, w.rule, w.message))
    report = merge_reports([outcome.report.serialize(format="nt", encoding="utf-8")]
                           + [part.report.encode("utf-8") for _facts, part in kept if part.report])
    return ValidationOutcome([], warnings, report), revalidated


class _OwnQuads:
    """A part's quads about its own things (not the entities it describes), read each time they are iterated."""

    def __init__(self, quads, entity_prefix: str, size: int):
        self.quads, self.entity_prefix, self.size = quads, entity_prefix, size

    def __iter__(self):
        return (q for q in self.quads if not q.subject.value.startswith(self.entity_prefix))

    def __len__(self) -> int:
        return self.size

    def ntriples(self) -> bytes:
        """The quads of ``__iter__`` as N-Triples text, made from the part's N-Quads lines (each without its graph)
        when it is kept as text: the same lines ``ox.serialize`` gives of the triples, without making each quad."""
        if not kept_as_text(self.quads):
            return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in self), format=ox.RdfFormat.N_TRIPLES)
        start = f"<{self.entity_prefix}".encode()
        return b"".join(line[:line.rindex(b" <")] + b" .\n" for line in lines_of(self.quads) if not line.startswith(start))


class _Chunk:
    """A chunk of whole articles' quads to validate together, read from their parts when iterated."""

    def __init__(self, items: list[_OwnQuads]):
        self.items = items

    def __iter__(self):
        return (q for item in self.items for q in item)

    def __len__(self) -> int:
        return sum(map(len, self.items))

    def ntriples(self) -> bytes:
        """The chunk's quads as N-Triples text (validation.validate sends it to a worker)."""
        return b"".join(item.ntriples() for item in self.items)


def _fragments(report: Graph, owner_of) -> dict[str, str]:
    """The results of the report about each article's own nodes, as a report of their own (N-Triples)."""
    groups: dict[str, Graph] = {}
    for result in report.objects(None, SH.result):
        part = owner_of(str(report.value(result, SH.focusNode)))
        if part is None:
            continue
        if part.key not in groups:
            groups[part.key] = Graph()
            groups[part.key].add((BNode("report"), RDF.type, SH.ValidationReport))
        groups[part.key].add((BNode("report"), SH.result, result))
        groups[part.key] += report.cbd(result)
    return {key: graph.serialize(format="nt") for key, graph in groups.items()}


def _stop_if(problems) -> None:
    if problems:
        raise DataDoesNotConform(list(problems))
