"""A remote store reached over the SPARQL 1.1 Protocol and Graph Store Protocol (Oxigraph server, Fuseki,
Virtuoso, GraphDB, QLever…).

`RemoteStore.query()` answers like ``pyoxigraph.Store.query()`` (solutions, a boolean, or triples), so the web
tier runs the same code on either kind of store. `publish()` replaces every graph in one SPARQL Update request,
which stores with transactional updates (Oxigraph, Fuseki TDB2) apply at once: queries see the old release or
the new one, never half of one.

The remote store must answer queries on the union of its named graphs as the default graph (Oxigraph:
``--union-default-graph``; Fuseki: ``tdb2:unionDefaultGraph true``); that is how the embedded store is queried.
Virtuoso is recognised by its ``Server`` header and handled as remote_virtuoso.py describes: queries name the
release's graphs, and publishing loads staging graphs before switching them into place in one small update.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import requests

from . import remote_virtuoso as virtuoso


@dataclass(frozen=True)
class GraphChange:
    """What a release removes from and adds to a graph the store holds as the previous release had it."""

    removed: list[ox.Triple]
    added: list[ox.Triple]

    def names_blank_nodes(self) -> bool:
        """``DELETE DATA`` cannot name blank nodes: such a change is not sent, its graph is sent whole."""
        return any(isinstance(term, ox.BlankNode) for t in self.removed + self.added for term in (t.subject, t.object))


RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
OWL_VERSION = "http://www.w3.org/2002/07/owl#versionInfo"
#: How long the list of the release's graphs (named in each query to Virtuoso) is trusted before it is read again.
GRAPHS_TTL_S = 1.0
#: Share of the query time limit after which Virtuoso is asked to stop a query, leaving it time to answer.
VIRTUOSO_TIME_SHARE = 0.5

_IGNORED = re.compile(r'#[^\n]*|<[^>\s]*>|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                      r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_FORM = re.compile(r"\b(SELECT|CONSTRUCT|DESCRIBE|ASK)\b(?!\s*:)", re.IGNORECASE)


def query_form(query: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first form keyword outside IRIs, strings and comments (SELECT when
    none is found: the store then reports the error)."""
    found = _FORM.search(_IGNORED.sub(" ", query))
    return found.group(1).upper() if found else "SELECT"


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
    def __init__(self, query_url: str, update_url: str | None = None, timeout_s: float = 10.0, *,
                 base_iri: str = "", user: str = "", password: str = ""):
        self.query_url = query_url
        self.update_url = update_url
        self.timeout_s = timeout_s
        self.base_iri = base_iri
        self.session = requests.Session()
        if user:
            # sent when the store asks (Virtuoso's /sparql-auth asks for digest authentication)
            self.session.auth = requests.auth.HTTPDigestAuth(user, password)
        self._virtuoso: bool | None = None  # known from the store's first answer
        self._graphs: tuple[float, list[str]] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> RemoteStore:
        """The store named by the settings, with the credentials for its update endpoint (see update_endpoint)."""
        return cls(settings.store, settings.store_update_url or None, settings.query_timeout_s,
                   base_iri=settings.base_iri, user=settings.store_user, password=settings.store_password)

    def is_virtuoso(self) -> bool:
        """Whether the store is Virtuoso, by the Server header of its first answer (asked for here if need be)."""
        if self._virtuoso is None:
            self._post(self.query_url, data={"query": "ASK {}"}, headers={"Accept": RESULTS_JSON})
        return bool(self._virtuoso)

    def update_endpoint(self) -> str | None:
        """The update URL set, or the query URL's sibling: /sparql-auth on Virtuoso, else /update (Oxigraph:
        /query -> /update; Fuseki: /sparql -> /update)."""
        if self.update_url:
            return self.update_url
        base, _, last = self.query_url.rstrip("/").rpartition("/")
        if last not in ("query", "sparql"):
            return None
        return f"{base}/sparql-auth" if self.is_virtuoso() else f"{base}/update"

    # ---------------------------------------------------------------- reading

    def query(self, query: str, *, use_default_graph_as_union: bool = True, default_graph=None, named_graphs=None,
              base_iri: str | None = None, timeout_s: float | None = None, prefixes: dict[str, str] | None = None):
        """Like pyoxigraph's Store.query. A query the store rejects (400) raises SyntaxError with its message;
        ``base_iri`` is accepted for the same signature (relative IRIs are resolved by the remote store); default
        ``prefixes`` are declared in front of the query, on its first line (a declaration in the query wins).
        Graph results are asked for as N-Triples and solutions as SPARQL JSON (Virtuoso answers a CONSTRUCT with
        solutions when both are acceptable)."""
        if prefixes:
            query = "".join(f"PREFIX {name}: <{iri}> " for name, iri in prefixes.items()) + query
        form = [("query", query)]
        for graph in _as_list(default_graph):
            form.append(("default-graph-uri", graph.value))
        for graph in _as_list(named_graphs):
            form.append(("named-graph-uri", graph.value))
        if use_default_graph_as_union and len(form) == 1 and self.is_virtuoso():
            # Virtuoso's default graph is every graph it holds, its own included: name the release's graphs
            graphs = self.release_graphs() or ["urn:newsfacts:no-release"]
            form += [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        if self._virtuoso:
            # Virtuoso stops the query then and answers, a little later, with what it has found (refused below)
            form.append(("timeout", str(int((timeout_s or self.timeout_s) * 1000 * VIRTUOSO_TIME_SHARE))))
        kind_of_query = query_form(query)
        accept = NTRIPLES if kind_of_query in ("CONSTRUCT", "DESCRIBE") else RESULTS_JSON
        try:
            response = self._post(self.query_url, data=form, timeout_s=timeout_s, headers={"Accept": accept})
        except RemoteQueryError as rejected:
            if rejected.status == 400:
                raise SyntaxError(str(rejected)) from None
            raise
        if response.headers.get("X-SQL-State") == virtuoso.INCOMPLETE:
            raise StoreUnavailable("the remote store stopped the query at its time limit and sent an incomplete answer, "
                                   "which is not used")
        kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        if kind == RESULTS_JSON:
            content = response.content
            if self._virtuoso:
                content = json.dumps(virtuoso.repair_results(response.json(), kind_of_query == "ASK")).encode()
            return ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON)
        if kind == NTRIPLES:
            triples = [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)]
            return RemoteTriples([virtuoso.repair_triple(t) for t in triples] if self._virtuoso else triples)
        raise StoreUnavailable(f"the remote store answered with an unexpected content type {kind!r}")

    def version(self, base_iri: str) -> str | None:
        """The version of the release the store holds, from its dataset description."""
        answer = self.query(f"SELECT ?v WHERE {{ GRAPH <{base_iri}graph/dataset> {{ <{base_iri}dataset> "
                            f"<{OWL_VERSION}> ?v }} }}", use_default_graph_as_union=False)
        for solution in answer:
            return solution["v"].value
        return None

    def release_graphs(self) -> list[str]:
        """Virtuoso: the graphs queries name, from the store's list of graphs (read again after GRAPHS_TTL_S).
        While a release is switched the list holds the graphs of both releases (see _publish_staged)."""
        with self._lock:
            if self._graphs is None or time.monotonic() - self._graphs[0] > GRAPHS_TTL_S:
                answer = self.query(virtuoso.GRAPH_LIST_QUERY, use_default_graph_as_union=False)
                self._graphs = (time.monotonic(), sorted(s["g"].value for s in answer))
            return self._graphs[1]

    def consistency_warning(self) -> str | None:
        """Virtuoso: a warning when its isolation lets a query read part of each release during a switch."""
        if not self.is_virtuoso():
            return None
        try:
            answer = self.query(virtuoso.ISOLATION_QUERY, use_default_graph_as_union=False)
        except (SyntaxError, RemoteQueryError) as refused:
            return f"Virtuoso's DefaultIsolation could not be read ({refused}); see docs/scaling.md"
        return virtuoso.isolation_warning(next((s["i"].value for s in answer if s["i"] is not None), ""))

    # ---------------------------------------------------------------- writing

    def publish(self, quads: Iterable[ox.Quad], version: str, keep: frozenset[str] | set[str] = frozenset(),
                changes: dict[str, GraphChange] | None = None) -> None:
        """Replace the store's graphs with ``quads`` in one SPARQL Update request: the graphs of the previous
        release are dropped and the new ones inserted in the same request, which a store with transactional
        updates applies at once. (Staging graphs would not do: a union default graph would show them.)

        ``keep`` names graphs the store already holds as they are in ``quads`` (an incremental build's unchanged
        articles): they are neither dropped nor sent, so only the change travels; a kept graph the store lacks is
        sent. ``changes`` gives, for graphs the store holds as the previous release had them, what this release
        removes from and adds to each (the entity descriptions): only that is sent, applied in the same request.
        A changed graph the store lacks is sent whole. Virtuoso: _publish_staged."""
        update_url = self.update_endpoint()
        if not update_url:
            raise ValueError("publishing needs the store's update endpoint")
        virtuoso_store = self.is_virtuoso()
        stored = self._graph_names(f"FILTER(STRSTARTS(STR(?g), \"{self.base_iri}\") "
                                   f"|| STRSTARTS(STR(?g), \"{virtuoso.STAGING_PREFIX}\"))" if virtuoso_store else "")
        keep = set(keep) & stored
        changes = {graph: change for graph, change in (changes or {}).items()
                   if graph in stored and graph not in keep and not change.names_blank_nodes()}
        by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise ValueError("a release has no triples in the default graph")
            if q.graph_name.value not in keep:
                by_graph[q.graph_name.value].append(q.triple)
        if virtuoso_store:
            self._publish_staged(update_url, by_graph, version, stored, keep, changes)
            return
        body = io.BytesIO()
        for graph in sorted(stored - keep - set(changes)):
            body.write(f"DROP SILENT GRAPH <{graph}> ;\n".encode())
        removed = {graph: change.removed for graph, change in changes.items() if change.removed}
        if removed:
            body.write(b"DELETE DATA {\n")
            _write_graphs(body, removed)
            body.write(b"} ;\n")
        sent = {graph: changes[graph].added if graph in changes else triples for graph, triples in by_graph.items()}
        body.write(f"# release {version}\nINSERT DATA {{\n".encode())
        _write_graphs(body, {graph: triples for graph, triples in sent.items() if triples})
        body.write(b"}\n")
        self._post(update_url, data=body.getvalue(), headers={"Content-Type": "application/sparql-update"},
                   timeout_s=max(300, self.timeout_s))
        self._graphs = None

    def _publish_staged(self, update_url: str, by_graph: dict[str, list[ox.Triple]], version: str,
                        stored: set[str], keep: set[str], changes: dict[str, GraphChange]) -> None:
        """Virtuoso: a SPARQL Update is limited in size, so each graph sent is loaded with the Graph Store Protocol
        into a staging graph, which queries do not see (they name only the graphs in the store's list). Graphs new
        to the list are then added to it, long enough before the switch for every reader to have read it again;
        one small update drops the previous release's graphs that are neither kept nor sent and moves the staged
        ones into place (MOVE replaces the graph it moves to); and the graphs no longer published leave the list.
        A reader sees the old release or the new one, never a mixture (and never nothing, as it would with a list
        that lacks the new graphs). The ``keep`` graphs (``stored`` holds them) are not touched: an incremental
        release sends the changed graphs only. A graph in ``changes`` is copied into
        its staging graph by the store itself and the change applied there, so only the change travels."""
        loader = update_url.rsplit("/", 1)[0] + "/sparql-graph-crud-auth"
        for leftover in sorted(g for g in stored if g.startswith(virtuoso.STAGING_PREFIX)):
            self._update(update_url, f"DROP SILENT GRAPH <{leftover}>")
        previous = {g for g in stored if g.startswith(self.base_iri)} - keep
        listed = {s["g"].value for s in self.query(virtuoso.GRAPH_LIST_QUERY, use_default_graph_as_union=False)}
        staged: dict[str, str] = {}
        try:
            for graph, triples in sorted(by_graph.items()):
                staged[graph] = f"{virtuoso.STAGING_PREFIX}{version}:{graph}"
                if graph in changes and virtuoso.by_update(changes[graph].removed + changes[graph].added):
                    self._update(update_url, f"COPY SILENT GRAPH <{graph}> TO GRAPH <{staged[graph]}>")
                    staging = ox.NamedNode(staged[graph])
                    for operation, change in (("DELETE", changes[graph].removed), ("INSERT", changes[graph].added)):
                        quads = [ox.Quad(t.subject, t.predicate, t.object, staging) for t in change]
                        for update in virtuoso.data_updates(operation, quads):
                            self._update(update_url, update)
                else:
                    self._load(loader, staged[graph], triples)
            unlisted = set(by_graph) - listed
            if unlisted:
                self._load(loader, virtuoso.GRAPH_LIST, virtuoso.graph_list(unlisted))  # added: no gap for readers
                time.sleep(GRAPHS_TTL_S + 0.5)  # every reader has read the list naming both releases' graphs
            self._update(update_url, virtuoso.switch_update(staged, previous))
        except (StoreUnavailable, RemoteQueryError):
            for staging in staged.values():
                try:
                    self._update(update_url, f"DROP SILENT GRAPH <{staging}>")
                except (StoreUnavailable, RemoteQueryError):
                    break
            raise
        for update in virtuoso.unlist_updates(previous - set(by_graph)):
            self._update(update_url, update)
        self._graphs = None
        if previous:
            self._rewrite_kept_values(update_url, by_graph)

    def _rewrite_kept_values(self, update_url: str, by_graph: dict[str, list[ox.Triple]]) -> None:
        """Virtuoso: a triple deleted and inserted again in one transaction with an equal value of another
        datatype ("0"^^xsd:nonNegativeInteger, then "0"^^xsd:integer) keeps the old one. The switch does just that,
        so the typed literals are read back and any such triple rewritten: deleted in one update, inserted in the
        next (only these triples are missing in between)."""
        published = {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                     for graph, triples in by_graph.items() for t in triples
                     if isinstance(t.object, ox.Literal) and t.object.datatype.value not in virtuoso.PLAIN_DATATYPES}
        query = ("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(isLiteral(?o) && lang(?o) = \"\" && "
                 f"datatype(?o) != <{virtuoso.PLAIN_DATATYPES[0]}>) }} }}")
        stored = {ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in self.query(
            query, named_graphs=[ox.NamedNode(g) for g in by_graph], timeout_s=max(300, self.timeout_s))}
        for operation, quads in (("DELETE", stored - published), ("INSERT", published - stored)):
            for update in virtuoso.data_updates(operation, sorted(quads, key=str)):
                self._update(update_url, update)

    def _load(self, loader: str, graph: str, triples: list[ox.Triple]) -> None:
        """Graph Store Protocol: add ``triples`` to ``graph``, in requests of LOAD_BATCH triples."""
        for start in range(0, len(triples), virtuoso.LOAD_BATCH):
            body = ox.serialize(triples[start:start + virtuoso.LOAD_BATCH], format=ox.RdfFormat.N_TRIPLES)
            self._request("POST", loader, params={"graph-uri": graph}, data=body, headers={"Content-Type": "text/turtle"},
                          timeout_s=max(300, self.timeout_s))

    def _update(self, update_url: str, update: str) -> None:
        self._post(update_url, data=update.encode(), headers={"Content-Type": "application/sparql-update"},
                   timeout_s=max(300, self.timeout_s))

    def _graph_names(self, restriction: str = "") -> set[str]:
        answer = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {restriction} }}",
                            use_default_graph_as_union=False, timeout_s=max(300, self.timeout_s))  # publishing waits
        return {s["g"].value for s in answer}

    # ---------------------------------------------------------------- HTTP

    def _post(self, url: str, *, data, headers: dict, timeout_s: float | None = None) -> requests.Response:
        return self._request("POST", url, data=data, headers=headers, timeout_s=timeout_s)

    def _request(self, method: str, url: str, *, data, headers: dict, timeout_s: float | None,
                 params: dict | None = None) -> requests.Response:
        pause, waited = virtuoso.DEADLOCK_PAUSE_S, 0.0
        timeout_s = timeout_s or self.timeout_s
        wait_at_most = min(virtuoso.DEADLOCK_WAIT_S, timeout_s)  # a query: within its time limit
        while True:
            try:
                response = self.session.request(method, url, data=data, headers=headers, params=params, timeout=timeout_s)
            except requests.Timeout as exc:
                raise StoreUnavailable(f"the remote store at {url} did not answer within {timeout_s} s") from exc
            except requests.ConnectionError as exc:
                raise StoreUnavailable(f"the remote store at {url} cannot be reached") from exc
            if response.status_code < 400 or waited >= wait_at_most or not virtuoso.is_deadlock(response.text):
                break
            time.sleep(pause)  # rolled back: nothing of it applied, so it is sent again
            waited, pause = waited + pause, min(2 * pause, virtuoso.DEADLOCK_MAX_PAUSE_S)
        if self._virtuoso is None:
            self._virtuoso = virtuoso.is_virtuoso(response.headers.get("Server", ""))
        if 400 <= response.status_code < 500:
            raise RemoteQueryError(response.status_code, response.text.strip()[:2000] or response.reason)
        if response.status_code >= 500:
            raise StoreUnavailable(f"the remote store at {url} failed: {response.status_code} {response.text.strip()[:500]}")
        return response


def _write_graphs(body: io.BytesIO, by_graph: dict[str, list[ox.Triple]]) -> None:
    """The ``GRAPH <g> { … }`` blocks of an INSERT DATA or DELETE DATA, in the order of the graphs' names."""
    for graph, triples in sorted(by_graph.items()):
        body.write(f"GRAPH <{graph}> {{\n".encode())
        ox.serialize(triples, body, format=ox.RdfFormat.N_TRIPLES)
        body.write(b"}\n")


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
