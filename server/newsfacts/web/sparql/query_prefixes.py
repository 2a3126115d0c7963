"""The prefixes every query may use without declaring them, as on Wikidata's endpoint (`rdfs:label` just works).

A query's own ``PREFIX`` declaration of the same name wins. The engine receives them as its default prefixes (the
query text is not changed, so error positions stay those of the text sent); a remote store gets them declared in
front of the query, on its first line. ``nf:`` is the vocabulary's fixed namespace; ``nfe:`` (entities)
follows the base IRI of the data.
"""

from __future__ import annotations

from ...prefixes import PREFIXES

#: The common vocabularies of the one prefix table (sem: and foaf: are the project's own output choices).
STANDARD = {name: PREFIXES[name] for name in ("rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "schema", "prov", "oa",
                                              "org", "void", "dcat", "wd")}


def predeclared(base_iri: str) -> dict[str, str]:
    """Prefix name -> namespace IRI of every prefix a query may use undeclared."""
    return {**STANDARD, "nf": PREFIXES["nf"], "nfe": f"{base_iri}entity/"}

