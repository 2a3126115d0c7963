"""The build, run as a user runs it (`newsfacts build` in a subprocess): what it publishes, and how it
refuses bad input, naming the file, the entity and the rule, while the served release stays current."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from conftest import start_server
from newsfacts.config import PROJECT_ROOT

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
FACTS_FILE = "harbour-seizure.yaml"


def run_build(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsfacts.cli", "build", *args], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), timeout=120)


@pytest.fixture()
def workspace(tmp_path) -> dict:
    """A copy of the second article's facts and text, and a releases folder with one good release in it."""
    facts = tmp_path / "facts"
    sources = tmp_path / "sources"
    shutil.copytree(SECOND / "facts", facts)
    shutil.copytree(SECOND / "sources", sources)
    releases = tmp_path / "releases"
    args = ["--facts-dir", str(facts), "--sources-dir", str(sources), "--releases-dir", str(releases)]
    first = run_build(*args)
    assert first.returncode == 0, first.stderr
    return {"facts": facts / FACTS_FILE, "sources": sources, "releases": releases, "args": args}


def snapshot(releases: Path) -> tuple[str, list[str]]:
    return os.readlink(releases / "current"), sorted(p.name for p in releases.iterdir())


def test_second_article_builds_with_no_code_change(workspace):
    current = workspace["releases"] / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    assert manifest["articles"] == ["harbour-seizure"]
    assert manifest["grounding"] == [{"article": "harbour-seizure", "source_text": "harbour-seizure.txt",
                                      "status": "checked", "quotes": 12, "not_checked_because": ""}]
    store = ox.Store.read_only(str(current / "store"))
    denied = store.query("""
        PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?who WHERE { ?c nf:certainty <https://newsfacts.example/concept/certainty/denied> ;
                              nf:attributedTo/<http://www.w3.org/2000/01/rdf-schema#label> ?who }""",
                        use_default_graph_as_union=True)
    assert sorted(s["who"].value for s in denied) == ["Ana Núñez", "Luis Ortega"]


def test_each_build_is_a_new_release_and_the_old_one_is_untouched(workspace):
    releases = workspace["releases"]
    first_version, _ = snapshot(releases)
    first_manifest = (releases / first_version / "manifest.json").read_bytes()
    second = run_build(*workspace["args"], "--force")
    assert second.returncode == 0, second.stderr
    second_version, names = snapshot(releases)
    assert second_version != first_version
    assert {first_version, second_version, "current"} <= set(names)
    assert (releases / first_version / "manifest.json").read_bytes() == first_manifest


def test_the_same_facts_give_the_same_iris_and_the_same_dump_bytes(workspace):
    releases = workspace["releases"]
    first = json.loads((releases / "current" / "manifest.json").read_text())
    assert run_build(*workspace["args"], "--force").returncode == 0
    second = json.loads((releases / "current" / "manifest.json").read_text())
    assert first["version"] != second["version"]
    digests = [{d["name"].split(".", 1)[1]: d["sha256"] for d in m["dumps"]} for m in (first, second)]
    assert digests[0] == digests[1]


