"""The summary of a change set (history.py): the claims added, retracted and changed, and the entities added,
removed and merged, read from the statements of the resources that changed, before and after."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from .prefixes import PREFIXES

NF = PREFIXES["nf"]
OA_EXACT, OA_HAS_BODY = PREFIXES["oa"] + "exact", PREFIXES["oa"] + "hasBody"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS_EXACT = PREFIXES["skos"] + "exactMatch"
#: What is compared for a claim kept from one release to the next: name in the summary -> how to read it.
CLAIM_FIELDS = ("certainty", "speaker", "quote", "text")


def claims_involved(before: dict, after: dict, changed: set[str], base_iri: str) -> set[str]:
    """Claims that changed themselves, and claims whose evidence changed (named by the evidence's oa:hasBody)."""
    prefix = base_iri + "claim/"
    found = {iri for iri in changed if iri.startswith(prefix)}
    for group in (before, after):
        for iri in changed:
            found |= {t.object.value for t in group.get(iri, ()) if t.predicate.value == OA_HAS_BODY
                      and t.object.value.startswith(prefix)}
    return found


def claims_summary(before_statements: dict, after_statements: dict, claims: set[str]) -> dict:
    """The claims added, retracted and changed (each field of CLAIM_FIELDS that differs) among ``claims``, from
    the statements of the resources before and after (history._own_statements)."""
    before, after = _claim_facts(before_statements, claims), _claim_facts(after_statements, claims)
    changed = []
    for claim in sorted(before.keys() & after.keys()):
        fields = {name: {"before": before[claim][name], "after": after[claim][name]}
                  for name in CLAIM_FIELDS if before[claim][name] != after[claim][name]}
        if fields:
            changed.append({"claim": claim, "changes": fields})
    return {"added": sorted(after.keys() - before.keys()), "retracted": sorted(before.keys() - after.keys()),
            "changed": changed}


def _claim_facts(groups: dict[str, list[ox.Triple]], claims: set[str]) -> dict[str, dict[str, list[str]]]:
    """Per claim present in ``groups``: its certainty, speaker, quotes and text, each a sorted list of values."""
    read = {NF + "certainty": "certainty", NF + "attributedTo": "speaker", NF + "claimText": "text"}
    found = {}
    for claim in claims:
        if claim not in groups:
            continue
        facts: dict[str, set[str]] = {name: set() for name in CLAIM_FIELDS}
        for t in groups[claim]:
            if t.subject.value != claim:
                continue
            if t.predicate.value in read:
                facts[read[t.predicate.value]].add(t.object.value)
            elif t.predicate.value == NF + "hasEvidence":
                facts["quote"] |= {e.object.value for e in groups.get(t.object.value, ()) if e.predicate.value == OA_EXACT}
        found[claim] = {name: sorted(values) for name, values in facts.items()}
    return found


def entities_summary(before: dict, after: dict, changed: set[str], new: set[ox.Quad], prefix: str) -> dict:
    """Entities added and removed; a removed entity is 'merged' into a remaining one that now carries one of its
    labels or its Wikidata link (the usual way two ids for the same thing are made one)."""
    entities = {iri for iri in changed if iri.startswith(prefix)}
    added = sorted(e for e in entities if e in after and e not in before)
    gone = sorted(e for e in entities if e in before and e not in after)
    owners: dict[str, set[str]] = defaultdict(set)
    if gone:  # who carries which label now: one pass over the new release, only when an entity went
        for q in new:
            if q.predicate.value in (RDFS_LABEL, SKOS_EXACT) and q.subject.value.startswith(prefix) \
                    and "#" not in q.subject.value:
                owners[str(q.object)].add(q.subject.value)
    merged = []
    for entity in gone:
        keys = {str(t.object) for t in before[entity] if t.subject.value == entity
                and t.predicate.value in (RDFS_LABEL, SKOS_EXACT)}
        into = sorted({owner for key in keys for owner in owners.get(key, ())})
        if into:
            merged.append({"entity": entity, "into": into})
    merged_away = {m["entity"] for m in merged}
    return {"added": added, "removed": [e for e in gone if e not in merged_away], "merged": merged}
