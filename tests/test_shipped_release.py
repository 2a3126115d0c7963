"""The release built from the shipped facts: its dumps parse with an independent parser (rapper), it has no
SHACL violation, every quote is exactly where its offsets say, and every Wikidata link is a verified one."""

from __future__ import annotations

import gzip
import shutil
import subprocess

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

SH = Namespace("http://www.w3.org/ns/shacl#")
OA = "http://www.w3.org/ns/oa#"
RAPPER_SYNTAX = {"nq.gz": "nquads", "trig.gz": "trig", "ttl.gz": "turtle"}


@pytest.fixture(scope="module")
def manifest(release):
    return release.manifest()


@pytest.mark.parametrize("suffix", sorted(RAPPER_SYNTAX))
def test_dump_parses_with_rapper(release, manifest, suffix, tmp_path):
    if shutil.which("rapper") is None:
        pytest.skip("rapper (Debian package raptor2-utils) is not installed; .ci/run installs it")
    dump = next(d for d in manifest["dumps"] if d["name"].endswith(suffix))
    plain = tmp_path / dump["name"].removesuffix(".gz")
    plain.write_bytes(gzip.decompress((release.dumps_path / dump["name"]).read_bytes()))
    result = subprocess.run(["rapper", "-i", RAPPER_SYNTAX[suffix], "-c", str(plain)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    count = int(result.stderr.split("returned ")[1].split(" ")[0])
    expected = manifest["quads"] - manifest["graphs"]["https://newsfacts.example/graph/dataset"]
    if suffix == "ttl.gz":
        expected = manifest["triples"]
    assert count == expected


def test_jsonld_dump_holds_the_same_triples_as_the_turtle_dump(release, manifest):
    def load(suffix, fmt):
        dump = next(d for d in manifest["dumps"] if d["name"].endswith(suffix))
        return set(ox.parse(gzip.decompress((release.dumps_path / dump["name"]).read_bytes()), format=fmt))
    turtle = {q.triple for q in load("ttl.gz", ox.RdfFormat.TURTLE)}
    jsonld = {q.triple for q in load("jsonld.gz", ox.RdfFormat.JSON_LD)}
    assert turtle == jsonld and len(turtle) == manifest["triples"]


def test_jsonld_dump_is_compact_keeps_the_named_graphs_and_expands_to_the_nquads_dump(release, manifest):
    """Expanded by an independent JSON-LD processor (pyld), the JSON-LD dump is the N-Quads dump, quad for quad."""
    import json

    from pyld import jsonld

    def dump(suffix) -> bytes:
        name = next(d["name"] for d in manifest["dumps"] if d["name"].endswith(suffix))
        return gzip.decompress((release.dumps_path / name).read_bytes())

    document = json.loads(dump("jsonld.gz"))
    assert isinstance(document["@context"], dict) and document["@context"]["nf"] == "https://newsfacts.example/ontology/"
    graphs = {node["id"] for node in document["@graph"] if "@graph" in node}
    assert graphs == {g for g in manifest["graphs"] if g and not g.endswith("/graph/dataset")}
    links = next(node for node in document["@graph"] if node["id"].endswith("/graph/links"))
    assert any("exactMatch" in node for node in links["@graph"])  # compact: the context's terms, not full IRIs
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    expanded = set(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    reference = set(ox.parse(dump("nq.gz"), format=ox.RdfFormat.N_QUADS))
    assert expanded == reference and len(reference) == manifest["quads"] - manifest["graphs"][
        "https://newsfacts.example/graph/dataset"]


def test_no_shacl_violation_in_the_published_report(release, manifest):
    report = Graph().parse(release.path / "validation-report.ttl", format="turtle")
    assert manifest["validation"]["violations"] == 0
    assert (None, SH.resultSeverity, SH.Violation) not in report
    reports = list(report.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    warnings = len(list(report.subjects(SH.resultSeverity, SH.Warning)))
    assert warnings == manifest["validation"]["warnings"]


def test_every_quote_slices_to_itself_in_the_source_text(store, sources_dir, manifest):
    solutions = store.query("""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?file ?exact ?start ?end WHERE {
          ?evidence a nf:Evidence ; oa:hasTarget ?t .
          ?t oa:hasSource/nf:sourceText ?file ;
             oa:hasSelector [ oa:exact ?exact ] , [ oa:start ?start ; oa:end ?end ] .
        }""", use_default_graph_as_union=True)
    checked = 0
    for s in solutions:
        text = (sources_dir / s["file"].value).read_text(encoding="utf-8")
        assert text[int(s["start"].value):int(s["end"].value)] == s["exact"].value
        checked += 1
    assert checked >= 90
    assert manifest["grounding"][0]["status"] == "checked"


def test_every_claim_has_certainty_attribution_and_evidence(store):
    missing = store.query("""
        PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?claim WHERE { ?claim a nf:Claim .
          FILTER NOT EXISTS { ?claim nf:certainty ?c ; nf:attributedTo|nf:attributionUncertainBetween ?a ;
                                     nf:hasEvidence ?e ; nf:statedIn ?s } }""",
                          use_default_graph_as_union=True)
    assert list(missing) == []


def test_a_claim_names_its_speaker_or_its_candidates_never_both(store):
    """A claim has a named speaker, or two or more candidate speakers when the text leaves it open."""
    both_or_one = store.query("""
        PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?claim (COUNT(DISTINCT ?candidate) AS ?n) WHERE { ?claim nf:attributionUncertainBetween ?candidate }
        GROUP BY ?claim HAVING (?n < 2)""", use_default_graph_as_union=True)
    assert list(both_or_one) == []
    both = store.query("""
        PREFIX nf: <https://newsfacts.example/ontology/>
        ASK { ?claim nf:attributedTo ?a ; nf:attributionUncertainBetween ?b }""", use_default_graph_as_union=True)
    assert not bool(both)


def test_the_article_relays_both_infobae_reports(store):
    found = store.query("""
        PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?report WHERE { <https://newsfacts.example/article/iran-venezuela-drone-facility> nf:relays ?report }""",
                        use_default_graph_as_union=True)
    assert {s["report"].value.rsplit("/", 1)[1] for s in found} == {"infobae-drone-report", "infobae-oil-spill-report"}


def test_the_article_keeps_unknowns_unknown(store):
    solutions = store.query("""
        PREFIX nf: <https://newsfacts.example/ontology/>
        PREFIX schema: <https://schema.org/>
        SELECT ?p WHERE { <https://newsfacts.example/article/iran-venezuela-drone-facility> ?p ?o .
                          FILTER(?p IN (schema:datePublished, schema:url, schema:publisher)) }""",
                            use_default_graph_as_union=True)
    assert list(solutions) == []
    stated = store.query("""
        PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?p WHERE { <https://newsfacts.example/article/iran-venezuela-drone-facility> nf:notStatedInText ?p }""",
                         use_default_graph_as_union=True)
    assert {s["p"].value for s in stated} == {"https://schema.org/datePublished", "https://schema.org/publisher",
                                              "https://schema.org/url"}


def test_void_describes_every_dump_with_its_checksum(release, manifest):
    void = Graph().parse(release.path / "void.ttl", format="turtle")
    spdx = Namespace("http://spdx.org/rdf/terms#")
    dcat = Namespace("http://www.w3.org/ns/dcat#")
    sums = {str(v) for v in void.objects(None, spdx.checksumValue)}
    assert sums == {d["sha256"] for d in manifest["dumps"]}
    sizes = {int(v) for v in void.objects(None, dcat.byteSize)}
    assert sizes == {d["byte_size"] for d in manifest["dumps"]}
    voidns = Namespace("http://rdfs.org/ns/void#")
    dataset = URIRef("https://newsfacts.example/dataset")
    assert (dataset, RDF.type, voidns.Dataset) in void
    assert int(void.value(dataset, voidns.triples)) == manifest["triples"]
    # void:dataDump names the RDF dumps only; the SSSOM file is a distribution of its own
    rdf_dumps = {d["name"] for d in manifest["dumps"] if not d["name"].endswith(".sssom.tsv")}
    assert {str(u).rsplit("/", 1)[1] for u in void.objects(dataset, voidns.dataDump)} == rdf_dumps
    assert len(list(void.objects(dataset, dcat.distribution))) == len(manifest["dumps"]) == len(rdf_dumps) + 1
