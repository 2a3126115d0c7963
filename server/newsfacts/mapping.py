"""Facts files to RDF.

The mapping is declarative where it can be: ``mappings/context.jsonld`` says
which property and datatype each key becomes, and ``mappings/rules/*.rq`` are
SPARQL CONSTRUCT rules that derive shortcuts (participants, mentions). This
module only does what a context cannot: it mints IRIs from ids, types time
values by their precision, and lays evidence out as Web Annotations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from .facts import ArticleFacts
from .timevalues import xsd_type_of
from .vocabulary import NF, concept_iri

OA = "http://www.w3.org/ns/oa#"
SCHEMA = "https://schema.org/"


class IriMinter:
    """Readable, stable IRIs: the same ids always give the same IRIs."""

    def __init__(self, base_iri: str):
        self.base = base_iri

    def entity(self, eid: str) -> str:
        return f"{self.base}entity/{eid}"

    def article(self, aid: str) -> str:
        return f"{self.base}article/{aid}"

    def report(self, rid: str) -> str:
        return f"{self.base}report/{rid}"

    def event(self, aid: str, eid: str) -> str:
        return f"{self.base}event/{aid}/{eid}"

    def situation(self, aid: str, sid: str) -> str:
        return f"{self.base}situation/{aid}/{sid}"

    def claim(self, aid: str, cid: str) -> str:
        return f"{self.base}claim/{aid}/{cid}"

    def evidence(self, aid: str, cid: str, n: int) -> str:
        return f"{self.base}evidence/{aid}/{cid}-{n}"

    def graph(self, name: str) -> str:
        return f"{self.base}graph/{name}"


class Mapper:
    def __init__(self, mappings_dir: str | Path, base_iri: str):
        mappings_dir = Path(mappings_dir)
        self.context = json.loads((mappings_dir / "context.jsonld").read_text(encoding="utf-8"))["@context"]
        self.rules = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((mappings_dir / "rules").glob("*.rq"))]
        for name, rule in self.rules:  # a broken rule stops the build here, named, not halfway through mapping
            try:
                ox.Store().query(rule)
            except SyntaxError as exc:
                raise ValueError(f"mappings/rules/{name} is not a valid SPARQL query: {exc}") from exc
        self.iri = IriMinter(base_iri)

    def article_graph_iri(self, facts: ArticleFacts) -> str:
        return self.iri.graph(f"article/{facts.id}")

    def to_jsonld(self, facts: ArticleFacts) -> dict:
        """The facts of one article as a JSON-LD document that ``mappings/context.jsonld`` interprets."""
        return {"@context": self.context, "@graph": list(_Nodes(facts, self.iri).all())}

    def to_quads(self, facts: ArticleFacts) -> list[ox.Quad]:
        """The article's triples in its own graph; entity descriptions, which articles share, in the entities
        graph (one copy however many articles name the entity)."""
        return list(ox.parse(self.to_nquads(facts), format=ox.RdfFormat.N_QUADS))

    def to_nquads(self, facts: ArticleFacts) -> bytes:
        """``to_quads`` as N-Quads, in the same order: what a worker process sends back (sending the bytes and
        parsing them costs a fraction of pickling the quads). Each distinct triple once, in the order first made;
        a triple's N-Triples line is one to one with the triple, so the lines are what is deduplicated."""
        graph = f" <{self.article_graph_iri(facts)}> .\n".encode()
        entities = f" <{self.iri.graph('entities')}> .\n".encode()
        entity_start = f"<{self.iri.entity('')}".encode()
        document = json.dumps(self.to_jsonld(facts)).encode("utf-8")
        triples = [q.triple for q in ox.parse(document, format=ox.RdfFormat.JSON_LD)]
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
        for _name, rule in self.rules:
            triples.extend(store.query(rule))
        lines = dict.fromkeys(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines())
        return b"".join(line[:-2] + (entities if line.startswith(entity_start) else graph) for line in lines)


def _typed(value: str) -> dict:
    return {"@value": str(value), "@type": xsd_type_of(str(value))}


def _label(item: dict, key: str = "label") -> dict:
    return {lang: text for lang, text in item[key].items() if lang != "__line__"}


def _clean(node: dict) -> dict:
    return {k: v for k, v in node.items() if v is not None and v != []}


