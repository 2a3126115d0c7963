"""The search index is a file of the release: a server on a remote store searches the same."""

from __future__ import annotations

import requests

from conftest import start_server
from newsfacts.build import build
from newsfacts.search_index import index_path
from remote_stores import OxigraphServer, settings


def test_search_works_on_a_remote_store(tmp_path):
    oxigraph = OxigraphServer(tmp_path / "oxigraph-data")
    try:
        store_url = f"{oxigraph.url}/query"
        release = build(settings(tmp_path, store_url))
        assert index_path(release.path).is_file() and not (release.path / "store").exists()
        web = start_server(tmp_path / "releases", {"NEWSFACTS_STORE": store_url})
        try:
            body = requests.get(f"{web.url}/search.json", params={"q": "Nunez"}, timeout=10).json()
            entities = [r for g in body["groups"] if g["kind"] == "entity" for r in g["results"]]
            assert entities and entities[0]["href"] == "/entity/ana-nunez.html"
        finally:
            web.stop()
    finally:
        oxigraph.stop()