def test_dump_checksums_and_sizes_match_the_manifest(workspace):
    current = workspace["releases"] / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    assert {d["name"].split(".", 1)[1] for d in manifest["dumps"]} >= {"nq.gz", "trig.gz", "ttl.gz", "jsonld.gz"}
    for dump in manifest["dumps"]:
        data = (current / "dumps" / dump["name"]).read_bytes()
        assert len(data) == dump["byte_size"]
        assert hashlib.sha256(data).hexdigest() == dump["sha256"]
    nquads = next(d for d in manifest["dumps"] if d["name"].endswith(".nq.gz"))
    quads = list(ox.parse(gzip.decompress((current / "dumps" / nquads["name"]).read_bytes()), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == sum(n for g, n in manifest["graphs"].items() if not g.endswith("graph/dataset"))


def test_missing_source_text_skips_the_check_and_records_it(workspace, tmp_path):
    empty = tmp_path / "no-sources"
    empty.mkdir()
    args = ["--facts-dir", str(workspace["facts"].parent), "--sources-dir", str(empty),
            "--releases-dir", str(workspace["releases"])]
    result = run_build(*args)
    assert result.returncode == 0, result.stderr
    assert "not checked against its text" in result.stderr
    manifest = json.loads((workspace["releases"] / "current" / "manifest.json").read_text())
    assert manifest["grounding"][0]["status"].startswith("skipped: harbour-seizure.txt is not in")
    # the published data says so, in words that name no folder of the machine, and so does each claim's page
    store = ox.Store.read_only(str(workspace["releases"] / "current" / "store"))
    [row] = list(store.query("""PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?article ?checked ?why ?claim WHERE { ?article nf:quotesChecked ?checked ; nf:quotesNotCheckedBecause ?why .
                                                    ?claim nf:statedIn ?article ; nf:hasEvidence ?e }
        ORDER BY ?claim LIMIT 1""", use_default_graph_as_union=True))
    assert row["checked"].value == "false" and str(empty) not in row["why"].value
    assert row["why"].value == "the source text harbour-seizure.txt was not in the folder of source texts when the " \
                               "release was built"
    del store
    server = start_server(workspace["releases"])
    try:
        path = row["claim"].value.removeprefix("https://newsfacts.example/")
        page = requests.get(f"{server.url}/{path}.html", timeout=30)
        assert page.status_code == 200 and "not checked" in page.text and row["why"].value in page.text
        assert "checked against the source text <code>" not in page.text
    finally:
        server.stop()


def test_checked_quotes_are_said_checked_with_the_text_checksum(workspace):
    store = ox.Store.read_only(str(workspace["releases"] / "current" / "store"))
    [row] = list(store.query("""PREFIX nf: <https://newsfacts.example/ontology/>
        SELECT ?checked ?sha ?why WHERE { ?a nf:quotesChecked ?checked ; nf:sourceTextSha256 ?sha .
                                           OPTIONAL { ?a nf:quotesNotCheckedBecause ?why } }""",
                             use_default_graph_as_union=True))
    assert row["checked"].value == "true" and row["why"] is None
    assert row["sha"].value == hashlib.sha256((workspace["sources"] / "harbour-seizure.txt").read_bytes()).hexdigest()


BROKEN = {
    "missing certainty": (
        "  certainty: alleged\n", "", "cargo-seized", "missing-key", "'certainty' is required"),
    "unparseable date": (
        'on: "2024-03"', 'on: "March 2024"', "cargo-seizure", "time-format", "is not a year (2022)"),
    "unknown entity": (
        "said_by: diario-ficticio\n  certainty: alleged", "said_by: diario-imaginario\n  certainty: alleged",
        "cargo-seized", "unknown-reference", "'diario-imaginario' is not a known entity id"),
    "quote not in the text": (
        "quote: Customs officers in the port of Puerto Alba allegedly seized",
        "quote: Customs officers in the port of Puerto Alba certainly seized",
        "cargo-seized", "evidence-offsets", "the quote is not in the text at all"),
    "wrong offsets": (
        "start: 124\n    end: 221\n", "start: 125\n    end: 222\n", "cargo-seized", "evidence-offsets",
        "the quote is at start=124 end=221"),
    "malformed YAML": (
        "entities:\n", "entities:\n  - [unclosed\n", "line", "yaml-syntax", "not valid YAML"),
    "duplicate identifier": (
        "- id: norte-sur\n", "- id: puerto-alba\n", "puerto-alba", "duplicate-id", "is defined twice"),
    "unknown concept": (
        "certainty: denied", "certainty: doubted", "ownership-denied", "unknown-concept",
        "'doubted' is not a concept of the certainty scheme"),
    "a claim with no speaker": (
        "said_by: diario-ficticio\n  certainty: alleged", "certainty: alleged", "cargo-seized", "claim-speaker",
        "exactly one of 'said_by'"),
    "an uncertain speaker with one candidate": (
        "said_by: diario-ficticio\n  certainty: alleged", "said_by_one_of: [diario-ficticio]\n  certainty: alleged",
        "cargo-seized", "claim-speaker", "two or more different entity ids"),
    "a report that is not one": (
        "said_by: diario-ficticio\n  certainty: alleged",
        "said_by: diario-ficticio\n  report: no-such-report\n  certainty: alleged",
        "cargo-seized", "unknown-reference", "'no-such-report' is not a known report id"),
    "unverified wikidata identifier": (
        "  label:\n    en: Puerto Alba\n", "  label:\n    en: Puerto Alba\n  wikidata: Q999999\n", "puerto-alba",
        "unverified-identifier", "Q999999 has no row"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_facts_fail_clearly_and_publish_nothing(workspace, case):
    old, new, where, rule, message = BROKEN[case]
    text = workspace["facts"].read_text(encoding="utf-8")
    assert old in text, f"the fixture no longer contains {old!r}"
    workspace["facts"].write_text(text.replace(old, new, 1), encoding="utf-8")
    before = snapshot(workspace["releases"])

    result = run_build(*workspace["args"])

    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if f"[{rule}]" in line]
    assert lines, result.stderr
    assert any(str(workspace["facts"]) in line and where in line and message in line for line in lines), result.stderr
    assert "nothing was published" in result.stderr
    assert snapshot(workspace["releases"]) == before
    assert not [p for p in workspace["releases"].iterdir() if p.name.startswith(".staging")]


def test_changed_source_text_is_detected(workspace):
    text = workspace["sources"] / "harbour-seizure.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("fictional", "made-up"), encoding="utf-8")
    before = snapshot(workspace["releases"])
    result = run_build(*workspace["args"])
    assert result.returncode == 1
    assert "[source-sha256]" in result.stderr and "the text changed" in result.stderr
    assert snapshot(workspace["releases"]) == before


def test_shacl_violation_names_the_file_the_node_and_the_shape(workspace):
    # an office holding whose holder is a company passes the YAML checks but breaks OfficeHoldingShape
    text = workspace["facts"].read_text(encoding="utf-8")
    text = text.replace("office_holdings:\n", "office_holdings:\n- id: firm-as-director\n  holder: norte-sur\n"
                        "  office: president\n  office_of: puerto-alba\n", 1)
    text = text.replace("asserts: cargo-seizure", "asserts: firm-as-director", 1)
    workspace["facts"].write_text(text, encoding="utf-8")
    result = run_build(*workspace["args"])
    assert result.returncode == 1, result.stderr
    assert any("situation/harbour-seizure/firm-as-director" in line and "[OfficeHoldingShape holder]" in line
               and "a person" in line and str(workspace["facts"]) in line for line in result.stderr.splitlines()), result.stderr


def test_validate_checks_without_publishing(workspace):
    before = snapshot(workspace["releases"])
    result = subprocess.run([sys.executable, "-m", "newsfacts.cli", "validate", *workspace["args"]],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid: 1 article(s)")
    assert snapshot(workspace["releases"]) == before


@pytest.mark.parametrize(("args", "message"), [
    (["build", "--no-such-option"], "unrecognized arguments"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2(args, message):
    result = subprocess.run([sys.executable, "-m", "newsfacts.cli", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and message in result.stderr


def test_unwritable_releases_folder_exits_2(workspace, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the releases folder should be")
    args = ["--facts-dir", str(workspace["facts"].parent), "--sources-dir", str(workspace["sources"]),
            "--releases-dir", str(blocked)]
    result = run_build(*args)
    assert result.returncode == 2
    assert "cannot write the release" in result.stderr
