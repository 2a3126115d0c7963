"""What an HTML page shows of a description: labels in the reader's language, properties as links, badges."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .describe import Description
from .paths import document_path
from .rdf_output import PREFIXES

RDF_TYPE = PREFIXES["rdf"] + "type"
LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel")
EXACT_MATCH = PREFIXES["skos"] + "exactMatch"
OA = PREFIXES["oa"]
NF = PREFIXES["nf"]
CERTAINTY_WORDS = {"stated": "stated as fact", "reported": "reported", "claimed": "claimed", "alleged": "alleged",
                   "believed": "believed", "denied": "denied"}


def preferred_language(accept_language: str | None) -> str:
    """'es' when the reader prefers Spanish to English, else 'en'."""
    best, best_q = "en", -1.0
    for part in (accept_language or "").split(","):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = lang.strip().lower().split("-")[0]
        if primary in ("en", "es") and q > best_q:
            best, best_q = primary, q
    return best


@dataclass
class Value:
    text: str
    href: str | None = None
    external: bool = False
    note: str = ""  # language or datatype of a literal


@dataclass
class Section:
    iri: str
    anchor: str
    rows: list[tuple[Value, list[Value]]] = field(default_factory=list)


class Labeller:
    def __init__(self, triples: list[ox.Triple], lang: str, base_iri: str):
        self.lang, self.base_iri = lang, base_iri
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)
        for t in triples:
            if t.predicate.value in LABELS and isinstance(t.object, ox.Literal):
                self.labels[t.subject.value].setdefault(t.object.language or "", t.object.value)
        for t in triples:  # a claim without a label is named by what it claims
            if t.predicate.value == NF + "claimText" and t.subject.value not in self.labels:
                self.labels[t.subject.value][""] = t.object.value

    def label(self, iri: str) -> str:
        found = self.labels.get(iri, {})
        for lang in (self.lang, "en", ""):
            if lang in found:
                return found[lang]
        if found:
            return next(iter(found.values()))
        return _compact(iri)

    def value(self, term) -> Value:
        if isinstance(term, ox.NamedNode):
            local = document_path(term.value, self.base_iri)
            if local:
                return Value(self.label(term.value), local)
            return Value(self.label(term.value), term.value, external=True)
        if isinstance(term, ox.Literal):
            note = term.language or ("" if term.datatype.value.endswith("#string") else _compact(term.datatype.value))
            return Value(term.value, note=note)
        return Value(str(term))


def _compact(iri: str) -> str:
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace):]}"
    return iri


def page_model(description: Description, lang: str, base_iri: str) -> dict:
    triples = description.triples
    labeller = Labeller(triples, lang, base_iri)
    iri = description.iri
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in description.own:
        by_subject[t.subject.value].append(t)
    sections = []
    for subject in [iri] + sorted(s for s in by_subject if s != iri):
        section = Section(subject, subject.partition("#")[2])
        grouped: dict[str, list] = defaultdict(list)
        for t in by_subject.get(subject, []):
            if t.predicate.value in LABELS and subject == iri:
                continue
            grouped[t.predicate.value].append(t.object)
        for predicate in sorted(grouped, key=labeller.label):
            values = sorted((labeller.value(o) for o in grouped[predicate]), key=lambda v: v.text)
            section.rows.append((labeller.value(ox.NamedNode(predicate)), values))
        sections.append(section)
    types = [labeller.value(t.object) for t in description.own if t.subject.value == iri and t.predicate.value == RDF_TYPE]
    wikidata = [t.object.value for t in description.own if t.subject.value == iri and t.predicate.value == EXACT_MATCH
                and t.object.value.startswith(PREFIXES["wd"])]
    evidence = _evidence(triples)
    claims = [dict(row, badge=row["certainty"], certainty_words=CERTAINTY_WORDS.get(row["certainty"], row["certainty"]),
                   claim_href=document_path(row["claim"], base_iri), who_href=document_path(row["who"], base_iri),
                   source_href=document_path(row["source"], base_iri) if row["source"] else None,
                   rests_on_href=document_path(row["restsOn"], base_iri) if row.get("restsOn") else None,
                   rests_on_who_href=document_path(row["restsOnWho"], base_iri) if row.get("restsOnWho") else None)
              for row in description.claims]
    incoming = [(labeller.value(t.subject), labeller.value(t.predicate)) for t in description.incoming]
    pages = max(1, -(-description.incoming_total // description.page_size))
    return {"iri": iri, "label": labeller.label(iri), "types": types, "sections": sections, "wikidata": wikidata,
            "claims": claims, "evidence": evidence, "incoming": incoming, "incoming_total": description.incoming_total,
            "page": description.page, "pages": pages, "labels": {k: dict(v) for k, v in labeller.labels.items()
                                                                   if k == iri}}


def _evidence(triples: list[ox.Triple]) -> list[dict]:
    """Quotes with their offsets and checksum, for a claim's page."""
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for t in triples:
        if t.predicate.value.startswith(OA) or t.predicate.value in (NF + "sourceTextSha256", NF + "sourceText"):
            values[t.subject.value][t.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]] = t.object.value
    quotes = []
    for subject, fields in values.items():
        if "exact" in fields:
            base = subject.split("#")[0]
            position = values.get(base + "#position", {})
            source = values.get(values.get(base + "#target", {}).get("hasSource", ""), {})
            quotes.append({"exact": fields["exact"], "prefix": fields.get("prefix", ""), "suffix": fields.get("suffix", ""),
                           "start": position.get("start"), "end": position.get("end"),
                           "file": source.get("sourceText"), "sha256": source.get("sourceTextSha256")})
    return sorted(quotes, key=lambda q: int(q["start"] or 0))
