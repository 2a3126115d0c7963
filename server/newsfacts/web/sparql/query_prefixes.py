"""The prefixes every query may use without declaring them, as on Wikidata's endpoint (`rdfs:label` just works).

A query's own ``PREFIX`` declaration of the same name wins. The engine receives them as its default prefixes (the
query text is not changed, so error positions stay those of the text sent); a remote store gets them declared in
front of the query, on its first line. ``nf:`` is the vocabulary's fixed namespace; ``nfe:`` (entities)
follows the base IRI of the data.
"""

from __future__ import annotations

from ...prefixes import PREFIXES

STANDARD = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "wd": "http://www.wikidata.org/entity/",
}


def predeclared(base_iri: str) -> dict[str, str]:
    """Prefix name -> namespace IRI of every prefix a query may use undeclared."""
    return {**STANDARD, "nf": PREFIXES["nf"], "nfe": f"{base_iri}entity/"}

