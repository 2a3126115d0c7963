"""A release built with another base IRI (the serving host, ``http://127.0.0.1:<port>/``), served on that host:
data IRIs follow the base, vocabulary IRIs keep their fixed namespace, and both resolve on the serving host."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import requests

from newsfacts.release import current_release
from newsfacts.vocabulary import CONCEPT, NF

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DEFAULT_BASE = "https://newsfacts.example/"


def turtle(url: str, base: str) -> list[ox.Triple]:
    response = requests.get(url, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("text/turtle")
    return [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.TURTLE, base_iri=base)]


def test_data_iris_follow_the_base_and_vocabulary_iris_do_not(other_base_server):
    release = current_release(other_base_server.releases_dir)
    dump = release.dumps_path / f"newsfacts-{release.version}.nq.gz"
    quads = list(ox.parse(gzip.decompress(dump.read_bytes()), format=ox.RdfFormat.N_QUADS))
    base = other_base_server.base_iri
    subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    on_default = {s for s in subjects if s.startswith(DEFAULT_BASE)}
    assert on_default and all(s.startswith((NF, CONCEPT)) for s in on_default), sorted(on_default)[:5]
    assert f"{base}entity/iran" in subjects
    assert {q.graph_name.value for q in quads} and all(q.graph_name.value.startswith(base) for q in quads)
    # the data uses the vocabulary's fixed IRIs
    assert any(q.predicate.value == RDF_TYPE and q.object.value == NF + "Claim" for q in quads)


def test_data_and_vocabulary_iris_both_resolve_on_the_serving_host(other_base_server):
    base, url = other_base_server.base_iri, other_base_server.url
    iran = turtle(f"{url}/entity/iran", base)
    assert any(t.subject.value == f"{base}entity/iran" and t.predicate.value == RDF_TYPE for t in iran)
    claim_class = turtle(f"{url}/ontology/Claim", base)
    assert any(t.subject.value == NF + "Claim" for t in claim_class)
    alleged = turtle(f"{url}/concept/certainty/alleged", base)
    assert any(t.subject.value == CONCEPT + "certainty/alleged" for t in alleged)


def sssom_rows(path) -> tuple[dict, list[tuple[str, str, str]]]:
    """The metadata and the (subject, predicate, object) IRIs of a published SSSOM/TSV file."""
    import csv
    import io

    import yaml

    text = path.read_text(encoding="utf-8")
    metadata = yaml.safe_load("\n".join(line[1:] for line in text.splitlines() if line.startswith("#")))
    curies = metadata["curie_map"]

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return curies[prefix] + local

    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = [(expand(r["subject_id"]), expand(r["predicate_id"]), expand(r["object_id"]))
            for r in csv.DictReader(io.StringIO(body), delimiter="\t")]
    return metadata, rows


def test_the_published_sssom_rows_are_the_link_triples_of_the_release(other_base_server):
    base = other_base_server.base_iri
    release = current_release(other_base_server.releases_dir)
    name = f"newsfacts-{release.version}.sssom.tsv"
    metadata, rows = sssom_rows(release.dumps_path / name)
    store = release.open_store()
    links = {(t.subject.value, t.predicate.value, t.object.value)
             for t in store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{base}graph/links> {{ ?s ?p ?o }} }}")}
    assert len(rows) == len(links) == 19 and set(rows) == links
    assert metadata["curie_map"]["nfe"] == f"{base}entity/"
    assert metadata["mapping_set_id"] == f"{base}dumps/latest/newsfacts-latest.sssom.tsv"
    # the mapping set's id is where it is served
    response = requests.get(metadata["mapping_set_id"], timeout=30)
    assert response.status_code == 200 and response.content == (release.dumps_path / name).read_bytes()


def test_html_pages_link_relatively_when_the_base_is_the_serving_host(other_base_server):
    import re

    for path in ("/dataset.html", "/entity/iran.html", "/claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2.html"):
        page = requests.get(other_base_server.url + path, timeout=30)
        assert page.status_code == 200, path
        links = re.findall(r'href="([^"]*)"', page.text)
        assert links and not [link for link in links if link.startswith((other_base_server.base_iri, DEFAULT_BASE))], path
        assert other_base_server.base_iri in page.text  # the canonical IRI is shown
