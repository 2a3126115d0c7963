"""What readers and other datasets look things up by: one record per entity, event, claim, article and report.

Read from a release's quads at build time (so it works the same for the embedded and a remote store): names in
every language (labels and alternative labels), descriptions, types with their superclasses, Wikidata ids,
where a thing is and what it is part of, for claims their text, quotes, speaker and certainty, for events their
time as precise as the text and who took part. ``search_index`` writes these records into the release.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .prefixes import PREFIXES

NF = PREFIXES["nf"]
RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SUBCLASS_OF = PREFIXES["rdfs"] + "subClassOf"
ALT_LABEL = PREFIXES["skos"] + "altLabel"
EXACT_MATCH = PREFIXES["skos"] + "exactMatch"
WIKIDATA = "http://www.wikidata.org/entity/"
OA = PREFIXES["oa"]
KINDS = ("entity", "event", "claim", "article", "report")


@dataclass
class Record:
    iri: str
    kind: str  # one of KINDS
    names: list[tuple[str, str]] = field(default_factory=list)  # (language, label), preferred labels
    alt_names: list[tuple[str, str]] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # claim text, quotes, hedges, time words: searched, not shown
    types: list[str] = field(default_factory=list)  # local names of its nf: classes, most specific first
    ancestors: set[str] = field(default_factory=set)  # its classes and all their superclasses
    wikidata: list[str] = field(default_factory=list)  # Q-ids
    links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # locatedIn, partOf, memberOf …
    mentioned_by: int = 0  # claims that mention it
    time: dict[str, str] = field(default_factory=dict)  # events: date, date_type, not_before, not_after, text
    claim: dict[str, str] = field(default_factory=dict)  # claims: text, certainty, who, article, quote

    def name(self, lang: str = "en") -> str:
        for wanted in (lang, "en", ""):
            for language, label in self.names:
                if language == wanted:
                    return label
        if self.names:
            return self.names[0][1]
        return self.claim.get("text") or self.iri.rsplit("/", 1)[-1]


#: The links a record keeps (by their predicate's local name: ``Record.links``).
_LINKS = tuple(NF + name for name in ("locatedIn", "partOf", "place", "hasParticipant", "attributedTo", "statedIn",
                                      "asserts", "mentions", "publisher", "onTheWordOf", "attributionUncertainBetween")) \
    + (PREFIXES["schema"] + "publisher", PREFIXES["schema"] + "author")
#: Every predicate ``records`` reads: the others' statements may be left out of what it is given, with the same
#: records (search_parts.py reads only these lines; tests/test_search_parts.py checks it on the shipped release).
READ_PREDICATES = frozenset((RDFS_LABEL, ALT_LABEL, RDF_TYPE, EXACT_MATCH, SUBCLASS_OF, *_LINKS, *(NF + name for name in (
    "description", "authorDescription", "genre", "claimText", "hedge", "certainty", "date", "notBefore", "notAfter",
    "timeDescription", "hasEvidence", "holder", "officeOf")), OA + "hasTarget", OA + "hasSelector", OA + "exact"))


def kind_of(iri: str, base_iri: str) -> str | None:
    if not iri.startswith(base_iri) or "#" in iri:
        return None
    root = iri[len(base_iri):].split("/", 1)[0]
    return root if root in KINDS else None


def _superclasses(quads: list[ox.Quad]) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = defaultdict(set)
    for q in quads:
        if q.predicate.value == SUBCLASS_OF and isinstance(q.object, ox.NamedNode):
            parents[q.subject.value].add(q.object.value)
    closure: dict[str, set[str]] = {}

    def up(cls: str, seen: frozenset = frozenset()) -> set[str]:
        if cls not in closure:
            found = {cls}
            for parent in parents.get(cls, ()):
                if parent not in seen:
                    found |= up(parent, seen | {cls})
            closure[cls] = found
        return closure[cls]

    return {cls: up(cls) for cls in set(parents) | {p for ps in parents.values() for p in ps}}


def records(quads: list[ox.Quad], base_iri: str) -> list[Record]:
    """One record per findable thing of the release, in IRI order."""
    by_subject: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        if isinstance(q.subject, ox.NamedNode):
            by_subject[q.subject.value].append(q)
    for own in by_subject.values():  # the same record whatever the order of the quads (a store's or a build's)
        own.sort(key=str)
    supers = _superclasses(quads)
    found: dict[str, Record] = {}
    for iri in sorted(by_subject):
        kind = kind_of(iri, base_iri)
        if kind is not None:
            found[iri] = _record(iri, kind, by_subject[iri], supers)
    for iri in sorted(by_subject):
        _relations(iri, by_subject[iri], by_subject, found)
    return list(found.values())


def _value(q: ox.Quad) -> str:
    return q.object.value


def _local(iri: str) -> str:
    return iri[len(NF):] if iri.startswith(NF) else iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _record(iri: str, kind: str, own: list[ox.Quad], supers: dict[str, set[str]]) -> Record:
    record = Record(iri, kind)
    classes = []
    for q in own:
        p = q.predicate.value
        if p == RDFS_LABEL and isinstance(q.object, ox.Literal):
            record.names.append((q.object.language or "", q.object.value))
        elif p == ALT_LABEL and isinstance(q.object, ox.Literal):
            record.alt_names.append((q.object.language or "", q.object.value))
        elif p == NF + "description" or p == NF + "authorDescription" or p == NF + "genre":
            record.descriptions.append(_value(q))
        elif p == RDF_TYPE and q.object.value.startswith(NF):
            classes.append(q.object.value)
        elif p == EXACT_MATCH and q.object.value.startswith(WIKIDATA):
            record.wikidata.append(q.object.value[len(WIKIDATA):])
        elif p in _LINKS and isinstance(q.object, ox.NamedNode):
            record.links[_local(p)].append(q.object.value)
        elif p == NF + "claimText":
            record.claim["text"] = _value(q)
            record.texts.append(_value(q))
        elif p == NF + "hedge":
            record.claim["hedge"] = _value(q)
            record.texts.append(_value(q))
        elif p == NF + "certainty":
            record.claim["certainty"] = _local(_value(q))
        elif p in (NF + "date", NF + "notBefore", NF + "notAfter"):
            key = {"date": "date", "notBefore": "not_before", "notAfter": "not_after"}[_local(p)]
            record.time[key] = _value(q)
            if key == "date":
                record.time["date_type"] = q.object.datatype.value.rsplit("#", 1)[-1]
        elif p == NF + "timeDescription":
            record.time["text"] = _value(q)
            record.texts.append(_value(q))
    # most specific first: a class that is a superclass of another of its classes goes after it
    classes.sort(key=lambda c: (sum(c in supers.get(other, {other}) for other in classes if other != c), c))
    record.types = [_local(c) for c in classes]
    record.ancestors = {_local(a) for c in classes for a in supers.get(c, {c}) if a.startswith(NF)}
    for key in ("who", "article"):
        source = {"who": "attributedTo", "article": "statedIn"}[key]
        if record.links.get(source):
            record.claim[key] = record.links[source][0]
    if record.links.get("attributionUncertainBetween"):  # the text leaves the speaker open between these
        record.claim["who_one_of"] = sorted(record.links["attributionUncertainBetween"])
    return record


def _relations(iri: str, own: list[ox.Quad], by_subject: dict[str, list[ox.Quad]], found: dict[str, Record]) -> None:
    """What one subject says about others: claims mention things and carry quotes, office holdings make members."""
    predicates = defaultdict(list)
    for q in own:
        predicates[q.predicate.value].append(q.object.value)
    for mentioned in predicates.get(NF + "mentions", []):
        if mentioned in found:
            found[mentioned].mentioned_by += 1
    if iri in found and found[iri].kind == "claim":
        for evidence in predicates.get(NF + "hasEvidence", []):
            for quote in _quotes(evidence, by_subject):
                found[iri].texts.append(quote)
                found[iri].claim.setdefault("quote", quote)
    if NF + "OfficeHolding" in predicates.get(RDF_TYPE, []):
        for holder in predicates.get(NF + "holder", []):
            for organisation in predicates.get(NF + "officeOf", []):
                if holder in found and organisation not in found[holder].links["memberOf"]:
                    found[holder].links["memberOf"].append(organisation)


def _quotes(evidence: str, by_subject: dict[str, list[ox.Quad]]) -> list[str]:
    quotes = []
    for target in (q.object.value for q in by_subject.get(evidence, []) if q.predicate.value == OA + "hasTarget"):
        for selector in (q.object.value for q in by_subject.get(target, []) if q.predicate.value == OA + "hasSelector"):
            quotes += [q.object.value for q in by_subject.get(selector, []) if q.predicate.value == OA + "exact"]
    return quotes
