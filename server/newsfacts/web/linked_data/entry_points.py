"""Where a reader can start without SPARQL: each article by its headline, with its writer, the reports it
relays, the claims page, and the entities its claims mention most. Every query starts from the article's IRI."""

from __future__ import annotations

from ...prefixes import PREFIXES
from .paths import document_path

NF, RDFS, SCHEMA = PREFIXES["nf"], PREFIXES["rdfs"], PREFIXES["schema"]
MAIN_ENTITIES = 8
DETAILED_ARTICLES = 20  # articles past these are listed by headline only (the article index lists them all)


def _select(store, query: str) -> list:
    return list(store.query(query, use_default_graph_as_union=True))


def _english(store, iri: str) -> str | None:
    rows = _select(store, f'SELECT ?l WHERE {{ <{iri}> <{RDFS}label> ?l FILTER(langMatches(lang(?l), "en")) }} LIMIT 1')
    return rows[0]["l"].value if rows else None


def _things(store, iri: str, predicate: str, base_iri: str) -> list[dict]:
    rows = _select(store, f"""SELECT ?x (SAMPLE(?l) AS ?label) WHERE {{ <{iri}> <{predicate}> ?x .
        OPTIONAL {{ ?x <{RDFS}label> ?l FILTER(langMatches(lang(?l), "en")) }} }} GROUP BY ?x ORDER BY ?label""")
    return [{"label": r["label"].value if r["label"] else r["x"].value, "href": document_path(r["x"].value, base_iri)}
            for r in rows]


def article_entry_points(store, base_iri: str, article_ids: list[str]) -> list[dict]:
    found = []
    for n, aid in enumerate(article_ids):
        iri = f"{base_iri}article/{aid}"
        entry = {"id": aid, "href": f"/article/{aid}.html", "label": _english(store, iri) or aid}
        if n < DETAILED_ARTICLES:
            claims = _select(store, f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c <{NF}statedIn> <{iri}> }}")
            main = _select(store, f"""
                SELECT ?e (COUNT(DISTINCT ?c) AS ?n) (SAMPLE(?l) AS ?label) WHERE {{
                  ?c <{NF}statedIn> <{iri}> ; <{NF}mentions> ?e .
                  OPTIONAL {{ ?e <{RDFS}label> ?l FILTER(langMatches(lang(?l), "en")) }}
                }} GROUP BY ?e ORDER BY DESC(?n) ?label LIMIT {MAIN_ENTITIES}""")
            entry.update(
                claims=int(claims[0]["n"].value) if claims else 0,
                authors=_things(store, iri, SCHEMA + "author", base_iri),
                reports=_things(store, iri, NF + "relays", base_iri),
                entities=[{"label": r["label"].value if r["label"] else r["e"].value,
                           "href": document_path(r["e"].value, base_iri), "claims": int(r["n"].value)} for r in main],
            )
        found.append(entry)
    return found
