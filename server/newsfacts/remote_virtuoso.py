"""What the remote store does differently on Virtuoso (7.2, Debian's ``virtuoso-opensource``), found by testing
against the real server (``tests/test_remote_store.py``; docs/scaling.md lists each difference):

- Updates go to ``/sparql-auth`` (HTTP digest authentication) and the Graph Store Protocol to
  ``/sparql-graph-crud-auth``; a SPARQL Update is translated to SQL that may not exceed 10,000 lines
  (``INSERT DATA`` fails at about 1,000 triples), while the Graph Store Protocol loads any size.
- The default graph without ``FROM`` is every graph in the database, Virtuoso's own system graphs included, and
  ``DESCRIBE`` without a dataset finds nothing: queries name the release's graphs in the protocol's dataset.
- It stores some typed literals in its own form and gives them back so: ``"true"^^xsd:boolean`` as ``"1"`` in
  query results, ``"P20Y"^^xsd:duration`` as ``"240"`` (months) and ``"P1D"`` as ``"86400.0"`` (seconds).
  ``repair_term`` turns them back into the canonical lexical form.
- A query that reaches its time limit (the request's ``timeout``, or ``MaxQueryExecutionTime``) is answered
  ``200`` with the solutions found so far and ``X-SQL-State: S1TAT`` ("anytime" answers): never served as whole.
- ``ASK`` may be answered as a result set with one integer binding rather than the standard boolean.
- A SPARQL Update cannot name an ``xsd:duration`` literal (``INSERT DATA`` and ``DELETE DATA`` both fail with
  "SR553: Literal of type xsd:duration can not be created"); the Graph Store Protocol loads them. A graph whose
  change names one is loaded whole (``by_update``).
- ``DELETE DATA`` with several ``GRAPH`` blocks, even for the same graph, deletes no language-tagged literal
  (it does delete other terms): ``data_updates`` writes one block per graph.
- Queries run at the server's ``DefaultIsolation``, read committed unless set: a query running while the switch
  commits can read some graphs as they were and others as they are now. At repeatable read (4) it reads one state
  throughout, and a query and the switch may deadlock: Virtuoso rolls one back with SQL state 40001, and that
  request is sent again (``is_deadlock``). Publishing warns when the isolation is below that (``ISOLATION_QUERY``).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
BOOLEAN = f"{XSD}boolean"
DURATION = f"{XSD}duration"
#: Graphs of a release being loaded: not under the base IRI, so queries (which name the release's graphs) never
#: see them until the switch moves them into place.
STAGING_PREFIX = "urn:newsfacts:staging:"
#: The store's list of the graphs queries name (not under the base IRI, so no query sees it as data).
GRAPH_LIST = "urn:newsfacts:release-graphs"
_NAMED_GRAPH = "http://www.w3.org/ns/sparql-service-description#NamedGraph"
GRAPH_LIST_QUERY = f"SELECT ?g WHERE {{ GRAPH <{GRAPH_LIST}> {{ ?g a <{_NAMED_GRAPH}> }} }}"
#: ``X-SQL-State`` of an answer cut at the query's time limit.
INCOMPLETE = "S1TAT"
#: Datatypes of literals whose values Virtuoso keeps as written (xsd:string first).
PLAIN_DATATYPES = (f"{XSD}string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
#: The server's default isolation level (2 read committed, 4 repeatable read, 8 serializable) and the lowest
#: at which a query reads one committed state throughout.
ISOLATION_QUERY = "SELECT (bif:cfg_item_value(bif:virtuoso_ini_path(), 'Parameters', 'DefaultIsolation') AS ?i) {}"
CONSISTENT_ISOLATION = 4
#: A request rolled back to break a deadlock is sent again after a pause that doubles from DEADLOCK_PAUSE_S up to
#: DEADLOCK_MAX_PAUSE_S, for up to DEADLOCK_WAIT_S in all (a switch competes with every query reading the graphs; a query waits
#: no longer than its time limit).
DEADLOCK_PAUSE_S = 0.02
DEADLOCK_MAX_PAUSE_S = 1.0
DEADLOCK_WAIT_S = 60.0
#: Triples per SPARQL Update (Virtuoso's SQL limit is reached at about 1,000).
UPDATE_BATCH = 200
#: Triples per Graph Store Protocol request while loading.
LOAD_BATCH = 50_000

_MONTHS = re.compile(r"-?\d+")
_SECONDS = re.compile(r"-?\d+\.\d*(?:[eE][-+]?\d+)?")


def is_virtuoso(server_header: str) -> bool:
    return server_header.lower().startswith("virtuoso")


def is_deadlock(error_body: str) -> bool:
    """Whether an error answer reports a transaction Virtuoso rolled back to break a deadlock (SQL state 40001):
    nothing of it was applied, so the request can be sent again."""
    return error_body.lstrip().startswith("Virtuoso 40001 ")


def isolation_warning(level: str) -> str | None:
    """What the operator should know of the server's default isolation ``level`` (as ``ISOLATION_QUERY`` reads it)."""
    found = int(level) if level.strip().isdigit() else 2  # unset: read committed
    if found >= CONSISTENT_ISOLATION:
        return None
    return (f"Virtuoso's DefaultIsolation is {found} (read committed): a query running while a release is switched "
            f"can read part of the old release and part of the new one; set DefaultIsolation = {CONSISTENT_ISOLATION} "
            "in the [Parameters] section of virtuoso.ini (docs/scaling.md)")


