"""Which stored documents a change can alter: those an incremental build renders again (``documents.py``).

A thing's document reads, besides its own statements (and its hash parts'):

- the labels and types of what it links to, and of the subjects of its incoming links (the document a hash part
  belongs to); an unlabelled situation is named by the text of a claim that asserts it;
- the claims listed on it (``?claim <predicate> <thing>``), everything they say, their evidence, the labels of
  who says them (speakers, sources, reports, certainty), and for a second-hand claim the speakers of the claim
  it rests on;
- for a claim, its evidence and its article's source text status.

So from the quads the change touched (removed or added, in the previous store or the new one) the documents to
render again are: the documents of their subjects and IRI objects; where a label, type or claim text changed,
every document linking to that thing or linked from it, and those listing a claim that names it; where a claim
(or its evidence) changed, every document listing it, or listing a claim that rests on it. Every look-up binds a
subject or an object (the stores' indexes), in both stores, so the cost follows the change, not the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from .prefixes import PREFIXES
from .web.linked_data.claim_lists import LABEL_PREDICATES

NF = PREFIXES["nf"]
#: A claim's links whose labels a document listing the claim shows (``claim_lists.claim_triples``).
SHOWN_FROM_CLAIMS = tuple(NF + name for name in ("attributedTo", "attributionUncertainBetween", "onTheWordOf",
                                                 "fromReport", "possiblyFromReport", "certainty", "restsOn"))


def document_of(iri: str) -> str:
    """The IRI of the document a thing is described in (a hash part's is its base's)."""
    return iri.partition("#")[0]


class _Neighbours:
    """Look-ups with a bound subject or object in the previous store and the new one."""

    def __init__(self, stores: list[ox.Store]):
        self.stores = stores

    def objects(self, iri: str, predicate: str | None = None) -> set[str]:
        p = ox.NamedNode(predicate) if predicate else None
        return {q.object.value for store in self.stores for q in store.quads_for_pattern(ox.NamedNode(iri), p, None)
                if isinstance(q.object, ox.NamedNode)}

    def subjects(self, iri: str, predicate: str | None = None) -> set[str]:
        p = ox.NamedNode(predicate) if predicate else None
        return {q.subject.value for store in self.stores for q in store.quads_for_pattern(None, p, ox.NamedNode(iri))
                if isinstance(q.subject, ox.NamedNode)}


def documents_to_render(touched: Iterable[ox.Quad], stores: list[ox.Store], base_iri: str) -> set[str]:
    """The IRIs of the documents (hash parts folded into their documents) whose content ``touched`` can alter."""
    claim_root, evidence_root = base_iri + "claim/", base_iri + "evidence/"
    near = _Neighbours(stores)
    documents: set[str] = set()
    labelled: set[str] = set()
    claims: set[str] = set()
    for q in touched:
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode):
                documents.add(document_of(term.value))
        if isinstance(q.subject, ox.NamedNode) and q.predicate.value in LABEL_PREDICATES:
            labelled.add(q.subject.value)
    for document in list(documents):
        if document.startswith(claim_root):
            claims.add(document)
        elif document.startswith(evidence_root):  # shown on the pages listing the claims it supports
            claims |= {c for c in near.subjects(document, NF + "hasEvidence") if c.startswith(claim_root)}
    for iri in list(labelled):  # a claim's text names the unlabelled situations it asserts
        if document_of(iri).startswith(claim_root):
            labelled |= near.objects(iri, NF + "asserts")
    for iri in labelled:
        documents |= {document_of(s) for s in near.subjects(iri)}  # they show its label
        base = document_of(iri)
        parts = {base} | {p for p in near.objects(base) if p.startswith(base + "#")}
        parts |= {p for part in list(parts - {base}) for p in near.objects(part) if p.startswith(base + "#")}
        for part in parts:  # their incoming links name it
            documents |= {document_of(o) for o in near.objects(part)}
        for predicate in SHOWN_FROM_CLAIMS:
            claims |= {c for c in near.subjects(iri, predicate) if c.startswith(claim_root)}
    for claim in claims:
        resting = {c for c in near.subjects(claim, NF + "restsOn") if c.startswith(claim_root)}
        for listed in {claim} | resting:
            documents.add(listed)
            documents |= {document_of(o) for o in near.objects(listed)}
    return documents
