"""The change summary from quads alone: claims whose speaker or quote changed, entities merged or removed."""

from __future__ import annotations

import pyoxigraph as ox

from newsfacts.history import compute

BASE = "https://newsfacts.example/"
NF = BASE + "ontology/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
EXACT_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"
GRAPH = ox.NamedNode(BASE + "graph/article/a")


def quad(s: str, p: str, o) -> ox.Quad:
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o if isinstance(o, ox.Literal) else ox.NamedNode(o), GRAPH)


def claim(speaker: str, quote: str) -> set[ox.Quad]:
    c, e = BASE + "claim/a/c1", BASE + "evidence/a/c1-1"
    return {quad(c, NF + "claimText", ox.Literal("A said so.")), quad(c, NF + "attributedTo", BASE + "entity/" + speaker),
            quad(c, NF + "certainty", BASE + "concept/certainty/stated"), quad(c, NF + "hasEvidence", e),
            quad(e + "#quote", "http://www.w3.org/ns/oa#exact", ox.Literal(quote))}


def entity(name: str, label: str, wikidata: str | None = None) -> set[ox.Quad]:
    found = {quad(BASE + "entity/" + name, LABEL, ox.Literal(label, language="en"))}
    if wikidata:
        found.add(quad(BASE + "entity/" + name, EXACT_MATCH, "http://www.wikidata.org/entity/" + wikidata))
    return found


def test_a_claim_whose_speaker_and_quote_changed_and_an_entity_merged_into_another():
    old = claim("ana", "A said so, it is said") | entity("ana", "Ana") | entity("ana-n", "Ana N.", "Q1") | entity("bo", "Bo")
    new = claim("bob", "A said so") | entity("ana", "Ana") | entity("ana-nunez", "Ana Núñez", "Q1")
    change_set = compute(old, new, "v2", "v1", "2026-01-01T00:00:00Z", BASE)
    summary = change_set["summary"]
    assert summary["claims"]["added"] == [] and summary["claims"]["retracted"] == []
    assert summary["claims"]["changed"] == [{"claim": BASE + "claim/a/c1", "changes": {
        "speaker": {"before": [BASE + "entity/ana"], "after": [BASE + "entity/bob"]},
        "quote": {"before": ["A said so, it is said"], "after": ["A said so"]}}}]
    assert summary["entities"] == {"added": [BASE + "entity/ana-nunez"], "removed": [BASE + "entity/bo"],
                                   "merged": [{"entity": BASE + "entity/ana-n", "into": [BASE + "entity/ana-nunez"]}]}
    assert summary["resources"] == {BASE + "claim/a/c1": "updated", BASE + "entity/ana-n": "deleted",
                                    BASE + "entity/ana-nunez": "created", BASE + "entity/bo": "deleted",
                                    BASE + "evidence/a/c1-1": "updated"}
    assert change_set["added"] == new - old and change_set["removed"] == old - new


def test_nothing_changed_gives_an_empty_change_set():
    same = claim("ana", "A said so") | entity("ana", "Ana")
    summary = compute(same, set(same), "v2", "v1", "2026-01-01T00:00:00Z", BASE)["summary"]
    assert summary["resources"] == {} and summary["quads"] == {"added": {}, "removed": {}}
    assert summary["claims"] == {"added": [], "retracted": [], "changed": []}


def test_a_release_whose_change_set_was_not_copied_gets_its_copy_at_the_next_build(tmp_path):
    """A build stopped between publishing and copying leaves a release without a history copy: the next copy
    pass makes it, so pruning that release later loses nothing."""
    from newsfacts.history import keep_copies
    from newsfacts.release import MANIFEST

    release = tmp_path / "20260101T000000Z-aaaaaaaa"
    (release / "changes").mkdir(parents=True)
    (release / MANIFEST).write_text("{}", encoding="utf-8")
    (release / "changes" / "summary.json").write_text('{"resources": {}}', encoding="utf-8")
    (tmp_path / "current").symlink_to(release.name)
    assert keep_copies(tmp_path) == [tmp_path / "history" / release.name]
    assert (tmp_path / "history" / release.name / "summary.json").read_text(encoding="utf-8") == '{"resources": {}}'
    assert keep_copies(tmp_path) == []
