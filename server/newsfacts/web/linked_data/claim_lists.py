"""Claims as a reader reads them: the claims of an article in reading order, the claims that assert an event,
the claims a report is the source of, each with its certainty, speaker (or candidate speakers), source, hedge
and first quote in context.

Every query starts from bound IRIs (the article, event or report; then a VALUES list of the claims found and of
what they link to), so its cost follows the size of the article and the page, not of the corpus.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox

from ...prefixes import PREFIXES
from .remembering_store import per_subject

NF, OA, RDF = PREFIXES["nf"], PREFIXES["oa"], PREFIXES["rdf"]
LABEL_PREDICATES = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel", PREFIXES["dcterms"] + "title",
                    NF + "claimText", RDF + "type")


@dataclass(frozen=True)
class ClaimGroup:
    key: str  # the UI string that heads the list
    predicate: str  # claim --predicate--> the described thing
    paged: bool  # listed in full, page by page (else: a preview, its first claims on the first page only)


# In the order a page shows them.
GROUPS = (
    ClaimGroup("claims_in_reading_order", NF + "statedIn", True),
    ClaimGroup("claims_asserting", NF + "asserts", False),
    ClaimGroup("claims_from_report", NF + "fromReport", True),
    ClaimGroup("claims_possibly_from_report", NF + "possiblyFromReport", True),
    ClaimGroup("claims_said", NF + "attributedTo", False),
    ClaimGroup("claims_about", NF + "mentions", False),
)
# Links shown as claim lists are not repeated as "linked from" (nor are the evidence targets of an article).
LISTED_PREDICATES = tuple(g.predicate for g in GROUPS if g.paged or g.key == "claims_asserting") + (OA + "hasSource",)


def _select(store, query: str) -> list:
    return list(store.query(query, use_default_graph_as_union=True))


def _values(iris: list[str]) -> str:
    return " ".join(f"<{iri}>" for iri in iris)


def ordered_claims(store, group: ClaimGroup, iri: str, page: int, page_size: int) -> tuple[list[str], int]:
    """The claims linked to ``iri`` by the group's predicate, and how many there are: for a paged group, one page
    of them in reading order (article, then offset of the first quote); for a preview, its first ``page_size``."""
    if not _any_link(store, group.predicate, iri):  # most things are in few lists: an index look-up, not a query
        return [], 0
    limit = "" if group.paged else f" LIMIT {page_size + 1}"
    claims = [s["claim"].value for s in _select(store, f"SELECT DISTINCT ?claim WHERE {{ ?claim <{group.predicate}> <{iri}> }}"
                                                        + limit)]
    if not group.paged:
        if len(claims) <= page_size:
            return claims, len(claims)
        count = f"SELECT (COUNT(DISTINCT ?claim) AS ?n) WHERE {{ ?claim <{group.predicate}> <{iri}> }}"
        return claims[:page_size], int(next(iter(_select(store, count)))["n"].value)
    if not claims:
        return claims, 0
    first: dict[str, tuple[str, int]] = {}
    for row in _select(store, f"""
        SELECT ?claim (SAMPLE(?article) AS ?in) (MIN(?start) AS ?at) WHERE {{ VALUES ?claim {{ {_values(claims)} }}
          ?claim <{NF}statedIn> ?article ; <{NF}hasEvidence> ?e . ?e <{OA}hasTarget> ?t . ?t <{OA}hasSelector> ?sel .
          ?sel <{OA}start> ?start }} GROUP BY ?claim"""):
        first[row["claim"].value] = (row["in"].value, int(row["at"].value))
    ordered = sorted(claims, key=lambda c: (*first.get(c, ("", 1 << 62)), c))
    return ordered[(page - 1) * page_size:page * page_size], len(claims)


def _predicate_of(key: str) -> str:
    return next(g.predicate for g in GROUPS if g.key == key)


def is_paged(key: str) -> bool:
    """Whether the list headed ``key`` is listed in full, page by page, in reading order (else: a preview)."""
    return any(g.key == key and g.paged for g in GROUPS)


def whole_list_fragment(key: str, iri: str) -> str:
    """Where a list shown in part is read whole by any RDF client: its triple pattern fragment, paged (a path
    relative to the server's root)."""
    return "fragments?" + urlencode({"predicate": _predicate_of(key), "object": iri})


def whole_list_query(key: str, iri: str) -> str:
    """A SPARQL query giving each claim of a list shown in part, with its text, certainty and article."""
    return (f"PREFIX nf: <{NF}>\nSELECT ?claim ?text ?certainty ?article WHERE {{\n"
            f"  ?claim <{_predicate_of(key)}> <{iri}> ; nf:claimText ?text ; nf:statedIn ?article .\n"
            f"  OPTIONAL {{ ?claim nf:certainty ?certainty }}\n}} ORDER BY ?article ?claim LIMIT 1000")


def _any_link(store, predicate: str, iri: str) -> bool:
    """Whether anything links to ``iri`` by ``predicate`` (in any graph: never false when a query would find one)."""
    try:
        found = store.quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(iri))
    except (AttributeError, ValueError):  # a remote store; a string the query would refuse
        return True
    return next(iter(found), None) is not None


