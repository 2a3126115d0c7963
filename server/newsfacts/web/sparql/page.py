"""The query page at /sparql for browsers: an editor, the example queries, results as an HTML table.

Works without JavaScript (the form submits ``/sparql?query=…`` and the table is
rendered here) and without internet (no CDN; the script and style are served
from /sparql/static). IRIs under the base IRI link to the same path on this
server; others link to themselves. Each result has download links in every
format of its kind (``format=``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Response, render_template, url_for

from ...config import Settings
from ..errors import ApiError
from ..linked_data.paths import path_of
from . import formats
from .dataset_graphs import prefixes_for

QUERIES_DIR = Path(__file__).resolve().parents[2] / "queries"
HTML_ROWS = 1000  # rows shown in the page; the downloads carry up to max_rows

DEFAULT_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?label WHERE {
  ?thing rdfs:label ?label .
}
LIMIT 20
"""


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str


def examples(folder: Path = QUERIES_DIR) -> list[Example]:
    """Every .rq file of the folder, sorted by file name; '# title:' and '# description:' header lines describe it."""
    found = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header, body = {}, []
        for line in text.splitlines():
            match = re.match(r"#\s*(title|description):\s*(.*)", line)
            if match and not body:
                header[match.group(1)] = match.group(2).strip()
            else:
                body.append(line)
        found.append(Example(path.stem, header.get("title", path.stem), header.get("description", ""),
                             "\n".join(body).strip() + "\n"))
    return found


@dataclass
class Cell:
    kind: str  # uri, bnode, literal, triple, empty
    text: str
    href: str | None = None
    note: str = ""  # language or datatype of a literal


class Table:
    """A result as the page shows it, built from the worker's SPARQL JSON ('table' format)."""

    def __init__(self, body: bytes, kind: str, rows_limit: int, base_iri: str, prefixes: dict[str, str]):
        data = json.loads(body)
        self.kind = kind
        self.boolean = data.get("boolean")
        self.variables = data.get("head", {}).get("vars", [])
        self.truncated = bool(data.get("truncated"))
        self.rows_limit = rows_limit
        self._base, self._prefixes = base_iri, sorted(prefixes.items(), key=lambda p: -len(p[1]))
        bindings = data.get("results", {}).get("bindings", [])
        self.rows = [[self.cell(binding.get(v)) for v in self.variables] for binding in bindings]

    def cell(self, term: dict | None) -> Cell:
        if term is None:
            return Cell("empty", "")
        kind, value = term["type"], term["value"]
        if kind == "uri":
            return Cell("uri", self.short(value), href=self.link(value))
        if kind == "bnode":
            return Cell("bnode", f"_:{value}")
        if kind == "triple":
            parts = [self.cell(value[k]).text for k in ("subject", "predicate", "object")]
            return Cell("triple", "<< " + " ".join(parts) + " >>")
        note = f"@{term['xml:lang']}" if "xml:lang" in term else self.short(term["datatype"]) if "datatype" in term else ""
        return Cell("literal", value, note=note)

    def link(self, iri: str) -> str:
        if iri.startswith(self._base):
            return "/" + iri[len(self._base):]
        local = path_of(iri, self._base)  # the vocabulary, served here whatever the base
        return local if local else iri

    def short(self, iri: str) -> str:
        for name, namespace in self._prefixes:
            local = iri[len(namespace):]
            if iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w\-.]*", local or "_"):
                return f"{name}:{local}"
        return iri


def download_links(kind: str, query: str, dataset_params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    base = url_for("sparql.endpoint")
    return [(fmt.label, base + "?" + urlencode([("query", query), *dataset_params, ("format", fmt.param)]))
            for fmt in formats.formats_for(kind)]


def render(settings: Settings, version: str | None, graphs: dict[str, int | None], *, query: str | None = None,
           table: Table | None = None, error: ApiError | None = None, elapsed_s: float | None = None,
           dataset_params: list[tuple[str, str]] | None = None) -> Response:
    kind = table.kind if table else "results"
    html = render_template(
        "sparql.html",
        query=query if query is not None else DEFAULT_QUERY,
        examples=examples(),
        table=table,
        error=error,
        elapsed_s=elapsed_s,
        version=version,
        graphs=graphs,
        settings=settings,
        downloads=download_links("graph" if kind == "graph" else "results", query, dataset_params or [])
        if table is not None and query else [],
        graph_store_url=url_for("sparql.graph_store"),
        prefixes=prefixes_for(settings.base_iri),
    )
    response = Response(html, status=error.status if error else 200, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    if error is not None:
        for name, value in error.headers.items():
            response.headers[name] = value
    return response


def table_from(body: bytes, kind: str, settings: Settings, declared_prefixes: dict[str, str]) -> Table:
    return Table(body, kind, HTML_ROWS, settings.base_iri, prefixes_for(settings.base_iri, declared_prefixes))
