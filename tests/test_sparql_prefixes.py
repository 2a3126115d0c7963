"""Common prefixes need no declaration (as on Wikidata's endpoint); a query's own declaration wins; the docs list them
and their first example runs as written."""

from __future__ import annotations

import re
import shlex

import requests

from newsfacts.config import PROJECT_ROOT
from newsfacts.web.sparql.guard import inspect
from newsfacts.web.sparql.query_prefixes import predeclared
from test_sparql_support import SPARQL_JSON, assert_error, query

BASE = "https://newsfacts.example/"
SPARQL_MD = PROJECT_ROOT / "docs" / "sparql.md"


def values(response: requests.Response, name: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [row[name]["value"] for row in response.json()["results"]["bindings"]]


def test_rdfs_and_nfe_need_no_declaration(server):
    labels = values(query(server, "SELECT ?label WHERE { nfe:iran rdfs:label ?label } ORDER BY ?label"), "label")
    assert labels == ["Iran", "Irán"]
    claims = values(query(server, "SELECT ?c WHERE { ?c a nf:Claim ; nf:certainty/skos:notation 'alleged' } LIMIT 3"), "c")
    assert len(claims) == 3 and all(c.startswith(BASE + "claim/") for c in claims)


def test_a_query_declaring_the_same_prefix_differently_uses_its_own(server):
    own = "PREFIX rdfs: <https://newsfacts.example/ontology/>\nSELECT ?c WHERE { ?c a rdfs:Claim } LIMIT 2"
    assert len(values(query(server, own), "c")) == 2  # rdfs:Claim is nf:Claim here
    standard = "SELECT ?c WHERE { ?c a rdfs:Claim } LIMIT 2"
    assert values(query(server, standard), "c") == []  # and the standard rdfs: has no Claim


def test_an_unknown_prefix_is_still_a_syntax_error_at_its_place(server):
    body = assert_error(query(server, "SELECT * WHERE {\n  ?s nope:p ?o }"), 400, "syntax")
    assert body["line"] == 2


def test_from_with_a_predeclared_prefix_resolves_before_the_dataset_check():
    info = inspect("SELECT * FROM nfe:somewhere WHERE {}", BASE, predeclared(BASE))
    assert info.from_graphs == [BASE + "entity/somewhere"] and info.prefixes == {}
    own = inspect("PREFIX nfe: <http://other.example/> SELECT * FROM nfe:g WHERE {}", BASE, predeclared(BASE))
    assert own.from_graphs == ["http://other.example/g"]


def test_entities_follow_the_base_iri_and_the_vocabulary_keeps_its_namespace():
    assert predeclared("http://127.0.0.1:8080/")["nfe"] == "http://127.0.0.1:8080/entity/"
    assert predeclared("http://127.0.0.1:8080/")["nf"] == "https://newsfacts.example/ontology/"


def test_docs_list_every_predeclared_prefix():
    text = SPARQL_MD.read_text(encoding="utf-8")
    other_base = "http://127.0.0.1:8080/"  # so that what follows the base shows as <base>, and nothing else does
    for name, iri in predeclared(other_base).items():
        assert re.search(rf"`{name}:`\s*\|\s*`{re.escape(iri.replace(other_base, '<base>'))}`", text), name


def test_the_first_example_of_the_docs_runs_as_written(server):
    first = re.search(r"^curl -G .*?--data-urlencode '(query=[^']*)'", SPARQL_MD.read_text(encoding="utf-8"), re.M)
    text = shlex.split(f"'{first.group(1)}'")[0].removeprefix("query=")
    response = requests.get(server.url + "/sparql", params={"query": text}, headers={"Accept": SPARQL_JSON}, timeout=30)
    assert len(values(response, "label")) == 5


def test_the_query_page_lists_them_and_results_use_them(server):
    page = requests.get(server.url + "/sparql", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "usable in every query without declaring them" in page.text
    assert all(f"<code>{name}:</code> {iri}" in page.text for name, iri in predeclared(BASE).items())
    table = requests.get(server.url + "/sparql", params={"query": "SELECT ?e WHERE { VALUES ?e { nfe:iran } }"},
                         headers={"Accept": "text/html"}, timeout=30)
    assert table.status_code == 200 and '<td class="uri"><a href="/entity/iran">nfe:iran</a></td>' in table.text
