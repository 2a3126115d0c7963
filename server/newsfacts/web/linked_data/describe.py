"""What a document about one thing holds, read with SPARQL queries only (so any store serves it).

- the thing's own statements, and those of its hash-IRI parts (participations, selectors);
- the labels of what it links to;
- the claims listed on it (an article's in reading order, an event's, a report's, an agent's, those that
  mention it), with who says them, how hedged and their first quote (``claim_lists``);
- incoming links not already listed as claims, counted, one page at a time;
- for a claim: its evidence (quote, offsets) and its article's source text checksum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .claim_lists import GROUPS, LISTED_PREDICATES, claim_triples, is_paged, labels_of, ordered_claims

NF = "https://newsfacts.example/ontology/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Paging:
    """How much one page of a description holds (settings ``page_size``, ``links_page_size``, ``preview_size``)."""
    claims: int = 100  # an article's claims in reading order, a report's claims: per page
    links: int = 20  # incoming links other than the listed claims: per page
    preview: int = 10  # each list that is not paged: its first claims, on the first page only (all are counted)

    @classmethod
    def of(cls, settings) -> Paging:
        return cls(settings.page_size, settings.links_page_size, settings.preview_size)


ONE_PAGE = Paging(1, 1, 1)


@dataclass
class Description:
    iri: str
    own: list[ox.Triple]  # the thing's statements and its parts'
    context: list[ox.Triple]  # labels of linked things, listed claims, evidence
    incoming: list[ox.Triple]  # this page of incoming links (other than the listed claims)
    incoming_total: int
    page: int
    paging: Paging
    claim_groups: list[tuple[str, list[str], int]] = field(default_factory=list)  # (heading key, claims, how many)

    @property
    def exists(self) -> bool:
        return bool(self.own) or self.incoming_total > 0 or any(total for _, _, total in self.claim_groups)

    @property
    def pages(self) -> int:
        """Pages of the longest paged list: incoming links, or the claims of an article or a report."""
        claims = max([0] + [total for key, _, total in self.claim_groups if is_paged(key)])
        return max(1, -(-self.incoming_total // self.paging.links), -(-claims // self.paging.claims))

    @property
    def previews(self) -> list[tuple[str, int]]:
        """The lists shown in part on this page, with how many claims each has: (heading key, total)."""
        return [(key, total) for key, claims, total in self.claim_groups if not is_paged(key) and total > len(claims)]

    @property
    def triples(self) -> list[ox.Triple]:
        """Every triple once, in order (made once while the lists stay as they are: each format reads them)."""
        made_of = tuple((id(part), len(part)) for part in (self.own, self.context, self.incoming))
        if getattr(self, "_triples_of", None) != made_of:
            self._triples = list(dict.fromkeys(self.own + self.context + self.incoming))
            self._triples_of = made_of
        return list(self._triples)


def _construct(store, query: str) -> list[ox.Triple]:
    return list(store.query(query, use_default_graph_as_union=True))


def _select(store, query: str) -> list:
    return list(store.query(query, use_default_graph_as_union=True))


def names_something(store, iri: str) -> bool:
    """Whether the dataset says anything about ``iri`` or links to it: an ASK with the IRI bound (index lookups)."""
    return bool(store.query(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}", use_default_graph_as_union=True))


def describe(store, iri: str, page: int = 1, paging: Paging = Paging()) -> Description:
    node = f"<{iri}>"
    own = _construct(store, f"""
        CONSTRUCT {{ {node} ?p ?o . ?part ?pp ?po . ?sub ?sp ?so }} WHERE {{
          {{ {node} ?p ?o }}
          UNION {{ {node} ?x ?part . ?part ?pp ?po . FILTER(isIRI(?part) && STRSTARTS(STR(?part), "{iri}#")) }}
          UNION {{ {node} ?x ?part . ?part ?y ?sub . ?sub ?sp ?so .
                   FILTER(isIRI(?sub) && STRSTARTS(STR(?part), "{iri}#") && STRSTARTS(STR(?sub), "{iri}#")) }}
        }}""")
    context = _labels(store, own, iri)
    situations = [t.object.value for t in own if t.predicate.value == NF + "asserts"]
    if any(t.predicate.value == RDF_TYPE and t.object.value in (NF + "OfficeHolding", NF + "Designation") for t in own):
        situations.append(iri)  # its own page is titled by the claim that asserts it
    context += _situation_names(store, situations)
    groups = []
    if ox.Triple(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), ox.NamedNode(NF + "Claim")) in set(own):
        groups.append(("the_claim", [iri], 1))
    for group in GROUPS:
        if page > 1 and not group.paged:
            continue
        claims, total = ordered_claims(store, group, iri, page, paging.claims if group.paged else paging.preview)
        if total:
            groups.append((group.key, claims, total))
    context += claim_triples(store, list(dict.fromkeys(c for _, claims, _ in groups for c in claims)))
    if any(t.predicate.value == NF + "hasEvidence" and t.subject.value == iri for t in own):  # a claim
        context += _evidence(store, iri)
    excluded = ", ".join(f"<{p}>" for p in LISTED_PREDICATES)
    total = int(next(iter(_select(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p WHERE {{
        ?s ?p {node} FILTER(?p NOT IN ({excluded})) }} }}""")))["n"].value)
    offset = (page - 1) * paging.links
    # The store's own order is stable within a release, so pages are too; sorting a popular entity's tens of
    # thousands of incoming links for every page would cost seconds. (A page sorts its own rows.)
    incoming = [ox.Triple(s["s"], s["p"], ox.NamedNode(iri)) for s in _select(store, f"""
        SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node} FILTER(?p NOT IN ({excluded})) }} LIMIT {paging.links} OFFSET {offset}""")]
    context += _incoming_names(store, incoming, iri)
    return Description(iri, own, context, incoming, total, page, paging, groups)


