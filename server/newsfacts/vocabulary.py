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


#: The class hierarchy beside the shapes, for SHACL engines that look up rdfs:subClassOf in the shapes graph.
CLASS_HIERARCHY_FILE = "class-hierarchy.ttl"


def class_hierarchy_turtle(vocabulary: Vocabulary) -> str:
    """The ontology's rdfs:subClassOf axioms between newsfacts classes and their super-classes, as Turtle; written
    to ``shapes/class-hierarchy.ttl`` by ``python -m newsfacts.vocabulary`` (a test compares the two)."""
    sub_class_of = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
    lines = sorted(f"<{t.subject.value}> <{sub_class_of}> <{t.object.value}> ."
                   for t in vocabulary.triples
                   if t.predicate.value == sub_class_of and isinstance(t.subject, ox.NamedNode)
                   and t.subject.value.startswith(NF) and isinstance(t.object, ox.NamedNode))
    header = ("# Generated from ontology/newsfacts.ttl by `python -m newsfacts.vocabulary`; do not edit.\n"
              "# The class hierarchy, for SHACL engines (such as shacl-engine) that look up rdfs:subClassOf in the\n"
              "# shapes graph rather than the data graph: load it with the shapes.\n")
    return header + "\n".join(lines) + "\n"


if __name__ == "__main__":
    from .config import PROJECT_ROOT

    target = PROJECT_ROOT / "shapes" / CLASS_HIERARCHY_FILE
    target.write_text(class_hierarchy_turtle(Vocabulary.load(PROJECT_ROOT / "ontology")), encoding="utf-8")
    print(f"wrote {target}")
