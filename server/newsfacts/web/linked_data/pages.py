"""What an HTML page shows of a description: labels in the reader's language, properties as links, badges."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .claim_lists import claim_rows, is_paged, sort_in_reading_order, whole_list_fragment, whole_list_query
from .describe import Description
from .paths import document_path
from .rdf_output import PREFIXES
from .ui_strings import TERM_LABELS, strings

RDF_TYPE = PREFIXES["rdf"] + "type"
LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel", PREFIXES["dcterms"] + "title")
EXACT_MATCH = PREFIXES["skos"] + "exactMatch"
OA = PREFIXES["oa"]
NF = PREFIXES["nf"]
EVIDENCE_STATUS = (NF + "sourceTextSha256", NF + "sourceText", NF + "quotesChecked", NF + "quotesNotCheckedBecause")


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
    iri: str = ""  # the IRI a link stands for, shown beside its local href


@dataclass
class Section:
    iri: str
    anchor: str
    rows: list[tuple[Value, list[Value]]] = field(default_factory=list)


class Labeller:
    def __init__(self, triples: list[ox.Triple], lang: str, base_iri: str, public_base: str = ""):
        self.lang, self.base_iri, self.public_base = lang, base_iri, public_base
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
        term = TERM_LABELS.get(self.lang, {}).get(iri)
        if term:
            return term
        if found:
            return next(iter(found.values()))
        return _compact(iri)

    def value(self, term) -> Value:
        if isinstance(term, ox.NamedNode):
            local = document_path(term.value, self.base_iri)
            if local:
                return Value(self.label(term.value), local, iri=term.value)
            if self.public_base and term.value.startswith(self.public_base):  # a file or service of this server
                return Value(self.label(term.value), "/" + term.value[len(self.public_base):], iri=term.value)
            return Value(self.label(term.value), term.value, external=True, iri=term.value)
        if isinstance(term, ox.Literal):
            note = term.language or ("" if term.datatype.value.endswith("#string") else _compact(term.datatype.value))
            return Value(term.value, note=note)
        return Value(str(term))


def _compact(iri: str) -> str:
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace):]}"
    return iri


def page_model(description: Description, lang: str, base_iri: str, public_base: str = "") -> dict:
    triples = description.triples
    labeller = Labeller(triples, lang, base_iri, public_base)
    ui = strings(lang)
    iri = description.iri
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in description.own:
        by_subject[t.subject.value].append(t)
    _name_parts(labeller, by_subject)
    _name_evidence(labeller, triples, ui)
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

    def href(thing: str) -> str:
        return document_path(thing, base_iri) or thing

    claim_groups = []
    previews = dict(description.previews)
    for key, claims, total in description.claim_groups:
        rows = claim_rows(triples, claims, labeller.label, href)
        if not is_paged(key):  # paged lists come ordered from the store
            rows = sort_in_reading_order(rows, triples)
        whole = {"fragment": whole_list_fragment(key, iri), "query": whole_list_query(key, iri)} if key in previews else None
        claim_groups.append({"key": key, "heading": ui[key], "rows": rows, "total": total, "shown": len(claims),
                             "whole": whole})
    types_of: dict[str, list[str]] = defaultdict(list)
    for t in triples:
        if t.predicate.value == RDF_TYPE:
            types_of[t.subject.value].append(labeller.label(t.object.value))
    incoming = []
    for t in description.incoming:
        document = t.subject.value.split("#")[0]
        kinds = sorted(types_of.get(document, []))
        incoming.append({"subject": Value(labeller.label(document), document_path(document, base_iri)),
                         "via": labeller.value(t.predicate), "kind": kinds[0] if kinds else ui["kind_other"]})
    incoming.sort(key=lambda row: (row["kind"].casefold(), row["subject"].text.casefold(), row["via"].text))
    own_evidence = {t.object.value for t in description.own
                    if t.subject.value == iri and t.predicate.value == NF + "hasEvidence"}
    evidence = _evidence(triples, own_evidence)
    quotes_check = _quotes_check([t for t in description.own if t.subject.value == iri]) or (
        {k: evidence[0][k] for k in ("checked", "why", "file", "sha256")} if evidence else None)
    return {"iri": iri, "label": _title(description, labeller, ui), "types": types, "sections": sections,
            "wikidata": wikidata, "claim_groups": claim_groups, "evidence": evidence, "quotes_check": quotes_check,
            "incoming": incoming,
            "incoming_total": description.incoming_total, "page": description.page, "pages": description.pages,
            "labels": {k: dict(v) for k, v in labeller.labels.items() if k == iri}}


def _name_parts(labeller: Labeller, by_subject: dict[str, list[ox.Triple]]) -> None:
    """A hash part has no label of its own: a participation is named by who takes part and in what role."""
    for subject, triples in by_subject.items():
        if "#" not in subject or subject in labeller.labels:
            continue
        values = {t.predicate.value: t.object.value for t in triples}
        if NF + "participant" in values and NF + "role" in values:
            name = f"{labeller.label(values[NF + 'participant'])} ({labeller.label(values[NF + 'role'])})"
        else:
            name = "#" + subject.partition("#")[2]
        labeller.labels[subject][""] = name


def _name_evidence(labeller: Labeller, triples: list[ox.Triple], ui: dict) -> None:
    """An evidence annotation has no label: "Evidence 2" (its number among the claim's quotes)."""
    for t in triples:
        for node in (t.subject, t.object):
            iri = node.value if isinstance(node, ox.NamedNode) else ""
            if "/evidence/" in iri and "#" not in iri and iri not in labeller.labels:
                labeller.labels[iri][""] = f"{ui['evidence']} {iri.rsplit('-', 1)[-1]}"


def _types_of(triples: list[ox.Triple], subject: str) -> list:
    return [t.object for t in triples if t.subject.value == subject and t.predicate.value == RDF_TYPE]


def _title(description: Description, labeller: Labeller, ui: dict) -> str:
    """A human title: the thing's label; for evidence, the claim it supports; for the dataset, its title."""
    iri = description.iri
    if any(t.value == NF + "Evidence" for t in _types_of(description.own, iri)):
        body = next((t.object.value for t in description.own if t.subject.value == iri and t.predicate.value == OA + "hasBody"),
                    None)
        if body:
            return f"{ui['evidence_for']}: {labeller.label(body)}"
    if iri not in labeller.labels and iri.endswith("/dataset"):
        return ui["dataset_title"]
    return labeller.label(iri)


def _evidence(triples: list[ox.Triple], evidence: set[str]) -> list[dict]:
    """The claim's quotes (its ``evidence`` annotations) with their offsets and checksum, for its page."""
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for t in triples:
        if t.predicate.value.startswith(OA) or t.predicate.value in EVIDENCE_STATUS:
            values[t.subject.value][t.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]] = t.object.value
    quotes = []
    for subject, fields in values.items():
        base = subject.split("#")[0]
        if "exact" in fields and base in evidence:
            position = values.get(base + "#position", {})
            source = values.get(values.get(base + "#target", {}).get("hasSource", ""), {})
            quotes.append({"exact": fields["exact"], "prefix": fields.get("prefix", ""), "suffix": fields.get("suffix", ""),
                           "start": position.get("start"), "end": position.get("end"),
                           "file": source.get("sourceText"), "sha256": source.get("sourceTextSha256"),
                           "checked": source.get("quotesChecked") == "true", "why": source.get("quotesNotCheckedBecause")})
    return sorted(quotes, key=lambda q: int(q["start"] or 0))


def _quotes_check(own: list[ox.Triple]) -> dict | None:
    """An article's evidence status: were its quotes checked against its source text (and that text's SHA-256),
    or not and why. None for anything that is not an article."""
    fields = {t.predicate.value[len(NF):]: t.object.value for t in own if t.predicate.value in EVIDENCE_STATUS}
    if "quotesChecked" not in fields:
        return None
    return {"checked": fields["quotesChecked"] == "true", "why": fields.get("quotesNotCheckedBecause"),
            "file": fields.get("sourceText"), "sha256": fields.get("sourceTextSha256")}
