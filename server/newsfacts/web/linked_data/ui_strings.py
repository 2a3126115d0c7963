"""Every fixed word of the HTML pages, one table per language (the data's own labels come from the data).

A page gets ``ui = strings(lang)``; templates write ``{{ ui.linked_from }}``, never an English literal. A
language missing a key falls back to English, so a new key shows up at once in English and a test lists the
keys Spanish lacks.
"""

from __future__ import annotations

from ...prefixes import PREFIXES

UI: dict[str, dict[str, str]] = {
    "en": {
        "site_tagline": "newsfacts — facts reported in news articles, with who says them and how hedged.",
        "nav_dataset": "dataset", "nav_sparql": "SPARQL", "nav_dumps": "dumps", "nav_ontology": "ontology",
        "same_as": "Same as",
        "the_claim": "The claim",
        "claims_in_reading_order": "Claims, in reading order",
        "claims_asserting": "Claims that assert it",
        "claims_from_report": "Claims from this report",
        "claims_possibly_from_report": "Claims that may continue this report",
        "claims_about": "Claims that mention it",
        "claims_said": "Claims it makes",
        "according_to": "according to",
        "on_the_word_of": "on the word of",
        "from_report": "from",
        "may_continue": "may continue",
        "or": "or",
        "speaker_open": "the text does not say which of them says it",
        "the_text_says": "the text says",
        "in_context": "in the text",
        "certainty": "certainty",
        "words_that_support": "The words that support it",
        "characters": "Characters",
        "quotes_checked": "Quotes checked against the source text",
        "quotes_checked_when": "when this release was built",
        "quotes_not_checked": "Quotes not checked against the source text",
        "offsets_as_given": "Offsets and SHA-256 are as the facts file gives them.",
        "checked": "checked",
        "search": "Search",
        "search_placeholder": "Search names, claims, quotes",
        "second_hand": "second-hand: rests on",
        "said_by": "said by",
        "not_checked": "not checked",
        "of": "of",
        "part": "Part",
        "statements": "Statements",
        "linked_from": "Linked from",
        "via": "via",
        "page": "Page",
        "previous": "previous",
        "next": "next",
        "as_data": "This description as data",
        "query_with_sparql": "query it with SPARQL",
        "release": "Release",
        "evidence_for": "Evidence for",
        "evidence": "Evidence",
        "dataset_title": "The newsfacts dataset",
        "claim_count": "claims",
        "kind_other": "other",
        # the landing page
        "landing_lead": "Facts reported in news articles, as linked data. Every claim says who says it, how it is "
                        "hedged (“allegedly”, “according to unnamed sources”), when, and quotes the words of the "
                        "article that support it, with their character offsets and the source text's SHA-256. "
                        "Entities link to Wikidata only where the identifier is verified.",
        "articles": "Articles",
        "read_the_claims": "its claims, in reading order",
        "by": "by",
        "relays": "relays",
        "main_entities": "Who and what it is about",
        "reports": "Reports it relays",
        "example_resources": "Example resources",
        "example_queries": "Example queries",
        "release_word": "Release", "built": "built", "triples": "Triples", "license": "License",
        "description": "Description", "dumps": "Dumps", "all_dumps": "All dumps", "file": "file", "bytes": "bytes",
        "sparql_endpoint": "The SPARQL endpoint", "ontology_and_schemes": "The ontology and concept schemes",
        # the ontology page
        "classes": "Classes", "object_properties": "Object properties", "datatype_properties": "Datatype properties",
        "concept_schemes": "Concept schemes", "version": "Version", "namespace": "namespace", "prefix": "prefix",
        "subclass_or_subproperty_of": "Subclass or subproperty of",
    },
    "es": {
        "site_tagline": "newsfacts — hechos publicados en artículos de prensa, con quién los dice y con qué reservas.",
        "nav_dataset": "conjunto de datos", "nav_sparql": "SPARQL", "nav_dumps": "volcados", "nav_ontology": "ontología",
        "same_as": "Lo mismo que",
        "the_claim": "La afirmación",
        "claims_in_reading_order": "Afirmaciones, en orden de lectura",
        "claims_asserting": "Afirmaciones que lo afirman",
        "claims_from_report": "Afirmaciones de este informe",
        "claims_possibly_from_report": "Afirmaciones que pueden continuar este informe",
        "claims_about": "Afirmaciones que lo mencionan",
        "claims_said": "Afirmaciones que hace",
        "according_to": "según",
        "on_the_word_of": "basándose en",
        "from_report": "del informe",
        "may_continue": "puede continuar",
        "or": "o",
        "speaker_open": "el texto no dice cuál de ellos lo dice",
        "the_text_says": "el texto dice",
        "in_context": "en el texto",
        "certainty": "certeza",
        "words_that_support": "Las palabras que lo sustentan",
        "characters": "Caracteres",
        "quotes_checked": "Citas verificadas con el texto fuente",
        "quotes_checked_when": "al construir esta versión",
        "quotes_not_checked": "Citas no verificadas con el texto fuente",
        "offsets_as_given": "Las posiciones y el SHA-256 son los que da el archivo de hechos.",
        "checked": "verificada",
        "search": "Buscar",
        "search_placeholder": "Buscar nombres, afirmaciones, citas",
        "second_hand": "de segunda mano: se apoya en",
        "said_by": "dicho por",
        "not_checked": "no verificada",
        "of": "de",
        "part": "Parte",
        "statements": "Datos",
        "linked_from": "Enlazado desde",
        "via": "mediante",
        "page": "Página",
        "previous": "anterior",
        "next": "siguiente",
        "as_data": "Esta descripción como datos",
        "query_with_sparql": "consultarla con SPARQL",
        "release": "Versión",
        "evidence_for": "Evidencia de",
        "evidence": "Evidencia",
        "dataset_title": "El conjunto de datos newsfacts",
        "claim_count": "afirmaciones",
        "kind_other": "otros",
        "landing_lead": "Hechos publicados en artículos de prensa, como datos enlazados. Cada afirmación dice quién "
                        "la hace, con qué reservas (“presuntamente”, “según fuentes anónimas”), cuándo, y cita las "
                        "palabras del artículo que la sustentan, con sus posiciones en caracteres y el SHA-256 del "
                        "texto fuente. Las entidades enlazan con Wikidata solo cuando el identificador está verificado.",
        "articles": "Artículos",
        "read_the_claims": "sus afirmaciones, en orden de lectura",
        "by": "de",
        "relays": "retransmite",
        "main_entities": "De quién y de qué trata",
        "reports": "Informes que retransmite",
        "example_resources": "Recursos de ejemplo",
        "example_queries": "Consultas de ejemplo",
        "release_word": "Versión", "built": "generada", "triples": "Tripletas", "license": "Licencia",
        "description": "Descripción", "dumps": "Volcados", "all_dumps": "Todos los volcados", "file": "archivo",
        "bytes": "bytes", "sparql_endpoint": "El punto de consulta SPARQL",
        "ontology_and_schemes": "La ontología y los esquemas de conceptos",
        "classes": "Clases", "object_properties": "Propiedades de objeto", "datatype_properties": "Propiedades de datos",
        "concept_schemes": "Esquemas de conceptos", "version": "Versión", "namespace": "espacio de nombres",
        "prefix": "prefijo", "subclass_or_subproperty_of": "Subclase o subpropiedad de",
    },
}