def repair_lexical(datatype: str, value: str) -> str:
    """The canonical lexical form of a literal Virtuoso gives back in its own form (others are returned as they are)."""
    if datatype == BOOLEAN and value in ("0", "1"):
        return "true" if value == "1" else "false"
    if datatype == DURATION:
        if _MONTHS.fullmatch(value):
            return _months_duration(int(value))
        if _SECONDS.fullmatch(value):
            return _seconds_duration(Decimal(value))
    return value


def repair_triple(triple: ox.Triple) -> ox.Triple:
    term = triple.object
    if not isinstance(term, ox.Literal) or term.datatype.value not in (BOOLEAN, DURATION):
        return triple
    repaired = ox.Literal(repair_lexical(term.datatype.value, term.value), datatype=term.datatype)
    return ox.Triple(triple.subject, triple.predicate, repaired)


def repair_results(answer: dict, ask: bool) -> dict:
    """A SPARQL JSON results document with literals repaired, and an ASK answered as a result set (one solution
    with one integer or boolean binding) turned into the standard boolean form."""
    if ask and "boolean" not in answer:
        bindings = answer.get("results", {}).get("bindings", [])
        values = [value.get("value") for solution in bindings for value in solution.values()]
        return {"head": {}, "boolean": bool(values) and values[0] in ("1", "true")}
    for solution in answer.get("results", {}).get("bindings", []):
        for value in solution.values():
            if "datatype" in value:
                value["value"] = repair_lexical(value["datatype"], value["value"])
    return answer


def graph_list(graphs: set[str]) -> list[ox.Triple]:
    rdf_type, named_graph = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(_NAMED_GRAPH)
    return [ox.Triple(ox.NamedNode(graph), rdf_type, named_graph) for graph in sorted(graphs)]


def data_updates(operation: str, quads: list[ox.Quad]) -> list[str]:
    """``INSERT DATA`` or ``DELETE DATA`` updates for ``quads``, each small enough for Virtuoso's limit."""
    updates = []
    for start in range(0, len(quads), UPDATE_BATCH):
        body = ox.serialize(quads[start:start + UPDATE_BATCH], format=ox.RdfFormat.N_QUADS).decode()
        by_graph: dict[str, list[str]] = {}
        for line in body.splitlines():
            if line:
                triple, graph = line.rstrip(" .").rsplit(" ", 1)
                by_graph.setdefault(graph, []).append(f"{triple} .")
        # one GRAPH block per graph: with several, DELETE DATA leaves language-tagged literals in place
        updates.append(f"{operation} DATA {{\n" + "\n".join(f"GRAPH {graph} {{\n" + "\n".join(rows) + "\n}"
                                                            for graph, rows in by_graph.items()) + "\n}")
    return updates


def by_update(triples: list[ox.Triple]) -> bool:
    """Whether SPARQL Updates can carry ``triples`` (none has an ``xsd:duration`` literal)."""
    return not any(isinstance(t.object, ox.Literal) and t.object.datatype.value == DURATION for t in triples)


def unlist_updates(graphs: set[str]) -> list[str]:
    """Updates removing ``graphs`` from the store's list, each small enough for Virtuoso's limit on updates."""
    rows = [f"<{graph}> a <{_NAMED_GRAPH}> ." for graph in sorted(graphs)]
    return [f"DELETE DATA {{ GRAPH <{GRAPH_LIST}> {{\n" + "\n".join(rows[i:i + UPDATE_BATCH]) + "\n} }"
            for i in range(0, len(rows), UPDATE_BATCH)]


def switch_update(staged: dict[str, str], previous: set[str]) -> str:
    """One SPARQL Update that retires the previous release's graphs and moves the staged ones into place:
    a few lines of SQL whatever the release's size, applied by Virtuoso in one transaction."""
    lines = [f"DROP SILENT GRAPH <{graph}> ;" for graph in sorted(previous - set(staged))]
    lines += [f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}> ;" for graph, staging in sorted(staged.items())]
    return "\n".join(lines).rstrip(" ;") + "\n"


def _months_duration(months: int) -> str:
    sign, months = ("-" if months < 0 else ""), abs(months)
    years, months = divmod(months, 12)
    parts = (f"{years}Y" if years else "") + (f"{months}M" if months else "")
    return f"{sign}P{parts or '0M'}"


def _seconds_duration(seconds: Decimal) -> str:
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    date = f"{int(days)}D" if days else ""
    rest_text = format(rest.normalize(), "f") if rest else ""
    time = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "") + (f"{rest_text}S" if rest else "")
    if not date and not time:
        return f"{sign}PT0S"
    return f"{sign}P{date}" + (f"T{time}" if time else "")
