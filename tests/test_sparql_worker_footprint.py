"""What a query worker process loads: each web process runs several, so every module it imports counts several times
in the server's memory (BENCHMARKS.md, "SPARQL path: where the time goes")."""

from __future__ import annotations

import json
import subprocess
import sys
from xml.sax import saxutils

import pytest

from newsfacts.web.sparql import results

#: Modules a query worker has no use for: the remote-store client and what xml.sax.saxutils pulls in.
NOT_IN_A_WORKER = ("requests", "urllib3", "ssl", "http.client", "urllib.request", "email.parser", "flask", "rdflib")


def test_a_query_worker_imports_neither_the_http_client_nor_flask():
    code = "import sys, newsfacts.web.sparql.worker; print(__import__('json').dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert "pyoxigraph" in loaded and "newsfacts.web.sparql.results" in loaded
    assert sorted(name for name in NOT_IN_A_WORKER if name in loaded) == []


@pytest.mark.parametrize("value", ['a&b<c>d', 'say "x"', "it's", "both \" and '", "line\nbreak\ttab\rreturn", "", "&lt;"])
def test_xml_escaping_is_that_of_the_standard_library(value):
    assert results.quoteattr(value) == saxutils.quoteattr(value)
    assert results.escape(value) == saxutils.escape(value)
    entities = {"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
    assert results.escape(value, entities) == saxutils.escape(value, entities)


def test_a_remote_store_that_does_not_answer_is_not_turned_into_a_query_failure():
    from newsfacts.remote import StoreUnavailable
    from newsfacts.web.sparql import worker

    class Unreachable:
        def query(self, *args, **kwargs):
            raise StoreUnavailable("the remote store did not answer")

    with pytest.raises(StoreUnavailable):
        worker.evaluate(Unreachable(), {"query": "ASK {}", "format": "json", "max_rows": 10})
