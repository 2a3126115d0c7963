"""/reconcile as OpenRefine calls it: every request and response validated against the CG's 0.2 JSON Schemas."""

from __future__ import annotations

import json

import pytest
import requests

from newsfacts.config import PROJECT_ROOT

SCHEMAS = PROJECT_ROOT.parent / "shared" / "reference" / "reconciliation-0.2"
MADURO = "nicolas-maduro"


@pytest.fixture(scope="module")
def schemas():
    if not SCHEMAS.is_dir():
        pytest.skip("../shared/reference/reconciliation-0.2 is not beside the project")
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    loaded = {p.stem: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources((s["$id"], Resource(s, specification=DRAFT7)) for s in loaded.values())
    validators = {name: Draft7Validator(schema, registry=registry) for name, schema in loaded.items()}

    def check(name: str, instance) -> None:
        errors = list(validators[name].iter_errors(instance))
        assert not errors, f"{name}: {[e.message for e in errors[:3]]}"

    return check


def reconcile(server, schemas, queries: dict, method: str = "POST") -> dict:
    schemas("reconciliation-query-batch", queries)
    if method == "POST":
        response = requests.post(server.url + "/reconcile", data={"queries": json.dumps(queries)}, timeout=30)
    else:
        response = requests.get(server.url + "/reconcile", params={"queries": json.dumps(queries)}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    schemas("reconciliation-result-batch", body)
    assert set(body) == set(queries)
    for result in body.values():
        scores = [c["score"] for c in result["result"]]
        assert scores == sorted(scores, reverse=True)
    return body


def first(server, schemas, query: dict) -> dict:
    return reconcile(server, schemas, {"q0": query})["q0"]["result"][0]


def test_the_manifest_validates_and_names_its_services(server, schemas):
    response = requests.get(server.url + "/reconcile", timeout=30)
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    schemas("manifest", manifest)
    assert manifest["versions"] == ["0.2"] and manifest["identifierSpace"] == "https://newsfacts.example/entity/"
    assert manifest["schemaSpace"] == "https://newsfacts.example/ontology/"
    assert manifest["view"]["url"].endswith("/entity/{{id}}.html")
    assert {"Person", "Organization", "Place"} <= {t["id"] for t in manifest["defaultTypes"]}
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        assert requests.get(service["service_url"] + service["service_path"], params={"prefix": "a"},
                            timeout=30).status_code == 200
    preview = manifest["preview"]["url"].replace("{{id}}", MADURO)
    page = requests.get(preview, timeout=30)
    assert page.status_code == 200 and "Nicolás Maduro" in page.text and "Q58132" in page.text


def test_jsonp_wraps_the_manifest_for_a_callback(server):
    response = requests.get(server.url + "/reconcile", params={"callback": "jQuery123_456"}, timeout=30)
    assert response.headers["Content-Type"].startswith("application/javascript")
    text = response.text
    assert text.startswith("/**/jQuery123_456(") and text.endswith(");")
    assert json.loads(text[len("/**/jQuery123_456("):-2])["versions"] == ["0.2"]
    assert requests.get(server.url + "/reconcile", params={"callback": "alert(1)"}, timeout=30).status_code == 400


def test_get_and_post_give_the_same_answer(server, schemas):
    queries = {"q0": {"query": "Nicolas Maduro"}, "q1": {"query": "Infobae", "limit": 2}}
    assert reconcile(server, schemas, queries, "GET") == reconcile(server, schemas, queries, "POST")


@pytest.mark.parametrize("name", ["Nicolás Maduro", "Nicolas Maduro", "NICOLAS MADURO", "nicolas-maduro"])
def test_a_whole_name_with_or_without_accents_matches(server, schemas, name):
    found = first(server, schemas, {"query": name})
    assert found["id"] == MADURO and found["match"] is True and found["score"] >= 95
    assert found["type"][0] == {"id": "Person", "name": "person"}


def test_a_partial_name_is_the_first_candidate_but_not_a_match(server, schemas):
    found = first(server, schemas, {"query": "Maduro"})
    assert found["id"] == MADURO and found["match"] is False and 50 <= found["score"] < 95


@pytest.mark.parametrize(("name", "entity"), [("IRGC", "irgc"), ("U.S. Department of Justice",
                                                                  "united-states-department-of-justice"),
                                              ("Teherán", "tehran"), ("Teheran", "tehran"), ("Irán", "iran")])
def test_alternative_and_spanish_labels_match(server, schemas, name, entity):
    found = first(server, schemas, {"query": name})
    assert found["id"] == entity and found["match"] is True


def test_a_misspelt_name_is_a_candidate_not_a_match(server, schemas):
    found = first(server, schemas, {"query": "Nicolas Madura"})
    assert found["id"] == MADURO and found["match"] is False


def test_a_type_constraint_keeps_only_that_type(server, schemas):
    people = reconcile(server, schemas, {"q0": {"query": "Iran", "type": "Person"}})["q0"]["result"]
    assert all(any(t["id"] == "Person" for t in c["type"]) for c in people) and "iran" not in {c["id"] for c in people}
    country = first(server, schemas, {"query": "Iran", "type": ["Place"]})
    assert country["id"] == "iran" and country["match"] is True  # Country is a subclass of Place


def test_a_property_constraint_confirms_or_refutes(server, schemas):
    holds = first(server, schemas, {"query": "Maduro", "properties": [{"pid": "memberOf", "v": "venezuela"}]})
    assert holds["id"] == MADURO and {"id": "property:memberOf", "value": True} in holds["features"]
    by_name = first(server, schemas, {"query": "Nicolas Maduro", "properties": [{"pid": "memberOf", "v": {"id": "venezuela"}}]})
    assert by_name["match"] is True
    refuted = first(server, schemas, {"query": "Nicolas Maduro", "properties": [{"pid": "memberOf", "v": "Iran"}]})
    assert refuted["id"] == MADURO and refuted["match"] is False and refuted["score"] == 70
    members = reconcile(server, schemas, {"q0": {"properties": [{"pid": "memberOf", "v": "iran"}], "type": "Person"}})
    assert "ebrahim-raisi" in {c["id"] for c in members["q0"]["result"]}


def test_a_batch_answers_every_query(server, schemas):
    queries = {f"q{i}": {"query": name, "limit": 3} for i, name in enumerate(["Hugo Chavez", "Mahan Air", "Caracas",
                                                                            "Nobody At All Here"])}
    body = reconcile(server, schemas, queries)
    assert [body[f"q{i}"]["result"][0]["id"] if body[f"q{i}"]["result"] else None for i in range(3)] == [
        "hugo-chavez", "mahan-air", "caracas"]
    assert all(len(r["result"]) <= 3 for r in body.values())
    assert not any(c["match"] for c in body["q3"]["result"])


def test_data_extension_pulls_properties(server, schemas):
    query = {"ids": [MADURO, "el-libertador-air-base", "united-states-department-of-justice", "no-such-entity"],
             "properties": [{"id": "type"}, {"id": "wikidata"}, {"id": "locatedIn"}, {"id": "partOf"},
                            {"id": "memberOf"}, {"id": "claims"}]}
    schemas("data-extension-query", query)
    response = requests.post(server.url + "/reconcile", data={"extend": json.dumps(query)}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    schemas("data-extension-response", body)
    rows = body["rows"]
    assert rows[MADURO]["wikidata"] == [{"str": "Q58132"}]
    assert rows[MADURO]["memberOf"] == [{"id": "venezuela", "name": "Venezuela"}]
    assert rows[MADURO]["claims"][0]["int"] > 0
    assert rows["el-libertador-air-base"]["locatedIn"] == [{"id": "maracay", "name": "Maracay"}]
    assert rows["united-states-department-of-justice"]["partOf"] == [{"id": "united-states", "name": "United States"}]
    assert rows["no-such-entity"] == {p["id"]: [] for p in query["properties"]}
    proposals = requests.get(server.url + "/reconcile/extend/propose", params={"type": "Person"}, timeout=30).json()
    assert {"id": "wikidata", "name": "Wikidata identifier"} in proposals["properties"]


def test_suggest_services(server, schemas):
    entities = requests.get(server.url + "/reconcile/suggest/entity", params={"prefix": "mad"}, timeout=30).json()
    schemas("suggest-entities-response", entities)
    assert MADURO in {e["id"] for e in entities["result"]}
    types = requests.get(server.url + "/reconcile/suggest/type", params={"prefix": "coun"}, timeout=30).json()
    assert {"id": "Country", "name": "country"} in types["result"]
    properties = requests.get(server.url + "/reconcile/suggest/property", params={"prefix": "located"}, timeout=30).json()
    assert [p["id"] for p in properties["result"]] == ["locatedIn"]


def test_bad_requests_get_4xx_with_cors(server):
    for data, status in [({"queries": "not json"}, 400), ({"queries": "[1]"}, 400), ({"queries": '{"q0": {}}'}, 400),
                         ({"queries": '{"q0": {"query": "x", "properties": [{"pid": "nope", "v": 1}]}}'}, 400),
                         ({"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(51)})}, 413),
                         ({"extend": '{"ids": ["iran"], "properties": [{"id": "nope"}]}'}, 400)]:
        response = requests.post(server.url + "/reconcile", data=data, timeout=30)
        assert response.status_code == status, (data, response.text)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(server.url + "/reconcile", headers={"Origin": "https://example.org",
                                                                    "Access-Control-Request-Method": "POST"}, timeout=30)
    assert preflight.status_code == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert requests.get(server.url + "/reconcile/preview", params={"id": "nobody"}, timeout=30).status_code == 404
