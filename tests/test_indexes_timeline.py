"""/entity/ … indexes (HTML and Hydra collections) and timelines, over HTTP on the shipped release."""

from __future__ import annotations

import rdflib
import requests

HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
NF = "https://newsfacts.example/ontology/"


def graph_of(response: requests.Response, fmt: str = "turtle") -> rdflib.Graph:
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.text, format=fmt)


def members_in_store(store, root: str) -> set[str]:
    rows = store.query(f"""SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "https://newsfacts.example/{root}/")
                            && !CONTAINS(STR(?s), "#")) }}""", use_default_graph_as_union=True)
    return {r["s"].value for r in rows}


def test_the_entity_index_answers_instead_of_a_redirect_to_a_404(server):
    response = requests.get(server.url + "/entity/", headers={"Accept": "text/html"}, allow_redirects=False, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert '<a href="/entity/nicolas-maduro.html">Nicolás Maduro</a>' in response.text
    bare = requests.get(server.url + "/entity", allow_redirects=False, timeout=30)
    assert bare.status_code == 301 and bare.headers["Location"] == "/entity/"


def test_each_index_is_a_hydra_collection_whose_pages_hold_every_member_once(server, store):
    for kind in ("entity", "event", "claim", "article"):
        expected = members_in_store(store, kind)
        url, seen, total = server.url + f"/{kind}.ttl", [], None
        while url:
            graph = graph_of(requests.get(url, timeout=30))
            collection = next(graph.subjects(rdflib.RDF.type, HYDRA.Collection))
            total = int(graph.value(collection, HYDRA.totalItems))
            view = graph.value(collection, HYDRA.view)
            assert (view, rdflib.RDF.type, HYDRA.PartialCollectionView) in graph
            assert graph.value(view, HYDRA.first) and graph.value(view, HYDRA.last)
            seen += [str(m) for m in graph.objects(collection, HYDRA.member)]
            following = graph.value(view, HYDRA.next)
            url = str(following).replace("http://127.0.0.1:8080", server.url) if following else None
        assert total == len(expected) == len(seen), kind
        assert set(seen) == expected, kind


def test_the_index_negotiates_and_has_json_ld(server):
    turtle = requests.get(server.url + "/event/", headers={"Accept": "text/turtle"}, timeout=30)
    assert turtle.headers["Content-Type"].startswith("text/turtle") and "Accept" in turtle.headers["Vary"]
    graph = graph_of(requests.get(server.url + "/event.jsonld", timeout=30), "json-ld")
    collection = next(graph.subjects(rdflib.RDF.type, HYDRA.Collection))
    assert int(graph.value(collection, HYDRA.totalItems)) == 39


def test_filter_by_type_counts_subclasses_and_sorts(server):
    people = graph_of(requests.get(server.url + "/entity.ttl", params={"type": "Person"}, timeout=30))
    collection = next(people.subjects(rdflib.RDF.type, HYDRA.Collection))
    members = set(people.objects(collection, HYDRA.member))
    assert len(members) == int(people.value(collection, HYDRA.totalItems)) == 10
    assert all((m, rdflib.RDF.type, rdflib.URIRef(NF + "Person")) in people for m in members)
    places = graph_of(requests.get(server.url + "/entity.ttl", params={"type": "Place"}, timeout=30))
    place_members = {str(m) for m in places.objects(None, HYDRA.member)}
    assert {"https://newsfacts.example/entity/iran", "https://newsfacts.example/entity/caracas"} <= place_members

    def names(sort: str) -> list[str]:
        page = requests.get(server.url + "/entity/", params={"type": "Person", "sort": sort},
                            headers={"Accept": "text/html"}, timeout=30).text
        return [line.split('">', 1)[1].split("</a>")[0] for line in page.split("<li><a href=\"/entity/")[1:]]

    assert names("name") == sorted(names("name"), key=str.casefold) and names("-name") == names("name")[::-1]
    by_claims = requests.get(server.url + "/entity/", params={"sort": "claims"}, headers={"Accept": "text/html"}, timeout=30)
    assert by_claims.status_code == 200


def test_bad_parameters_get_4xx(server):
    for params, status in (({"sort": "height"}, 400), ({"page": "999"}, 404), ({"type": "<x>"}, 400)):
        response = requests.get(server.url + "/entity/", params=params, headers={"Accept": "application/json"}, timeout=30)
        assert response.status_code == status, params
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == status and response.json()["detail"], params
    assert requests.get(server.url + "/entity.xyz", timeout=30).status_code == 404


def test_the_landing_page_links_to_the_indexes(server):
    landing = requests.get(server.url + "/", timeout=30).text
    for path in ('href="/entity/"', 'href="/event/"', 'href="/claim/"', 'href="/article/"', 'href="/timeline"',
                 'href="/search"'):
        assert path in landing


def test_the_timeline_keeps_precision_and_puts_undated_events_apart(server):
    body = requests.get(server.url + "/timeline.json", timeout=30).json()
    dated = body["dated"]
    keys = [e["time"].get("date") or e["time"].get("not_before") or e["time"].get("not_after") for e in dated]
    assert keys == sorted(keys)
    whens = {e["name"]: e["when"] for e in dated + body["undated"]}
    assert whens["Javier Milei takes office"] == "December 2023"
    assert whens["Death of Hugo Chávez"] == "2013"
    assert whens["The IRGC Quds Force establishes “an active presence” in Venezuela"] == "2020 or later (“since at least 2020”)"
    assert whens["The Venezuelan socialists seize a privately owned Colombian supermarket chain"] == \
        "between 2010 and 2019 (“in the early 2010s”)"
    undated = {e["name"]: e for e in body["undated"]}
    spill = "Oil spill at one of Venezuela's main refineries caused by an “operational negligence” of Iranian engineers"
    assert spill in undated and undated[spill]["when"] == "November (year not stated) (“in November”)"
    assert undated["Iran–Venezuela military cooperation"]["when"] == "“now”"
    assert not {e["name"] for e in dated} & set(undated)
    assert len(dated) + len(undated) == 39


def test_an_entity_timeline_says_who_reports_each_event(server):
    body = requests.get(server.url + "/timeline.json", params={"entity": "nicolas-maduro"}, timeout=30).json()
    visit = next(e for e in body["dated"] if e["name"] == "Nicolás Maduro's visit to Tehran")
    assert visit["when"] == "2022" and visit["href"].startswith("/event/")
    said = visit["according_to"][0]
    assert said["certainty"] == "stated" and not said["open"]
    assert said["speakers"] == [{"name": "Christian K. Caruzo", "href": "/entity/christian-k-caruzo.html"}]
    everything = requests.get(server.url + "/timeline.json", timeout=30).json()
    assert len(body["dated"]) + len(body["undated"]) < len(everything["dated"]) + len(everything["undated"])
    page = requests.get(server.url + "/entity/nicolas-maduro.html", timeout=30).text
    assert "What it did, when, according to whom" in page and "Nicolás Maduro&#39;s visit to Tehran" in page
    html = requests.get(server.url + "/timeline", params={"entity": "nicolas-maduro"}, timeout=30)
    assert html.status_code == 200 and "Timeline of" in html.text and "Not placed in time" in html.text


def test_a_claim_whose_speaker_the_text_leaves_open_names_each_candidate_on_the_timeline(server):
    body = requests.get(server.url + "/timeline.json", timeout=30).json()
    opened = [said for event in body["dated"] + body["undated"] for said in event["according_to"] if said["open"]]
    assert opened, "the shipped facts have claims whose speaker is open"
    for said in opened:
        assert {s["name"] for s in said["speakers"]} == {"Christian K. Caruzo", "Infobae"}
        assert all(s["href"].startswith("/entity/") for s in said["speakers"])


def test_the_timeline_by_article_and_bad_filters(server):
    body = requests.get(server.url + "/timeline.json", params={"article": "iran-venezuela-drone-facility"}, timeout=30).json()
    assert len(body["dated"]) + len(body["undated"]) == 39
    assert requests.get(server.url + "/timeline", params={"article": "nothing-here"}, timeout=30).status_code == 404
    assert requests.get(server.url + "/timeline", params={"entity": "../x"}, timeout=30).status_code == 400


def test_each_date_is_shown_at_its_precision_and_words_alone_stay_words():
    from newsfacts.web.find.timeline import when

    assert when({"date": "2022"}) == "2022"
    assert when({"date": "2023-12"}) == "December 2023"
    assert when({"date": "2024-03-05"}) == "5 March 2024"
    assert when({"date": "--11", "text": "in November"}) == "November (year not stated) (“in November”)"
    assert when({"not_before": "2020", "text": "since at least 2020"}) == "2020 or later (“since at least 2020”)"
    assert when({"not_after": "2019-06"}) == "June 2019 or earlier"
    assert when({"text": "next month"}) == "“next month”"
    assert when({}) == "time not stated"
