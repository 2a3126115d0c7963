"""SHACL validation of the vocabulary and of the data, with pySHACL.

Shapes are always passed as Graph objects (never a path or URL: pySHACL would
fetch a URL, and FROM inside a SPARQL constraint fetches too), and the shapes
are themselves checked against SHACL-SHACL, once per build.

Large data is validated in chunks of whole articles, one process per core.
Every chunk also holds the descriptions of all entities and the vocabulary, so
that sh:class on a reference to an entity of another article still sees its
type; results about those shared nodes are found by several chunks and merged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from .problems import BuildFailed, Problem

SH = Namespace("http://www.w3.org/ns/shacl#")
NF = Namespace("https://newsfacts.example/ontology/")
DATA_SHAPES = ("shapes.ttl", "recommended.ttl")
VOCABULARY_SHAPES = ("vocabulary.ttl",)
#: Below this many quads, one process is quicker than starting others.
PARALLEL_THRESHOLD = 60_000


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


def check_shapes(shapes: Graph, shapes_file: str) -> None:
    """Stop the build when the shapes themselves are not valid SHACL (SHACL-SHACL)."""
    try:
        pyshacl.validate(Graph(), shacl_graph=shapes, inference="none", meta_shacl=True)
    except ReportableRuntimeError as exc:
        raise BuildFailed(f"the shapes in {shapes_file} are not valid SHACL: {exc.message.splitlines()[0]}") from exc


def validate(chunks: list[list], shared: list, shapes: Graph, locate: Callable[[str], str]) -> ValidationOutcome:
    """Validate each chunk of triples together with the ``shared`` ones; ``locate(iri)`` names the file a focus
    node came from. The shapes must have passed ``check_shapes``."""
    shared_data = _ntriples(shared)
    payloads = [_ntriples(chunk) + shared_data for chunk in chunks if chunk] or [shared_data]
    shapes_data = shapes.serialize(format="nt", encoding="utf-8")
    total = sum(len(chunk) for chunk in chunks)
    workers = min(len(payloads), os.cpu_count() or 1)
    if workers > 1 and total >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outputs = list(pool.map(_validate_chunk, payloads, [shapes_data] * len(payloads)))
    else:
        outputs = [_validate_chunk(payload, shapes_data) for payload in payloads]
    results = sorted({result for chunk_results, _ in outputs for result in chunk_results}, key=lambda r: (r.focus, r.rule))
    report = _merge_reports([report for _, report in outputs])
    violations = [Problem(locate(r.focus), r.focus, r.rule, r.message) for r in results if r.severity == "Violation"]
    warnings = [Problem(locate(r.focus), r.focus, r.rule, r.message) for r in results if r.severity != "Violation"]
    return ValidationOutcome(violations, warnings, report)


def split(items_by_article: list[list], parts: int) -> list[list]:
    """Whole articles into ``parts`` chunks of about the same size."""
    chunks: list[list] = [[] for _ in range(max(1, parts))]
    for items in sorted(items_by_article, key=len, reverse=True):
        min(chunks, key=len).extend(items)
    return [chunk for chunk in chunks if chunk]


def _validate_chunk(data: bytes, shapes_data: bytes) -> tuple[list[Result], bytes]:
    shapes = _parse_ntriples(shapes_data)
    _conforms, report, _text = pyshacl.validate(
        _parse_ntriples(data), shacl_graph=shapes, inference="none", allow_warnings=True, advanced=False,
        abort_on_first=False)
    owners = _shape_owners(shapes)
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(node, SH.resultSeverity)
        shape = report.value(node, SH.sourceShape)
        path = report.value(node, SH.resultPath)
        message = report.value(node, SH.resultMessage)
        component = report.value(node, SH.sourceConstraintComponent)
        owner = shape if isinstance(shape, URIRef) else owners.get(_signature(report, shape))
        rule = _short(owner if owner is not None else component)
        if isinstance(path, URIRef):
            rule += f" {_short(path)}"
        results.append(Result(str(report.value(node, SH.focusNode)), rule,
                              str(message) if message else _short(component), _short(severity)))
    return results, report.serialize(format="nt", encoding="utf-8")


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


def _short(term) -> str:
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text