class _Nodes:
    """The JSON-LD nodes of one facts file."""

    def __init__(self, facts: ArticleFacts, iri: IriMinter):
        self.f, self.iri, self.aid = facts, iri, facts.id
        self.local = {e["id"]: iri.event(self.aid, e["id"]) for e in facts.events}
        self.local.update({s["id"]: iri.situation(self.aid, s["id"]) for s in facts.office_holdings + facts.designations})

    def ref(self, rid: str | None) -> str | None:
        if rid is None:
            return None
        return self.local.get(rid) or self.iri.entity(rid)

    def all(self):
        yield self.article()
        for report in self.f.reports:
            yield _clean({"id": self.iri.report(report["id"]), "type": "Report", "label": _label(report),
                          "publisher": self.ref(report["publisher"]), "time_description": report.get("time_description"),
                          "on_the_word_of": self.ref(report.get("on_the_word_of"))})
        for entity in self.f.entities:
            yield self.entity(entity)
        for event in self.f.events:
            yield self.event(event)
        for holding in self.f.office_holdings:
            yield self.office_holding(holding)
        for designation in self.f.designations:
            yield self.time({"id": self.local[designation["id"]], "type": "Designation",
                             "designated": self.ref(designation["designated"]),
                             "designation_type": concept_iri("designation", designation["as"]),
                             "designated_by": self.ref(designation["by"])}, designation.get("time"))
        for claim in self.f.claims:
            yield self.claim(claim)

    def article(self) -> dict:
        a = self.f.article
        return _clean({
            "id": self.iri.article(self.aid), "type": "Article", "label": _label(a),
            "author": self.ref(a.get("author")), "author_description": a.get("author_description"),
            "genre": a.get("genre"), "language": a.get("language"),
            "relays": [self.iri.report(r) for r in _as_list(a.get("relays"))],
            "source_text": a["source_text"], "source_sha256": a["source_sha256"],
            "not_stated": [SCHEMA + name for name in a.get("not_stated") or []],
        })

    def entity(self, e: dict) -> dict:
        return _clean({
            "id": self.iri.entity(e["id"]), "type": e["type"], "label": _label(e),
            "alt_labels": {k: v for k, v in (e.get("alt_labels") or {}).items() if k != "__line__"} or None,
            "description": _label(e, "description") if e.get("description") else None,
            "located_in": [self.ref(x) for x in _as_list(e.get("located_in"))],
            "part_of": [self.ref(x) for x in _as_list(e.get("part_of"))],
            "duration": e.get("duration"),
        })

    def time(self, node: dict, time: dict | None) -> dict:
        if time:
            node.update({
                "date": _typed(time["on"]) if "on" in time else None,
                "not_before": _typed(time["not_before"]) if "not_before" in time else None,
                "not_after": _typed(time["not_after"]) if "not_after" in time else None,
                "time_description": time.get("text"),
            })
        return _clean(node)

    def event(self, e: dict) -> dict:
        me = self.local[e["id"]]
        participations = [
            {"id": f"{me}#{p['role']}-{p['who']}", "type": "Participation", "participant": self.ref(p["who"]),
             "role": concept_iri("role", p["role"])}
            for p in e.get("participants") or []
        ]
        node = {"id": me, "type": "Event", "label": _label(e), "event_type": concept_iri("event-type", e["type"]),
                "participation": participations, "place": self.ref(e.get("place")),
                "during": self.ref(e.get("during")), "ongoing": e.get("ongoing")}
        return self.time(node, e.get("time"))

    def office_holding(self, h: dict) -> dict:
        node = {"id": self.local[h["id"]], "type": "OfficeHolding", "holder": self.ref(h["holder"]),
                "office": concept_iri("office", h["office"]), "office_of": self.ref(h["office_of"]),
                "posted_to": self.ref(h.get("posted_to")),
                "qualifier": h.get("qualifier")}
        return self.time(node, h.get("time"))

    def claim(self, c: dict) -> dict:
        me = self.iri.claim(self.aid, c["id"])
        node = {"id": me, "type": "Claim", "claim_text": c["text"], "asserts": self.ref(c.get("asserts")),
                "said_by": self.ref(c.get("said_by")), "on_the_word_of": self.ref(c.get("on_the_word_of")),
                "said_by_one_of": [self.ref(x) for x in _as_list(c.get("said_by_one_of"))],
                "report": self.iri.report(c["report"]) if c.get("report") else None,
                "possibly_from_report": self.iri.report(c["possibly_from_report"]) if c.get("possibly_from_report") else None,
                "certainty": concept_iri("certainty", c["certainty"]), "hedge": c.get("hedge"),
                "stated_in": self.iri.article(self.aid),
                "made_at": _typed(c["made_at"]) if "made_at" in c else None,
                "rests_on": self.iri.claim(self.aid, c["rests_on"]) if "rests_on" in c else None,
                "evidence": [self.evidence(me, c["id"], n, item) for n, item in enumerate(c["evidence"], start=1)]}
        statement = c.get("statement")
        if statement:
            node["subject"] = self.ref(statement["subject"])
            node["predicate"] = NF + statement["predicate"]
            obj = statement["object"]
            if isinstance(obj, dict):
                node["object_value"] = obj["value"]
            else:
                node["object"] = self.ref(obj)
        return _clean(node)

    def evidence(self, claim_iri: str, cid: str, n: int, item: dict) -> dict:
        me = self.iri.evidence(self.aid, cid, n)
        quote_selector = _clean({"id": f"{me}#quote", "type": "oa:TextQuoteSelector", "exact": item["quote"],
                                 "prefix": item.get("prefix"), "suffix": item.get("suffix")})
        position_selector = {"id": f"{me}#position", "type": "oa:TextPositionSelector",
                             "start": str(item["start"]), "end": str(item["end"])}
        return {"id": me, "type": ["Evidence", "oa:Annotation"], "body": claim_iri, "motivation": OA + "describing",
                "target": {"id": f"{me}#target", "type": "oa:SpecificResource", "source": self.iri.article(self.aid),
                           "selector": [quote_selector, position_selector]}}


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