def claim_triples(store, claims: list[str]) -> list[ox.Triple]:
    """Everything the listed claims say, their evidence selectors, and the labels of what they link to."""
    if not claims:
        return []
    triples = per_subject(store, "statements", claims, lambda some: list(store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_values(some)} }} ?s ?p ?o }}", use_default_graph_as_union=True)))
    triples += per_subject(store, "quotes", claims, lambda some: list(store.query(f"""
        CONSTRUCT {{ ?e <{OA}hasTarget> ?t . ?t <{OA}hasSelector> ?sel . ?sel ?sp ?so }}
        WHERE {{ VALUES ?claim {{ {_values(some)} }} ?claim <{NF}hasEvidence> ?e . ?e <{OA}hasTarget> ?t .
                 ?t <{OA}hasSelector> ?sel . ?sel ?sp ?so }}""", use_default_graph_as_union=True)))
    rested_on = sorted({t.object.value for t in triples if t.predicate.value == NF + "restsOn"})
    if rested_on:  # a second-hand claim's row names the claim it rests on and who says that one
        triples += store.query(f"""CONSTRUCT {{ ?outer <{NF}attributedTo> ?who }}
            WHERE {{ VALUES ?outer {{ {_values(rested_on)} }} ?outer <{NF}attributedTo> ?who }}""",
                               use_default_graph_as_union=True)
    linked = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode) and t.predicate.value in (
        NF + "attributedTo", NF + "attributionUncertainBetween", NF + "onTheWordOf", NF + "fromReport",
        NF + "possiblyFromReport", NF + "certainty", NF + "restsOn")}
    return triples + labels_of(store, sorted(linked))


def labels_of(store, iris: list[str]) -> list[ox.Triple]:
    """Labels (rdfs:label, skos:prefLabel, dcterms:title; a claim's text) and types of the given things, looked
    up by subject (one VALUES list of subjects; the predicates filtered, not enumerated beside them)."""
    if not iris:
        return []
    wanted = ", ".join(f"<{p}>" for p in LABEL_PREDICATES)
    return per_subject(store, "labels", iris, lambda some: list(store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_values(some)} }} ?s ?p ?o FILTER(?p IN ({wanted})) }}",
        use_default_graph_as_union=True)))


def claim_rows(triples: list[ox.Triple], claims: list[str], label, href) -> list[dict]:
    """One row per claim, in the given order, for the HTML page. ``label(iri)`` names a thing in the reader's
    language; ``href(iri)`` is its page."""
    facts: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        facts[t.subject.value][t.predicate.value].append(t.object)
    rows = []
    for claim in claims:
        mine = facts.get(claim)
        if not mine or not mine.get(NF + "claimText"):
            continue

        def things(predicate: str, of=mine) -> list[dict]:
            return sorted(({"label": label(o.value), "href": href(o.value)} for o in of.get(predicate, [])
                           if isinstance(o, ox.NamedNode)), key=lambda v: v["label"])

        certainty = next(iter(mine.get(NF + "certainty", [])), None)
        rows.append({
            "claim": claim, "href": href(claim), "text": mine[NF + "claimText"][0].value,
            "certainty": certainty.value.rsplit("/", 1)[-1] if certainty else "",
            "certainty_label": label(certainty.value) if certainty else "",
            "hedge": next((o.value for o in mine.get(NF + "hedge", [])), None),
            "speakers": things(NF + "attributedTo"), "candidates": things(NF + "attributionUncertainBetween"),
            "sources": things(NF + "onTheWordOf"), "reports": things(NF + "fromReport"),
            "possible_reports": things(NF + "possiblyFromReport"),
            "quote": _first_quote(facts, mine),
            "rests_on": [{"label": label(o.value), "href": href(o.value),
                          "speakers": things(NF + "attributedTo", of=facts.get(o.value, {}))}
                         for o in mine.get(NF + "restsOn", [])],
        })
    return rows


def _first_quote(facts: dict, claim: dict) -> dict | None:
    """The claim's first quote in the text, with a few words before and after it."""
    quotes = []
    for evidence in claim.get(NF + "hasEvidence", []):
        for target in facts.get(evidence.value, {}).get(OA + "hasTarget", []):
            fields: dict[str, str] = {}
            for selector in facts.get(target.value, {}).get(OA + "hasSelector", []):
                for predicate, values in facts.get(selector.value, {}).items():
                    fields[predicate[len(OA):]] = values[0].value
            if "exact" in fields:
                quotes.append({"exact": fields["exact"], "prefix": fields.get("prefix", ""),
                               "suffix": fields.get("suffix", ""), "start": int(fields.get("start", 0))})
    return min(quotes, key=lambda q: q["start"]) if quotes else None


def sort_in_reading_order(rows: list[dict], triples: list[ox.Triple]) -> list[dict]:
    """Rows of claims from several articles: by article, then by the position of their first quote."""
    article = {t.subject.value: t.object.value for t in triples if t.predicate.value == NF + "statedIn"}
    return sorted(rows, key=lambda r: (article.get(r["claim"], ""), r["quote"]["start"] if r["quote"] else 1 << 62,
                                       r["claim"]))
