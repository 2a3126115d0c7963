"""The build: facts -> RDF -> checks -> an immutable, versioned release.

Stages, in order; any problem stops the build before anything is written:
read and check the facts files, ground quotes in the source texts and map to RDF
(each article in turn), check the links, check the vocabulary, validate the data
with SHACL (build_check.py).
Only then is a release written, and made current once complete.

Builds are incremental: articles whose part in the current release (article_cache.py) has the same key are
reused, and the store is made from the current release's store and the change (store_change.py); so are the
search index (search_update.py) and the counts of the dataset description (description_change.py). A full build
(``full``, or when the build code, ontology, shapes, mappings or output-changing settings changed) maps and
validates every article and loads its store from scratch; both give the same release.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sys
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import __version__, collector, history
from .article_cache import PARTS_DIR, code_digests, entity_change, write_parts
from .build_check import SSSOM_FILE, Checked, check
from .config import Settings
from .dataset import Counts, Publisher, counts_of, describe, dump_url
from .description_change import counts_after, counts_in_store, previous_counts
from .documents import code_digest as documents_code
from .documents import write_documents
from .dumps import describe_file
from .facts import ArticleFacts
from .grounding import GroundingResult
from .input_checksums import InputChecksums
from .links import write_sssom
from .part_quads import CorpusQuads
from .problems import BuildFailed
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
from .release_dumps import write_dumps
from .remote import GraphChange, RemoteQueryError, RemoteStore, StoreUnavailable
from .search_index import INDEX_FILE, SEARCH_DIR, index_path, write_index
from .search_parts import PartsText
from .search_update import index_from_store, touched_things, update_index
from .store_change import store_from_previous

__all__ = ["Checked", "build", "check", "inputs_digest"]

def build(settings: Settings, checked: Checked | None = None, *, force: bool = True, full: bool = False,
          built_at: datetime.datetime | None = None) -> Release:
    """Check (unless given what `check` found), then write a new release and make it current; then remove releases
    beyond ``keep_releases``.

    With ``force`` False, when the current release was built from the same inputs (``inputs_digest``), nothing is
    published and the current release is returned. With ``full``, no part of the current release is reused and its
    store is not either. ``built_at`` (UTC, whole seconds) is the build's time, now unless given: two builds of the
    same inputs at the same time give the same release. The cyclic garbage collector waits until it is done
    (collector.py)."""
    with collector.paused():
        return _build(settings, checked, force=force, full=full, built_at=built_at)


def _build(settings: Settings, checked: Checked | None, *, force: bool, full: bool,
           built_at: datetime.datetime | None) -> Release:
    removed = remove_stale_staging(settings.releases_dir)
    if removed:
        print(f"newsfacts: removed {len(removed)} unfinished release folder(s) of builds that did not finish: "
              f"{', '.join(p.name for p in removed)}", file=sys.stderr)
    checked = check(settings, full=full) if checked is None else checked
    built_at = built_at or datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    inputs = _input_checksums(settings, checked.files, checked.input_checksums)
    digest = inputs_digest(settings, inputs, checked.grounding)
    current = current_release(settings.releases_dir)
    if not force and current is not None and current.manifest().get("inputs_digest") == digest:
        return current
    version = built_at.strftime("%Y%m%dT%H%M%SZ") + "-" + hashlib.sha256(
        "".join(sorted(inputs.values())).encode()).hexdigest()[:8]
    description_graph = f"{settings.base_iri}graph/dataset"
    previous = current  # the change set is against what was current when the build began
    try:
        # the pool's exit waits for a load running in it (below) before the staged release is finished or removed
        with StagedRelease(settings.releases_dir, version) as staged, ThreadPoolExecutor(max_workers=1) as beside:
            started = time.perf_counter()
            dumps, members, dump_nquads = write_dumps(settings, checked, staged.file(DUMPS_DIR), version)
            sssom = staged.file(DUMPS_DIR, f"newsfacts-{version}.sssom.tsv")
            write_sssom(Path(settings.mappings_dir) / SSSOM_FILE, checked.links, sssom,
                        entity_namespace=f"{settings.base_iri}entity/",
                        mapping_set_id=dump_url(settings.base_iri, "latest", "newsfacts-latest.sssom.tsv"))
            dumps.append(describe_file(sssom, "text/tab-separated-values", None))
            checked.timings["dumps_s"] = time.perf_counter() - started

            # a full build's embedded store is loaded in a thread of its own beside the change set, which keeps one
            # core busy; the bulk loader releases the GIL (BENCHMARKS.md, "The store loaded beside the change set")
            loading = beside.submit(_load_store, checked.quads, staged) \
                if settings.store == "embedded" and _previous_store(settings, checked) is None else None
            started = time.perf_counter()
            before = None
            if checked.previous is not None and checked.previous.release == previous:
                before = checked.previous.quads_outside(checked.parts, f"{settings.base_iri}graph/entities")
            history.record(previous, checked.quads.graphs(), staged.file(history.CHANGES_DIR), version,
                           built_at.isoformat().replace("+00:00", "Z"), settings.base_iri, before,
                           _unchanged_graphs(settings, checked) | {f"{settings.base_iri}graph/vocabulary"}, dump_nquads)
            checked.timings["changes_s"] = time.perf_counter() - started

            links_graph = f"{settings.base_iri}graph/links"
            links = checked.quads.in_graph(links_graph)

            def described(counts: Counts) -> list[ox.Quad]:
                return describe(links, set(), dumps, base_iri=settings.base_iri, version=version,
                                built_at=built_at.isoformat().replace("+00:00", "Z"),
                                license_iri=settings.license, graph=description_graph,
                                publisher=Publisher(settings.publisher_name, settings.contact_email, settings.contact_url),
                                validation={"conforms": checked.validation.conforms, "violations": 0,
                                            "warnings": len(checked.validation.warnings)}, counts=counts)

            started = time.perf_counter()
            change = _store_change(settings, checked, staged, description_graph, described)
            if change is not None:
                counts, description = change.counts, change.description
                checked.timings["description_s"] = change.seconds
            elif loading is not None:  # loaded whole (above), counted by the store, then described
                checked.timings["store_load_s"] = loading.result()
                store = ox.Store(str(staged.file(STORE_DIR)))
                counted = time.perf_counter()
                # the search index's things (below) and the parts that hold their statements, when the counts
                # read the subjects from the parts' text (else the index asks the store)
                seen: dict[str, PartsText] = {}
                counts = counts_in_store(store, settings.base_iri, checked.quads, subjects_seen=lambda subjects:
                                         seen.setdefault("parts", PartsText.of(subjects, checked.quads.parts,
                                                                               settings.base_iri)))
                description = described(counts)
                checked.timings["description_s"] = time.perf_counter() - counted
                store.extend(description)
                store.flush()
                del store
            else:
                counted = time.perf_counter()
                everything = checked.all_quads()
                counts = counts_of(everything, {q.triple for q in everything}, settings.base_iri)
                del everything
                description = described(counts)
                checked.timings["description_s"] = time.perf_counter() - counted
            checked.timings["store_s"] = time.perf_counter() - started
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
            if change is not None:
                store = ox.Store.read_only(str(staged.file(STORE_DIR)))
                update_index(index_path(checked.previous.release.path), staged.file(SEARCH_DIR, INDEX_FILE), store,
                             touched_things(change.touched, settings.base_iri), settings.base_iri, description_graph)
                del store
            elif loading is not None:  # from the store just loaded, a batch of things at a time
                store = ox.Store.read_only(str(staged.file(STORE_DIR)))
                index_from_store(store, staged.file(SEARCH_DIR, INDEX_FILE), settings.base_iri, description_graph,
                                 staged.file(STORE_DIR), seen.get("parts"))
                del store
            else:
                write_index(checked.all_quads(), staged.file(SEARCH_DIR, INDEX_FILE), settings.base_iri)
            checked.timings["search_index_s"] = time.perf_counter() - started

            started = time.perf_counter()
            write_parts(staged.file(PARTS_DIR), checked.parts, checked.digests, checked.previous, links, members,
                        checked.entity_counts)
            checked.timings["parts_s"] = time.perf_counter() - started

            if change is not None:
                store_made = f"the store of {checked.previous.release.version} and the change"
            elif loading is not None:
                store_made = "bulk load"
            else:
                started = time.perf_counter()
                store_made = _publish(settings, checked, checked.all_quads() + description, staged, version,
                                      description)
                checked.timings["store_s"] += time.perf_counter() - started
            graphs = dict(counts.graphs, **{description_graph: len(description)})
            if settings.store_documents == "yes":
                checked.timings.update(write_documents(  # documents/, from the store; from the previous ones and the change
                    staged.path, version, settings, checked.previous.release.path if change else None,
                    change.touched if change else None))

            manifest = {
                "version": version,
                "built_at": built_at.isoformat().replace("+00:00", "Z"),
                "newsfacts_version": __version__,
                "base_iri": settings.base_iri,
                "store": settings.store,
                "inputs": inputs,
                "inputs_digest": digest,
                "grounding": [vars(g) for g in checked.grounding],
                "graphs": dict(sorted(graphs.items())),
                "triples": counts.triples,
                "quads": sum(counts.graphs.values()) + len(description),
                "articles": [f.id for f in checked.files],
                "dumps": [vars(d) for d in dumps],
                # "conforms" is sh:conforms (false on any result); the publishing gate is "violations": 0
                "validation": {"conforms": checked.validation.conforms, "violations": len(checked.validation.violations),
                               "warnings": len(checked.validation.warnings), "report": REPORT_FILE,
                               "engine": settings.shacl_engine},
                "changes": {"previous": previous.version if previous else None, "folder": history.CHANGES_DIR},
                "timings_s": {k: round(v, 3) for k, v in checked.timings.items()},
                # which articles were mapped and validated again, and why; how the store was made
                "rebuilt": {"full": checked.full, "articles": dict(sorted(checked.rebuilt.items())),
                            "revalidated": checked.revalidated,
                            "reused": sum(1 for part in checked.parts if not part.mapped),
                            "from": checked.previous.release.version if checked.previous else None,
                            "store": store_made},
                "article_parts": {"folder": PARTS_DIR, "digests": checked.digests},
            }
            release = staged.finish(manifest)
            history.keep_copies(settings.releases_dir)  # pruning removes releases, never their change sets
        pruned = prune_releases(settings.releases_dir, settings.keep_releases, wait=False)  # deleted in the background
        if pruned:
            print(f"newsfacts: removed {len(pruned)} old release(s) beyond keep_releases={settings.keep_releases}: "
                  f"{', '.join(p.name for p in pruned)} (their files are deleted in the background)", file=sys.stderr)
        return release
    except OSError as exc:
        raise BuildFailed(f"cannot write the release in {settings.releases_dir}: {exc}") from exc
    except (StoreUnavailable, RemoteQueryError, ValueError) as exc:
        raise BuildFailed(f"cannot publish to the store {settings.store}: {exc}") from exc


def _publish(settings: Settings, checked: Checked, quads: list[ox.Quad], staged: StagedRelease, version: str,
             description: list[ox.Quad]) -> str:
    """Load the release into its store; how: from the previous release plus the change, or everything. The change
    sent for the entity descriptions and the dataset description is what they lose and gain, not the graphs."""
    previous = checked.previous.release if checked.previous else None
    unchanged = _unchanged_graphs(settings, checked)
    # the remote store switches first; if it fails, nothing is published anywhere
    remote = RemoteStore.from_settings(settings)
    warning = remote.consistency_warning()
    if warning:
        print(f"newsfacts: warning: {warning}", file=sys.stderr)
    if previous is not None and remote.version(settings.base_iri) == previous.version:
        # an incremental build's vocabulary is the previous release's (same ontology: article_cache.previous_parts)
        entities = f"{settings.base_iri}graph/entities"
        changes = {entities: _entities_change(checked.previous.entity_counts(), checked.entity_counts),
                   description[0].graph_name.value: _description_change(previous, description)}
        remote.publish(quads, version, keep=unchanged | {f"{settings.base_iri}graph/vocabulary"},
                       changes={graph: change for graph, change in changes.items() if change is not None})
        return f"the change to {previous.version} sent to the remote store"
    remote.publish(quads, version)
    return "everything sent to the remote store"


def _entities_change(before: dict[str, int] | None, after: dict[str, int]) -> GraphChange | None:
    """What the entities graph loses and gains from the previous release to this one (entity_change), as triples;
    None when the previous one kept no counts."""
    change = entity_change(before, after)
    return None if change is None else GraphChange([q.triple for q in change[0]], [q.triple for q in change[1]])


def _description_change(previous: Release, description: list[ox.Quad]) -> GraphChange | None:
    """What the dataset description loses and gains from the previous release (its VOID_FILE) to this one: the
    version, times and counts, and the entries of the graphs added or removed; None when it cannot be read."""
    try:
        with open(previous.path / VOID_FILE, "rb") as void:
            before = {q.triple for q in ox.parse(void, format=ox.RdfFormat.TURTLE)}
    except (OSError, SyntaxError):
        return None
    after = {q.triple for q in description}
    return GraphChange(sorted(before - after, key=str), sorted(after - before, key=str))


@dataclass
class StoreChange:
    """What an incremental build changed in the store it made from the previous release's."""

    touched: list[ox.Quad]  # see store_change.store_from_previous
    counts: Counts  # the description's counts, moved by the change
    description: list[ox.Quad]
    seconds: float  # counting and describing


