"""The vocabulary: its JSON-LD context, and the ontology namespace document (HTML documentation for browsers,
the OWL for machines), both read from the release's vocabulary graph."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from flask import Response, render_template

from . import pages, rdf_output
from .paths import VOCABULARY_BASE, document_path
from .ui_strings import strings

NF = VOCABULARY_BASE + "ontology/"
FOAF_TOPIC = ox.NamedNode("http://xmlns.com/foaf/0.1/primaryTopic")
VOID_IN_DATASET = ox.NamedNode("http://rdfs.org/ns/void#inDataset")
_contexts: dict[str, dict] = {}


def vocabulary_triples(served) -> list[ox.Triple]:
    graph = served.manifest.get("base_iri", "") + "graph/vocabulary"
    return list(served.store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))


def context(served) -> dict:
    """The JSON-LD context of a release (made once per release)."""
    found = _contexts.get(served.version)
    if found is None:
        found = rdf_output.make_context(vocabulary_triples(served))
        _contexts.clear()
        _contexts[served.version] = found
    return found


def document_links(document_url: str, iri: str, base_iri: str) -> list[ox.Triple]:
    """A document names its topic and links back to the dataset."""
    document = ox.NamedNode(document_url)
    return [ox.Triple(document, FOAF_TOPIC, ox.NamedNode(iri)),
            ox.Triple(document, VOID_IN_DATASET, ox.NamedNode(base_iri + "dataset"))]


def ontology_document(served, fmt, headers: dict, lang: str, context_url: str) -> Response:
    triples = [t for t in vocabulary_triples(served) if t.subject.value.startswith(NF)]
    if fmt.rdf_format is None:
        return Response(render_template("ld_vocabulary.html", v=_documentation(triples, served, lang), lang=lang,
                                        ui=strings(lang)),
                        headers=headers, content_type=fmt.content_type)
    if fmt.suffix == "jsonld":
        body = rdf_output.compact_jsonld(triples, context(served), context_url)
    else:
        body = rdf_output.serialize(triples, fmt.rdf_format, rdf_output.PREFIXES)
    return Response(body, headers=headers, content_type=fmt.content_type)


def _documentation(triples: list[ox.Triple], served, lang: str) -> dict:
    """Classes, properties and concept schemes, each with label, definition and link, for the HTML page."""
    everything = vocabulary_triples(served)
    labeller = pages.Labeller(everything, lang, served.manifest.get("base_iri", ""))
    facts: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in everything:
        facts[t.subject.value][t.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]].append(t.object)
    kinds = {"Class": [], "ObjectProperty": [], "DatatypeProperty": []}
    schemes = []
    for subject, values in sorted(facts.items()):
        types = {o.value.rsplit("#", 1)[-1] for o in values.get("type", [])}
        entry = {"iri": subject, "label": labeller.label(subject), "href": document_path(subject, ""),
                 "definition": _in(values.get("definition", []), lang),
                 "parents": [labeller.value(o) for o in values.get("subClassOf", []) + values.get("subPropertyOf", [])]}
        for kind in kinds:
            if kind in types and subject.startswith(NF):
                kinds[kind].append(entry)
        if "ConceptScheme" in types:
            members = [{"label": labeller.label(s), "href": document_path(s, ""), "notation": _in(v.get("notation", []), "")}
                       for s, v in sorted(facts.items()) if any(o.value == subject for o in v.get("inScheme", []))]
            schemes.append(dict(entry, concepts=members))
    header = facts.get(NF, {})
    return {"title": _in(header.get("title", []), lang), "description": _in(header.get("description", []), lang),
            "version": _in(header.get("versionInfo", []), ""), "license": _in(header.get("license", []), ""),
            "classes": kinds["Class"], "object_properties": kinds["ObjectProperty"],
            "datatype_properties": kinds["DatatypeProperty"], "schemes": schemes}


def _in(literals: list, lang: str) -> str:
    for wanted in (lang, "en", ""):
        for literal in literals:
            if getattr(literal, "language", None) in (wanted, None if wanted == "" else wanted) or (
                    wanted == "" and isinstance(literal, ox.NamedNode)):
                return literal.value
    return literals[0].value if literals else ""
