"""The build: facts -> RDF -> checks -> an immutable, versioned release.

Stages, in order; any problem stops the build before anything is written:
read and check the facts files, ground quotes in the source texts, check the
links, map to RDF, check the vocabulary, validate the data with SHACL. Only
then is a release written, and made current once complete.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import __version__, history
from .config import Settings
from .dataset import Publisher, describe, dump_url
from .documents import write_documents
from .dumps import describe_file, write_dumps
from .facts import ArticleFacts, FactsLimits, check_facts, draft_problems, load_facts_dir
from .grounding import GroundingResult, ground, status_quads
from .inputs import oversized_files
from .links import MappingRow, check_links, link_quads, read_sssom, write_sssom
from .mapping import Mapper
from .problems import BuildFailed, DataDoesNotConform
from .release import (
    DUMPS_DIR,
    REPORT_FILE,
    STORE_DIR,
    VOID_FILE,
    Release,
    StagedRelease,
    current_release,
    prune_releases,
    remove_stale_staging,
)
from .remote import RemoteQueryError, RemoteStore, StoreUnavailable
from .search_index import INDEX_FILE, SEARCH_DIR, write_index
from .validation import DATA_SHAPES, VOCABULARY_SHAPES, ValidationOutcome, check_shapes, load_shapes, split, validate
from .vocabulary import Vocabulary

SSSOM_FILE = "wikidata.sssom.tsv"


@dataclass
class Checked:
    """Everything the checks produced, ready to be published."""

    files: list[ArticleFacts]
    quads: list[ox.Quad]  # articles, vocabulary and links, each in its named graph
    grounding: list[GroundingResult]
    validation: ValidationOutcome
    links: list[MappingRow]
    timings: dict[str, float] = field(default_factory=dict)


def check(settings: Settings, allow_drafts: bool = False) -> Checked:
    """Run every check; raise DataDoesNotConform listing every problem found by the first failing stage.
    A draft (a file still marked by `newsfacts draft`) is a problem unless `allow_drafts` (validate)."""
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
    files, problems = load_facts_dir(settings.facts_dir, FactsLimits.from_settings(settings))
    problems += check_facts(files, vocabulary)
    if not allow_drafts:
        problems += draft_problems(files)
    _stop_if(problems)
    grounding, problems = ground(files, settings.sources_dir, settings.max_source_text_bytes)
    _stop_if(problems)
    rows, _meta, problems = read_sssom(Path(settings.mappings_dir) / SSSOM_FILE)
    _stop_if(problems)
    rows, problems = check_links(rows, files)
    _stop_if(problems)

    per_article: list[list[ox.Quad]] = []
    origin: dict[str, str] = {}
    by_article = {g.article: g for g in grounding}
    for facts in files:
        quads = mapper.to_quads(facts)
        quads += status_quads(by_article[facts.id], mapper.iri.article(facts.id), mapper.article_graph_iri(facts))
        per_article.append(quads)
        for q in quads:
            origin.setdefault(q.subject.value, str(facts.path))
    article_quads = list(dict.fromkeys(q for quads in per_article for q in quads))  # shared entity quads once
    vocabulary_graph = ox.NamedNode(mapper.iri.graph("vocabulary"))
    vocabulary_quads = [ox.Quad(t.subject, t.predicate, t.object, vocabulary_graph) for t in vocabulary.triples]
    links = link_quads(rows, mapper.iri.entity, mapper.iri.graph("links"))
    timings["mapping_s"] = time.perf_counter() - started

    started = time.perf_counter()
    vocabulary_shapes = load_shapes(settings.shapes_dir, VOCABULARY_SHAPES)
    data_shapes = load_shapes(settings.shapes_dir, DATA_SHAPES)
    check_shapes(vocabulary_shapes, "shapes/vocabulary.ttl", settings.shacl_engine)
    check_shapes(data_shapes, "shapes/shapes.ttl and shapes/recommended.ttl", settings.shacl_engine)
    vocab_check = validate([], vocabulary.triples, vocabulary_shapes, lambda iri: str(settings.ontology_dir),
                           settings.shacl_engine)
    _stop_if(vocab_check.violations)
    # Each chunk of articles is checked with every entity description, the links and the vocabulary beside it:
    # sh:class follows rdfs:subClassOf, concepts are checked for their scheme, references cross articles.
    entity_prefix = mapper.iri.entity("")
    shared = [q for q in article_quads if q.subject.value.startswith(entity_prefix)] + links + vocabulary.triples
    chunks = split([[q for q in quads if not q.subject.value.startswith(entity_prefix)] for quads in per_article],
                   os.cpu_count() or 1)
    outcome = validate(chunks, shared, data_shapes,
                       lambda iri: origin.get(iri.split("#")[0], origin.get(iri, "data")), settings.shacl_engine)
    timings["shacl_s"] = time.perf_counter() - started
    _stop_if(outcome.violations)
    return Checked(files, article_quads + vocabulary_quads + links, grounding, outcome, rows, timings)


def build(settings: Settings, checked: Checked | None = None, *, force: bool = True) -> Release:
    """Check (unless given what `check` found), then write a new release and make it current; then remove releases
    beyond ``keep_releases``.

    With ``force`` False, when the current release was built from the same inputs (``inputs_digest``), nothing is
    published and the current release is returned."""
    removed = remove_stale_staging(settings.releases_dir)
    if removed:
        print(f"newsfacts: removed {len(removed)} unfinished release folder(s) of builds that did not finish: "
              f"{', '.join(p.name for p in removed)}", file=sys.stderr)
    checked = check(settings) if checked is None else checked
    built_at = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    inputs = _input_checksums(settings, checked.files)
    digest = inputs_digest(settings, inputs, checked.grounding)
    current = current_release(settings.releases_dir)
    if not force and current is not None and current.manifest().get("inputs_digest") == digest:
        return current
    version = built_at.strftime("%Y%m%dT%H%M%SZ") + "-" + hashlib.sha256(
        "".join(sorted(inputs.values())).encode()).hexdigest()[:8]
    description_graph = f"{settings.base_iri}graph/dataset"
    previous = current  # the change set is against what was current when the build began
    try:
        with StagedRelease(settings.releases_dir, version) as staged:
            started = time.perf_counter()
            triples = {q.triple for q in checked.quads}
            dumps = write_dumps(checked.quads, triples, staged.file(DUMPS_DIR), f"newsfacts-{version}", settings.base_iri)
            sssom = staged.file(DUMPS_DIR, f"newsfacts-{version}.sssom.tsv")
            write_sssom(Path(settings.mappings_dir) / SSSOM_FILE, checked.links, sssom,
                        entity_namespace=f"{settings.base_iri}entity/",
                        mapping_set_id=dump_url(settings.base_iri, "latest", "newsfacts-latest.sssom.tsv"))
            dumps.append(describe_file(sssom, "text/tab-separated-values", None))
            checked.timings["dumps_s"] = time.perf_counter() - started

            started = time.perf_counter()
            history.record(previous, checked.quads, staged.file(history.CHANGES_DIR), version,
                           built_at.isoformat().replace("+00:00", "Z"), settings.base_iri)
            checked.timings["changes_s"] = time.perf_counter() - started

            description = describe(checked.quads, triples, dumps, base_iri=settings.base_iri, version=version,
                                   built_at=built_at.isoformat().replace("+00:00", "Z"),
                                   license_iri=settings.license, graph=description_graph,
                                   publisher=Publisher(settings.publisher_name, settings.contact_email, settings.contact_url),
                                   validation={"conforms": checked.validation.conforms, "violations": 0,
                                               "warnings": len(checked.validation.warnings)})
            with open(staged.file(VOID_FILE), "wb") as out:
                ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in description], out,
                             format=ox.RdfFormat.TURTLE, prefixes={"void": "http://rdfs.org/ns/void#",
                                                                    "dcat": "http://www.w3.org/ns/dcat#",
                                                                    "dcterms": "http://purl.org/dc/terms/",
                                                                    "spdx": "http://spdx.org/rdf/terms#",
                                                                    "foaf": "http://xmlns.com/foaf/0.1/",
                                                                    "vcard": "http://www.w3.org/2006/vcard/ns#",
                                                                    "nf": "https://newsfacts.example/ontology/"})
            checked.validation.published_report(f"{settings.base_iri}validation-report").serialize(
                staged.file(REPORT_FILE), format="turtle")

            started = time.perf_counter()
            write_index(checked.quads, staged.file(SEARCH_DIR, INDEX_FILE), settings.base_iri)
            checked.timings["search_index_s"] = time.perf_counter() - started

            started = time.perf_counter()
            if settings.store == "embedded":
                store = ox.Store(str(staged.file(STORE_DIR)))
                store.bulk_extend(checked.quads + description)  # the bulk loader writes compacted files already
                del store
            else:
                # the remote store switches first; if it fails, nothing is published anywhere
                RemoteStore.from_settings(settings).publish(checked.quads + description, version)
            checked.timings["store_s"] = time.perf_counter() - started
            checked.timings.update(write_documents(staged.path, version, settings))  # documents/, from the store

            manifest = {
                "version": version,
                "built_at": built_at.isoformat().replace("+00:00", "Z"),
                "newsfacts_version": __version__,
                "base_iri": settings.base_iri,
                "store": settings.store,
                "inputs": inputs,
                "inputs_digest": digest,
                "grounding": [vars(g) for g in checked.grounding],
                "graphs": _counts_by_graph(checked.quads + description),
                "triples": len(triples),
                "quads": len(checked.quads) + len(description),
                "articles": [f.id for f in checked.files],
                "dumps": [vars(d) for d in dumps],
                # "conforms" is sh:conforms (false on any result); the publishing gate is "violations": 0
                "validation": {"conforms": checked.validation.conforms, "violations": len(checked.validation.violations),
                               "warnings": len(checked.validation.warnings), "report": REPORT_FILE,
                               "engine": settings.shacl_engine},
                "changes": {"previous": previous.version if previous else None, "folder": history.CHANGES_DIR},
                "timings_s": {k: round(v, 3) for k, v in checked.timings.items()},
            }
            release = staged.finish(manifest)
            history.keep_copies(settings.releases_dir)  # pruning removes releases, never their change sets
        pruned = prune_releases(settings.releases_dir, settings.keep_releases)
        if pruned:
            print(f"newsfacts: removed {len(pruned)} old release(s) beyond keep_releases={settings.keep_releases}: "
                  f"{', '.join(p.name for p in pruned)}", file=sys.stderr)
        return release
    except OSError as exc:
        raise BuildFailed(f"cannot write the release in {settings.releases_dir}: {exc}") from exc
    except (StoreUnavailable, RemoteQueryError, ValueError) as exc:
        raise BuildFailed(f"cannot publish to the store {settings.store}: {exc}") from exc


def _stop_if(problems) -> None:
    if problems:
        raise DataDoesNotConform(list(problems))


def _input_checksums(settings: Settings, files: list[ArticleFacts]) -> dict[str, str]:
    paths = [f.path for f in files]
    for folder in (settings.ontology_dir, settings.shapes_dir, settings.mappings_dir):
        paths.extend(sorted(p for p in Path(folder).rglob("*") if p.is_file()))
    sums = {}
    for path in paths:
        sums[_display(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def inputs_digest(settings: Settings, inputs: dict[str, str], grounding: list[GroundingResult]) -> str:
    """SHA-256 of everything a release's content depends on: the input files, the source texts as checked (their
    SHA-256 is in the facts), the build code, and the settings that change the output."""
    package = Path(__file__).parent
    code = {str(p.relative_to(package)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(package.rglob("*")) if p.is_file() and p.suffix in (".py", ".rq", ".json", ".jsonld")
            and "web" not in p.relative_to(package).parts and "__pycache__" not in p.parts}
    described = {
        "inputs": sorted(inputs.values()),
        "grounding": [[g.article, g.source_text, g.status] for g in grounding],
        "code": code,
        "newsfacts_version": __version__,
        "settings": {name: getattr(settings, name) for name in ("base_iri", "license", "store")},
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _counts_by_graph(quads: list[ox.Quad]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for q in quads:
        key = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
