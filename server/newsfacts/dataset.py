"""The dataset's description of itself: VoID for linked-data clients, DCAT for its dump files."""

from __future__ import annotations

from collections import Counter

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

EXAMPLE_RESOURCES = ("entity/iran", "entity/nicolas-maduro", "entity/infobae")


def dataset_iri(base_iri: str) -> str:
    return f"{base_iri}dataset"


def dump_url(base_iri: str, version: str, name: str) -> str:
    return f"{base_iri}dumps/{version}/{name}"


def describe(quads: list[ox.Quad], triples: set[ox.Triple], dumps: list[DumpFile], *, base_iri: str, version: str,
             built_at: str, license_iri: str, graph: str) -> list[ox.Quad]:
    """VoID + DCAT triples describing the dataset ``quads`` and its ``dumps``, in the named graph ``graph``."""
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
    add(ds, DCT + "modified", lit(built_at, "dateTime"))
    add(ds, OWL_VERSION_INFO, lit(version))
    add(ds, VOID + "sparqlEndpoint", ox.NamedNode(f"{base_iri}sparql"))
    add(ds, VOID + "uriSpace", lit(base_iri))
    add(ds, VOID + "triples", lit(len(triples), "integer"))
    add(ds, VOID + "distinctSubjects", lit(len({t.subject for t in triples}), "integer"))
    add(ds, VOID + "properties", lit(len({t.predicate for t in triples}), "integer"))
    add(ds, VOID + "distinctObjects", lit(len({t.object for t in triples}), "integer"))
    classes = Counter(t.object for t in triples if t.predicate == RDF_TYPE)
    add(ds, VOID + "classes", lit(len(classes), "integer"))
    entities = {t.subject for t in triples if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(base_iri)}
    add(ds, VOID + "entities", lit(len(entities), "integer"))
    for vocabulary in ("https://newsfacts.example/ontology/", "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/prov#",
                       "https://schema.org/", "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/org#"):
        add(ds, VOID + "vocabulary", ox.NamedNode(vocabulary))
    for example in EXAMPLE_RESOURCES:
        iri = ox.NamedNode(base_iri + example)
        if iri in entities:
            add(ds, VOID + "exampleResource", iri)
    for n, (cls, count) in enumerate(sorted(classes.items(), key=lambda kv: str(kv[0])), start=1):
        part = ox.NamedNode(f"{dataset_iri(base_iri)}#class-{n}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", cls)
        add(part, VOID + "entities", lit(count, "integer"))
    by_graph = Counter(q.graph_name for q in quads)
    for graph_name, count in sorted(by_graph.items(), key=lambda kv: str(kv[0])):
        if not isinstance(graph_name, ox.NamedNode):
            continue
        subset = ox.NamedNode(f"{dataset_iri(base_iri)}#graph-{graph_name.value[len(base_iri):].replace('/', '-')}")
        add(ds, VOID + "subset", subset)
        add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(subset, SD_NAME, graph_name)
        add(subset, VOID + "triples", lit(count, "integer"))
        add(subset, VOID + "inDataset", ds)
    for dump in dumps:
        url = ox.NamedNode(dump_url(base_iri, version, dump.name))
        dist = ox.NamedNode(f"{url.value}#distribution")
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
        checksum = ox.NamedNode(f"{url.value}#sha256")
        add(dist, SPDX + "checksum", checksum)
        add(checksum, RDF_TYPE, ox.NamedNode(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, SPDX + "checksumValue", lit(dump.sha256, "hexBinary"))
    return out
