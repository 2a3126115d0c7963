"""Triple Pattern Fragments at /fragments: Hydra controls, counts, paging, term forms, no blank nodes."""

from __future__ import annotations

import pyoxigraph
import rdflib
import requests

HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
IRAN = "https://newsfacts.example/entity/iran"


def public(server) -> str:
    return server.url + "/"  # the served address: the test server has no public_url of its own


def fragment(server, **params) -> tuple[rdflib.Graph, str]:
    response = requests.get(server.url + "/fragments", params=params, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return rdflib.Graph().parse(data=response.text, format="turtle"), response.url


def data(graph: rdflib.Graph) -> set:
    """The fragment's data triples: not about the page, the form or the dataset."""
    return {t for t in graph if "/fragments" not in str(t[0])}


def test_the_controls_are_one_search_form_with_one_template_and_three_mappings(server):
    graph, page = fragment(server, subject=IRAN)
    forms = list(graph.objects(None, HYDRA.search))
    assert len(forms) == 1
    templates = list(graph.objects(forms[0], HYDRA.template))
    assert [str(t) for t in templates] == [public(server) + "fragments{?subject,predicate,object}"]
    mappings = {str(graph.value(m, HYDRA.variable)): str(graph.value(m, HYDRA.property))
                for m in graph.objects(forms[0], HYDRA.mapping)}
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    assert mappings == {"subject": rdf + "subject", "predicate": rdf + "predicate", "object": rdf + "object"}
    assert graph.value(forms[0], HYDRA.variableRepresentation) == HYDRA.ExplicitRepresentation
    assert (None, VOID.subset, rdflib.URIRef(page)) in graph


def test_counts_are_exact_and_zero_only_without_a_match(server, store):
    graph, page = fragment(server, subject=IRAN)
    expected = len(list(store.query(f"SELECT DISTINCT ?p ?o WHERE {{ <{IRAN}> ?p ?o }}", use_default_graph_as_union=True)))
    assert int(graph.value(rdflib.URIRef(page), VOID.triples)) == expected == len(data(graph))
    assert int(graph.value(rdflib.URIRef(page), HYDRA.totalItems)) == expected
    empty, page = fragment(server, subject="https://newsfacts.example/entity/nobody")
    assert int(empty.value(rdflib.URIRef(page), VOID.triples)) == 0 and not data(empty)


def test_literals_in_the_explicit_representation_match_exactly(server):
    tagged, _ = fragment(server, predicate=LABEL, object='"Iran"@en')
    assert data(tagged) == {(rdflib.URIRef(IRAN), rdflib.URIRef(LABEL), rdflib.Literal("Iran", lang="en"))}
    plain, _ = fragment(server, predicate=LABEL, object='"Iran"')
    assert not data(plain)
    year, _ = fragment(server, object='"2013"^^http://www.w3.org/2001/XMLSchema#gYear')
    assert data(year) and all(o == rdflib.Literal("2013", datatype=rdflib.XSD.gYear) for _, _, o in data(year))
    bracketed, _ = fragment(server, subject=f"<{IRAN}>", predicate=f"<{LABEL}>")
    bare, _ = fragment(server, subject=IRAN, predicate=LABEL)
    assert data(bracketed) == data(bare) and len(data(bare)) == 2


def test_paging_walks_every_triple_once_and_the_last_page_has_no_next(server, store):
    expected = len(list(store.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", use_default_graph_as_union=True)))
    url, seen, pages = server.url + "/fragments", set(), 0
    while url:
        response = requests.get(url, timeout=30)
        graph = rdflib.Graph().parse(data=response.text, format="turtle")
        page = rdflib.URIRef(response.url)
        assert int(graph.value(page, VOID.triples)) == expected
        page_data = data(graph)
        assert not seen & page_data
        seen |= page_data
        pages += 1
        following = graph.value(page, HYDRA.next)
        url = str(following) if following else None
    assert len(seen) == expected and pages == -(-expected // 100)
    assert not any(isinstance(term, rdflib.BNode) for t in seen for term in t)


def test_variables_and_repeated_variables(server):
    named, _ = fragment(server, subject="?x", predicate=LABEL, object="?y")
    assert len(data(named)) > 50
    same, page = fragment(server, subject="?x", object="?x")
    assert all(s == o for s, _, o in data(same))
    assert int(same.value(rdflib.URIRef(page), VOID.triples)) == len(data(same))


def test_bad_terms_and_pages(server):
    assert requests.get(server.url + "/fragments", params={"subject": "not an iri"}, timeout=30).status_code == 400
    literal_subject, _ = fragment(server, subject='"Iran"')
    assert not data(literal_subject)
    past = requests.get(server.url + "/fragments", params={"subject": IRAN, "page": "2"}, timeout=30)
    assert past.status_code == 404 and past.headers["Access-Control-Allow-Origin"] == "*"


def test_quad_formats_keep_metadata_in_a_graph_about_the_page_and_the_dataset(server):
    response = requests.get(server.url + "/fragments", params={"subject": IRAN}, headers={"Accept": "application/trig"},
                            timeout=30)
    assert response.headers["Content-Type"].startswith("application/trig")
    dataset = rdflib.Dataset()
    dataset.parse(data=response.text, format="trig")
    page = rdflib.URIRef(response.url)
    metadata = rdflib.URIRef(response.url + "#metadata")
    topics = set(dataset.graph(metadata).objects(metadata, rdflib.FOAF.primaryTopic))
    assert topics == {page, rdflib.URIRef(public(server) + "fragments#dataset")}
    assert (page, VOID.triples, None) in dataset.graph(metadata)
    assert {str(s) for s, _, _ in dataset.default_graph} == {IRAN}


SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
ENTITIES = "https://newsfacts.example/graph/entities"


def quad_fragment(server, **params) -> tuple[rdflib.Dataset, rdflib.URIRef]:
    response = requests.get(server.url + "/fragments/quads", params=params, headers={"Accept": "application/n-quads"},
                            timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/n-quads")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    dataset = rdflib.Dataset()
    dataset.parse(data=response.text, format="nquads")
    return dataset, rdflib.URIRef(response.url)


def quad_data(dataset: rdflib.Dataset, page: rdflib.URIRef) -> set:
    """The fragment's quads: those outside its metadata graph (the default graph as None)."""
    metadata = str(page) + "#metadata"
    return {(s, p, o, None if g == rdflib.graph.DATASET_DEFAULT_GRAPH_ID else g)
            for s, p, o, g in dataset.quads() if str(g) != metadata}


def test_the_quad_interface_has_one_template_with_four_mappings_the_fourth_the_graph(server):
    dataset, page = quad_fragment(server, subject=IRAN)
    metadata = dataset.graph(rdflib.URIRef(str(page) + "#metadata"))
    forms = list(metadata.objects(None, HYDRA.search))
    assert len(forms) == 1
    assert [str(t) for t in metadata.objects(forms[0], HYDRA.template)] == [
        public(server) + "fragments/quads{?subject,predicate,object,graph}"]
    mappings = {str(metadata.value(m, HYDRA.variable)): str(metadata.value(m, HYDRA.property))
                for m in metadata.objects(forms[0], HYDRA.mapping)}
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    assert mappings == {"subject": rdf + "subject", "predicate": rdf + "predicate", "object": rdf + "object",
                        "graph": str(SD.graph)}
    dataset_node = rdflib.URIRef(public(server) + "fragments/quads#dataset")
    assert (dataset_node, VOID.subset, page) in metadata
    assert metadata.value(dataset_node, SD.defaultGraph) == rdflib.URIRef(public(server) + "fragments/quads#default-graph")


def test_quads_carry_their_graph_and_a_graph_restricts_them(server, store):
    dataset, page = quad_fragment(server, subject=IRAN)
    found = quad_data(dataset, page)
    expected = {(str(q.subject.value), str(q.predicate.value), q.graph_name.value)
                for q in store.quads_for_pattern(pyoxigraph.NamedNode(IRAN), None, None, None)}
    assert {(str(s), str(p), str(g)) for s, p, _, g in found} == expected
    assert int(dataset.graph(rdflib.URIRef(str(page) + "#metadata")).value(page, HYDRA.totalItems)) == len(found)
    assert len({g for *_, g in found}) > 1  # Iran is described in more than one graph
    entities, page = quad_fragment(server, subject=IRAN, graph=ENTITIES)
    only = quad_data(entities, page)
    assert only and only == {q for q in found if str(q[3]) == ENTITIES}
    literal_graph, page = quad_fragment(server, subject=IRAN, graph='"entities"')
    assert not quad_data(literal_graph, page)


def test_the_declared_default_graph_is_the_union_as_at_slash_fragments(server):
    union, page = quad_fragment(server, subject=IRAN, graph=public(server) + "fragments/quads#default-graph")
    found = quad_data(union, page)
    triples, _ = fragment(server, subject=IRAN)
    assert {g for *_, g in found} == {None}  # in the answer's default graph
    assert {(s, p, o) for s, p, o, _ in found} == data(triples)


def test_the_quad_interface_answers_quad_formats_only(server):
    response = requests.get(server.url + "/fragments/quads", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 406 and response.headers["Content-Type"].startswith("application/problem+json")
    assert "application/n-quads" in response.json()["detail"]
