"""Queries that read one resource's statements are answered by the web process itself (``sparql/bounded.py``).

Which texts qualify is decided on the guard's tokens; everything else must still go to a query worker. An answer
made in the web process must be the worker's to the byte: the same requests to an app that answers lookups itself
and to one that sends every query to a worker give the same status, headers and body, the row cap included.
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

import pytest
from werkzeug.test import Client

from newsfacts.web.app import create_app
from newsfacts.web.sparql import executor, guard
from newsfacts.web.sparql.bounded import reads_one_resource

MAX_ROWS = 7
ENTITY = "<https://newsfacts.example/entity/nicolas-maduro>"

ONE_RESOURCE = [
    f"SELECT ?p ?o WHERE {{ {ENTITY} ?p ?o }}",
    f"select * {{ {ENTITY} ?p ?o . }}",
    f"SELECT ?o WHERE {{ {ENTITY} rdfs:label ?o }} LIMIT 3",
    f"PREFIX nf: <https://newsfacts.example/ontology/>\nSELECT ?c WHERE {{ {ENTITY} a ?c }} OFFSET 2 LIMIT 1",
    "BASE <https://newsfacts.example/> SELECT ?p WHERE { <entity/nicolas-maduro> ?p \"Nicolás Maduro\"@es }",
    f"# a comment {{ ?a ?b ?c }} FILTER\nSELECT ?p WHERE {{ {ENTITY} ?p 'x'^^xsd:string }}",
    f"SELECT ?p WHERE {{ {ENTITY} ?p 42 }} LIMIT 100000",
    f"DESCRIBE {ENTITY}",
    "DESCRIBE nf:Claim",
    "SELECT ?p WHERE { " + " " * 2000 + f"{ENTITY} ?p ?o }}",
]
OTHERS = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",  # the subject not given: any number of quads read
    f"SELECT DISTINCT ?p WHERE {{ {ENTITY} ?p ?o }}",
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?o }} ORDER BY ?p",
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?o }} OFFSET {MAX_ROWS + 1}",  # reading past the row cap
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?o }} LIMIT 1 LIMIT 2",
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?p }}",  # a variable twice: the engine compares terms
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?o . ?o ?q ?r }}",
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?o FILTER(?o != 1) }}",
    f"SELECT ?o WHERE {{ {ENTITY} rdfs:label/rdfs:label ?o }}",  # a path
    f"SELECT ?o WHERE {{ {ENTITY} rdfs:label* ?o }}",
    f"SELECT ?o WHERE {{ {ENTITY} ?p [ ?q ?o ] }}",
    "SELECT ?p WHERE { _:b ?p ?o }",
    f"SELECT ?p FROM <https://newsfacts.example/graph/entities> WHERE {{ {ENTITY} ?p ?o }}",
    f"SELECT ?p WHERE {{ GRAPH ?g {{ {ENTITY} ?p ?o }} }}",
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?o }} VALUES ?p {{ rdfs:label }}",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ {ENTITY} ?p ?o }}",
    "SELECT ?p WHERE { { SELECT ?p WHERE { ?s ?p ?o } } }",
    f"SELECT ?p WHERE {{ SERVICE <http://example.org/sparql> {{ {ENTITY} ?p ?o }} }}",
    f"ASK {{ {ENTITY} ?p ?o }}",
    f"CONSTRUCT {{ {ENTITY} ?p ?o }} WHERE {{ {ENTITY} ?p ?o }}",
    f"DESCRIBE {ENTITY} <https://newsfacts.example/entity/iran>",
    "DESCRIBE ?s WHERE { ?s ?p ?o }",
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?o }} LIMIT 1.5",
    f"SELECT ?p WHERE {{ {ENTITY} ?p ?o ",
]


@pytest.mark.parametrize("query", ONE_RESOURCE)
def test_one_resource_s_statements_are_recognised(query):
    assert reads_one_resource(guard.inspect(query), MAX_ROWS)


@pytest.mark.parametrize("query", OTHERS)
def test_every_other_query_goes_to_a_worker(query):
    assert not reads_one_resource(guard.inspect(query), MAX_ROWS)


def test_a_query_whose_pass_stopped_at_a_limit_goes_to_a_worker():
    # a look-up, but the guard's pass stopped at its first token (at most 0 triple patterns): no tokens to read
    info = guard.inspect(ONE_RESOURCE[0], limits=guard.Limits(64, 256, 0, 256))
    assert info.tokens is None and not reads_one_resource(info, MAX_ROWS)
    assert reads_one_resource(guard.inspect(ONE_RESOURCE[0]), MAX_ROWS)


@pytest.fixture(scope="module")
def apps(releases_dir):
    return {choice: create_app({"releases_dir": str(releases_dir), "max_rows": MAX_ROWS, "lookups_in_web": choice})
            for choice in ("yes", "no")}


ACCEPTS = [None, "application/sparql-results+xml", "text/csv", "text/tab-separated-values", "text/turtle",
           "application/ld+json", "application/n-triples"]
LOOKUPS = [ONE_RESOURCE[0], "SELECT ?p ?o WHERE { <https://newsfacts.example/concept/event-type> ?p ?o }",  # 36
           ONE_RESOURCE[2], ONE_RESOURCE[3], f"DESCRIBE {ENTITY}", "DESCRIBE <https://newsfacts.example/dataset>",
           "SELECT ?p ?o WHERE { <https://newsfacts.example/entity/nobody> ?p ?o }"]


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", LOOKUPS)
def test_a_lookup_answered_in_the_web_process_is_the_worker_s_answer(apps, query, accept):
    headers = {"Accept": accept} if accept else {}
    path = "/sparql?" + urlencode({"query": query})
    here, there = (Client(apps[choice]).get(path, headers=headers) for choice in ("yes", "no"))
    assert here.status_code == there.status_code
    assert list(here.headers.items()) == list(there.headers.items())
    assert here.data == there.data
    assert here.status_code in (200, 406)
    # the web process answered it without starting a query worker; the other app's worker did
    assert (os.getpid(), id(apps["yes"])) not in executor._pools
    assert (os.getpid(), id(apps["no"])) in executor._pools


def test_the_row_cap_applies_in_the_web_process(apps):
    answer = Client(apps["yes"]).get("/sparql?" + urlencode({"query": LOOKUPS[1]}))
    assert answer.status_code == 200
    assert answer.headers["X-Newsfacts-Truncated"] == "true" and answer.headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)
    assert len(answer.json["results"]["bindings"]) == MAX_ROWS


def test_a_query_that_is_not_a_lookup_still_runs_in_a_worker(releases_dir):
    app = create_app({"releases_dir": str(releases_dir), "max_rows": MAX_ROWS})
    answer = Client(app).get("/sparql?" + urlencode({"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"}))
    assert answer.status_code == 200 and len(answer.json["results"]["bindings"]) == 2
    assert any(worker.alive() for worker in executor._pools[(os.getpid(), id(app))]._workers)  # a worker answered
