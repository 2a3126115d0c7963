"""Serialising query results with the row cap (runs in the worker processes).

At most ``max_rows`` solutions (or triples) are written; when the query had
more, the result says so:

- every format: the response headers (``X-Newsfacts-Truncated: true``,
  ``X-SPARQL-MaxRows``), set by the web process from what this module reports;
- SPARQL JSON: top-level ``"truncated": true`` and ``"maxRows"`` (placed
  before ``results``, where every parser tried accepts them) and a ``head.link``
  to the endpoint's page on limits;
- SPARQL XML: a ``<link>`` in ``<head>`` and an XML comment;
- Turtle, N-Triples, TriG, N-Quads: a ``#`` comment on the first line;
- RDF/XML: an XML comment; CSV, TSV and JSON-LD have no place for it: headers only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
}
_BOOLEAN_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                    "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}


@dataclass
class Serialised:
    kind: str  # "solutions", "boolean", "graph"
    format: str
    body: bytes
    rows: int = 0
    truncated: bool = False


def capped(items: Iterable, max_rows: int) -> tuple[list, bool]:
    """The first ``max_rows`` items, and whether there were more."""
    taken = []
    for item in items:
        if len(taken) == max_rows:
            return taken, True
        taken.append(item)
    return taken, False


def serialise(result, format_name: str, max_rows: int, limits_url: str = "", prefixes: dict | None = None) -> Serialised:
    """Serialise what ``Store.query`` returned; a format that does not fit the result's kind falls back to its default.

    ``table`` (for the HTML page) is SPARQL JSON for every kind, a graph's triples as ?subject ?predicate ?object rows.
    """
    if format_name == "table" and isinstance(result, ox.QueryTriples):
        rows, truncated = capped(triples_as_solutions(result), max_rows)
        body = solutions_json(["subject", "predicate", "object"], rows, truncated=truncated, max_rows=max_rows)
        return Serialised("graph", "table", body, rows=len(rows), truncated=truncated)
    if format_name == "table":
        format_name = "json"
    if isinstance(result, ox.QueryBoolean):
        name = format_name if format_name in _BOOLEAN_FORMATS else "json"
        return Serialised("boolean", name, result.serialize(format=_BOOLEAN_FORMATS[name]), rows=1)
    if isinstance(result, ox.QuerySolutions):
        name = format_name if format_name in _BOOLEAN_FORMATS else "json"
        variables = [v.value for v in result.variables]
        rows, truncated = capped(result, max_rows)
        writer = {"json": solutions_json, "xml": solutions_xml, "csv": solutions_csv, "tsv": solutions_tsv}[name]
        body = writer(variables, rows, truncated=truncated, max_rows=max_rows, limits_url=limits_url)
        return Serialised("solutions", name, body, rows=len(rows), truncated=truncated)
    name = format_name if format_name in _RDF_FORMATS else "turtle"
    triples, truncated = capped(result, max_rows)
    return Serialised("graph", name, graph_bytes(triples, name, truncated, max_rows, prefixes), rows=len(triples),
                      truncated=truncated)


def graph_bytes(triples: list, name: str, truncated: bool = False, max_rows: int = 0, prefixes: dict | None = None) -> bytes:
    fmt = _RDF_FORMATS[name]
    kwargs = {"prefixes": _used(prefixes, triples)} if prefixes and name in ("turtle", "trig", "rdfxml") else {}
    try:
        body = ox.serialize(triples, format=fmt, **kwargs) or b""
    except ValueError:  # a prefix the serialiser does not accept: write full IRIs
        body = ox.serialize(triples, format=fmt) or b""
    if not truncated:
        return body
    note = f"truncated: the query matched more than {max_rows} triples; only the first {max_rows} are here"
    if name in ("turtle", "ntriples", "trig", "nquads"):
        return f"# {note}\n".encode() + body
    if name == "rdfxml":
        declaration_end = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
        return body[:declaration_end] + f"<!-- {note} -->".encode() + body[declaration_end:]
    return body


def _used(prefixes: dict[str, str], statements: list) -> dict[str, str]:
    """The prefixes whose namespace starts some IRI of the statements (so the output declares only those)."""
    iris = set()
    for statement in statements:
        for term in (statement.subject, statement.predicate, statement.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {name: ns for name, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}


# --- XML escaping (as xml.sax.saxutils', whose import pulls in urllib.request, http.client and ssl: about 8 MB in
# every query worker) ---

def escape(data: str, entities: dict[str, str] | None = None) -> str:
    data = data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for character, entity in (entities or {}).items():
        data = data.replace(character, entity)
    return data


def quoteattr(data: str) -> str:
    """An attribute value with its quotes: double quotes, or single ones when the value holds double quotes only."""
    data = escape(data, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"' + data.replace('"', "&quot;") + '"'


# --- terms -----------------------------------------------------------------------------------------------------------

def term_json(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject), "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def _term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{_xml_text(term.value)}</literal>"
        return f"<literal>{_xml_text(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_term_xml(term.subject)}</subject><predicate>{_term_xml(term.predicate)}</predicate>"
                f"<object>{_term_xml(term.object)}</object></triple>")
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_text(value: str) -> str:
    # XML 1.0 cannot carry most control characters even escaped; they are written as U+FFFD. Whitespace is written
    # as character references, which parsers that trim text content keep.
    cleaned = "".join(ch if ch in "\t\n\r" or ord(ch) >= 0x20 else "\ufffd" for ch in value)
    text = escape(cleaned, {"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})
    stripped = text.lstrip(" ")
    text = "&#32;" * (len(text) - len(stripped)) + stripped
    stripped = text.rstrip(" ")
    return stripped + "&#32;" * (len(text) - len(stripped))


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return f"<< {term} >>"
    return term.value


# --- solution writers ------------------------------------------------------------------------------------------------

_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps(…, ensure_ascii=False) makes a new one each call


def _values(rows: Iterable, variables: list[str]) -> Iterator:
    """Each row's values in the order of ``variables`` (None when unbound). A solution of the engine yields them in
    that order (taking them by name costs a look-up each); the HTML table's graph rows are dicts."""
    for row in rows:
        yield [row.get(v) for v in variables] if isinstance(row, dict) else row

