"""What a document about one thing holds, read with SPARQL queries only (so any store serves it).

- the thing's own statements, and those of its hash-IRI parts (participations, selectors);
- the labels of what it links to;
- incoming links, counted, one page at a time;
- the claims that mention it, or that it says, with who says them and how hedged;
- for a claim: its evidence (quote, offsets) and its article's source text checksum;
- for an article: the claims it makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

NF = "https://newsfacts.example/ontology/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class Description:
    iri: str
    own: list[ox.Triple]  # the thing's statements and its parts'
    context: list[ox.Triple]  # labels of linked things, claims about it, evidence
    incoming: list[ox.Triple]  # this page of incoming links
    incoming_total: int
    page: int
    page_size: int
    claims: list[dict] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.own) or self.incoming_total > 0

    @property
    def triples(self) -> list[ox.Triple]:
        seen, ordered = set(), []
        for t in self.own + self.context + self.incoming:
            if t not in seen:
                seen.add(t)
                ordered.append(t)
        return ordered


def _construct(store, query: str) -> list[ox.Triple]:
    return list(store.query(query, use_default_graph_as_union=True))


def _select(store, query: str) -> list:
    return list(store.query(query, use_default_graph_as_union=True))


def describe(store, iri: str, page: int = 1, page_size: int = 100) -> Description:
    node = f"<{iri}>"
    own = _construct(store, f"""
        CONSTRUCT {{ {node} ?p ?o . ?part ?pp ?po . ?sub ?sp ?so }} WHERE {{
          {{ {node} ?p ?o }}
          UNION {{ {node} ?x ?part . ?part ?pp ?po . FILTER(isIRI(?part) && STRSTARTS(STR(?part), "{iri}#")) }}
          UNION {{ {node} ?x ?part . ?part ?y ?sub . ?sub ?sp ?so .
                   FILTER(isIRI(?sub) && STRSTARTS(STR(?part), "{iri}#") && STRSTARTS(STR(?sub), "{iri}#")) }}
        }}""")
    context = _labels(store, own, iri)
    context += _claims_about(store, iri, page_size)
    context += _evidence(store, iri)
    context += _article_claims(store, iri)
    context += _claims_rested_on(store, own + context)
    context += _labels(store, context, iri)
    total = int(next(iter(_select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node} }} }}"
                                   )))["n"].value)
    offset = (page - 1) * page_size
    # The store's own order is stable within a release, so pages are too; sorting a popular entity's tens of
    # thousands of incoming links for every page would cost seconds.
    incoming = [ox.Triple(s["s"], s["p"], ox.NamedNode(iri)) for s in _select(store, f"""
        SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node} }} LIMIT {page_size} OFFSET {offset}""")]
    context += _labels(store, incoming, iri, subjects=True)
    return Description(iri, own, context, incoming, total, page, page_size, _claim_rows(own + context, iri))


def _labels(store, triples: list[ox.Triple], iri: str, subjects: bool = False) -> list[ox.Triple]:
    nodes = {t.subject if subjects else t.object for t in triples}
    nodes |= {t.predicate for t in triples}
    names = sorted(n.value for n in nodes if isinstance(n, ox.NamedNode) and n.value != iri)
    if not names:
        return []
    values = " ".join(f"<{n}>" for n in names)
    return _construct(store, f"""
        CONSTRUCT {{ ?o ?l ?label }} WHERE {{ VALUES ?o {{ {values} }} VALUES ?l {{ <{RDFS_LABEL}> <{SKOS_PREF}> }}
                                           ?o ?l ?label }}""")


def _claims_about(store, iri: str, limit: int) -> list[ox.Triple]:
    """Up to ``limit`` claims that mention the thing, and as many attributed to it: what is claimed, who says
    it, how hedged. (All of them are one SPARQL query away; a popular entity has thousands.)"""
    found = []
    for relation in ("mentions", "attributedTo"):
        claims = [s["claim"] for s in _select(store, f"""
            SELECT DISTINCT ?claim WHERE {{ ?claim <{NF}{relation}> <{iri}> }} LIMIT {limit}""")]
        if not claims:
            continue
        values = " ".join(str(c) for c in claims)
        found += _construct(store, f"""
            PREFIX nf: <{NF}>
            CONSTRUCT {{ ?claim a nf:Claim ; nf:claimText ?text ; nf:certainty ?certainty ; nf:attributedTo ?who ;
                                nf:hedge ?hedge ; nf:onTheWordOf ?source ; nf:restsOn ?outer ; nf:{relation} <{iri}> }}
            WHERE {{ VALUES ?claim {{ {values} }}
                     ?claim nf:claimText ?text ; nf:certainty ?certainty ; nf:attributedTo ?who .
                     OPTIONAL {{ ?claim nf:hedge ?hedge }} OPTIONAL {{ ?claim nf:onTheWordOf ?source }}
                     OPTIONAL {{ ?claim nf:restsOn ?outer }} }}""")
    return found


def _evidence(store, iri: str) -> list[ox.Triple]:
    """For a claim: its evidence annotations with both selectors, and its article's text checksum."""
    return _construct(store, f"""
        PREFIX nf: <{NF}>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        CONSTRUCT {{ ?e ?ep ?eo . ?t ?tp ?to . ?sel ?sp ?so . ?article nf:sourceText ?file ; nf:sourceTextSha256 ?sha }}
        WHERE {{ <{iri}> nf:hasEvidence ?e . ?e ?ep ?eo . ?e oa:hasTarget ?t . ?t ?tp ?to .
                 ?t oa:hasSelector ?sel . ?sel ?sp ?so .
                 OPTIONAL {{ <{iri}> nf:statedIn ?article . ?article nf:sourceText ?file ; nf:sourceTextSha256 ?sha }} }}""")


