"""A remote store reached over the SPARQL 1.1 Protocol and Graph Store Protocol (Oxigraph server, Fuseki,
Virtuoso, GraphDB, QLever…).

`RemoteStore.query()` answers like ``pyoxigraph.Store.query()`` (solutions, a boolean, or triples), so the web
tier runs the same code on either kind of store. `publish()` replaces every graph in one SPARQL Update request,
which stores with transactional updates (Oxigraph, Fuseki TDB2) apply at once: queries see the old release or
the new one, never half of one.

The remote store must answer queries on the union of its named graphs as the default graph (Oxigraph:
``--union-default-graph``; Fuseki: ``tdb2:unionDefaultGraph true``); that is how the embedded store is queried.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
import requests

RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


class StoreUnavailable(Exception):
    """The remote store did not answer (down, unreachable, or too slow): the web tier answers 503."""


class RemoteQueryError(Exception):
    """The remote store refused the query (a 4xx): its message is the client's to read."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class RemoteTriples:
    """Triples of a CONSTRUCT or DESCRIBE answer, iterable and serializable like pyoxigraph's QueryTriples."""

    def __init__(self, triples: list[ox.Triple]):
        self.triples = triples

    def __iter__(self):
        return iter(self.triples)

    def serialize(self, output=None, format=ox.RdfFormat.N_TRIPLES):
        return ox.serialize(self.triples, output, format=format)


class RemoteStore:
    def __init__(self, query_url: str, update_url: str | None = None, timeout_s: float = 10.0):
        self.query_url = query_url
        self.update_url = update_url
        self.timeout_s = timeout_s
        self.session = requests.Session()

    @classmethod
    def from_settings(cls, settings) -> RemoteStore:
        """The store named by the settings; the update URL defaults to the query URL's sibling
        (Oxigraph: /query and /update; Fuseki: /sparql and /update)."""
        query_url = settings.store
        update_url = settings.store_update_url
        base, _, last = query_url.rstrip("/").rpartition("/")
        if not update_url and last in ("query", "sparql"):
            update_url = f"{base}/update"
        return cls(query_url, update_url or None, settings.query_timeout_s)

    # ---------------------------------------------------------------- reading

    def query(self, query: str, *, use_default_graph_as_union: bool = True, default_graph=None, named_graphs=None,
              base_iri: str | None = None, timeout_s: float | None = None, prefixes: dict[str, str] | None = None):
        """Like pyoxigraph's Store.query. A query the store rejects (400) raises SyntaxError with its message;
        ``base_iri`` is accepted for the same signature (relative IRIs are resolved by the remote store); default
        ``prefixes`` are declared in front of the query, on its first line (a declaration in the query wins)."""
        if prefixes:
            query = "".join(f"PREFIX {name}: <{iri}> " for name, iri in prefixes.items()) + query
        form = [("query", query)]
        for graph in _as_list(default_graph):
            form.append(("default-graph-uri", graph.value))
        for graph in _as_list(named_graphs):
            form.append(("named-graph-uri", graph.value))
        try:
            response = self._post(self.query_url, data=form, timeout_s=timeout_s,
                                  headers={"Accept": f"{RESULTS_JSON}, {NTRIPLES};q=0.9"})
        except RemoteQueryError as rejected:
            if rejected.status == 400:
                raise SyntaxError(str(rejected)) from None
            raise
        kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        if kind == RESULTS_JSON:
            return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        if kind == NTRIPLES:
            return RemoteTriples([q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)])
        raise StoreUnavailable(f"the remote store answered with an unexpected content type {kind!r}")

    def version(self, base_iri: str) -> str | None:
        """The version of the release the store holds, from its dataset description."""
        answer = self.query(f"SELECT ?v WHERE {{ GRAPH <{base_iri}graph/dataset> {{ <{base_iri}dataset> "
                            f"<http://www.w3.org/2002/07/owl#versionInfo> ?v }} }}")
        for solution in answer:
            return solution["v"].value
        return None

    # ---------------------------------------------------------------- writing

    def publish(self, quads: Iterable[ox.Quad], version: str) -> None:
        """Replace the store's graphs with ``quads`` in one SPARQL Update request: the graphs of the previous
        release are dropped and the new ones inserted in the same request, which a store with transactional
        updates applies at once. (Staging graphs would not do: a union default graph would show them.)"""
        if not self.update_url:
            raise ValueError("publishing needs the store's update endpoint")
        by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise ValueError("a release has no triples in the default graph")
            by_graph[q.graph_name.value].append(q.triple)
        body = io.BytesIO()
        for graph in sorted(self._graph_names()):
            body.write(f"DROP SILENT GRAPH <{graph}> ;\n".encode())
        body.write(f"# release {version}\nINSERT DATA {{\n".encode())
        for graph, triples in sorted(by_graph.items()):
            body.write(f"GRAPH <{graph}> {{\n".encode())
            ox.serialize(triples, body, format=ox.RdfFormat.N_TRIPLES)
            body.write(b"}\n")
        body.write(b"}\n")
        self._post(self.update_url, data=body.getvalue(), headers={"Content-Type": "application/sparql-update"},
                   timeout_s=max(300, self.timeout_s))

    def _graph_names(self) -> set[str]:
        answer = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return {s["g"].value for s in answer}

    # ---------------------------------------------------------------- HTTP

    def _post(self, url: str, *, data, headers: dict, timeout_s: float | None = None) -> requests.Response:
        return self._request("POST", url, data=data, headers=headers, timeout_s=timeout_s)

    def _request(self, method: str, url: str, *, data, headers: dict, timeout_s: float | None) -> requests.Response:
        try:
            response = self.session.request(method, url, data=data, headers=headers, timeout=timeout_s or self.timeout_s)
        except requests.Timeout as exc:
            raise StoreUnavailable(f"the remote store at {url} did not answer within {timeout_s or self.timeout_s} s") from exc
        except requests.ConnectionError as exc:
            raise StoreUnavailable(f"the remote store at {url} cannot be reached") from exc
        if 400 <= response.status_code < 500:
            raise RemoteQueryError(response.status_code, response.text.strip()[:2000] or response.reason)
        if response.status_code >= 500:
            raise StoreUnavailable(f"the remote store at {url} failed: {response.status_code} {response.text.strip()[:500]}")
        return response


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
