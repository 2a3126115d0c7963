"""Every SHACL shape has a conforming and a violating example beside it (shapes/examples/), and each
example does what its name says. The shapes themselves conform to SHACL-SHACL."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import RDF

from newsfacts.config import PROJECT_ROOT
from newsfacts.validation import to_rdflib
from newsfacts.vocabulary import Vocabulary

SH = Namespace("http://www.w3.org/ns/shacl#")
NFSH = "https://newsfacts.example/shapes/"
SHAPES = PROJECT_ROOT / "shapes"
EXAMPLES = SHAPES / "examples"
DATA_FILES = ("shapes.ttl", "recommended.ttl")
VOCABULARY_FILES = ("vocabulary.ttl",)


def _graph(*paths: Path) -> Graph:
    g = Graph()
    for path in paths:
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def vocabulary_graph() -> Graph:
    return to_rdflib(Vocabulary.load(PROJECT_ROOT / "ontology").triples)


def targeted_shapes(files) -> dict[str, str]:
    """Shapes with a target (the ones a focus node is checked against), by local name -> file."""
    found = {}
    for name in files:
        g = _graph(SHAPES / name)
        for target in (SH.targetClass, SH.targetSubjectsOf, SH.targetNode, SH.targetObjectsOf):
            for shape in g.subjects(target, None):
                found[str(shape)[len(NFSH):]] = name
    return found


ALL_SHAPES = {**targeted_shapes(DATA_FILES), **targeted_shapes(VOCABULARY_FILES)}


def _top_shape(shapes: Graph, source) -> str:
    """The named node shape a validation result comes from (climbing from blank property shapes)."""
    node = source
    for _ in range(10):
        if isinstance(node, URIRef):
            return str(node)[len(NFSH):]
        parents = list(shapes.subjects(SH.property, node)) + list(shapes.subjects(SH["or"], node))
        if not parents:
            # a member of an RDF list (sh:or / sh:xone): climb the list to its head's owner
            heads = list(shapes.subjects(RDF.first, node)) or list(shapes.subjects(RDF.rest, node))
            if not heads:
                return str(node)
            parents = heads
        node = parents[0]
    return str(node)


def _results(example: Path, vocabulary_graph: Graph) -> tuple[Graph, list[tuple[str, str]]]:
    files = DATA_FILES if ALL_SHAPES[example.name.split(".")[0]] in DATA_FILES else VOCABULARY_FILES
    shapes = _graph(*(SHAPES / f for f in files))
    data = _graph(example)
    if files == DATA_FILES:
        data += vocabulary_graph
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        source = report.value(result, SH.sourceShape)
        # pySHACL copies blank shapes into the report; find the same shape in our graph by its triples
        if isinstance(source, BNode):
            source = _same_bnode(shapes, report, source)
        found.append((_top_shape(shapes, source), str(report.value(result, SH.resultSeverity))))
    return shapes, found


def _same_bnode(shapes: Graph, report: Graph, node: BNode):
    signature = {(p, o) for p, o in report.predicate_objects(node) if not isinstance(o, BNode)}
    for candidate in shapes.subjects(None, None):
        if isinstance(candidate, BNode) and signature == {(p, o) for p, o in shapes.predicate_objects(candidate)
                                                               if not isinstance(o, BNode)}:
            return candidate
    return node


def test_every_targeted_shape_has_both_examples():
    missing = [f"{name}.{kind}.ttl" for name in ALL_SHAPES for kind in ("valid", "invalid")
               if not (EXAMPLES / f"{name}.{kind}.ttl").is_file()]
    assert not missing, f"examples missing: {missing}"
    assert len(ALL_SHAPES) >= 15


@pytest.mark.parametrize("name", sorted(ALL_SHAPES))
def test_conforming_example_raises_nothing_from_its_shape(name, vocabulary_graph):
    _shapes, found = _results(EXAMPLES / f"{name}.valid.ttl", vocabulary_graph)
    assert [f for f in found if f[0] == name] == []


@pytest.mark.parametrize("name", sorted(ALL_SHAPES))
def test_violating_example_is_caught_by_its_shape(name, vocabulary_graph):
    _shapes, found = _results(EXAMPLES / f"{name}.invalid.ttl", vocabulary_graph)
    mine = [f for f in found if f[0] == name]
    assert mine, f"{name}.invalid.ttl raised nothing from {name}; raised: {found}"
    expected = str(SH.Warning) if ALL_SHAPES[name] == "recommended.ttl" else str(SH.Violation)
    assert {severity for _, severity in mine} == {expected}


def test_shacl_shacl_check_catches_a_broken_shape(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .\n'
                      'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount "one" ] .\n')
    with pytest.raises(ReportableRuntimeError, match="SHACL Shapes SHACL"):
        pyshacl.validate(Graph(), shacl_graph=_graph(broken), meta_shacl=True, inference="none")


@pytest.mark.parametrize("name", DATA_FILES + VOCABULARY_FILES)
def test_shapes_conform_to_shacl_shacl(name):
    conforms, _report, text = pyshacl.validate(
        Graph(), shacl_graph=_graph(SHAPES / name), meta_shacl=True, inference="none")
    assert conforms, text
