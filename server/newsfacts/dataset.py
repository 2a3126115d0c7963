"""The dataset's description of itself: VoID for linked-data clients, DCAT for its dump files."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

from .dumps import DumpFile

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL_VERSION_INFO = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
SD_NAME = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#name")
IANA = "https://www.iana.org/assignments/media-types/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SH = "http://www.w3.org/ns/shacl#"
NF = "https://newsfacts.example/ontology/"
RDF_MEDIA_TYPES = ("application/n-quads", "application/trig", "text/turtle", "application/ld+json")
SSSOM_MEDIA_TYPE = "text/tab-separated-values"
SSSOM_SPEC = "https://w3id.org/sssom/spec"
WIKIDATA = "http://www.wikidata.org/entity/"
#: Paths on the base IRI that name what the server serves rather than things; ``served_url`` moves them.
SERVED_PATHS = ("dumps/", "dumps", "sparql", "")


@dataclass(frozen=True)
class Publisher:
    """Who publishes the dataset and how to reach them (settings ``publisher_name``, ``contact_*``)."""

    name: str = "newsfacts"
    email: str = ""
    url: str = ""


def served_url(iri: str, base_iri: str, public_base: str) -> str:
    """A URL of the build-time description as the server serves it: the landing page, the endpoint and the dumps
    are fetched from the server's public address; every other IRI (the names of things) stays as it is."""
    if iri.startswith(base_iri) and public_base != base_iri:
        path = iri[len(base_iri):]
        if path in SERVED_PATHS or path.startswith("dumps/"):
            return public_base + path
    return iri


def _publisher(add, ds: ox.NamedNode, publisher: Publisher, base_iri: str) -> None:
    agent = ox.NamedNode(f"{dataset_iri(base_iri)}#publisher")
    add(ds, DCT + "publisher", agent)
    add(agent, RDF_TYPE, ox.NamedNode(FOAF + "Agent"))
    add(agent, FOAF + "name", ox.Literal(publisher.name))
    contact = ox.NamedNode(f"{dataset_iri(base_iri)}#contact")
    add(ds, DCAT + "contactPoint", contact)
    add(contact, RDF_TYPE, ox.NamedNode(VCARD + "Kind"))
    add(contact, VCARD + "fn", ox.Literal(publisher.name))
    if publisher.email:
        add(contact, VCARD + "hasEmail", ox.NamedNode(f"mailto:{publisher.email}"))
    if publisher.url or not publisher.email:
        add(contact, VCARD + "hasURL", ox.NamedNode(publisher.url or base_iri))


