"""The ontology is one an OWL 2 RL reasoner can use: over the ontology and the facts it finds nothing wrong, and
over deliberately contradictory data (a claim that is also an agent, a claim used as a place) it finds the
contradiction. The reasoner is owlrl's OWL 2 RL closure; it reports an inconsistency as an error message node."""

from __future__ import annotations

from pathlib import Path

import owlrl
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from newsfacts.config import PROJECT_ROOT
from newsfacts.facts import load_facts_dir
from newsfacts.facts_rules import check_facts
from newsfacts.mapping import Mapper
from newsfacts.validation import to_rdflib
from newsfacts.vocabulary import Vocabulary

ERRNS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
NF = Namespace("https://newsfacts.example/ontology/")
EX = Namespace("https://newsfacts.example/")
SECOND = PROJECT_ROOT / "tests" / "data" / "second-article" / "facts"


def closure(graph: Graph) -> None:
    """The OWL 2 RL closure, in place. owlrl's "improved" datatype conversions are off: they refuse the gMonth
    "--11" the shipped facts use, and they stay installed in rdflib's global converter table afterwards, which
    makes every later SHACL check in the process see that date as ill-typed."""
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False,
                           improved_datatypes=False).expand(graph)


def inconsistencies(data: Graph) -> list[str]:
    """The OWL 2 RL closure of the ontology plus ``data``; the inconsistencies it found, as messages."""
    graph = to_rdflib(Vocabulary.load(PROJECT_ROOT / "ontology").triples)
    graph += data
    closure(graph)
    return sorted(str(graph.value(node, ERRNS.error)) for node in graph.subjects(RDF.type, ERRNS.ErrorMessage))


def mapped_facts(facts_dir: Path) -> Graph:
    """The triples a build publishes for the facts of a folder (the facts checked first, as the build does)."""
    files, problems = load_facts_dir(facts_dir)
    assert not problems and not check_facts(files, Vocabulary.load(PROJECT_ROOT / "ontology"))
    mapper = Mapper(PROJECT_ROOT / "mappings", "https://newsfacts.example/")
    return to_rdflib(quad for facts in files for quad in mapper.to_quads(facts))


@pytest.mark.parametrize("facts_dir", [PROJECT_ROOT / "facts", SECOND], ids=["shipped facts", "second article"])
def test_the_reasoner_finds_no_inconsistency_in_the_facts(facts_dir):
    data = mapped_facts(facts_dir)
    assert len(data) > 400  # every article and entity triple, not an empty graph
    assert inconsistencies(data) == []


def test_the_ontology_gives_the_reasoner_something_to_infer():
    """Domains and ranges type what the data leaves untyped: a speaker is an agent, an event's place a place."""
    data = Graph()
    data.add((EX.c, NF.attributedTo, EX.someone))
    data.add((EX.e, NF.place, EX.somewhere))
    graph = to_rdflib(Vocabulary.load(PROJECT_ROOT / "ontology").triples) + data
    closure(graph)
    assert (EX.c, RDF.type, NF.Claim) in graph and (EX.someone, RDF.type, NF.Agent) in graph
    assert (EX.e, RDF.type, NF.Event) in graph and (EX.somewhere, RDF.type, NF.Place) in graph


CONTRADICTIONS = {
    "a claim that is also an agent": [(EX.claim, RDF.type, NF.Claim), (EX.claim, RDF.type, NF.Agent)],
    "a claim used as an event's place": [(EX.claim, RDF.type, NF.Claim), (EX.event, RDF.type, NF.Event),
                                         (EX.event, NF.place, EX.claim)],
    "an event as a claim's speaker": [(EX.claim, NF.attributedTo, EX.event), (EX.event, NF.eventType, EX.visit)],
    "a drone model as an office holder": [(EX.holding, NF.holder, EX.drone), (EX.drone, RDF.type, NF.DroneModel)],
    "a claim resting on an article": [(EX.claim, NF.restsOn, EX.article), (EX.article, RDF.type, NF.Article)],
}


@pytest.mark.parametrize("name", sorted(CONTRADICTIONS))
def test_the_reasoner_finds_a_contradiction(name):
    data = Graph()
    for triple in CONTRADICTIONS[name]:
        data.add(triple)
    found = inconsistencies(data)
    assert found, f"{name}: no inconsistency found"
    assert any("disjoint" in message.lower() for message in found), found


def test_a_country_is_both_an_agent_and_a_place():
    """The one pair kept compatible: a state speaks (a claim's speaker) and is where things happen."""
    data = Graph()
    country = URIRef(EX.venezuela)
    data.add((country, RDF.type, NF.Country))
    data.add((EX.claim, NF.attributedTo, country))
    data.add((EX.event, NF.place, country))
    data.add((EX.holding, NF.officeOf, country))
    assert inconsistencies(data) == []


def test_the_reasoner_leaves_rdflib_as_it_found_it():
    """A regression test: with owlrl's default datatype handling, a month of an unknown year ("--11", as in the
    shipped facts) became ill-typed for the rest of the process, and the next build's SHACL check failed."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    inconsistencies(mapped_facts(PROJECT_ROOT / "facts"))
    assert not Literal("--11", datatype=XSD.gMonth).ill_typed
