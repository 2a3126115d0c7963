"""How the remote store reads answers that differ from store to store: the query form that decides what to ask
for, and Virtuoso's own forms of ASK answers and of boolean and duration values (the real servers are in
test_remote_store.py)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from newsfacts import remote_virtuoso as virtuoso
from newsfacts.remote import query_form
from newsfacts.remote_virtuoso import repair_lexical, repair_results, repair_triple, switch_update

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize("query, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("PREFIX select: <http://example.org/select#>\nconstruct { ?s ?p ?o } WHERE { ?s select:p ?o }", "CONSTRUCT"),
    ("# ASK in a comment\nBASE <http://example.org/ask/> DESCRIBE <x>", "DESCRIBE"),
    ('PREFIX ex: <http://example.org/>\nAsk { ?s ex:p "SELECT" }', "ASK"),
    ("SELECT ('''CONSTRUCT''' AS ?x) {}", "SELECT"),
])
def test_the_query_form_is_the_first_keyword_outside_iris_strings_and_comments(query, form):
    assert query_form(query) == form


def _ask(bindings: list[dict]) -> bool:
    document = {"head": {"vars": ["__ask_retval"]}, "results": {"bindings": bindings}}
    repaired = repair_results(json.loads(json.dumps(document)), ask=True)
    return bool(ox.parse_query_results(json.dumps(repaired).encode(), format=ox.QueryResultsFormat.JSON))


def test_an_ask_answered_with_a_typed_integer_binding_becomes_a_boolean():
    one = {"__ask_retval": {"type": "typed-literal", "datatype": f"{XSD}integer", "value": "1"}}
    zero = {"__ask_retval": {"type": "typed-literal", "datatype": f"{XSD}integer", "value": "0"}}
    assert _ask([one]) is True
    assert _ask([zero]) is False
    assert _ask([]) is False
    standard = {"head": {"link": []}, "boolean": True}
    assert repair_results(dict(standard), ask=True) == standard


@pytest.mark.parametrize("datatype, stored, canonical", [
    ("boolean", "1", "true"), ("boolean", "0", "false"), ("boolean", "true", "true"),
    ("duration", "240", "P20Y"), ("duration", "6", "P6M"), ("duration", "-14", "-P1Y2M"), ("duration", "0", "P0M"),
    ("duration", "86400.0", "P1D"), ("duration", "5400.0", "PT1H30M"), ("duration", "86400.5", "P1DT0.5S"),
    ("duration", "-3600.0", "-PT1H"), ("duration", "P1Y2M3DT4H", "P1Y2M3DT4H"), ("integer", "1", "1"),
])
def test_virtuoso_forms_of_values_go_back_to_the_canonical_lexical_form(datatype, stored, canonical):
    assert repair_lexical(f"{XSD}{datatype}", stored) == canonical


def test_solutions_and_triples_are_repaired_and_other_terms_left_alone():
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    stored = ox.Triple(s, p, ox.Literal("1", datatype=ox.NamedNode(f"{XSD}boolean")))
    assert repair_triple(stored).object == ox.Literal("true", datatype=ox.NamedNode(f"{XSD}boolean"))
    text = ox.Triple(s, p, ox.Literal("1", language="es"))
    assert repair_triple(text) is text
    answer = {"head": {"vars": ["o"]}, "results": {"bindings": [
        {"o": {"type": "typed-literal", "datatype": f"{XSD}duration", "value": "240"}},
        {"o": {"type": "literal", "xml:lang": "es", "value": "240"}}]}}
    values = [b["o"]["value"] for b in repair_results(answer, ask=False)["results"]["bindings"]]
    assert values == ["P20Y", "240"]


def test_the_switch_drops_graphs_no_longer_published_and_moves_the_staged_ones():
    update = switch_update({"https://n.example/graph/a": "urn:newsfacts:staging:v2:https://n.example/graph/a"},
                           {"https://n.example/graph/a", "https://n.example/graph/gone"})
    assert update == ("DROP SILENT GRAPH <https://n.example/graph/gone> ;\n"
                      "MOVE SILENT GRAPH <urn:newsfacts:staging:v2:https://n.example/graph/a> TO GRAPH "
                      "<https://n.example/graph/a>\n")


def test_data_updates_write_one_graph_block_per_graph_and_delete_what_they_name():
    """Virtuoso deletes no language-tagged literal from a DELETE DATA with several GRAPH blocks, so each update
    holds one block per graph; applied to a store, the updates delete exactly the quads given."""
    a, b = ox.NamedNode("urn:graph:a"), ox.NamedNode("urn:graph:b")
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    quads = [ox.Quad(s, p, ox.Literal("Tepate Andalo", language="en"), a), ox.Quad(s, p, ox.Literal("x"), a),
             ox.Quad(s, p, ox.Literal("Mikaze", language="es"), b), ox.Quad(s, p, ox.NamedNode("urn:o"), b)]
    store = ox.Store()
    store.extend(quads + [ox.Quad(s, p, ox.Literal("kept", language="en"), a)])
    updates = virtuoso.data_updates("DELETE", quads)
    assert len(updates) == 1
    assert updates[0].count("GRAPH <urn:graph:a>") == 1 and updates[0].count("GRAPH <urn:graph:b>") == 1
    for update in updates:
        store.update(update)
    assert set(store) == {ox.Quad(s, p, ox.Literal("kept", language="en"), a)}


def test_a_change_that_names_a_blank_node_is_not_sent_as_a_change():
    """DELETE DATA cannot name blank nodes, so RemoteStore.publish sends such a graph whole."""
    from newsfacts.remote import GraphChange

    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    assert not GraphChange([ox.Triple(s, p, ox.Literal("x"))], [ox.Triple(s, p, ox.NamedNode("urn:o"))]).names_blank_nodes()
    assert GraphChange([], [ox.Triple(s, p, ox.BlankNode())]).names_blank_nodes()
    assert GraphChange([ox.Triple(ox.BlankNode(), p, ox.Literal("x"))], []).names_blank_nodes()
