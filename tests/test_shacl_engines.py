"""Differential test of the two SHACL engines: pyshacl-turbo must find exactly what pySHACL (the reference) finds
on every shape example, on the shipped facts, on the second test article and on a generated corpus with faults
injected into its RDF; and the build must report the same problems and publish the same report with either."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from newsfacts.build import check
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.problems import BuildFailed, DataDoesNotConform
from newsfacts.synthetic import generate
from newsfacts.validation import SH, _ntriples, _validate_chunk, check_shapes, to_rdflib, validate
from newsfacts.vocabulary import Vocabulary

pyshacl_turbo = pytest.importorskip("pyshacl_turbo", reason="pyshacl-turbo is not installed")

SHAPES = PROJECT_ROOT / "shapes"
EXAMPLES = sorted((SHAPES / "examples").glob("*.ttl"))
SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
NF = "https://newsfacts.example/ontology/"
OA = "http://www.w3.org/ns/oa#"


def _graph(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


DATA_SHAPES = _graph(SHAPES / "shapes.ttl", SHAPES / "recommended.ttl")
VOCABULARY_SHAPES = _graph(SHAPES / "vocabulary.ttl")


def _term(report: Graph, node):
    """A term of a result, comparable across reports: blank nodes (blank shapes, complex paths) by their content."""
    if not isinstance(node, BNode):
        return node
    return frozenset((p, _term(report, o)) for p, o in report.predicate_objects(node)
                     if p not in (SH.message, SH.resultMessage))


def _results(report: Graph) -> set[tuple]:
    """(focus node, source constraint component, result path, severity, source shape) of every result."""
    return {tuple(_term(report, report.value(result, key)) for key in
                  (SH.focusNode, SH.sourceConstraintComponent, SH.resultPath, SH.resultSeverity, SH.sourceShape))
            for result in report.subjects(RDF.type, SH.ValidationResult)}


def _both(data: Graph, shapes: Graph) -> tuple[tuple[bool, set], tuple[bool, set]]:
    found = []
    for engine in (pyshacl, pyshacl_turbo):
        conforms, report, _text = engine.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                                  advanced=False, abort_on_first=False)
        found.append((conforms, _results(report)))
    return found[0], found[1]


@pytest.fixture(scope="module")
def vocabulary_graph() -> Graph:
    return to_rdflib(Vocabulary.load(PROJECT_ROOT / "ontology").triples)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_engines_agree_on_every_shape_example(example, vocabulary_graph):
    # each example against the data shapes (beside the vocabulary, as the build validates data) and the vocabulary's
    for shapes, data in ((DATA_SHAPES, _graph(example) + vocabulary_graph), (VOCABULARY_SHAPES, _graph(example))):
        reference, turbo = _both(data, shapes)
        assert turbo == reference
    if example.name.endswith(".invalid.ttl"):  # the comparison is not vacuous: the invalid example raises results
        assert _both(_graph(example) + vocabulary_graph, DATA_SHAPES)[0][1] or \
            _both(_graph(example), VOCABULARY_SHAPES)[0][1]


@pytest.mark.parametrize("name", ["shapes.ttl", "recommended.ttl", "vocabulary.ttl"])
def test_engines_agree_the_shapes_conform_to_shacl_shacl(name):
    for engine in (pyshacl, pyshacl_turbo):
        conforms, _report, text = engine.validate(Graph(), shacl_graph=_graph(SHAPES / name), meta_shacl=True,
                                                  inference="none")
        assert conforms, text


def _checked(settings: Settings):
    """What the build's checks report, problems included: (violations, warnings, published report)."""
    try:
        outcome = check(settings).validation
    except DataDoesNotConform as exc:
        return exc.problems, None, None
    return outcome.violations, outcome.warnings, outcome.published_report("https://newsfacts.example/validation-report")


@pytest.mark.parametrize("corpus", ["shipped", "second-article"])
def test_the_build_reports_the_same_with_either_engine(corpus, sources_dir):
    folders = {"shipped": {"sources_dir": str(sources_dir)},
               "second-article": {"facts_dir": str(SECOND / "facts"), "sources_dir": str(SECOND / "sources")}}[corpus]
    reference = _checked(Settings.load({**folders, "shacl_engine": "pyshacl"}))
    turbo = _checked(Settings.load({**folders, "shacl_engine": "turbo"}))
    assert turbo[0] == reference[0] and turbo[1] == reference[1]  # problems: file, entity, rule, message
    assert reference[2] is not None and isomorphic(turbo[2], reference[2])  # validation-report.ttl
    assert reference[1], "the shipped data and the second article have warnings, so the comparison is not vacuous"


