"""Documents as RDF: Turtle with prefixes, N-Triples, RDF/XML, and JSON-LD compacted with the published context.

The JSON-LD context (served at /context.jsonld) is made from the ontology: every newsfacts property is a
term named by its local name, object properties typed @id, labels as language maps. Expanding a JSON-LD
document with it gives the same graph as the Turtle of the same document.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pyoxigraph as ox
from pyld import jsonld

from .paths import VOCABULARY_BASE

NF = VOCABULARY_BASE + "ontology/"
PREFIXES = {
    "nf": NF,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "dcterms": "http://purl.org/dc/terms/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "wd": "http://www.wikidata.org/entity/",
}
OBJECT_TERMS = {
    "exactMatch": "skos:exactMatch", "closeMatch": "skos:closeMatch", "inScheme": "skos:inScheme",
    "hasTarget": "oa:hasTarget", "hasSource": "oa:hasSource", "hasSelector": "oa:hasSelector", "hasBody": "oa:hasBody",
    "motivatedBy": "oa:motivatedBy", "author": "schema:author", "publisher": "schema:publisher",
    "subject": "rdf:subject", "predicate": "rdf:predicate", "isDefinedBy": "rdfs:isDefinedBy",
    "subClassOf": "rdfs:subClassOf", "subPropertyOf": "rdfs:subPropertyOf", "inDataset": "void:inDataset",
    "primaryTopic": "foaf:primaryTopic",
}
VALUE_TERMS = {"exact": "oa:exact", "prefix": "oa:prefix", "suffix": "oa:suffix", "notation": "skos:notation",
               "object": "rdf:object"}
OFFSET_TERMS = {"start": "oa:start", "end": "oa:end"}
LANGUAGE_TERMS = {"label": "rdfs:label", "prefLabel": "skos:prefLabel", "definition": "skos:definition"}


def make_context(vocabulary: list[ox.Triple]) -> dict:
    """The JSON-LD context: prefixes, then one term per newsfacts property, then common terms."""
    context: dict = {"@version": 1.1, **PREFIXES, "id": "@id", "type": "@type"}
    kinds = {}
    for t in vocabulary:
        if t.predicate.value == PREFIXES["rdf"] + "type" and isinstance(t.subject, ox.NamedNode) \
                and t.subject.value.startswith(NF) and t.object.value.startswith(PREFIXES["owl"]):
            kinds[t.subject.value[len(NF):]] = t.object.value[len(PREFIXES["owl"]):]
    for name, kind in sorted(kinds.items()):
        if kind == "ObjectProperty":
            context[name] = {"@id": f"nf:{name}", "@type": "@id"}
        elif kind == "DatatypeProperty":
            context[name] = {"@id": f"nf:{name}"}
    for name, iri in OBJECT_TERMS.items():
        context[name] = {"@id": iri, "@type": "@id"}
    for name, iri in VALUE_TERMS.items():
        context[name] = {"@id": iri}
    for name, iri in OFFSET_TERMS.items():
        context[name] = {"@id": iri, "@type": "xsd:nonNegativeInteger"}
    for name, iri in LANGUAGE_TERMS.items():
        context[name] = {"@id": iri, "@container": "@language"}
    return {"@context": context}


def serialize(triples: list[ox.Triple], fmt: ox.RdfFormat, prefixes: dict[str, str]) -> bytes:
    triples = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))  # readable Turtle
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        return ox.serialize(triples, format=fmt, prefixes=_used(prefixes, triples))
    return ox.serialize(triples, format=fmt)


def compact_jsonld(triples: list[ox.Triple], context: dict, context_url: str) -> bytes:
    """JSON-LD compacted with the context, which the document names by its URL (never fetched here)."""
    nquads = ox.serialize(triples, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads", "useNativeTypes": False})
    loader = _local_loader(context_url, json.dumps(context))
    compacted = jsonld.compact(expanded, context_url, {"documentLoader": loader})
    return (json.dumps(compacted, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@lru_cache(maxsize=8)
def _local_loader(context_url: str, context_text: str):
    document = json.loads(context_text)

    def load(url, options=None):
        if url != context_url:
            raise jsonld.JsonLdError(f"no remote documents are loaded: {url}", "jsonld.LoadDocumentError",
                                     code="loading document failed")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}

    return load


def _used(prefixes: dict[str, str], triples: list[ox.Triple]) -> dict[str, str]:
    text = " ".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
    return {name: iri for name, iri in prefixes.items() if f"<{iri}" in text}
