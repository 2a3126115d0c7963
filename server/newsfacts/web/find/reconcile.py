"""Reconciliation (API v0.2): matching other datasets' names to our entities, and pulling data back.

Candidates come from the search index: the entities with a name equal to the query (folded), then the 50 that
rank best (bm25) among those any of whose names shares a word of the query, or a word's beginning. They are
scored here; docs/reconciliation.md explains the scores and the ``match`` decision:

- name score 0–100: the best, over the entity's labels (English, Spanish) and alternative labels, of
  rapidfuzz's ``token_sort_ratio`` (whole name, any word order) and ``token_set_ratio`` (a partial name), on
  names folded to lower case without accents, weighted 60/40; an alternative label counts 98 % of a label
  when it is the same name, 90 % when it is only similar (a partial name is rather the entity's own name);
- each property constraint that does not hold takes 30 points off; a type that does not fit removes the
  candidate (the query asked for that type);
- ``match`` is true only when the name score is at least 95, every property holds and the next candidate
  is at least 10 points behind: one clear, whole-name winner, the only case OpenRefine matches by itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rapidfuzz import fuzz

from ...search_index import SearchIndex, fold
from ..errors import ApiError

MATCH_AT = 95.0
MATCH_MARGIN = 10.0
PROPERTY_PENALTY = 30.0
ALT_LABEL_WEIGHT = 0.98
ALT_LABEL_SIMILAR_WEIGHT = 0.9
CANDIDATES = 50
DEFAULT_LIMIT = 10
MAX_LIMIT = 100

#: Properties: for constraints in queries and for data extension. Entity-valued ones are links of the index.
PROPERTIES = {
    "type": "type",
    "wikidata": "Wikidata identifier",
    "locatedIn": "located in",
    "partOf": "part of",
    "memberOf": "member of (holds an office of)",
    "claims": "number of claims mentioning it",
    "description": "description",
    "label_es": "name in Spanish",
    "altLabel": "alternative names",
}
ENTITY_VALUED = ("locatedIn", "partOf", "memberOf")


@dataclass
class Query:
    text: str
    types: list[str]
    type_strict: str
    limit: int
    properties: list[tuple[str, list]]


def parse_queries(raw: str, batch_size: int) -> dict[str, Query]:
    """The ``queries`` parameter: a JSON object of query objects (400 when it is not one, 413 beyond the batch)."""
    try:
        batch = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "Bad queries", f"queries is not JSON: {exc}") from exc
    if not isinstance(batch, dict):
        raise ApiError(400, "Bad queries", 'queries must be a JSON object such as {"q0": {"query": "Maduro"}}.')
    if len(batch) > batch_size:
        raise ApiError(413, "Batch too large", f"At most {batch_size} queries per request (the manifest's batchSize).")
    return {str(key): _query(key, value) for key, value in batch.items()}


def _query(key, value) -> Query:
    if not isinstance(value, dict):
        raise ApiError(400, "Bad query", f"Query {str(key)[:40]!r} must be an object with query, type, limit, properties.")
    text = value.get("query", "")
    types = value.get("type") or []
    types = [types] if isinstance(types, str) else types
    limit = value.get("limit", DEFAULT_LIMIT)
    properties = value.get("properties") or []
    if not isinstance(text, str) or not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise ApiError(400, "Bad query", f"In query {str(key)[:40]!r}: query must be a string, type a string or a list.")
    if not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 0:
        raise ApiError(400, "Bad query", f"In query {str(key)[:40]!r}: limit must be a number of candidates.")
    if not isinstance(properties, list) or not all(isinstance(p, dict) and isinstance(p.get("pid"), str) and "v" in p
                                                   for p in properties):
        raise ApiError(400, "Bad query", f"In query {str(key)[:40]!r}: properties must be a list of {{pid, v}}.")
    unknown = [p["pid"] for p in properties if p["pid"] not in PROPERTIES]
    if unknown:
        raise ApiError(400, "Unknown property", f"Unknown property {unknown[0][:40]!r}; known: {', '.join(PROPERTIES)}.")
    if not text.strip() and not properties:
        raise ApiError(400, "Bad query", f"Query {str(key)[:40]!r} has neither query text nor properties.")
    values = [(p["pid"], p["v"] if isinstance(p["v"], list) else [p["v"]]) for p in properties]
    return Query(text.strip()[:500], types, str(value.get("type_strict", "any")), min(int(limit), MAX_LIMIT), values)


class Reconciler:
    def __init__(self, index: SearchIndex, base_iri: str, type_names: dict[str, str]):
        self.index, self.type_names = index, type_names
        self.entity_base = base_iri + "entity/"

    def entity_id(self, iri: str) -> str:
        return iri[len(self.entity_base):] if iri.startswith(self.entity_base) else iri

    def iri(self, identifier: str) -> str:
        return identifier if identifier.startswith(("http://", "https://")) else self.entity_base + identifier

    def entity(self, identifier: str):
        row = self.index.thing(self.iri(identifier))
        return row if row is not None and row["kind"] == "entity" else None

    def reconcile(self, query: Query) -> list[dict]:
        rows = [row for row in self._candidates(query) if not query.types or self._fits(row, query)]
        names = self.index.names_by_thing([row["id"] for row in rows])
        wanted = fold(query.text)
        scored = []
        for row in rows:
            name_score, via = self.name_score(query.text, row, names.get(row["id"], []), wanted) if query.text else (100.0, "")
            checks = [(pid, self._holds(row, pid, values)) for pid, values in query.properties]
            score = max(0.0, name_score - PROPERTY_PENALTY * sum(not ok for _, ok in checks))
            scored.append((score, name_score, row, checks, via))
        scored.sort(key=lambda s: (-s[0], s[2]["sort_name"]))
        results = []
        for rank, (score, name_score, row, checks, via) in enumerate(scored[:query.limit or DEFAULT_LIMIT]):
            runner_up = scored[rank + 1][0] if rank + 1 < len(scored) else 0.0
            clear = rank == 0 and score - runner_up >= MATCH_MARGIN
            match = clear and name_score >= MATCH_AT and all(ok for _, ok in checks)
            results.append({
                "id": self.entity_id(row["iri"]), "name": row["name"], "score": round(score, 2), "match": match,
                "type": [{"id": t, "name": self.type_names.get(t, t)} for t in json.loads(row["types"])],
                **({"description": row["description"]} if row["description"] else {}),
                "features": [{"id": "name", "value": round(name_score, 2)}]
                + [{"id": f"property:{pid}", "value": ok} for pid, ok in checks]})
            if via:
                results[-1]["features"].append({"id": f"matched_{via}", "value": True})
        return results

    def _candidates(self, query: Query) -> list:
        if query.text:
            by_id = self.entity(query.text) if "/" in query.text or query.text.islower() else None
            exact = ([by_id] if by_id is not None else []) + self.index.exact_name(query.text)
            types = [t.rsplit("/", 1)[-1] for t in query.types if t.rsplit("/", 1)[-1].isalnum()]  # class names only
            rows = exact + self.index.name_candidates(query.text, CANDIDATES, types=types)
            return list({row["id"]: row for row in reversed(rows)}.values())[::-1]  # each once, first place kept
        pid, values = query.properties[0]  # no name: the entities having the first property's value
        if pid not in ENTITY_VALUED:
            raise ApiError(400, "Bad query", "A query without text needs an entity-valued property first "
                           f"({', '.join(ENTITY_VALUED)}).")
        iris = [self.iri(_value_id(v)) for v in values if _value_id(v)]
        subjects = [r["subject"] for iri in iris for r in self.index.db.execute(
            "SELECT subject FROM links WHERE object = ? AND relation = ? LIMIT ?", (iri, pid, CANDIDATES))]
        return [row for row in (self.index.thing(s) for s in subjects) if row is not None and row["kind"] == "entity"]

    def name_score(self, text: str, row, names: list, wanted: str | None = None) -> tuple[float, str]:
        """The best similarity of ``text`` (``wanted``: already folded) to any of the entity's names, and which kind
        of name gave it."""
        if self.entity_id(row["iri"]) == text or row["iri"] == text:
            return 100.0, "id"
        wanted = wanted if wanted is not None else fold(text)
        best, via = 0.0, ""
        for name in names:
            folded = name["folded"]
            similarity = 100.0 if folded == wanted else (
                0.6 * fuzz.token_sort_ratio(wanted, folded) + 0.4 * fuzz.token_set_ratio(wanted, folded))
            if name["alt"]:
                similarity *= ALT_LABEL_WEIGHT if folded == wanted else ALT_LABEL_SIMILAR_WEIGHT
            if similarity > best:
                best, via = similarity, "alternative_label" if name["alt"] else "label"
        return best, via

    def _fits(self, row, query: Query) -> bool:
        ancestors = row["ancestors"]
        found = [f" {t.rsplit('/', 1)[-1]} " in ancestors for t in query.types]
        return all(found) if query.type_strict == "all" else any(found)

    def _holds(self, row, pid: str, values: list) -> bool:
        """Whether the entity has one of the values for the property (ids, IRIs or names of linked entities)."""
        have = self.values(row, pid)
        for value in values:
            wanted = _value_id(value)
            for found in have:
                if "id" in found and (found["id"] == wanted or self.iri(found["id"]) == wanted
                                      or fuzz.ratio(fold(found["name"]), fold(wanted)) >= 90):
                    return True
                if "str" in found and fold(found["str"]) == fold(wanted):
                    return True
                if "int" in found and str(found["int"]) == wanted:
                    return True
        return False

    def values(self, row, pid: str) -> list[dict]:
        """A property's values for data extension, in the API's value shapes."""
        if pid == "type":
            return [{"id": t, "name": self.type_names.get(t, t)} for t in json.loads(row["types"])]
        if pid == "wikidata":
            return [{"str": q} for q in json.loads(row["wikidata"])]
        if pid == "claims":
            return [{"int": row["mentioned_by"]}]
        if pid == "description":
            return [{"str": row["description"]}] if row["description"] else []
        if pid == "label_es":
            return [{"str": row["name_es"]}] if row["name_es"] else []
        if pid == "altLabel":
            return [{"str": n["name"]} for n in self.index.names(row["id"]) if n["alt"]]
        iris = json.loads(row["links"]).get(pid, [])
        names = self.index.names_of(iris)
        return [{"id": self.entity_id(i), "name": names.get(i, self.entity_id(i))} for i in iris]

    def extend(self, ids: list[str], properties: list[str]) -> dict:
        rows = {}
        for identifier in ids:
            row = self.entity(identifier)
            rows[identifier] = {pid: self.values(row, pid) if row is not None else [] for pid in properties}
        meta = [{"id": pid, "name": PROPERTIES[pid]} for pid in properties]
        return {"meta": meta, "rows": rows}

    def suggest_entities(self, prefix: str, cursor: int, limit: int = 10) -> list[dict]:
        hits = self.index.search(prefix, "entity", limit, cursor) if prefix.strip() else []
        return [{"id": self.entity_id(h.iri), "name": h.name, **({"description": h.description} if h.description else {}),
                 "notable": [{"id": t, "name": self.type_names.get(t, t)} for t in h.types]} for h in hits]


def _value_id(value) -> str:
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return str(value)