def _incoming_names(store, incoming: list[ox.Triple], iri: str) -> list[ox.Triple]:
    """What a reader needs to name each incoming link: the label and type of its subject (of the document a
    hash part belongs to), the labels of those types, and for an unlabelled situation the claim that asserts it."""
    subjects = sorted({t.subject.value.split("#")[0] for t in incoming if isinstance(t.subject, ox.NamedNode)}
                      | {t.predicate.value for t in incoming})
    found = labels_of(store, [s for s in subjects if s != iri])
    named = {t.subject.value for t in found if t.predicate.value != RDF_TYPE}
    types = sorted({t.object.value for t in found if t.predicate.value == RDF_TYPE})
    found += labels_of(store, types)
    return found + _situation_names(store, [s for s in subjects if s not in named and s != iri])


def _situation_names(store, iris: list[str]) -> list[ox.Triple]:
    """An office holding or designation has no label: it is named by the text of a claim that asserts it."""
    if not iris:
        return []
    values = " ".join(f"<{s}>" for s in sorted(set(iris)))
    return [ox.Triple(r["s"], ox.NamedNode(NF + "claimText"), r["text"]) for r in _select(
        store, f"SELECT ?s (SAMPLE(?t) AS ?text) WHERE {{ VALUES ?s {{ {values} }} FILTER NOT EXISTS {{ ?s <{RDFS_LABEL}> ?l }} "
               f"?claim <{NF}asserts> ?s ; <{NF}claimText> ?t }} GROUP BY ?s")]


def _labels(store, triples: list[ox.Triple], iri: str, subjects: bool = False) -> list[ox.Triple]:
    nodes = {t.subject if subjects else t.object for t in triples}
    nodes |= {t.predicate for t in triples}
    return labels_of(store, sorted(n.value for n in nodes if isinstance(n, ox.NamedNode) and n.value != iri))


def _evidence(store, iri: str) -> list[ox.Triple]:
    """For a claim: its evidence annotations with both selectors, and its article's text checksum.

    Two queries, each starting from the bound claim: one that joined both (the article's status in an OPTIONAL)
    made the engine read the status of every article, so its cost grew with the corpus."""
    evidence = _construct(store, f"""
        PREFIX nf: <{NF}>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        CONSTRUCT {{ ?e ?ep ?eo . ?t ?tp ?to . ?sel ?sp ?so }}
        WHERE {{ <{iri}> nf:hasEvidence ?e .
                 {{ ?e oa:hasTarget/oa:hasSelector [] . ?e ?ep ?eo }}
                 UNION {{ ?e oa:hasTarget ?t . ?t oa:hasSelector [] . ?t ?tp ?to }}
                 UNION {{ ?e oa:hasTarget ?t . ?t oa:hasSelector ?sel . ?sel ?sp ?so }} }}""")
    if not evidence:
        return []
    return evidence + _construct(store, f"""
        PREFIX nf: <{NF}>
        CONSTRUCT {{ ?article nf:sourceText ?file ; nf:sourceTextSha256 ?sha ; nf:quotesChecked ?checked ;
                       nf:quotesNotCheckedBecause ?why }}
        WHERE {{ <{iri}> nf:statedIn ?article . ?article nf:sourceText ?file ; nf:sourceTextSha256 ?sha .
                 OPTIONAL {{ ?article nf:quotesChecked ?checked }}
                 OPTIONAL {{ ?article nf:quotesNotCheckedBecause ?why }} }}""")
