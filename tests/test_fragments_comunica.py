"""Comunica (npm @comunica/query-sparql) answers the example queries through /fragments as the endpoint does.

Comunica finds the interface by its Hydra controls alone (the source is given as a plain URL). It is installed
into ``.node/`` beside the project (gitignored; ``.ci/run`` installs it, or this test does on first use);
``NEWSFACTS_COMUNICA_DIR`` names another folder. Only a machine without node skips this test.
"""

from __future__ import annotations

import json
import os
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
#: Queries Comunica cannot answer over fragments in reasonable time: 10's disjunctive FILTER over the subject
#: and object of every single-statement claim makes Comunica 4.5 join all claims client-side (over 900
#: fragment requests and still running after five minutes). Answered by the endpoint; not compared here.
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


def test_comunica_answers_the_example_queries_over_tpf_like_the_endpoint(server):
    modules = comunica_modules()
    queries = {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq"))
               if "GRAPH" not in p.read_text(encoding="utf-8")  # fragments serve the default graph only
               and p.stem not in TOO_SLOW_OVER_FRAGMENTS}
    assert len(queries) >= 10
    listing = Path(os.environ.get("TMPDIR", "/tmp")) / f"newsfacts-tpf-queries-{os.getpid()}.json"
    listing.write_text(json.dumps(list(queries.values())), encoding="utf-8")
    try:
        run = subprocess.run(["node", str(CLIENT), server.url + "/fragments", str(listing)], capture_output=True, text=True,
                             timeout=900, env=dict(os.environ, NODE_PATH=str(modules)))
    finally:
        listing.unlink(missing_ok=True)
    assert run.returncode == 0, run.stderr[-3000:]
    answers = json.loads(run.stdout)
    assert len(answers) == len(queries)
    for (name, query), answer in zip(queries.items(), answers, strict=True):
        expected = expected_answer(server, query)
        assert expected, f"{name} has no answer at the endpoint: the comparison would prove nothing"
        assert comunica_answer(answer) == expected, name
