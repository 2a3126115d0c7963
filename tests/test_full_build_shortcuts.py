"""The shortcuts a full build takes give what the plain way gives: a facts file read as PyYAML's constructor reads
it (the same data, the same error first); the articles mapped in worker processes (sent back as N-Quads) are the
quads, in the same order, that mapping them here gives; the description's counts taken partly from the quads
loaded are those the store gives by SPARQL alone; names folded for the search index without Unicode decomposition
when they are ASCII fold as with it."""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox
import pytest
import yaml

from newsfacts import facts_yaml, mapping_pool
from newsfacts.config import PROJECT_ROOT
from newsfacts.dataset import EXAMPLE_RESOURCES
from newsfacts.description_change import counts_in_store
from newsfacts.facts import FactsLimits, facts_paths, read_facts_files
from newsfacts.facts_packed import read_packed, unpack
from newsfacts.grounding import ground
from newsfacts.mapping import Mapper
from newsfacts.mapping_pool import ground_and_map
from newsfacts.search_index import fold
from newsfacts.synthetic import generate

BASE = "https://newsfacts.example/"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Six synthetic articles and the shipped one, read."""
    folder = generate(tmp_path_factory.mktemp("corpus"), 6)
    paths = facts_paths(folder / "facts") + facts_paths(PROJECT_ROOT / "facts")
    files, problems = read_facts_files(paths, FactsLimits(10_000_000, 100_000))
    assert not problems and len(files) == 7
    return files


class PyYamlWay(facts_yaml.LineLoader):
    """The facts loader constructing documents as PyYAML does (level by level, with its generic machinery)."""

    def construct_document(self, node):
        return yaml.constructor.BaseConstructor.construct_document(self, node)


def loaded(text: str, loader) -> object:
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        return type(exc).__name__, getattr(exc, "rule", None), str(exc)


@pytest.mark.parametrize("text", [
    "a: 1\nb: 0x1F\nc: 1:30\nd: .inf\ne: ~\nf: true\ng: on\nh: 2023-12-05\ni: !!binary aGVsbG8=\nj: [1, 2.5, null]\n"
    "k: !!set {x, y}\nl: !!omap [{x: 1}]\nm: !!str 5\nn: !!int '7'\no: !!map {p: 1}\nq: !!seq [1]\n",
    "- a\n- {b: c, d: [e, {f: g}]}\n", "", "text", "a: 'quoted'\nb: \"1\"\n",
    "a: 1\na: 2\n", "? [a]\n: 1\n", "<<: {a: 1}\n", "a: !foo x\n", "a: [b\n",
    # two problems: PyYAML meets the one less deep first, and reports it
    "a:\n  b:\n    c:\n      d: 1\n      d: 2\nx:\n  y: 1\n  y: 2\n",
])
def test_facts_are_read_as_pyyaml_constructs_them(text):
    assert loaded(text, facts_yaml.LineLoader) == loaded(text, PyYamlWay)


def test_the_facts_files_read_as_pyyaml_constructs_them(corpus):
    for path in [f.path for f in corpus] + sorted((PROJECT_ROOT / "tests" / "data").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert loaded(text, facts_yaml.LineLoader) == loaded(text, PyYamlWay), path
    assert loaded("a:\n  b: 1\n  b: 2\n", facts_yaml.LineLoader)[1] == "duplicate-key"


def test_each_triple_once_and_entity_descriptions_in_the_entities_graph(corpus):
    mapper = Mapper(PROJECT_ROOT / "mappings", BASE)
    for article in corpus:
        quads = mapper.to_quads(article)
        assert len({q.triple for q in quads}) == len(quads)
        for q in quads:
            expected = "entities" if q.subject.value.startswith(f"{BASE}entity/") else f"article/{article.id}"
            assert q.graph_name.value == f"{BASE}graph/{expected}", q


def test_counts_from_the_loaded_quads_are_the_stores(corpus, tmp_path):
    mapper = Mapper(PROJECT_ROOT / "mappings", BASE)
    quads = [q for facts in corpus for q in mapper.to_quads(facts)]
    graph, p = ox.NamedNode(f"{BASE}graph/extra"), ox.NamedNode(f"{BASE}ontology/p")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    quads += [  # numbers the store keeps in canonical form, a blank node subject, a subject in no graph's count
        ox.Quad(ox.NamedNode(f"{BASE}entity/x"), p, ox.Literal("05", datatype=ox.NamedNode(xsd + "integer")), graph),
        ox.Quad(ox.NamedNode(f"{BASE}entity/x"), p, ox.Literal("5", datatype=ox.NamedNode(xsd + "nonNegativeInteger")), graph),
        ox.Quad(ox.BlankNode("b1"), p, ox.Literal("1.0", datatype=ox.NamedNode(xsd + "decimal")), graph),
        ox.Quad(ox.NamedNode("http://elsewhere.example/y"), p, ox.Literal("y"), ox.DefaultGraph()),
        ox.Quad(ox.NamedNode(BASE + EXAMPLE_RESOURCES[0]), p, ox.Literal("y"), graph),
    ]
    store = ox.Store(str(tmp_path / "store"))
    store.bulk_extend(quads)
    by_sparql = counts_in_store(store, BASE)
    assert counts_in_store(store, BASE, quads) == by_sparql
    assert BASE + EXAMPLE_RESOURCES[0] in by_sparql.examples and by_sparql.entities > 10


@pytest.mark.parametrize("text", ["Nicolás Maduro", "NICOLAS  Maduro\t", " Straße ", "ǅemal", "Ångström", "İstanbul",
                                  "a\u00a0b", "x\u2003y", "Mixed Case ID-42", "", "  ", "ﬁve", "Ⅻ"])
def test_ascii_names_fold_as_decomposed_ones(text):
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    assert fold(text) == " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())
    assert fold("Nicolás  Maduro") == fold("nicolas maduro") == "nicolas maduro"


def test_articles_grounded_and_mapped_from_packed_facts_are_those_grounded_and_mapped_as_read(tmp_path, monkeypatch):
    folder = generate(tmp_path, 5)
    paths, limits, sources = facts_paths(folder / "facts"), FactsLimits(10_000_000, 100_000), str(folder / "sources")
    files, problems = read_facts_files(paths, limits)
    light, packed, packed_problems = read_packed(paths, limits)
    assert not problems and not packed_problems and len(files) == 5
    assert [unpack(packed[f.path]) for f in files] == files  # packed whole
    assert [(f.path, f.article, f.entities, f.reports, f.draft) for f in light] == \
        [(f.path, f.article, f.entities, f.reports, f.draft) for f in files]
    assert all(f.claims for f in files) and not any(f.claims or f.events for f in light)
    results, grounding_problems = ground(files, sources)
    assert not grounding_problems and all(r.status == "checked" for r in results)
    mapper = Mapper(PROJECT_ROOT / "mappings", BASE)
    here = [mapper.to_quads(f) for f in files]  # grounded: the quotes' selectors are mapped
    assert any(q.predicate.value == "http://www.w3.org/ns/oa#start" for q in here[0])
    (folder / "sources" / f"{files[1].id}.txt").write_text("another text\n", encoding="utf-8")
    monkeypatch.setattr(mapping_pool, "MAP_IN_WORKERS", 2)
    monkeypatch.setattr(mapping_pool.os, "cpu_count", lambda: 2)
    found = ground_and_map(mapper, [packed[p] for p in paths], sources, 10_000_000)
    assert [result for result, _problems, _text in found][::2] == results[::2]
    # the same quads in the same order (sent and kept as N-Quads text)
    assert [list(ox.parse(text, format=ox.RdfFormat.N_QUADS)) for _r, _p, text in found][::2] == here[::2]
    assert all(len(quads) > 50 for quads in here)
    graphs = {q.graph_name.value for quads in here for q in quads}
    assert f"{BASE}graph/entities" in graphs and f"{BASE}graph/article/{files[0].id}" in graphs
    result, problems, text = found[1]  # its source text changed: not mapped
    assert result.status == "failed" and [p.rule for p in problems] == ["source-sha256"] and text == b""
