"""The ontology and concept schemes, loaded once per build, and the names a facts file may use from them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

NF = "https://newsfacts.example/ontology/"
CONCEPT = "https://newsfacts.example/concept/"
ONTOLOGY_IRI = NF

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

#: Concept schemes that facts files name concepts of, by the facts key that uses them.
SCHEMES = {
    "certainty": "certainty",
    "event_type": "event-type",
    "role": "role",
    "office": "office",
    "designation": "designation",
}


@dataclass(frozen=True)
class Vocabulary:
    triples: list  # pyoxigraph Triples of the ontology and concept schemes
    classes: frozenset[str]  # local names of nf: classes
    properties: frozenset[str]  # local names of nf: properties
    concepts: dict[str, frozenset[str]]  # scheme slug -> concept slugs

    @classmethod
    def load(cls, ontology_dir: str | Path) -> Vocabulary:
        triples = []
        for path in sorted(Path(ontology_dir).glob("*.ttl")):
            with open(path, "rb") as handle:
                triples.extend(q.triple for q in ox.parse(handle, format=ox.RdfFormat.TURTLE, base_iri=NF))
        classes, properties = set(), set()
        concepts: dict[str, set[str]] = {scheme: set() for scheme in SCHEMES.values()}
        for t in triples:
            s = t.subject.value if isinstance(t.subject, ox.NamedNode) else ""
            if t.predicate.value == RDF_TYPE and s.startswith(NF):
                kind = t.object.value
                if kind == OWL + "Class":
                    classes.add(s[len(NF):])
                elif kind in (OWL + "ObjectProperty", OWL + "DatatypeProperty"):
                    properties.add(s[len(NF):])
            if t.predicate.value == SKOS + "inScheme" and s.startswith(CONCEPT):
                scheme = t.object.value[len(CONCEPT):]
                if scheme in concepts:
                    concepts[scheme].add(s.rsplit("/", 1)[1])
        return cls(
            triples=triples,
            classes=frozenset(classes),
            properties=frozenset(properties),
            concepts={k: frozenset(v) for k, v in concepts.items()},
        )

    def datatype_properties(self) -> frozenset[str]:
        return frozenset(
            t.subject.value[len(NF):]
            for t in self.triples
            if t.predicate.value == RDF_TYPE and t.object.value == OWL + "DatatypeProperty"
        )


def concept_iri(scheme: str, slug: str) -> str:
    return f"{CONCEPT}{scheme}/{slug}"
