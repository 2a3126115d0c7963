"""A new release becomes visible to the next request without a restart; the served one stays served while a
build runs or fails."""

from __future__ import annotations

import shutil
import threading

import requests

from conftest import start_server
from newsfacts.build import build
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.problems import DataDoesNotConform

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"


def settings(tmp_path, facts):
    return Settings.load({"facts_dir": str(facts), "sources_dir": str(SECOND / "sources"),
                          "releases_dir": str(tmp_path / "releases")})


def test_the_next_request_sees_a_new_release_and_a_failed_build_changes_nothing(tmp_path):
    facts = tmp_path / "facts"
    shutil.copytree(SECOND / "facts", facts)
    first = build(settings(tmp_path, facts))
    server = start_server(tmp_path / "releases")
    try:
        url = f"{server.url}/entity/ana-nunez.ttl"
        assert requests.get(url, timeout=10).headers["X-Newsfacts-Release"] == first.version

        seen, stop = [], threading.Event()

        def poll():
            session = requests.Session()
            while not stop.is_set():
                response = session.get(url, timeout=10)
                seen.append((response.status_code, response.headers.get("X-Newsfacts-Release")))

        reader = threading.Thread(target=poll)
        reader.start()
        try:
            second = build(settings(tmp_path, facts))
        finally:
            stop.set()
            reader.join()
        assert second.version != first.version
        assert {status for status, _ in seen} == {200}
        assert {version for _, version in seen} <= {first.version, second.version}
        after = requests.get(url, timeout=10)
        assert after.status_code == 200 and after.headers["X-Newsfacts-Release"] == second.version
        landing = requests.get(f"{server.url}/", timeout=10)
        assert second.version in landing.text

        broken = facts / "harbour-seizure.yaml"
        broken.write_text(broken.read_text(encoding="utf-8").replace("certainty: denied", "certainty: doubted"),
                          encoding="utf-8")
        try:
            build(settings(tmp_path, facts))
            raise AssertionError("the broken facts built")
        except DataDoesNotConform:
            pass
        still = requests.get(url, timeout=10)
        assert still.status_code == 200 and still.headers["X-Newsfacts-Release"] == second.version
    finally:
        server.stop()