def _store_change(settings: Settings, checked: Checked, staged: StagedRelease, description_graph: str,
                  described) -> StoreChange | None:
    """The embedded store made from the previous release's and the change, its description (``described`` of its
    counts) in it, when there is a previous store and search index to start from; else None."""
    previous = _previous_store(settings, checked)
    if previous is None:
        return None
    articles = f"{settings.base_iri}graph/article/"
    found = {}

    def complete(store: ox.Store, made: dict) -> list[ox.Quad]:
        started = time.perf_counter()
        outside = [[q for q in made[key] if q.graph_name.value != description_graph]
                   for key in ("touched", "removed_quads", "added_quads")]
        old = ox.Store.read_only(str(previous.store_path))
        counts = previous_counts(old, description_graph, settings.base_iri, previous.manifest().get("graphs", {}))
        counts = counts_in_store(store, settings.base_iri) if counts is None else \
            counts_after(counts, old, store, outside[1], outside[2], settings.base_iri, description_graph)
        description = described(counts)
        found["change"] = StoreChange(outside[0], counts, description, time.perf_counter() - started)
        return found["change"].description

    entities = f"{settings.base_iri}graph/entities"
    entities_change = entity_change(checked.previous.entity_counts(), checked.entity_counts)
    store_from_previous(previous.store_path, staged.file(STORE_DIR), checked.quads, _unchanged_graphs(settings, checked),
                        whole=lambda graph: graph.startswith(articles), complete=complete,
                        known={} if entities_change is None else {entities: entities_change},
                        completed_graph=description_graph)
    return found["change"]