def _linksets(add, ds: ox.NamedNode, quads: list[ox.Quad], base_iri: str) -> None:
    """One void:Linkset per link predicate of the links graph: from this dataset's entities to Wikidata items."""
    links = [q for q in quads if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == f"{base_iri}graph/links"
             and q.object.value.startswith(WIKIDATA)]
    if not links:
        return
    wikidata = ox.NamedNode(f"{dataset_iri(base_iri)}#wikidata")
    add(wikidata, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(wikidata, DCT + "title", ox.Literal("Wikidata", language="en"))
    add(wikidata, FOAF + "homepage", ox.NamedNode("https://www.wikidata.org/"))
    add(wikidata, VOID + "uriSpace", ox.Literal(WIKIDATA))
    for predicate, count in sorted(Counter(q.predicate.value for q in links).items()):
        linkset = ox.NamedNode(f"{dataset_iri(base_iri)}#links-wikidata-{predicate.rsplit('#', 1)[-1]}")
        add(ds, VOID + "subset", linkset)
        add(linkset, RDF_TYPE, ox.NamedNode(VOID + "Linkset"))
        add(linkset, VOID + "target", ds)
        add(linkset, VOID + "target", wikidata)
        add(linkset, VOID + "subjectsTarget", ds)
        add(linkset, VOID + "objectsTarget", wikidata)
        add(linkset, VOID + "linkPredicate", ox.NamedNode(predicate))
        add(linkset, VOID + "triples", ox.Literal(str(count), datatype=ox.NamedNode(XSD + "integer")))
        add(linkset, SD_NAME, ox.NamedNode(f"{base_iri}graph/links"))

EXAMPLE_RESOURCES = ("entity/iran", "entity/nicolas-maduro", "entity/infobae")


def dataset_iri(base_iri: str) -> str:
    return f"{base_iri}dataset"


def dump_url(base_iri: str, version: str, name: str) -> str:
    return f"{base_iri}dumps/{version}/{name}"


@dataclass
class Counts:
    """The statistics VoID gives of the data: distinct triples, subjects, predicates and objects, the distinct
    subjects of each class, the subjects named on the base IRI (entities), the quads of each named graph. An
    incremental build updates the previous release's counts from the change (description_change.py)."""

    triples: int
    subjects: int
    properties: int
    objects: int
    classes: dict[str, int]  # class IRI -> distinct subjects typed with it
    entities: int
    examples: set[str]  # EXAMPLE_RESOURCES (as IRIs) that are subjects in the data
    graphs: dict[str, int]  # graph IRI -> quads


def counts_of(quads: list[ox.Quad], triples: set[ox.Triple], base_iri: str) -> Counts:
    """The counts of the whole data, in Python sets (a full build)."""
    classes = Counter(t.object.value for t in triples if t.predicate == RDF_TYPE)
    entities = {t.subject.value for t in triples
                if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(base_iri)}
    return Counts(len(triples), len({t.subject for t in triples}), len({t.predicate for t in triples}),
                  len({t.object for t in triples}), dict(classes), len(entities),
                  {base_iri + e for e in EXAMPLE_RESOURCES if base_iri + e in entities},
                  dict(Counter(q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode))))


