"""Comunica (npm @comunica/query-sparql) answers the example queries through fragments as the endpoint does.

Comunica finds each interface by its Hydra controls alone (the source is given as a plain URL): the queries
without ``GRAPH`` through the Triple Pattern Fragments at /fragments, and every query, ``GRAPH ?graph`` included,
through the Quad Pattern Fragments at /fragments/quads; the two clients run side by side. Comunica is installed
into ``.node/`` beside the project (gitignored; ``.ci/run`` installs it, or this test does on first use);
``NEWSFACTS_COMUNICA_DIR`` names another folder. Only a machine without node skips this test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from newsfacts.config import PROJECT_ROOT

QUERIES = PROJECT_ROOT / "server" / "newsfacts" / "queries"
CLIENT = Path(__file__).with_name("tpf_client.js")
COMUNICA = "@comunica/query-sparql@^4.5.0"  # 5.x needs node 22; Debian and this machine have node 20
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Queries Comunica cannot answer over fragments in reasonable time. 10: Comunica 4.5 estimates a join's size as
#: the product of its patterns' counts, so the claims side of 10 (eight patterns) looks like ~10^12 rows next to
#: the 346 rows of each `?x rdfs:label ?y`; it then binds the label patterns into the claims side nested two and
#: three deep (~346^2 sub-plans: 58,809 join plans in 170 s). The fragments are not the bottleneck: after ~1,000
#: distinct fragment requests (15 ms median, counts cached, kept-alive connections) it is still planning, CPU-bound,
#: minutes later; exact or estimated counts, page size and keep-alive leave that plan as it is. Answered by the
#: endpoint; not compared here.
TOO_SLOW_OVER_FRAGMENTS = {"10-mahan-air"}


def comunica_modules() -> Path:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    folder = Path(os.environ.get("NEWSFACTS_COMUNICA_DIR") or PROJECT_ROOT / ".node")
    if not (folder / "node_modules" / "@comunica" / "query-sparql").is_dir():
        npm = shutil.which("npm")
        assert npm, "node is installed without npm: install npm to fetch Comunica"
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", COMUNICA], check=True,
                       capture_output=True, timeout=900)
    return folder / "node_modules"


def from_endpoint(binding: dict) -> tuple:
    kind = {"uri": "NamedNode", "literal": "Literal", "bnode": "BlankNode"}[binding["type"]]
    language = binding.get("xml:lang", "")
    datatype = "" if language or kind != "Literal" else binding.get("datatype", XSD_STRING)
    return kind, binding["value"], language.lower(), datatype


def from_comunica(term: dict) -> tuple:
    language = term.get("language", "")
    datatype = "" if language or term["type"] != "Literal" else term.get("datatype") or XSD_STRING
    return term["type"], term["value"], language.lower(), datatype


def expected_answer(server, query: str):
    if "CONSTRUCT" in query:
        response = requests.post(server.url + "/sparql", data={"query": query}, headers={"Accept": "application/n-triples"},
                                 timeout=60)
        import rdflib

        graph = rdflib.Graph().parse(data=response.text, format="nt")
        return sorted(tuple(from_rdflib(term) for term in t) for t in graph)
    body = requests.post(server.url + "/sparql", data={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    if "boolean" in body:
        return body["boolean"]
    return sorted(sorted((var, from_endpoint(value)) for var, value in row.items()) for row in body["results"]["bindings"])


def from_rdflib(term) -> tuple:
    import rdflib

    if isinstance(term, rdflib.Literal):
        language = term.language or ""
        return "Literal", str(term), language.lower(), "" if language else str(term.datatype or XSD_STRING)
    return "NamedNode", str(term), "", ""


def comunica_answer(answer: dict):
    if "boolean" in answer:
        return answer["boolean"]
    if "triples" in answer:
        return sorted(tuple(from_comunica(term) for term in t) for t in answer["triples"])
    return sorted(sorted((var, from_comunica(term)) for var, term in row.items()) for row in answer["bindings"])


def run_comunica(modules: Path, source: str, queries: dict[str, str], listing: Path) -> subprocess.Popen:
    listing.write_text(json.dumps(list(queries.values())), encoding="utf-8")
    return subprocess.Popen(["node", str(CLIENT), source, str(listing), "https://newsfacts.example/"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, NODE_PATH=str(modules)))


def test_comunica_answers_the_example_queries_over_tpf_and_qpf_like_the_endpoint(server, tmp_path):
    modules = comunica_modules()
    every = {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq")) if p.stem not in TOO_SLOW_OVER_FRAGMENTS}
    triples = {name: query for name, query in every.items() if "GRAPH" not in query}  # TPF: the default graph only
    assert len(triples) >= 10 and len(every) > len(triples)
    runs = {"/fragments": (triples, run_comunica(modules, server.url + "/fragments", triples, tmp_path / "tpf.json")),
            "/fragments/quads": (every, run_comunica(modules, server.url + "/fragments/quads", every, tmp_path / "qpf.json"))}
    outputs = {}
    try:
        for interface, (_, process) in runs.items():
            outputs[interface] = process.communicate(timeout=900)
    finally:
        for _, process in runs.values():
            process.kill()
    for interface, (queries, process) in runs.items():
        out, err = outputs[interface]
        assert process.returncode == 0, f"{interface}: {err[-3000:]}"
        answers = json.loads(out)
        assert len(answers) == len(queries)
        for (name, query), answer in zip(queries.items(), answers, strict=True):
            expected = expected_answer(server, query)
            assert expected, f"{name} has no answer at the endpoint: the comparison would prove nothing"
            concatenated = concatenations(query)
            assert unordered(comunica_answer(answer), concatenated) == unordered(expected, concatenated), f"{interface} {name}"


def concatenations(query: str) -> dict[str, str]:
    """The variables a query fills with GROUP_CONCAT, with their separators."""
    return {var: sep for sep, var in re.findall(r'GROUP_CONCAT\([^;]*;\s*separator\s*=\s*"([^"]*)"\s*\)\s*AS\s*\?(\w+)',
                                                  query, re.IGNORECASE)}


def unordered(answer, concatenated: dict[str, str]):
    """SPARQL leaves the order of GROUP_CONCAT's parts to the engine: compare them as sorted parts."""
    if not concatenated or not isinstance(answer, list):
        return answer
    def part(var, term):
        if var in concatenated and term[0] == "Literal":
            return var, (term[0], concatenated[var].join(sorted(term[1].split(concatenated[var]))), *term[2:])
        return var, term
    return sorted(sorted(part(var, term) for var, term in row) for row in answer)
