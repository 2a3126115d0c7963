"""The lexical guard: what it refuses before any engine sees a query, and what it must let through."""

from __future__ import annotations

import gc
import time
import tracemalloc

import pytest

from newsfacts.web.errors import ApiError
from newsfacts.web.sparql import guard

BASE = "https://newsfacts.example/"
GRAPHS = {f"{BASE}graph/vocabulary", f"{BASE}graph/links", f"{BASE}graph/article/a"}


def check(text: str, max_depth: int = 64) -> guard.QueryInfo:
    return guard.check(text, max_depth=max_depth, graphs=GRAPHS, base_iri=BASE)


def refused(text: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        check(text)
    return caught.value


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://evil.example/> {}" }',
    "SELECT * WHERE { ?s ?p '''a\nSERVICE <http://evil.example/> { }''' }",
    "SELECT ?service WHERE { ?service ?p ?o }",
    "SELECT * WHERE { $service ?p ?o }",
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:x service:SERVICE }",
    "SELECT * WHERE { ?s <http://example.org/service> <http://example.org/SERVICE#x> }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://evil.example/> { }",
    'SELECT * WHERE { ?s ?p "x"@service }',
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > <http://example.org/service>) }",
], ids=["string", "long-string", "variable", "dollar-variable", "prefixed-names", "iris", "comment", "langtag",
        "iri-in-expression"])
def test_service_in_strings_iris_comments_and_names_is_harmless(text):
    assert check(text).service_at is None


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
    "select * where { service <http://evil.example/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://evil.example/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://evil.example/> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "PREFIX e: <http://evil.example/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o.SERVICE<http://evil.example/>{} }",
    "SELECT * WHERE { ?s ?p true.SERVICE<http://evil.example/>{} }",
    # '<' after an operand inside an expression is less-than: what follows is not an IRI to skip
    "SELECT * WHERE { BIND(1 AS ?a) FILTER(?a<2)SERVICE#>\n<http://evil.example/>{} }",
    "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
], ids=["upper", "lower", "silent", "variable", "prefixed", "after-dot", "after-true", "less-than-trick", "file"])
def test_service_is_refused_with_its_position(text):
    error = refused(text)
    assert error.status == 403 and error.title == "SERVICE not allowed"
    assert "line " in error.detail and "never connects" in error.detail


@pytest.mark.parametrize("text", [
    'SELECT (bif:http_get("http://evil.example/") AS ?r) {}',
    'SELECT (BIF:http_get("http://evil.example/") AS ?r) {}',
    'SELECT (<bif:http_get>("http://evil.example/") AS ?r) {}',
    "PREFIX f: <bif:> SELECT (f:cfg_item_value('a', 'b', 'c') AS ?r) {}",
    "PREFIX f: <http://www.openlinksw.com/schemas/bif#> SELECT (f:http_get('x') AS ?r) {}",
    "SELECT (sql:DB.DBA.USER_CREATE('x', 'y') AS ?r) {}",
    'DEFINE input:grab-all "yes" SELECT * { <http://evil.example/> ?p ?o }',
    'define get:soft "replace" SELECT * { ?s ?p ?o }',
], ids=["bif-name", "bif-upper", "bif-iri", "prefix-to-bif", "bif-namespace", "sql-name", "define", "define-lower"])
def test_a_stores_own_functions_and_pragmas_are_refused(text):
    """Virtuoso runs these for anyone who can query it (bif:http_get fetched a URL in a test against the real
    server); a remote Virtuoso is sent the queries this endpoint accepts, so they are refused on every store."""
    error = refused(text)
    assert error.status == 403 and error.title == "Store extension not allowed" and "line 1, column" in error.detail


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "bif:http_get" }',
    "SELECT ?define ?bif WHERE { ?define <http://example.org/bif:x> ?bif }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:define ex:bif }",
    "SELECT * WHERE { ?s ?p ?o } # bif:http_get DEFINE",
], ids=["string", "variables-and-iri", "local-names", "comment"])
def test_store_extension_names_in_strings_iris_names_and_comments_are_harmless(text):
    assert check(text).store_extension_at is None


@pytest.mark.parametrize("keyword", ["LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"])
def test_updates_are_refused(keyword):
    error = refused(f"{keyword} <http://evil.example/data.ttl>")
    assert error.status == 403 and keyword in error.detail and "read-only" in error.detail


def test_five_thousand_parentheses_and_two_thousand_braces_are_refused_without_recursion():
    for text in ("ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", "ASK " + "{" * 2000 + "}" * 2000):
        error = refused(text)
        assert error.status == 400 and "at most 64" in error.detail and error.extra["depth"] > 64


