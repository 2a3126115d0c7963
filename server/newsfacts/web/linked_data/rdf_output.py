"""Documents as RDF: Turtle with prefixes, N-Triples, RDF/XML, and JSON-LD compacted with the published context.

The JSON-LD context (served at /context.jsonld) is made from the ontology: every newsfacts property is a
term named by its local name, object properties typed @id, labels as language maps. Expanding a JSON-LD
document with it gives the same graph as the Turtle of the same document.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pyoxigraph as ox

from ...prefixes import PREFIXES
from .paths import VOCABULARY_BASE

NF = VOCABULARY_BASE + "ontology/"
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
    """JSON-LD in compact form: a flat @graph of node objects whose keys are the context's terms.

    The context is ours and simple (plain terms, @id- and datatype-typed terms, language maps), so compaction
    is a direct mapping, done here rather than by a general JSON-LD processor, which is many times slower. The
    result is checked by expanding it with pyld (tests/test_documents.py)."""
    document = {"@context": context_url, "@graph": _compact_nodes(triples, context)}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def compact_dataset_jsonld(quads: list[ox.Quad], context: dict) -> bytes:
    """A whole dataset as compact JSON-LD that keeps its named graphs: the context inline (the one served at
    /context.jsonld, so the file needs nothing fetched), the default graph's nodes at the top, and one
    ``{"id": <graph>, "@graph": [...]}`` object per named graph. Sorted input gives the same bytes every time."""
    by_graph: dict[str, list[ox.Triple]] = {}
    for q in quads:
        key = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        by_graph.setdefault(key, []).append(q.triple)
    top = _compact_nodes(by_graph.pop("", []), context)
    for name in sorted(by_graph):
        top.append({"id": name, "@graph": _compact_nodes(by_graph[name], context)})
    document = {"@context": context["@context"], "@graph": top}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _compact_nodes(triples: list[ox.Triple], context: dict) -> list[dict]:
    """The node objects of a graph, keyed by the context's terms."""
    terms = _term_index(json.dumps(context["@context"], sort_keys=True))
    nodes: dict[str, dict] = {}
    for t in triples:
        node = nodes.setdefault(_node_id(t.subject), {"id": _node_id(t.subject)})
        predicate = t.predicate.value
        if predicate == PREFIXES["rdf"] + "type" and isinstance(t.object, ox.NamedNode):
            node.setdefault("type", []).append(_compact_iri(t.object.value))
            continue
        key, value = _key_and_value(terms, predicate, t.object)
        if isinstance(value, tuple):  # a language map entry
            language_map = node.setdefault(key, {})
            language_map.setdefault(value[0], []).append(value[1])
        else:
            node.setdefault(key, []).append(value)
    graph = []
    for node in nodes.values():
        out = {}
        for key, values in node.items():
            if isinstance(values, list):
                out[key] = values[0] if len(values) == 1 else values
            elif isinstance(values, dict) and key != "id":
                out[key] = {lang: texts[0] if len(texts) == 1 else texts for lang, texts in values.items()}
            else:
                out[key] = values
        graph.append(out)
    return graph


@lru_cache(maxsize=4)
def _term_index(context_text: str) -> dict[str, tuple[str, dict]]:
    """Full property IRI -> (term, definition), from the context."""
    context = json.loads(context_text)
    index = {}
    for term, definition in context.items():
        if term.startswith("@") or not isinstance(definition, dict):
            continue
        prefix, _, local = definition["@id"].partition(":")
        iri = PREFIXES[prefix] + local if prefix in PREFIXES else definition["@id"]
        index[iri] = (term, definition)
    return index


def _node_id(term) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _compact_iri(iri: str) -> str:
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace) and "/" not in iri[len(namespace):] \
                and "#" not in iri[len(namespace):]:
            return f"{name}:{iri[len(namespace):]}"
    return iri


def _key_and_value(terms: dict, predicate: str, obj):
    term, definition = terms.get(predicate, (None, {}))
    if term is None:
        key, definition = _compact_iri(predicate), {}
    else:
        key = term
    kind = definition.get("@type")
    if isinstance(obj, ox.NamedNode | ox.BlankNode):
        reference = _node_id(obj)
        return key, (reference if kind == "@id" else {"@id": reference})
    if obj.language and definition.get("@container") == "@language":
        return key, (obj.language, obj.value)
    if definition.get("@container"):  # a language-map term cannot hold other values: use the property's IRI
        key, kind = _compact_iri(predicate), None
    if obj.language:
        return key, {"@value": obj.value, "@language": obj.language}
    datatype = obj.datatype.value
    if datatype == PREFIXES["xsd"] + "string" and kind is None:
        return key, obj.value
    if kind and kind != "@id" and _expand(kind) == datatype:
        return key, obj.value
    return key, {"@value": obj.value, "@type": _compact_iri(datatype)}


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else curie


def _used(prefixes: dict[str, str], triples: list[ox.Triple]) -> dict[str, str]:
    text = " ".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
    return {name: iri for name, iri in prefixes.items() if f"<{iri}" in text}
