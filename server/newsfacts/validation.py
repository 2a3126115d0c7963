"""SHACL validation of the vocabulary and of the data, with pySHACL.

Shapes are always passed as Graph objects (never a path or URL: pySHACL would
fetch a URL, and FROM inside a SPARQL constraint fetches too), and the shapes
are themselves checked against SHACL-SHACL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import RDF

from .problems import BuildFailed, Problem

SH = Namespace("http://www.w3.org/ns/shacl#")
DATA_SHAPES = ("shapes.ttl", "recommended.ttl")
VOCABULARY_SHAPES = ("vocabulary.ttl",)


@dataclass
class ValidationOutcome:
    conforms: bool  # no violation (warnings allowed)
    violations: list[Problem]
    warnings: list[Problem]
    report: Graph


def to_rdflib(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """An rdflib Graph of the given triples (quads lose their graph name)."""
    graph = Graph()
    data = ox.serialize((ox.Triple(t.subject, t.predicate, t.object) for t in triples), format=ox.RdfFormat.N_TRIPLES)
    graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def load_shapes(shapes_dir: str | Path, names: tuple[str, ...]) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(Path(shapes_dir) / name, format="turtle")
    return graph


def validate(data: Graph, shapes: Graph, ontology: Graph | None, shapes_file: str,
             locate: Callable[[str], str]) -> ValidationOutcome:
    """Validate ``data``; ``locate(iri)`` names the file a focus node came from, for messages."""
    try:
        _conforms, report, _text = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=ontology, inference="none", meta_shacl=True,
            allow_warnings=True, advanced=False, abort_on_first=False,
        )
    except ReportableRuntimeError as exc:
        raise BuildFailed(f"the shapes in {shapes_file} are not valid SHACL: {exc.message.splitlines()[0]}") from exc
    owners = _shape_owners(shapes)
    violations, warnings = [], []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        shape = report.value(result, SH.sourceShape)
        message = report.value(result, SH.resultMessage)
        component = report.value(result, SH.sourceConstraintComponent)
        owner = shape if isinstance(shape, URIRef) else owners.get(_signature(report, shape))
        rule = _short(owner if owner is not None else component)
        if path is not None and isinstance(path, URIRef):
            rule += f" {_short(path)}"
        where = str(focus)
        problem = Problem(locate(where), where, rule, str(message) if message else _short(component))
        (violations if severity == SH.Violation else warnings).append(problem)
    violations.sort(key=str)
    warnings.sort(key=str)
    return ValidationOutcome(not violations, violations, warnings, report)


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