def test_depth_counts_brackets_of_the_query_only():
    text = 'SELECT * WHERE { ?s ?p "' + "(" * 500 + '" FILTER(?o = <http://example.org/((((>) } # ((((((('
    assert check(text).depth == 2
    assert check("ASK { " + "{" * 63 + "}" * 63 + " }").depth == 64


def test_from_graphs_are_resolved_and_must_be_in_the_dataset():
    info = check(f"PREFIX g: <{BASE}graph/> SELECT * FROM g:vocabulary FROM NAMED <{BASE}graph/links> WHERE {{ ?s ?p ?o }}")
    assert info.from_graphs == [f"{BASE}graph/vocabulary"] and info.from_named_graphs == [f"{BASE}graph/links"]
    assert check("BASE <https://newsfacts.example/graph/> ASK FROM <vocabulary> {}").from_graphs == [f"{BASE}graph/vocabulary"]
    assert check("ASK FROM <graph/article/a> {}").from_graphs == [f"{BASE}graph/article/a"]  # relative to the base IRI
    for text, shown in [("ASK FROM <http://127.0.0.1:9/x> {}", "not a graph of this dataset"),
                        ("ASK FROM NAMED <file:///etc/passwd> {}", "not an http(s) IRI"),
                        ("PREFIX f: <ftp://example.org/> ASK FROM f:x {}", "not an http(s) IRI")]:
        error = refused(text)
        assert error.status == 400 and shown in error.detail and error.extra["graphs"] == sorted(GRAPHS)


def test_query_form_and_prefixes():
    info = check("PREFIX ex: <http://example.org/>\n# SELECT in a comment\n"
                 "CONSTRUCT { ?s ?p ?o } WHERE { { SELECT * { ?s ?p ?o } } }")
    assert info.form == "construct" and info.prefixes == {"ex": "http://example.org/"}
    assert check("ask {}").form == "ask"
    assert check("DESCRIBE <http://example.org/x>").form == "describe"
    assert check("NOT A QUERY").form is None  # the parser will say what is wrong


def test_the_pass_is_linear():
    """Eight times the text costs about eight times the CPU (a quadratic pass: 64 times). CPU time of this
    process, the best of three, with the collector off: a busy machine slows both sizes alike."""
    def cpu_seconds(patterns: int) -> float:
        text = "SELECT * WHERE { " + " ".join(f'?s{i} <http://example.org/p> "x{i}" .' for i in range(patterns)) + " }"
        best = float("inf")
        gc.disable()
        try:
            for _ in range(3):
                started = time.process_time()
                guard.inspect(text)
                best = min(best, time.process_time() - started)
        finally:
            gc.enable()
        return best

    assert cpu_seconds(4000) / cpu_seconds(500) < 20