def _inject_faults(quads: list[ox.Quad]) -> tuple[list[ox.Triple], set[str]]:
    """The corpus's triples with faults: claims without certainty, claims without a speaker, offsets that are not
    integers, a certainty that is a string; returns the triples and the nodes made faulty."""
    certainty, speaker = ox.NamedNode(NF + "certainty"), ox.NamedNode(NF + "attributedTo")
    start, end = ox.NamedNode(OA + "start"), ox.NamedNode(OA + "end")
    faulty: set[str] = set()
    seen: dict[ox.NamedNode, int] = {}
    triples = []
    for quad in dict.fromkeys(quads):
        triple = ox.Triple(quad.subject, quad.predicate, quad.object)
        n = seen[quad.predicate] = seen.get(quad.predicate, 0) + 1
        if quad.predicate in (certainty, speaker) and n % 7 == 0:
            faulty.add(quad.subject.value)
            continue  # dropped
        if quad.predicate == start and n % 5 == 0:
            triple = ox.Triple(quad.subject, start, ox.Literal(f"{quad.object.value}.5", datatype=ox.NamedNode(
                "http://www.w3.org/2001/XMLSchema#decimal")))
            faulty.add(quad.subject.value)
        elif quad.predicate == end and n % 11 == 0:
            triple = ox.Triple(quad.subject, end, ox.Literal(quad.object.value))
            faulty.add(quad.subject.value)
        elif quad.predicate == certainty and n % 13 == 0:
            triple = ox.Triple(quad.subject, certainty, ox.Literal("alleged"))
            faulty.add(quad.subject.value)
        triples.append(triple)
    return triples, faulty


def test_engines_agree_on_a_generated_corpus_with_injected_faults(tmp_path):
    data = generate(tmp_path / "corpus", 12, seed=3)
    checked = check(Settings.load({"facts_dir": str(data / "facts"), "sources_dir": str(data / "sources"),
                                   "releases_dir": str(tmp_path / "releases")}))
    triples, faulty = _inject_faults(checked.all_quads())
    shapes = DATA_SHAPES.serialize(format="nt", encoding="utf-8")
    reference, reference_report = _validate_chunk(_ntriples(triples), shapes, "pyshacl")
    turbo, turbo_report = _validate_chunk(_ntriples(triples), shapes, "turbo")
    assert set(turbo) == set(reference)  # focus, rule (shape and path), message, severity: as the build reports them
    assert faulty <= {r.focus for r in reference if r.severity == "Violation"}, "every injected fault is found"
    assert len(faulty) >= 20
    assert isomorphic(Graph().parse(data=turbo_report, format="nt"), Graph().parse(data=reference_report, format="nt"))
    raw = _both(Graph().parse(data=_ntriples(triples), format="nt"), DATA_SHAPES)
    assert raw[1] == raw[0] and not raw[0][0]


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="shacl_engine"):
        Settings.load({"shacl_engine": "fast"}, environ={})


def test_generated_messages_name_the_constraint_the_same_for_both_engines(vocabulary_graph):
    data = _graph(SHAPES / "examples" / "TextPositionSelectorShape.invalid.ttl") + vocabulary_graph
    shapes = DATA_SHAPES.serialize(format="nt", encoding="utf-8")
    payload = data.serialize(format="nt", encoding="utf-8")
    reference, _ = _validate_chunk(payload, shapes, "pyshacl")
    turbo, _ = _validate_chunk(payload, shapes, "turbo")
    assert sorted(turbo, key=repr) == sorted(reference, key=repr)
    messages = {r.message for r in reference}
    assert any(m.startswith("does not meet sh:datatype") and "xsd:nonNegativeInteger" in m for m in messages), messages


@pytest.mark.parametrize("engine", ["pyshacl", "turbo"])
def test_either_engine_stops_the_build_on_shapes_that_are_not_valid_shacl(engine):
    broken = Graph().parse(format="turtle", data='@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .\n'
                           'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount "one" ] .\n')
    with pytest.raises(BuildFailed, match="the shapes in broken.ttl are not valid SHACL"):
        check_shapes(broken, "broken.ttl", engine)
    check_shapes(DATA_SHAPES, "shapes.ttl", engine)  # and the real shapes pass


def test_a_missing_turbo_engine_is_a_clear_build_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyshacl_turbo", None)  # import fails, as when the package is not installed
    with pytest.raises(BuildFailed, match="pyshacl-turbo is not installed.*NEWSFACTS_SHACL_ENGINE=pyshacl"):
        validate([], [], DATA_SHAPES, str, "turbo")
    assert validate([], [], DATA_SHAPES, str, "pyshacl").conforms


def test_the_manifest_names_the_engine_that_validated(release):
    assert release.manifest()["validation"]["engine"] == Settings.load().shacl_engine
    assert Settings.load(environ={}).shacl_engine == "turbo"  # the default
