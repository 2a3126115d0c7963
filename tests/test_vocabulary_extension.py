"""The vocabulary grows without code (docs/extending.md): a concept added only in a copy of
``ontology/concepts.ttl`` is usable in facts at once, and one added without what the shapes require stops the
build naming the rule. The build runs as a user runs it (`newsfacts build` in a subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from newsfacts.config import PROJECT_ROOT

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
FACTS_FILE = "harbour-seizure.yaml"
UNLOADING = "https://newsfacts.example/concept/event-type/unloading"

NEW_EVENT_TYPE = """
nfc:event-type skos:hasTopConcept <https://newsfacts.example/concept/event-type/unloading> .

<https://newsfacts.example/concept/event-type/unloading> a skos:Concept ;
    skos:prefLabel "unloading"@en , "descarga"@es ;
    skos:definition "Goods are taken off a ship, an aircraft or a vehicle."@en ;
    skos:inScheme nfc:event-type ;
    skos:topConceptOf nfc:event-type ;
    rdfs:isDefinedBy nf: ;
    skos:notation "unloading" .
"""


@pytest.fixture()
def workspace(tmp_path) -> dict:
    """Copies of the ontology folder and of the second article, whose arrival event becomes an unloading."""
    ontology = tmp_path / "ontology"
    shutil.copytree(PROJECT_ROOT / "ontology", ontology)
    facts = tmp_path / "facts"
    shutil.copytree(SECOND / "facts", facts)
    text = (facts / FACTS_FILE).read_text(encoding="utf-8")
    assert text.count("  type: arrival\n") == 1
    (facts / FACTS_FILE).write_text(text.replace("  type: arrival\n", "  type: unloading\n"), encoding="utf-8")
    return {"ontology": ontology, "facts": facts, "releases": tmp_path / "releases"}


def run_build(workspace: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEWSFACTS_ONTOLOGY_DIR=str(workspace["ontology"]))
    return subprocess.run([sys.executable, "-m", "newsfacts.cli", "build", "--facts-dir", str(workspace["facts"]),
                           "--sources-dir", str(SECOND / "sources"), "--releases-dir", str(workspace["releases"])],
                          capture_output=True, text=True, env=env, timeout=300)


def add_to_concepts(ontology: Path, turtle: str) -> None:
    concepts = ontology / "concepts.ttl"
    concepts.write_text(concepts.read_text(encoding="utf-8") + turtle, encoding="utf-8")


def test_without_the_concept_the_build_names_the_scheme_and_the_event(workspace):
    result = run_build(workspace)
    assert result.returncode == 1, result.stderr
    assert any(FACTS_FILE in line and "cargo-arrival" in line and "[unknown-concept]" in line
               and "'unloading' is not a concept of the event-type scheme" in line for line in result.stderr.splitlines()), \
        result.stderr
    assert not workspace["releases"].exists() or not (workspace["releases"] / "current").exists()


def test_a_concept_added_only_in_concepts_ttl_is_usable_in_facts(workspace):
    add_to_concepts(workspace["ontology"], NEW_EVENT_TYPE)
    result = run_build(workspace)
    assert result.returncode == 0, result.stderr
    store = ox.Store.read_only(str(workspace["releases"] / "current" / "store"))
    events = store.query(f"""
        PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?event ?claim WHERE {{ ?event nf:eventType <{UNLOADING}> . ?claim nf:asserts ?event }}""",
                         use_default_graph_as_union=True)
    assert [(s["event"].value, s["claim"].value) for s in events] == [
        ("https://newsfacts.example/event/harbour-seizure/cargo-arrival",
         "https://newsfacts.example/claim/harbour-seizure/cargo-arrived")]
    labels = store.query(f"""
        SELECT ?label WHERE {{ GRAPH <https://newsfacts.example/graph/vocabulary> {{
            <{UNLOADING}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }} }}""")
    assert {(s["label"].value, s["label"].language) for s in labels} == {("unloading", "en"), ("descarga", "es")}


def test_a_concept_without_a_definition_stops_the_build_naming_the_shape(workspace):
    add_to_concepts(workspace["ontology"], NEW_EVENT_TYPE.replace(
        '    skos:definition "Goods are taken off a ship, an aircraft or a vehicle."@en ;\n', ""))
    result = run_build(workspace)
    assert result.returncode == 1, result.stderr
    assert any(UNLOADING in line and "ConceptShape" in line and "a concept has a definition" in line
               for line in result.stderr.splitlines()), result.stderr
    assert not (workspace["releases"] / "current").exists()


def test_a_certainty_added_without_a_rank_stops_the_build(workspace):
    """The certainty scheme is ordered: a new level must say where it stands (nf:certaintyRank)."""
    add_to_concepts(workspace["ontology"], NEW_EVENT_TYPE + """
<https://newsfacts.example/concept/certainty/rumoured> a skos:Concept ;
    skos:prefLabel "rumoured"@en , "rumoreado"@es ;
    skos:definition "Passed on as a rumour."@en ;
    skos:inScheme nfc:certainty ;
    rdfs:isDefinedBy nf: ;
    skos:notation "rumoured" .
""")
    result = run_build(workspace)
    assert result.returncode == 1, result.stderr
    assert "certaintyRank" in result.stderr and "rumoured" in result.stderr, result.stderr


def test_the_class_hierarchy_beside_the_shapes_is_current():
    """shapes/class-hierarchy.ttl is what `python -m newsfacts.vocabulary` writes from the ontology today, and holds
    every subclass axiom a SHACL engine needs to see a news outlet as an agent."""
    from newsfacts.vocabulary import CLASS_HIERARCHY_FILE, Vocabulary, class_hierarchy_turtle

    written = (PROJECT_ROOT / "shapes" / CLASS_HIERARCHY_FILE).read_text(encoding="utf-8")
    assert written == class_hierarchy_turtle(Vocabulary.load(PROJECT_ROOT / "ontology")), \
        "run `python -m newsfacts.vocabulary` after changing the classes"
    triples = {(t.subject.value, t.object.value) for t in ox.parse(written.encode("utf-8"), format=ox.RdfFormat.TURTLE)}
    nf = "https://newsfacts.example/ontology/"
    assert {(nf + "NewsOutlet", nf + "Organization"), (nf + "Organization", nf + "Agent"),
            (nf + "AnonymousSource", nf + "Agent"), (nf + "Country", nf + "Place")} <= triples


def test_the_certainty_scheme_is_ordered_as_documented():
    from newsfacts.vocabulary import Vocabulary

    rank = "https://newsfacts.example/ontology/certaintyRank"
    ranks = {t.subject.value.rsplit("/", 1)[1]: int(t.object.value)
             for t in Vocabulary.load(PROJECT_ROOT / "ontology").triples if t.predicate.value == rank}
    assert set(ranks) == set(Vocabulary.load(PROJECT_ROOT / "ontology").concepts["certainty"])
    assert sorted(ranks, key=ranks.get) == ["denied", "unconfirmed", "believed", "alleged", "claimed", "reported", "stated"]
    assert len(set(ranks.values())) == len(ranks)