def _previous_store(settings: Settings, checked: Checked) -> Release | None:
    """The release whose embedded store and search index an incremental build starts from, if any (else the
    store is loaded whole)."""
    previous = checked.previous.release if checked.previous else None
    if settings.store != "embedded" or previous is None or not previous.store_path.is_dir() \
            or not index_path(previous.path).is_file():
        return None
    return previous


#: The most quads given to the store's bulk loader at once. The loader holds what it is given, sorted, until it
#: writes its files (about 0.9 KB per quad: +880 MB for a 1M corpus in one call); in slices its memory stays that of
#: a slice (BENCHMARKS.md, "Peak memory of a full build").
LOAD_QUADS = 250_000
#: How many slices are loaded at once, each in a thread of its own. One bulk load keeps one core busy; two slices
#: loaded side by side take the 1M corpus's load from 19-20 s to 11 s before compacting (BENCHMARKS.md,
#: "Unchanged graphs found by their bytes"), and hold two slices.
LOAD_THREADS = 2


def _load_store(quads: CorpusQuads, staged: StagedRelease) -> float:
    """Load a full build's store with the bulk loader from the parts' N-Quads text, about ``LOAD_QUADS`` at a
    time, ``LOAD_THREADS`` slices at once, then compact it: each slice writes files of its own, and SPARQL over a
    store of many small files is up to twice as slow (counting the 1M corpus's triples: 6.9-9.8 s against
    3.4-6.9 s). The seconds taken."""
    started = time.perf_counter()
    store = ox.Store(str(staged.file(STORE_DIR)))
    slices = 0
    threads = max(1, min(LOAD_THREADS, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=threads) as pool:  # the bulk loader releases the GIL
        loading: deque = deque()
        for data in quads.nquads(LOAD_QUADS):
            loading.append(pool.submit(store.bulk_load, input=data, format=ox.RdfFormat.N_QUADS))
            slices += 1
            del data
            while len(loading) >= threads:  # the next slice is read while the last one loads
                loading.popleft().result()
        for load in loading:
            load.result()
    if slices > 1:
        store.optimize()
    del store
    return time.perf_counter() - started


def _unchanged_graphs(settings: Settings, checked: Checked) -> set[str]:
    """The graphs of the articles reused from the previous release: the same quads in both releases."""
    return {f"{settings.base_iri}graph/article/{part.article}" for part in checked.parts if not part.mapped}


def _input_checksums(settings: Settings, files: list[ArticleFacts], checksums: InputChecksums | None = None
                     ) -> dict[str, str]:
    """The SHA-256 of each input file by its name, for the manifest: the facts files' as the checks found them
    (``checksums``), the others' kept beside the releases too (input_checksums.py); then the kept ones saved."""
    checksums = checksums or InputChecksums(settings.releases_dir)
    paths = [f.path for f in files]
    for folder in (settings.ontology_dir, settings.shapes_dir, settings.mappings_dir):
        paths.extend(sorted(p for p in Path(folder).rglob("*") if p.is_file()))
    cwd, folders = Path.cwd(), {}
    sums = {_display(path, cwd, folders): checksums.sha256(path) for path in paths}
    checksums.save()
    return sums


def inputs_digest(settings: Settings, inputs: dict[str, str], grounding: list[GroundingResult]) -> str:
    """SHA-256 of everything a release's content depends on: the input files, the source texts as checked (their
    SHA-256 is in the facts), the build code, the code that renders the stored documents, and the settings that
    change the output."""
    code = code_digests()
    described = {
        "documents_code": documents_code(),
        "inputs": sorted(inputs.values()),
        "grounding": [[g.article, g.source_text, g.status] for g in grounding],
        "code": code,
        "newsfacts_version": __version__,
        "settings": {name: getattr(settings, name) for name in ("base_iri", "license", "store")},
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _display(path: Path, cwd: Path | None = None, folders: dict[Path, Path] | None = None) -> str:
    """The path resolved, relative to ``cwd`` when it is within; ``folders`` keeps the folders resolved (a file
    that is not a link resolves to its folder's resolved path and its name)."""
    if folders is not None and not path.is_symlink():
        if path.parent not in folders:
            folders[path.parent] = path.parent.resolve()
        resolved = folders[path.parent] / path.name
    else:
        resolved = path.resolve()
    try:
        return str(resolved.relative_to(cwd or Path.cwd()))
    except ValueError:
        return str(path)