def test_the_pass_holds_a_window_not_the_whole_text():
    text = "SELECT * WHERE { " + " ".join(f'?s <http://example.org/p> "x{i}" .' for i in range(1500)) + " }"
    tracemalloc.start()
    try:
        info = guard.inspect(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.tokens is None and info.triple_patterns == 1501
    assert peak < len(text), peak  # a list of all its 6,000 tokens: 1.3 MB


def test_what_comes_after_the_window_moved_is_read_with_what_came_before():
    """Prefixes declared hundreds of tokens back still expand a FROM (the window holds only the last few tokens)."""
    declarations = "".join(f"PREFIX p{i}: <http://example.org/{i}/> " for i in range(100))
    info = guard.inspect(declarations + "SELECT * FROM p99:g FROM NAMED <named> WHERE { ?s ?p ?o }",
                         base_iri="http://example.org/base/")
    assert info.form == "select" and len(info.prefixes) == 100
    assert info.from_graphs == ["http://example.org/99/g"]
    assert info.from_named_graphs == ["http://example.org/base/named"]
    assert info.tokens is None  # more than TOKENS_KEPT tokens: no look-up


def test_graph_parameter_values_must_be_graphs_of_the_dataset():
    guard.check_graph(f"{BASE}graph/links", GRAPHS, "default-graph-uri")
    for value in ["http://127.0.0.1:9/x", "file:///etc/passwd", "https://evil.example/\r\nX-Injected: 1", ""]:
        with pytest.raises(ApiError) as caught:
            guard.check_graph(value, GRAPHS, "named-graph-uri")
        assert caught.value.status == 400 and "named-graph-uri" in caught.value.detail


# Families that pyoxigraph parses or plans in superlinear time (see benchmarks/sparql_parse_families.py): under the
# 64 KB size limit each held a worker for seconds, up to the whole timeout. The guard refuses them by counting.
def _chain(operator: str, unit: str = "1", n: int = 20000) -> str:
    return "ASK { FILTER(" + operator.join([unit] * n) + ") }"


HEAVY = {
    "or-chain": (_chain("||"), "operators"),
    "and-chain": (_chain("&&"), "operators"),
    "plus-chain": (_chain("+"), "operators"),
    "times-chain": (_chain("*"), "operators"),
    "variable-or-chain": (_chain("||", "?x", 15000), "operators"),
    "negations": ("ASK { FILTER(" + "!" * 60000 + "true) }", "operators"),
    "path-sequence": ("ASK { ?s " + "/".join(["<p:a>"] * 10000) + " ?o }", "operators"),
    "path-alternatives": ("ASK { ?s " + "|".join(["<p:a>"] * 10000) + " ?o }", "operators"),
    "unions": ("ASK { " + " UNION ".join(["{?s ?p ?o}"] * 3700) + " }", "operators"),
    "optionals": ("ASK { " + " ".join(["OPTIONAL{?s ?p ?o}"] * 3000) + " }", "operators"),
    "minus": ("ASK { ?s ?p ?o " + " ".join(["MINUS{?s ?p ?o}"] * 3000) + " }", "operators"),
    "binds": ("ASK { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(3000)) + " }", "operators"),
    "object-list": ("ASK { ?s <p:a> " + ",".join(["1"] * 30000) + " }", "triple patterns"),
    "predicate-list": ("ASK { ?s " + ";".join(["<p:a> 1"] * 8000) + " }", "triple patterns"),
    "triples": ("ASK { " + " ".join(["?s <p:a> ?o ."] * 4000) + " }", "triple patterns"),
    "blank-nodes": ("ASK { ?s <p:a> " + ", ".join(["[<p:a> 1]"] * 5000) + " }", "triple patterns"),
    "variables": ("SELECT " + " ".join(f"?v{i}" for i in range(9000)) + " {}", "variables"),
}


@pytest.mark.parametrize("name", sorted(HEAVY))
def test_superlinear_query_shapes_are_refused_by_counting(name):
    text, what = HEAVY[name]
    assert len(text.encode()) <= 65536
    error = refused(text)
    assert error.status == 400 and error.title == f"Query has too many {what}"
    assert "at most" in error.detail


def test_the_pass_stops_reading_at_the_first_limit_passed():
    """The refusal costs the tokens up to the limit: the 64 KB chain is not tokenized to its end."""
    read = []
    real_tokens = guard.tokens

    def counting(text):
        for item in real_tokens(text):
            read.append(item)
            yield item

    guard.tokens, saved = counting, guard.tokens
    try:
        refused(_chain("||", n=30000))
    finally:
        guard.tokens = saved
    assert 256 < len(read) < 1000


@pytest.mark.parametrize(("text", "field", "count"), [
    (_chain("||", n=257), "operators", 256),
    ("ASK { ?s <p:a> " + ",".join(["1"] * 64) + " }", "triple_patterns", 64),
    ("SELECT " + " ".join(f"?v{i}" for i in range(256)) + " {}", "variables", 256),
])
def test_queries_at_each_limit_pass_and_one_more_is_refused(text, field, count):
    assert getattr(check(text), field) == count
    with pytest.raises(ApiError):
        guard.check(text, max_depth=64, graphs=GRAPHS, base_iri=BASE, max_operators=count - 1,
                    max_triple_patterns=count - 1, max_variables=count - 1)


@pytest.mark.parametrize("text", [
    'SELECT ?s WHERE { ?s ?p "1||1||1||1 UNION OPTIONAL" } # || && + * / | ^ ! UNION',
    "SELECT ?s WHERE { ?s <http://example.org/a/b/c?x=1&y=2> ?o }",
    "SELECT ?s (SAMPLE(?o) AS ?one) WHERE { ?s ?p ?o FILTER(?o IN (1, 2, 3)) } GROUP BY ?s",
])
def test_operators_in_strings_iris_comments_and_arguments_do_not_count(text):
    info = check(text)
    assert info.operators == 0 and info.triple_patterns == 1


def test_the_shipped_example_queries_are_far_below_the_limits():
    from newsfacts.config import PROJECT_ROOT, Settings
    settings = Settings.load(environ={})
    queries = sorted((PROJECT_ROOT / "server" / "newsfacts" / "queries").glob("*.rq"))
    assert queries
    for path in queries:
        info = check(path.read_text(encoding="utf-8"))
        assert info.operators * 4 <= settings.max_query_operators, path
        assert info.triple_patterns * 2 <= settings.max_query_triple_patterns, path
        assert info.variables * 4 <= settings.max_query_variables, path