def solutions_json(variables: list[str], rows: list, *, truncated: bool = False, max_rows: int = 0,
                   limits_url: str = "") -> bytes:
    head = {"vars": variables}
    if truncated and limits_url:
        head["link"] = [limits_url]
    parts = ['{"head":', _JSON.encode(head)]
    if truncated:
        parts.append(f',"truncated":true,"maxRows":{max_rows}')
    parts.append(',"results":{"bindings":[')
    keys = [_string(v) + ": " for v in variables]
    parts.append(",".join("{" + ", ".join(key + _term_json_text(t) for key, t in zip(keys, values, strict=True)
                                          if t is not None) + "}"
                          for values in _values(rows, variables)))
    parts.append("]}}\n")
    return "".join(parts).encode("utf-8")


_string = json.encoder.encode_basestring  # a JSON string as _JSON writes it (ensure_ascii=False): quotes, escapes


def _term_json_text(term) -> str:
    """``_JSON.encode(term_json(term))``, written directly (a dict and an encoder call per term cost more than the
    text): the same keys in the same order, the same separators and escapes."""
    if isinstance(term, ox.NamedNode):
        return '{"type": "uri", "value": ' + _string(term.value) + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type": "bnode", "value": ' + _string(term.value) + "}"
    if isinstance(term, ox.Literal):
        language = term.language
        if language:
            return '{"type": "literal", "value": ' + _string(term.value) + ', "xml:lang": ' + _string(language) + "}"
        datatype = term.datatype.value
        if datatype != XSD_STRING:
            return '{"type": "literal", "value": ' + _string(term.value) + ', "datatype": ' + _string(datatype) + "}"
        return '{"type": "literal", "value": ' + _string(term.value) + "}"
    if isinstance(term, ox.Triple):
        return ('{"type": "triple", "value": {"subject": ' + _term_json_text(term.subject) + ', "predicate": '
                + _term_json_text(term.predicate) + ', "object": ' + _term_json_text(term.object) + "}}")
    raise TypeError(f"not an RDF term: {term!r}")


def solutions_xml(variables: list[str], rows: list, *, truncated: bool = False, max_rows: int = 0,
                  limits_url: str = "") -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sparql xmlns="{SPARQL_RESULTS_NS}"><head>']
    parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
    if truncated and limits_url:
        parts.append(f"<link href={quoteattr(limits_url)}/>")
    parts.append("</head>")
    if truncated:
        parts.append(f"<!-- truncated: more than {max_rows} results; only the first {max_rows} are here -->")
    parts.append("<results>")
    names = [quoteattr(v) for v in variables]
    for values in _values(rows, variables):
        parts.append("<result>")
        parts += [f"<binding name={name}>{_term_xml(t)}</binding>" for name, t in zip(names, values, strict=True)
                  if t is not None]
        parts.append("</result>")
    parts.append("</results></sparql>\n")
    return "".join(parts).encode("utf-8")


def solutions_csv(variables: list[str], rows: list, **_) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for values in _values(rows, variables):
        writer.writerow([_csv_value(t) for t in values])
    return out.getvalue().encode("utf-8")


def solutions_tsv(variables: list[str], rows: list, **_) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in values) for values in _values(rows, variables)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def triples_as_solutions(triples: Iterator) -> Iterator[dict]:
    """Triples as rows of ?subject ?predicate ?object (for the HTML table)."""
    for triple in triples:
        yield {"subject": triple.subject, "predicate": triple.predicate, "object": triple.object}