def describe(quads: list[ox.Quad], triples: set[ox.Triple], dumps: list[DumpFile], *, base_iri: str, version: str,
             built_at: str, license_iri: str, graph: str, publisher: Publisher | None = None,
             validation: dict | None = None, counts: Counts | None = None) -> list[ox.Quad]:
    """VoID + DCAT triples describing the dataset ``quads`` and its ``dumps``, in the named graph ``graph``.
    With ``counts`` (an incremental build), ``quads`` need only hold the links graph and ``triples`` nothing.

    URLs of what the server serves (dumps, the endpoint, the landing page) are written on the base IRI; the
    server rewrites them onto its public address when it serves this description (``served_url``)."""
    g = ox.NamedNode(graph)
    ds = ox.NamedNode(dataset_iri(base_iri))
    out: list[ox.Quad] = []

    def add(s, p, o):
        out.append(ox.Quad(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(p), o, g))

    def lit(value, datatype=None):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype) if datatype else None)

    add(ds, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(ds, RDF_TYPE, ox.NamedNode(DCAT + "Dataset"))
    add(ds, DCT + "title", ox.Literal("newsfacts", language="en"))
    add(ds, DCT + "description", ox.Literal(
        "Facts reported in news articles, each claim with who says it, how it is hedged, when, and the exact "
        "words that support it.", language="en"))
    add(ds, DCT + "license", ox.NamedNode(license_iri))
    add(ds, DCT + "issued", lit(built_at, "dateTime"))  # this version of the dataset was issued when it was built
    add(ds, DCT + "modified", lit(built_at, "dateTime"))
    add(ds, DCAT + "landingPage", ox.NamedNode(base_iri))
    _publisher(add, ds, publisher or Publisher(), base_iri)
    if validation is not None:
        report = ox.NamedNode(f"{base_iri}validation-report")
        add(ds, NF + "validationReport", report)
        add(report, RDF_TYPE, ox.NamedNode(SH + "ValidationReport"))
        add(report, SH + "conforms", lit("true" if validation["conforms"] else "false", "boolean"))
        add(report, NF + "violationCount", lit(validation["violations"], "nonNegativeInteger"))
        add(report, NF + "warningCount", lit(validation["warnings"], "nonNegativeInteger"))
    add(ds, OWL_VERSION_INFO, lit(version))
    add(ds, VOID + "sparqlEndpoint", ox.NamedNode(f"{base_iri}sparql"))
    add(ds, VOID + "uriSpace", lit(base_iri))
    counts = counts or counts_of(quads, triples, base_iri)
    add(ds, VOID + "triples", lit(counts.triples, "integer"))
    add(ds, VOID + "distinctSubjects", lit(counts.subjects, "integer"))
    add(ds, VOID + "properties", lit(counts.properties, "integer"))
    add(ds, VOID + "distinctObjects", lit(counts.objects, "integer"))
    classes = {ox.NamedNode(c): n for c, n in counts.classes.items() if n > 0}
    add(ds, VOID + "classes", lit(len(classes), "integer"))
    add(ds, VOID + "entities", lit(counts.entities, "integer"))
    for vocabulary in ("https://newsfacts.example/ontology/", "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/prov#",
                       "https://schema.org/", "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/org#"):
        add(ds, VOID + "vocabulary", ox.NamedNode(vocabulary))
    for example in EXAMPLE_RESOURCES:
        if base_iri + example in counts.examples:
            add(ds, VOID + "exampleResource", ox.NamedNode(base_iri + example))
    for n, (cls, count) in enumerate(sorted(classes.items(), key=lambda kv: str(kv[0])), start=1):
        part = ox.NamedNode(f"{dataset_iri(base_iri)}#class-{n}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", cls)
        add(part, VOID + "entities", lit(count, "integer"))
    for name, count in sorted(counts.graphs.items(), key=lambda kv: f"<{kv[0]}>"):
        if count <= 0:
            continue
        graph_name = ox.NamedNode(name)
        subset = ox.NamedNode(f"{dataset_iri(base_iri)}#graph-{graph_name.value[len(base_iri):].replace('/', '-')}")
        add(ds, VOID + "subset", subset)
        add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(subset, SD_NAME, graph_name)
        add(subset, VOID + "triples", lit(count, "integer"))
        add(subset, VOID + "inDataset", ds)
    _linksets(add, ds, quads, base_iri)
    for dump in dumps:
        url = ox.NamedNode(dump_url(base_iri, version, dump.name))
        dist = ox.NamedNode(f"{url.value}#distribution")
        if dump.media_type in RDF_MEDIA_TYPES:  # void:dataDump is for RDF; the SSSOM file is a distribution only
            add(ds, VOID + "dataDump", url)
        add(ds, DCAT + "distribution", dist)
        add(dist, RDF_TYPE, ox.NamedNode(DCAT + "Distribution"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", ox.NamedNode(f"{base_iri}dumps"))
        add(dist, DCAT + "mediaType", ox.NamedNode(IANA + dump.media_type))
        if dump.compression:
            add(dist, DCAT + "compressFormat", ox.NamedNode(IANA + "application/" + dump.compression))
        add(dist, DCAT + "byteSize", lit(dump.byte_size, "nonNegativeInteger"))
        add(dist, DCT + "title", ox.Literal(dump.name))
        add(dist, DCT + "license", ox.NamedNode(license_iri))
        if dump.media_type == SSSOM_MEDIA_TYPE:
            add(dist, DCT + "conformsTo", ox.NamedNode(SSSOM_SPEC))
            add(dist, DCT + "description", ox.Literal(
                "The links to Wikidata as an SSSOM mapping set, each with how it was verified.", language="en"))
        checksum = ox.NamedNode(f"{url.value}#sha256")
        add(dist, SPDX + "checksum", checksum)
        add(checksum, RDF_TYPE, ox.NamedNode(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, SPDX + "checksumValue", lit(dump.sha256, "hexBinary"))
    return out
