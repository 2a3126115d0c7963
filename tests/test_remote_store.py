"""Publishing to, and querying, a remote store over the SPARQL 1.1 protocols. The same tests run against the
real Oxigraph and Virtuoso servers (tests/remote_stores.py), started and stopped here."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

import pyoxigraph as ox
import pytest
import requests

from conftest import free_port
from newsfacts.build import build
from newsfacts.config import Settings
from newsfacts.problems import BuildFailed
from newsfacts.release import current_release
from newsfacts.remote import GRAPHS_TTL_S, OWL_VERSION, RemoteStore, StoreUnavailable
from newsfacts.remote_virtuoso import GRAPH_LIST, STAGING_PREFIX
from remote_stores import CLAIMS, SECOND, settings, update


def test_a_release_published_to_a_remote_store_answers_like_the_embedded_store(store_server, tmp_path):
    remote_release = build(settings(tmp_path, store_server))
    embedded_release = build(settings(tmp_path / "embedded", "embedded"))
    assert not remote_release.store_path.exists()
    remote = RemoteStore.from_settings(settings(tmp_path, store_server))
    assert remote.version("https://newsfacts.example/") == remote_release.version
    embedded = embedded_release.open_store()
    query = """PREFIX nf: <https://newsfacts.example/ontology/>
               SELECT ?claim ?certainty ?who WHERE { ?claim nf:certainty ?certainty ; nf:attributedTo ?who }"""
    def answers(store):
        return {tuple(s[v].value for v in ("claim", "certainty", "who"))
                for s in store.query(query, use_default_graph_as_union=True)}
    assert answers(remote) == answers(embedded) and len(answers(remote)) == 12
    described = remote.query("DESCRIBE <https://newsfacts.example/entity/ana-nunez>")
    assert ox.Triple(ox.NamedNode("https://newsfacts.example/entity/ana-nunez"),
                     ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.Literal("Ana Núñez", language="en")) in set(described)
    graphs = {s["g"].value for s in remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs == set(remote_release.manifest()["graphs"])


def test_publishing_to_a_store_that_is_down_publishes_nothing(tmp_path):
    good = build(settings(tmp_path, "embedded"))
    dead = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(BuildFailed, match="cannot publish to the store .* cannot be reached"):
        build(settings(tmp_path, dead))
    assert current_release(tmp_path / "releases") == good
    assert [p.name for p in (tmp_path / "releases").iterdir() if p.name.startswith(".staging")] == []


def test_a_store_that_goes_down_and_comes_back(store_server, tmp_path):
    build(settings(tmp_path, store_server))
    remote = RemoteStore.from_settings(settings(tmp_path, store_server))
    assert len(list(remote.query(CLAIMS))) == 12
    store_server.stop()
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        remote.query(CLAIMS)
    store_server.start()
    assert len(list(remote.query(CLAIMS))) == 12


def test_the_build_command_publishes_to_a_remote_store(store_server, tmp_path):
    result = subprocess.run([sys.executable, "-m", "newsfacts.cli", "build", "--facts-dir", str(SECOND / "facts"),
                             "--sources-dir", str(SECOND / "sources"), "--releases-dir", str(tmp_path / "r"),
                             "--store", store_server.query_url], capture_output=True, text=True, timeout=300,
                            env={**os.environ, **{f"NEWSFACTS_{k.upper()}": v for k, v in store_server.settings.items()}})
    assert result.returncode == 0, result.stderr
    any_claim = "ASK { GRAPH ?g { ?c a <https://newsfacts.example/ontology/Claim> } }"
    answer = requests.post(store_server.query_url, data={"query": any_claim},
                           headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert answer.json()["boolean"] is True
    assert RemoteStore.from_settings(settings(tmp_path, store_server)).version("https://newsfacts.example/") \
        == current_release(tmp_path / "r").version


def test_the_server_on_a_remote_store_and_its_outage(store_server, tmp_path):
    from conftest import start_server

    release = build(settings(tmp_path, store_server))
    embedded = build(settings(tmp_path / "embedded", "embedded")).open_store()
    web = start_server(tmp_path / "releases", {"NEWSFACTS_STORE": store_server.query_url})
    try:
        ask = {"query": "ASK { ?c a <https://newsfacts.example/ontology/Claim> }"}
        json_accept = {"Accept": "application/sparql-results+json"}
        answer = requests.get(f"{web.url}/sparql", params=ask, headers=json_accept, timeout=10)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert answer.headers["X-Newsfacts-Release"] == release.version
        select = {"query": "SELECT ?who WHERE { ?c <https://newsfacts.example/ontology/attributedTo> ?who } ORDER BY ?who"}
        rows = requests.get(f"{web.url}/sparql", params=select, headers=json_accept, timeout=10).json()["results"]["bindings"]
        speakers = ["ana-nunez", "council-of-nations", *["diario-ficticio"] * 8, "luis-ortega", "port-authority"]
        assert [r["who"]["value"].rsplit("/", 1)[1] for r in rows] == speakers
        graphs = {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}
        rows = requests.get(f"{web.url}/sparql", params=graphs, headers=json_accept, timeout=10).json()["results"]["bindings"]
        assert {r["g"]["value"] for r in rows} == set(release.manifest()["graphs"])  # nothing of the store's own
        refused = requests.get(f"{web.url}/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> {} }"},
                               headers=json_accept, timeout=10)
        assert refused.status_code == 403
        # a store's own functions that reach outside the data are refused before the store sees them (Virtuoso's
        # public endpoint runs bif:http_get for anyone, so the web tier would otherwise fetch any URL)
        with Listener() as listener:
            for query in (f'SELECT (bif:http_get("{listener.url}/a") AS ?r) {{}}',
                          f'SELECT (<bif:http_get>("{listener.url}/b") AS ?r) {{}}',
                          f'DEFINE input:grab-all "yes" SELECT * {{ <{listener.url}/c> ?p ?o }}'):
                refused = requests.get(f"{web.url}/sparql", params={"query": query}, headers=json_accept, timeout=10)
                assert refused.status_code == 403 and refused.json()["title"] == "Store extension not allowed"
            assert listener.requests == []
        # documents of each kind say what the release says about the resource (the same triples, typed values too)
        base = "https://newsfacts.example/"
        kinds = {}
        for q in embedded:
            kind = q.subject.value[len(base):].split("/")[0] if q.subject.value.startswith(base) else ""
            if kind in ("entity", "event", "claim", "article") and "#" not in q.subject.value:
                kinds.setdefault(kind, q.subject)
        assert len(kinds) == 4, kinds
        for subject in kinds.values():
            document = requests.get(f"{web.url}/{subject.value[len(base):]}", headers={"Accept": "application/n-triples"},
                                    timeout=10)
            assert document.status_code == 200 and document.headers["Content-Type"].startswith("application/n-triples")
            served = {q.triple for q in ox.parse(document.content, format=ox.RdfFormat.N_TRIPLES) if q.subject == subject}
            assert served == {q.triple for q in embedded.quads_for_pattern(subject, None, None)} and len(served) >= 2

        store_server.stop()
        time.sleep(1.1)  # past the remote version's time to live
        down = requests.get(f"{web.url}/sparql", params=ask, headers=json_accept, timeout=30)
        assert down.status_code == 503 and down.headers["Retry-After"] == "5"
        assert down.json()["title"] == "Store unavailable" and "not answering" in down.json()["detail"]

        store_server.start()
        back = requests.get(f"{web.url}/sparql", params=ask, headers=json_accept, timeout=10)
        assert back.status_code == 200 and back.json()["boolean"] is True
    finally:
        web.stop()


def test_every_quad_of_the_shipped_release_round_trips_exactly(store_server, tmp_path):
    """Language tags, datatypes (boolean, duration, gYear, hexBinary…), long strings and non-ASCII text come back
    from the store exactly as published, including from Virtuoso, which keeps some values in its own form and
    cannot take a release this size in one SPARQL Update."""
    release = build(Settings.load({"releases_dir": str(tmp_path / "releases"), "store": "embedded"}))
    quads = list(release.open_store())
    entities = ox.NamedNode("https://newsfacts.example/graph/entities")
    subject, note = ox.NamedNode("https://newsfacts.example/entity/round-trip"), ox.NamedNode("https://newsfacts.example/note")
    quads += [ox.Quad(subject, note, ox.Literal(text, language=lang), entities) for text, lang in [
        ("x" * 70_000 + " ñ", "es"), ('comillas "dobles", \\barra\ny línea — ☃ 😀 中文', "es"), ("Ελληνικά", "el")]]
    quads += [ox.Quad(subject, note, ox.Literal(value, datatype=ox.NamedNode(f"http://www.w3.org/2001/XMLSchema#{kind}")),
                      entities) for value, kind in [("false", "boolean"), ("P6M", "duration"), ("-P1Y2M", "duration"),
                                                    ("PT1H30M", "duration"), ("P1DT0.5S", "duration"),
                                                    ("2024-02-29T23:59:59Z", "dateTime"), ("--11", "gMonth")]]
    assert len(quads) > 4000
    remote = RemoteStore.from_settings(settings(tmp_path, store_server))
    # a previous release whose integers are typed otherwise: equal values that Virtuoso's switch would keep
    integer, other = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"), ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    retyped = [ox.Quad(q.subject, q.predicate, ox.Literal(q.object.value, datatype=other), q.graph_name)
               if isinstance(q.object, ox.Literal) and q.object.datatype == integer else q for q in quads]
    assert retyped != quads
    remote.publish(retyped, "previous")
    remote.publish(quads, release.version)
    back = {ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in remote.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert back == set(quads)


def test_an_incomplete_answer_from_virtuoso_at_its_time_limit_is_refused(virtuoso_server, tmp_path):
    build(settings(tmp_path, virtuoso_server))
    remote = RemoteStore(virtuoso_server.query_url, timeout_s=20, base_iri="https://newsfacts.example/")
    assert len(list(remote.query(CLAIMS))) == 12
    with pytest.raises(StoreUnavailable, match="incomplete answer"):
        remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")


def test_publishing_keeps_the_kept_graphs_the_store_holds_and_sends_those_it_lacks(store_server, tmp_path):
    """``keep`` leaves a graph the store holds untouched (a marker in it survives) and sends one it lacks."""
    remote = RemoteStore.from_settings(settings(tmp_path, store_server))
    s, p = ox.NamedNode("https://newsfacts.example/entity/s"), ox.NamedNode("https://newsfacts.example/p")
    graph = "https://newsfacts.example/graph/"

    def quads(*contents: tuple[str, str]) -> list[ox.Quad]:
        return [ox.Quad(s, p, ox.Literal(value), ox.NamedNode(graph + name)) for name, value in contents]

    remote.publish(quads(("article/a", "a"), ("dataset", "one"), ("article/gone", "x")), "v1")
    update(store_server, f"INSERT DATA {{ GRAPH <{graph}article/a> {{ <urn:test:m> <urn:test:is> <urn:test:kept> }} }}")
    second = quads(("article/a", "a"), ("article/b", "b"), ("dataset", "two"))
    remote.publish(second, "v2", keep={graph + "article/a", graph + "article/b"})
    stored = {ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in remote.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")}
    marker = ox.Quad(ox.NamedNode("urn:test:m"), ox.NamedNode("urn:test:is"), ox.NamedNode("urn:test:kept"),
                     ox.NamedNode(graph + "article/a"))
    assert stored == {*second, marker}


def _sent_quads(requests_made: list[tuple[str, dict | None, object]], version: str) -> Counter:
    """Quads sent to the store, by graph (the graph a staging graph is moved to): the triples of each Graph Store
    Protocol load, and those each SPARQL Update inserts or deletes (counted by applying its deletions as insertions
    to an empty store)."""
    sent: Counter = Counter()
    for _url, params, data in requests_made:
        if not isinstance(data, bytes):
            continue  # a query's form
        if params and "graph-uri" in params:
            graph = params["graph-uri"].removeprefix(f"{STAGING_PREFIX}{version}:")
            sent[graph] += sum(1 for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        else:
            scratch = ox.Store()
            scratch.update(data.decode().replace("DELETE DATA", "INSERT DATA"))
            sent.update(q.graph_name.value.removeprefix(f"{STAGING_PREFIX}{version}:") for q in scratch)
    return sent


def test_an_incremental_release_sends_the_remote_store_only_the_change(store_server, tmp_path, monkeypatch):
    """An article changed, one removed and one added: the store is sent the graphs of the changed and the added
    article, what changed in the entity descriptions and in the dataset description (the quads removed and added, not
    the whole graphs), and nothing else (each quad counted in the requests). A marker put in an unchanged
    article's graph survives (that graph was neither dropped nor sent)
    while the changed article's graph is replaced; a reader running throughout sees the old release or the new
    one, never a mixture; the store then holds what an embedded full build of the same inputs holds."""
    from newsfacts.synthetic import generate

    facts, sources = tmp_path / "facts", tmp_path / "sources"
    shutil.copytree(SECOND / "facts", facts)
    shutil.copytree(SECOND / "sources", sources)
    generated = generate(tmp_path / "generated", 3)
    shutil.copytree(generated / "facts", facts, dirs_exist_ok=True)
    shutil.copytree(generated / "sources", sources, dirs_exist_ok=True)
    added = facts / "synthetic-article-2.yaml"
    added_text = added.read_text(encoding="utf-8")
    added.unlink()
    remote_settings = settings(tmp_path, store_server, facts=facts, sources_dir=str(sources))
    first = build(remote_settings)
    base, graph = "https://newsfacts.example/", "https://newsfacts.example/graph/article/"
    marker = "<urn:test:marker> <urn:test:is> <urn:test:kept>"
    for article in ("harbour-seizure", "synthetic-article-0"):
        update(store_server, f"INSERT DATA {{ GRAPH <{graph}{article}> {{ {marker} }} }}")
    remote = RemoteStore.from_settings(remote_settings)
    state = f"""SELECT DISTINCT ?x WHERE {{
        {{ GRAPH <{base}graph/dataset> {{ <{base}dataset> <{OWL_VERSION}> ?x }} }}
        UNION {{ ?article <http://www.w3.org/2000/01/rdf-schema#label> ?x FILTER(STRSTARTS(STR(?article), "{base}article/")) }}
        UNION {{ ?marker <urn:test:is> ?x }} }}"""

    def read_state() -> frozenset[str]:
        return frozenset(s["x"].value for s in remote.query(state))

    before = read_state()
    assert {first.version, "Synthetic article 0", "Synthetic article 1", "urn:test:kept"} <= before
    entities = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{base}graph/entities> {{ ?s ?p ?o }} }}"
    entities_before = {ox.Triple(r["s"], r["p"], r["o"]) for r in remote.query(entities)}

    changed = facts / "synthetic-article-0.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Synthetic article 0", "Synthetic article zero"),
                       encoding="utf-8")
    (facts / "synthetic-article-1.yaml").unlink()
    added.write_text(added_text, encoding="utf-8")
    requests_made: list = []
    send = RemoteStore._request

    def recorded(store, method, url, *, data, headers, timeout_s, params=None):
        requests_made.append((url, params, data))
        return send(store, method, url, data=data, headers=headers, timeout_s=timeout_s, params=params)

    monkeypatch.setattr(RemoteStore, "_request", recorded)
    seen: list[frozenset[str]] = []
    done = threading.Event()

    def read():
        stop_at = None
        while len(seen) < 5000 and (stop_at is None or time.monotonic() < stop_at):
            seen.append(read_state())
            if stop_at is None and done.is_set():
                stop_at = time.monotonic() + 2 * GRAPHS_TTL_S

    reader = threading.Thread(target=read)
    reader.start()
    try:
        second = build(remote_settings)
    finally:
        done.set()
        reader.join()
    assert second.manifest()["rebuilt"]["articles"] == {"synthetic-article-0": "changed facts file",
                                                        "synthetic-article-1": "removed", "synthetic-article-2": "new"}
    assert second.manifest()["rebuilt"]["store"] == f"the change to {first.version} sent to the remote store"
    after = read_state()
    assert {second.version, "Synthetic article zero", "Synthetic article 2", "urn:test:kept"} <= after
    assert not after & {first.version, "Synthetic article 0", "Synthetic article 1"}
    assert seen and set(seen) <= {before, after}, [sorted(s) for s in set(seen) - {before, after}]

    stored = {ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in remote.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")}
    markers = {q.graph_name.value for q in stored if q.subject.value == "urn:test:marker"}
    assert markers == {graph + "harbour-seizure"}
    embedded = build(settings(tmp_path / "embedded", "embedded", facts=facts, sources_dir=str(sources)), full=True)
    if store_server.name == "oxigraph":  # it stores xsd:nonNegativeInteger values as xsd:integer, as the embedded store
        expected = list(embedded.open_store().quads_for_pattern(None, None, None, None))
    else:  # Virtuoso keeps the quads as built: those of the N-Quads dump
        with gzip.open(next(embedded.dumps_path.glob("*.nq.gz"))) as dump:
            expected = list(ox.parse(dump, format=ox.RdfFormat.N_QUADS))
    # the dataset descriptions differ by their version (another build time); everything else is the same
    assert {q for q in stored if q.subject.value != "urn:test:marker" and not q.graph_name.value.endswith("/dataset")} \
        == {q for q in expected if not q.graph_name.value.endswith("/dataset")}
    assert remote.version(base) == second.version

    sent = _sent_quads(requests_made, second.version)
    release = Counter(q.graph_name.value for q in expected)
    changed_graphs = {graph + "synthetic-article-0", graph + "synthetic-article-2"}
    entities_after = {ox.Triple(r["s"], r["p"], r["o"]) for r in remote.query(entities)}
    entities_change = len(entities_before ^ entities_after)
    assert 0 < entities_change < len(entities_after) / 2
    assert {g: n for g, n in sent.items() if g.startswith(base) and not g.endswith("/dataset")} \
        == {**{g: release[g] for g in changed_graphs}, f"{base}graph/entities": entities_change}
    descriptions = [set(ox.parse((r.path / "void.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)) for r in (first, second)]
    assert sent[f"{base}graph/dataset"] == len(descriptions[0] ^ descriptions[1]) < len(descriptions[1])
    # Virtuoso: the added article's graph joins the list of graphs queries name, the removed one's leaves it
    assert {g: n for g, n in sent.items() if not g.startswith(base)} \
        == ({GRAPH_LIST: 2} if store_server.name == "virtuoso" else {})
    assert sum(sent.values()) < len(expected) / 2


class Listener:
    """An HTTP server on a free port that records the paths asked of it (to show that nothing was asked)."""

    def __enter__(self):
        import http.server

        requests_seen = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requests_seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.end_headers()
                self.wfile.write(b"<urn:test:a> <urn:test:b> <urn:test:c> .\n")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
