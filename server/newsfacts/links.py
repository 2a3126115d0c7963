"""Links to other datasets, kept as an SSSOM mapping set (mappings/*.sssom.tsv).

Each row says which Wikidata item an entity is and why that is known. A facts
file's `wikidata:` must have a row here and agree with it, so no identifier is
published without a recorded justification.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import yaml

from .facts import ArticleFacts
from .inputs import YAML_LOADER, anchor_problem
from .problems import Problem

WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
PREDICATES = {
    "skos:exactMatch": "http://www.w3.org/2004/02/skos/core#exactMatch",
    "skos:closeMatch": "http://www.w3.org/2004/02/skos/core#closeMatch",
}
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification", "comment")


@dataclass(frozen=True)
class MappingRow:
    file: str
    line: int
    subject: str  # entity id
    predicate: str  # full IRI
    object: str  # full IRI
    qid: str
    justification: str
    comment: str


def read_sssom(path: Path) -> tuple[list[MappingRow], dict, list[Problem]]:
    """The rows of an SSSOM/TSV file; no file means no links (and any `wikidata:` in the facts is unverified)."""
    if not path.is_file():
        return [], {}, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], {}, [Problem(str(path), "file", "unreadable", str(exc))]
    metadata, problem = _metadata(path, text)
    if problem is not None:
        return [], {}, [problem]
    curies = metadata.get("curie_map") if isinstance(metadata.get("curie_map"), dict) else {}
    body_lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in body_lines)), delimiter="\t", restval="")
    problems, rows = [], []
    try:
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return [], metadata, [Problem(str(path), "header", "sssom-columns", f"missing columns {missing}")]
        records = list(reader)
    except csv.Error as exc:  # e.g. a field longer than csv.field_size_limit()
        return [], metadata, [Problem(str(path), f"line {reader.line_num}", "sssom-syntax", f"not valid TSV: {exc}")]
    for (line, _), record in zip(body_lines[1:], records, strict=False):
        if None in record:
            problems.append(Problem(str(path), f"line {line}", "sssom-columns", "the row has more fields than the header"))
            continue
        subject, predicate, obj = record["subject_id"], record["predicate_id"], record["object_id"]
        prefix, _, local = subject.partition(":")
        where = f"line {line}"
        if not subject.startswith("nfe:") or not local:
            problems.append(Problem(str(path), where, "sssom-subject", f"subject {subject!r} is not an nfe: entity"))
            continue
        if predicate not in PREDICATES:
            problems.append(Problem(str(path), where, "sssom-predicate",
                                    f"predicate {predicate!r} is not one of {sorted(PREDICATES)}"))
            continue
        oprefix, _, qid = obj.partition(":")
        if curies.get(oprefix) != WIKIDATA_ENTITY or not qid.startswith("Q") or not qid[1:].isdigit():
            problems.append(Problem(str(path), where, "sssom-object", f"object {obj!r} is not a Wikidata entity IRI"))
            continue
        if not record["mapping_justification"] or not record["comment"]:
            problems.append(Problem(str(path), where, "sssom-justification", "every row says how it was verified"))
            continue
        rows.append(MappingRow(str(path), line, local, PREDICATES[predicate], WIKIDATA_ENTITY + qid, qid,
                               record["mapping_justification"], record["comment"]))
    return rows, metadata, problems


def _metadata(path: Path, text: str) -> tuple[dict, Problem | None]:
    """The YAML metadata block (the '#' lines), read without anchors or aliases."""
    header = "\n".join(line[1:] for line in text.splitlines() if line.startswith("#"))
    anchor = anchor_problem(header, str(path))
    if anchor is not None:
        return {}, anchor
    try:
        metadata = yaml.load(header, Loader=YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        return {}, Problem(str(path), "header", "sssom-metadata", f"the metadata block is not valid YAML: {exc}")
    if not isinstance(metadata, dict):
        return {}, Problem(str(path), "header", "sssom-metadata", "the metadata block is a YAML mapping")
    return metadata, None


def check_links(rows: list[MappingRow], files: list[ArticleFacts]) -> tuple[list[MappingRow], list[Problem]]:
    """The rows to publish, and problems: every facts `wikidata:` needs an agreeing row, and a row about an
    entity of the facts needs that entity to say the same. Rows about entities not in these facts are left out."""
    problems = []
    declared: dict[str, tuple[str, ArticleFacts, dict]] = {}
    present: set[str] = set()
    for facts in files:
        for entity in facts.entities:
            present.add(entity["id"])
            if entity.get("wikidata"):
                declared[entity["id"]] = (entity["wikidata"], facts, entity)
    by_subject = {}
    for row in rows:
        if row.subject in by_subject:
            problems.append(Problem(row.file, f"line {row.line}", "sssom-duplicate", f"{row.subject} has two rows"))
        by_subject[row.subject] = row
    for eid, (qid, facts, entity) in declared.items():
        row = by_subject.get(eid)
        where = f"{eid} (line {entity.get('__line__', '?')})"
        if row is None:
            problems.append(Problem(str(facts.path), where, "unverified-identifier",
                                    f"wikidata {qid} has no row with a justification in the SSSOM mapping set"))
        elif row.qid != qid:
            problems.append(Problem(str(facts.path), where, "identifier-mismatch",
                                    f"wikidata {qid} but the SSSOM mapping set says {row.qid} (line {row.line})"))
    for row in rows:
        if row.subject in present and row.subject not in declared:
            problems.append(Problem(row.file, f"line {row.line}", "identifier-mismatch",
                                    f"{row.subject} maps to {row.qid} here, but its facts give no wikidata id"))
    return [row for row in rows if row.subject in declared], problems


def link_quads(rows: list[MappingRow], entity_iri, graph_iri: str) -> list[ox.Quad]:
    graph = ox.NamedNode(graph_iri)
    return [ox.Quad(ox.NamedNode(entity_iri(r.subject)), ox.NamedNode(r.predicate), ox.NamedNode(r.object), graph)
            for r in rows]


def write_sssom(source: Path, rows: list[MappingRow], target: Path, *, entity_namespace: str,
                mapping_set_id: str) -> None:
    """The mapping set as published: the source file's metadata and header, and only the rows published.

    The source names entities ``nfe:<id>`` in the project's canonical namespace; published, ``nfe:`` is the
    release's own entity namespace (``{base_iri}entity/``), so each row expands to the subject of a link triple
    of that release, and ``mapping_set_id`` is the URL the file is published at (the release-independent
    "latest" URL: the same facts still give the same bytes)."""
    keep = {row.line for row in rows}
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True) if source.is_file() else []
    header_seen = False
    out = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            out.append(_rebased(line, entity_namespace, mapping_set_id))
        elif not header_seen:
            out.append(line)
            header_seen = True
        elif number in keep:
            out.append(line)
    target.write_text("".join(out), encoding="utf-8")


def _rebased(line: str, entity_namespace: str, mapping_set_id: str) -> str:
    """One metadata line of the published mapping set."""
    if re.match(r"#\s+nfe:\s", line):
        return re.sub(r"nfe:\s.*", f"nfe: {entity_namespace}", line)
    if line.startswith("#mapping_set_id:"):
        return f"#mapping_set_id: {mapping_set_id}\n"
    return line
