"""SHACL validation of the vocabulary and of the data, with pySHACL or pyshacl-turbo (setting ``shacl_engine``).

Shapes are always passed as Graph objects (never a path or URL: pySHACL would
fetch a URL, and FROM inside a SPARQL constraint fetches too), and the shapes
are themselves checked against SHACL-SHACL, once per build.

Large data is validated in chunks of whole articles, one process per core.
Every chunk also holds the descriptions of all entities and the vocabulary, so
that sh:class on a reference to an entity of another article still sees its
type; results about those shared nodes are found by several chunks and merged.

Both engines take the same options and give the same report graph, except for the
text of results whose shape has no sh:message: each engine words its own. Those
messages are replaced by one written here, so that the problems the build
reports and the published report are the same whichever engine ran.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from . import collector
from .problems import BuildFailed, Problem

SH = Namespace("http://www.w3.org/ns/shacl#")
NF = Namespace("https://newsfacts.example/ontology/")
DATA_SHAPES = ("shapes.ttl", "recommended.ttl")
VOCABULARY_SHAPES = ("vocabulary.ttl",)
#: Below this many quads, one process is quicker than starting others.
PARALLEL_THRESHOLD = 60_000
#: The values of the ``shacl_engine`` setting.
ENGINES = ("pyshacl", "turbo")


@dataclass(frozen=True)
class Result:
    focus: str
    rule: str
    message: str
    severity: str  # "Violation", "Warning" or "Info"


@dataclass
class ValidationOutcome:
    violations: list[Problem]
    warnings: list[Problem]
    report: Graph

    @property
    def conforms(self) -> bool:
        """sh:conforms as SHACL defines it: no result of any severity. Publishing needs only no violations."""
        return not self.violations and not self.warnings

    def published_report(self, iri: str) -> Graph:
        """The report as published: its node named ``iri``, with the counts of violations and warnings beside
        sh:conforms (which any result, a warning included, makes false)."""
        report = Graph()
        head = next(self.report.subjects(RDF.type, SH.ValidationReport), None)
        named = URIRef(iri)
        for s, p, o in self.report:
            report.add((named if s == head else s, p, named if o == head else o))
        report.remove((named, SH.conforms, None))
        report.add((named, RDF.type, SH.ValidationReport))
        report.add((named, SH.conforms, Literal(self.conforms)))
        report.add((named, NF.violationCount, Literal(len(self.violations), datatype=XSD.nonNegativeInteger)))
        report.add((named, NF.warningCount, Literal(len(self.warnings), datatype=XSD.nonNegativeInteger)))
        report.bind("sh", SH)
        report.bind("nf", NF)
        return report


def to_rdflib(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """An rdflib Graph of the given triples (quads lose their graph name)."""
    return _parse_ntriples(_ntriples(triples))


def _ntriples(triples: Iterable[ox.Triple | ox.Quad]) -> bytes:
    if hasattr(triples, "ntriples"):  # a chunk that makes its own text (build_check._Chunk: from its parts' text)
        return triples.ntriples()
    return ox.serialize((ox.Triple(t.subject, t.predicate, t.object) for t in triples), format=ox.RdfFormat.N_TRIPLES)


def _parse_ntriples(data: bytes) -> Graph:
    graph = Graph()
    graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def load_shapes(shapes_dir: str | Path, names: tuple[str, ...]) -> Graph:
    graph = Graph()
    for name in names:
        try:
            graph.parse(Path(shapes_dir) / name, format="turtle")
        except (OSError, SyntaxError) as exc:  # rdflib's BadSyntax is a SyntaxError
            raise BuildFailed(f"cannot read the shapes in {Path(shapes_dir) / name}: {' '.join(str(exc).split())[:300]}") from exc
    return graph


def engine_validate(engine: str) -> Callable:
    """The ``validate`` function of a SHACL engine (pySHACL's signature); BuildFailed if it is not installed."""
    if engine == "pyshacl":
        return pyshacl.validate
    if engine != "turbo":
        raise BuildFailed(f"unknown SHACL engine {engine!r}: shacl_engine is one of {', '.join(ENGINES)}")
    try:
        import pyshacl_turbo
    except ImportError as exc:
        raise BuildFailed("shacl_engine is 'turbo' but pyshacl-turbo is not installed "
                          "(pip install pyshacl-turbo, or set NEWSFACTS_SHACL_ENGINE=pyshacl)") from exc
    return pyshacl_turbo.validate


def check_shapes(shapes: Graph, shapes_file: str, engine: str = "pyshacl") -> None:
    """Stop the build when the shapes themselves are not valid SHACL (SHACL-SHACL)."""
    try:
        engine_validate(engine)(Graph(), shacl_graph=shapes, inference="none", meta_shacl=True)
    except RuntimeError as exc:  # both engines' ReportableRuntimeError
        message = getattr(exc, "message", str(exc))
        raise BuildFailed(f"the shapes in {shapes_file} are not valid SHACL: {message.splitlines()[0]}") from exc


def validate(chunks: list[list], shared: list, shapes: Graph, locate: Callable[[str], str],
             engine: str = "pyshacl") -> ValidationOutcome:
    """Validate each chunk of triples together with the ``shared`` ones; ``locate(iri)`` names the file a focus
    node came from. The shapes must have passed ``check_shapes``."""
    engine_validate(engine)  # fails here, not in a worker, when the engine is missing
    shared_data = _ntriples(shared)
    chunks = [chunk for chunk in chunks if chunk] or [[]]
    shapes_data = shapes.serialize(format="nt", encoding="utf-8")
    total = sum(len(chunk) for chunk in chunks)
    workers = min(len(chunks), os.cpu_count() or 1)
    if workers > 1 and total >= PARALLEL_THRESHOLD:
        # each chunk's N-Triples are made when a worker is about to be free: a chunk per worker in flight, not all
        pending: deque = deque()
        outputs = []
        # spawned, not forked: a forked worker starts with the build's heap (the corpus) and copies the pages it
        # writes to, about 300 MB per worker at 1M triples; a spawned one holds its chunk and the shapes only
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for chunk in chunks:
                pending.append(pool.submit(_validate_chunk, _ntriples(chunk) + shared_data, shapes_data, engine))
                if len(pending) > workers:
                    outputs.append(pending.popleft().result())
            outputs += [future.result() for future in pending]
    else:
        outputs = [_validate_chunk(_ntriples(chunk) + shared_data, shapes_data, engine) for chunk in chunks]
    results = sorted({result for chunk_results, _ in outputs for result in chunk_results}, key=lambda r: (r.focus, r.rule))
    report = _merge_reports([report for _, report in outputs])
    violations = [Problem(locate(r.focus), r.focus, r.rule, r.message) for r in results if r.severity == "Violation"]
    warnings = [Problem(locate(r.focus), r.focus, r.rule, r.message) for r in results if r.severity != "Violation"]
    return ValidationOutcome(violations, warnings, report)


def split(items_by_article: list, parts: int) -> list[list]:
    """Whole articles (each a sized iterable of its quads) into ``parts`` chunks of about the same number of
    quads, each chunk the list of its articles' iterables (read when the chunk's text is made)."""
    chunks: list[list] = [[] for _ in range(max(1, parts))]
    sizes = [0] * len(chunks)
    for items in sorted(items_by_article, key=len, reverse=True):
        at = min(range(len(chunks)), key=sizes.__getitem__)
        chunks[at].append(items)
        sizes[at] += len(items)
    return [chunk for chunk in chunks if chunk]


@collector.paused()  # a spawned worker does not inherit the build's pause
def _validate_chunk(data: bytes, shapes_data: bytes, engine: str = "pyshacl") -> tuple[list[Result], bytes]:
    shapes = _parse_ntriples(shapes_data)
    _conforms, report, _text = engine_validate(engine)(
        _turbo_input(data) if engine == "turbo" else _parse_ntriples(data), shacl_graph=shapes, inference="none",
        allow_warnings=True, advanced=False, abort_on_first=False)
    owners = _shape_owners(shapes)
    authored = set(shapes.objects(None, SH.message))
    results = []
    for node in list(report.subjects(RDF.type, SH.ValidationResult)):
        severity = report.value(node, SH.resultSeverity)
        shape = report.value(node, SH.sourceShape)
        path = report.value(node, SH.resultPath)
        component = report.value(node, SH.sourceConstraintComponent)
        messages = set(report.objects(node, SH.resultMessage))
        message = min(messages, default=None)
        if not messages <= authored:
            held = report if isinstance(shape, BNode) else shapes
            message = Literal(_generated_message(held.value(shape, SH[_parameter(component)]), report.value(node, SH.value),
                                                 report.value(node, SH.focusNode), component, shapes))
            report.set((node, SH.resultMessage, message))
        owner = shape if isinstance(shape, URIRef) else owners.get(_signature(report, shape))
        rule = _short(owner if owner is not None else component)
        if isinstance(path, URIRef):
            rule += f" {_short(path)}"
        results.append(Result(str(report.value(node, SH.focusNode)), rule,
                              str(message) if message else _short(component), _short(severity)))
    return results, report.serialize(format="nt", encoding="utf-8")


def _turbo_input(data: bytes):
    """The data as pyshacl-turbo's native engine reads it, without an rdflib graph: given bytes or a graph it
    parses in Python first, and an Oxigraph store would not do (the store turns xsd:nonNegativeInteger literals
    into xsd:integer, which the shapes then reject). ``Input`` is its own wrapper of serialized data."""
    try:
        from pyshacl_turbo.rdf import Input
    except ImportError:  # not a public name: should a release move it, take the slower way
        return _parse_ntriples(data)
    return Input(data.decode("utf-8"), "nt", None, {}, preserve_ids=True)


def merge_reports(reports: list[bytes]) -> Graph:
    """One report of several (N-Triples, each with its sh:ValidationReport node): the build's own, with the parts
    of articles validated by earlier builds."""
    return _merge_reports(reports)


def _merge_reports(reports: list[bytes]) -> Graph:
    """One sh:ValidationReport holding every chunk's results."""
    merged = Graph()
    for data in reports:
        merged += _parse_ntriples(data)
    heads = list(merged.subjects(RDF.type, SH.ValidationReport))
    if not heads:
        return merged
    keep = heads[0]
    for head in heads[1:]:
        for result in list(merged.objects(head, SH.result)):
            merged.add((keep, SH.result, result))
        merged.remove((head, None, None))
    merged.remove((keep, SH.conforms, None))
    merged.add((keep, SH.conforms, Literal(not any(merged.objects(keep, SH.result)))))  # SHACL: any result, false
    return merged


def _signature(graph: Graph, node) -> frozenset:
    return frozenset((p, o) for p, o in graph.predicate_objects(node) if not isinstance(o, BNode))


def _shape_owners(shapes: Graph) -> dict[frozenset, URIRef]:
    """Blank property shapes (by their triples) -> the named shape they belong to; pySHACL's report holds copies
    of blank shapes, so they are matched by content."""
    owners = {}
    for owner, prop in shapes.subject_objects(SH.property):
        if isinstance(owner, URIRef) and isinstance(prop, BNode):
            owners[_signature(shapes, prop)] = owner
    return owners


def _parameter(component) -> str:
    """sh:DatatypeConstraintComponent -> "datatype": the parameter the constraint is stated with."""
    name = _short(component).removesuffix("ConstraintComponent")
    return name[:1].lower() + name[1:]


def _generated_message(wanted, value, focus, component, shapes: Graph) -> str:
    """The message of a result whose shape has no sh:message: the constraint, its parameter's value (``wanted``)
    when it is a term, and the value found; prefixes are those of the shapes graph, the same for both engines."""
    names = shapes.namespace_manager
    text = f"does not meet sh:{_parameter(component)}"
    if isinstance(wanted, URIRef | Literal):
        text += f" {wanted.n3(names)}"
    if value is not None and value != focus:
        text += " (a blank node)" if isinstance(value, BNode) else f" (value {value.n3(names)})"
    return text


def _short(term) -> str:
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text