def _article_claims(store, iri: str) -> list[ox.Triple]:
    """For an article: the claims it makes, each with its text and certainty."""
    return _construct(store, f"""
        PREFIX nf: <{NF}>
        CONSTRUCT {{ ?claim nf:statedIn <{iri}> ; nf:claimText ?text ; nf:certainty ?certainty ; nf:attributedTo ?who }}
        WHERE {{ ?claim nf:statedIn <{iri}> ; nf:claimText ?text ; nf:certainty ?certainty ; nf:attributedTo ?who }}""")


def _claims_rested_on(store, triples: list[ox.Triple]) -> list[ox.Triple]:
    """For second-hand claims among the triples: what the claim they rest on says and who says it (not its
    certainty, so that it gets no row of its own on a page it is not about)."""
    outer = sorted({t.object.value for t in triples if t.predicate.value == NF + "restsOn"})
    if not outer:
        return []
    values = " ".join(f"<{o}>" for o in outer)
    return _construct(store, f"""
        PREFIX nf: <{NF}>
        CONSTRUCT {{ ?outer nf:claimText ?text ; nf:attributedTo ?who }}
        WHERE {{ VALUES ?outer {{ {values} }} ?outer nf:claimText ?text ; nf:attributedTo ?who }}""")


def _claim_rows(triples: list[ox.Triple], iri: str) -> list[dict]:
    """The claims about the thing (or the thing itself, when it is a claim), as rows for the HTML page, from the
    triples already read: what is claimed, the certainty, the speaker, the source and the hedge words."""
    claims: dict[str, dict] = {}
    labels: dict[str, str] = {}
    for t in triples:
        subject, predicate = t.subject.value, t.predicate.value
        if predicate == RDFS_LABEL and (t.object.language in ("en", "", None)):
            labels.setdefault(subject, t.object.value)
        if predicate == NF + "claimText":
            claims.setdefault(subject, {"claim": subject})["text"] = t.object.value
        elif predicate == NF + "certainty":
            claims.setdefault(subject, {"claim": subject})["certainty"] = t.object.value.rsplit("/", 1)[-1]
        elif predicate == NF + "attributedTo":
            claims.setdefault(subject, {"claim": subject})["who"] = t.object.value
        elif predicate == NF + "hedge":
            claims.setdefault(subject, {"claim": subject})["hedge"] = t.object.value
        elif predicate == NF + "onTheWordOf":
            claims.setdefault(subject, {"claim": subject})["source"] = t.object.value
        elif predicate == NF + "restsOn":
            claims.setdefault(subject, {"claim": subject})["restsOn"] = t.object.value
    rows = []
    for claim in sorted(claims.values(), key=lambda c: (c["claim"] != iri, c["claim"])):
        if not {"text", "certainty", "who"} <= set(claim):
            continue
        source = claim.get("source")
        rows.append({"claim": claim["claim"], "text": claim["text"], "certainty": claim["certainty"],
                     "hedge": claim.get("hedge"), "who": claim["who"], "whoLabel": labels.get(claim["who"]),
                     "source": source, "sourceLabel": labels.get(source) if source else None,
                     **_rests_on(claim.get("restsOn"), claims, labels)})
    return rows


def _rests_on(outer: str | None, claims: dict[str, dict], labels: dict[str, str]) -> dict:
    """The claim a second-hand claim rests on, for its row: the claim, what it says and who says it."""
    if not outer:
        return {"restsOn": None}
    said = claims.get(outer, {})
    who = said.get("who")
    return {"restsOn": outer, "restsOnText": said.get("text"), "restsOnWho": who,
            "restsOnWhoLabel": labels.get(who) if who else None}