# Labels of the terms of other vocabularies that pages show (newsfacts terms carry their own labels).
_TERMS = {
    "rdf:type": ("type", "tipo"), "rdfs:label": ("label", "etiqueta"), "skos:altLabel": ("other name", "otro nombre"),
    "skos:prefLabel": ("preferred label", "etiqueta preferida"), "skos:exactMatch": ("same as", "lo mismo que"),
    "skos:definition": ("definition", "definición"), "skos:inScheme": ("in scheme", "en el esquema"),
    "skos:notation": ("notation", "notación"), "skos:closeMatch": ("close match", "equivalente cercano"),
    "skos:broadMatch": ("broader match", "equivalente más amplio"), "skos:topConceptOf": ("top concept of", "concepto raíz de"),
    "rdfs:isDefinedBy": ("defined by", "definido por"),
    "schema:author": ("author", "autor"), "schema:publisher": ("publisher", "editor"),
    "schema:inLanguage": ("language", "idioma"), "schema:datePublished": ("publication date", "fecha de publicación"),
    "schema:url": ("address", "dirección"),
    "rdf:subject": ("subject", "sujeto"), "rdf:predicate": ("relation", "relación"), "rdf:object": ("object", "objeto"),
    "oa:hasBody": ("body", "cuerpo"), "oa:hasTarget": ("target", "destino"), "oa:hasSource": ("source", "fuente"),
    "oa:hasSelector": ("selector", "selector"), "oa:motivatedBy": ("motivation", "motivo"),
    "oa:describing": ("describing", "describir"), "oa:exact": ("exact words", "palabras exactas"),
    "oa:prefix": ("words before", "palabras anteriores"), "oa:suffix": ("words after", "palabras posteriores"),
    "oa:start": ("start", "inicio"), "oa:end": ("end", "fin"), "oa:Annotation": ("annotation", "anotación"),
    "oa:SpecificResource": ("part of a text", "parte de un texto"),
    "oa:TextQuoteSelector": ("quote selector", "selector de cita"),
    "oa:TextPositionSelector": ("position selector", "selector de posición"),
    "dcterms:title": ("title", "título"), "dcterms:description": ("description", "descripción"),
    "dcterms:license": ("license", "licencia"), "dcterms:issued": ("issued", "publicado"),
    "dcterms:modified": ("modified", "modificado"), "dcterms:publisher": ("publisher", "editor"),
    "void:Dataset": ("dataset", "conjunto de datos"), "dcat:Dataset": ("dataset", "conjunto de datos"),
    "void:triples": ("triples", "tripletas"), "void:dataDump": ("dump", "volcado"),
    "dcat:distribution": ("distribution", "distribución"), "void:inDataset": ("in dataset", "en el conjunto de datos"),
    "rdf:Statement": ("statement", "enunciado"),
}
TERM_LABELS: dict[str, dict[str, str]] = {"en": {}, "es": {}}
for _curie, (_en, _es) in _TERMS.items():
    _prefix, _local = _curie.split(":", 1)
    if _prefix in PREFIXES:
        TERM_LABELS["en"][PREFIXES[_prefix] + _local] = _en
        TERM_LABELS["es"][PREFIXES[_prefix] + _local] = _es


def strings(lang: str) -> dict[str, str]:
    """The fixed words of a page in ``lang`` (English for a language without a table or a missing key)."""
    return {**UI["en"], **UI.get(lang, {})}
