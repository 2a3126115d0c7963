"""How long pyoxigraph takes to parse and plan each shape of query, as it grows towards the 64 KB size limit.

Each family (a chain of ``||``, a list of UNIONs, an object list, …) is run on an empty store at a few sizes,
each in its own process with a timeout (some shapes crash or run for minutes). A time that more than doubles
when the text doubles is superlinear: the SPARQL guard bounds those families by counting (see
server/newsfacts/web/sparql/guard.py and docs/security.md).

    python benchmarks/sparql_parse_families.py                   # every family, 2 KB, 8 KB, 64 KB
    python benchmarks/sparql_parse_families.py --sizes 4000 or union
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def _chain(operator: str, unit: str = "1"):
    return lambda n: "ASK { FILTER(" + operator.join([unit] * n) + ") }"


FAMILIES = {
    "or": _chain("||"), "and": _chain("&&"), "plus": _chain("+"), "times": _chain("*"), "minus": _chain("-"),
    "variable-or": _chain("||", "?x"), "string-or": _chain("||", '"a"'), "exists-or": _chain("||", "EXISTS{?s ?p ?o}"),
    "negations": lambda n: "ASK { FILTER(" + "!" * n + "true) }",
    "concat-arguments": lambda n: "ASK { FILTER(CONCAT(" + ",".join(['"a"'] * n) + ")) }",
    "coalesce-arguments": lambda n: "ASK { FILTER(COALESCE(" + ",".join(["1"] * n) + ")) }",
    "in-list": lambda n: "ASK { FILTER(1 IN (" + ",".join(["1"] * n) + ")) }",
    "path-sequence": lambda n: "ASK { ?s " + "/".join(["<p:a>"] * n) + " ?o }",
    "path-alternatives": lambda n: "ASK { ?s " + "|".join(["<p:a>"] * n) + " ?o }",
    "unions": lambda n: "ASK { " + " UNION ".join(["{?s ?p ?o}"] * n) + " }",
    "optionals": lambda n: "ASK { " + " ".join(["OPTIONAL{?s ?p ?o}"] * n) + " }",
    "minus-patterns": lambda n: "ASK { ?s ?p ?o " + " ".join(["MINUS{?s ?p ?o}"] * n) + " }",
    "filters": lambda n: "ASK { " + " ".join(["FILTER(true)"] * n) + " }",
    "binds": lambda n: "ASK { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(n)) + " }",
    "values": lambda n: "SELECT * { VALUES ?x { " + " ".join(["1"] * n) + " } }",
    "triples": lambda n: "ASK { " + " ".join(["?s <p:a> ?o ."] * n) + " }",
    "object-list": lambda n: "ASK { ?s <p:a> " + ",".join(["1"] * n) + " }",
    "predicate-list": lambda n: "ASK { ?s " + ";".join(["<p:a> 1"] * n) + " }",
    "select-variables": lambda n: "SELECT " + " ".join(f"?v{i}" for i in range(n)) + " { }",
    "order-by": lambda n: "SELECT * { ?s ?p ?o } ORDER BY " + " ".join(["?s"] * n),
    "prefixes": lambda n: "".join(f"PREFIX p{i}: <http://e/{i}/> " for i in range(n)) + "ASK {}",
}


def text_of(family: str, size: int) -> str:
    """The family's query with the most repetitions that fit in ``size`` bytes."""
    make = FAMILIES[family]
    low, high = 1, 2
    while len(make(high).encode()) <= size:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if len(make(middle).encode()) <= size else (low, middle)
    return make(low)


def _measure_one(family: str, size: int) -> None:
    import pyoxigraph as ox

    text = text_of(family, size)
    started = time.perf_counter()
    try:
        ox.Store().query(text)
        outcome = "ok"
    except SyntaxError:
        outcome = "syntax error"
    print(f"{time.perf_counter() - started:.4f} {outcome}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("families", nargs="*", help="families to measure (default: all)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000, 64000], help="query sizes in bytes")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds before a measurement is given up")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _measure_one(args.one[0], int(args.one[1]))
        return 0
    print("| family | " + " | ".join(f"{size:,} B" for size in args.sizes) + " |")
    print("| --- |" + " --- |" * len(args.sizes))
    for family in args.families or FAMILIES:
        cells = []
        for size in args.sizes:
            try:
                run = subprocess.run([sys.executable, __file__, "--one", family, str(size)], capture_output=True,
                                     text=True, timeout=args.timeout)
                seconds, _, outcome = run.stdout.strip().partition(" ")
                cells.append(f"{float(seconds) * 1000:.1f} ms{'' if outcome == 'ok' else ' (' + outcome + ')'}"
                             if run.returncode == 0 else f"crashed ({run.returncode})")
            except subprocess.TimeoutExpired:
                cells.append(f"> {args.timeout:g} s")
            if not cells[-1].endswith("ms"):
                cells.extend("—" for _ in args.sizes[len(cells):])
                break
        print(f"| {family} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
