"""Inputs the build refuses before they can exhaust memory or vanish: YAML anchors and aliases, oversized files
and strings, duplicate or non-text keys, broken SSSOM files, and values the mapping to RDF would drop.
Each is a problem naming the file, where and the rule (exit 1), never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsfacts.config import PROJECT_ROOT
from newsfacts.facts import FactsLimits, read_facts_file
from newsfacts.facts_rules import check_facts
from newsfacts.vocabulary import Vocabulary

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
FACTS_FILE = "harbour-seizure.yaml"
LIMITS = FactsLimits(max_file_bytes=8 * 1024 * 1024, max_string_chars=20000)

ALIAS_BOMB = """article:
  id: harbour-seizure
  label: {en: x}
  author: test-writer
  source_text: harbour-seizure.txt
  source_sha256: 66378d79fa8d80d5ecf36d59e3ee829014616feab9a265df0349a4d92ddb05d5
  author_description: &a9 [&a8 [&a7 [&a6 [&a5 [&a4 [&a3 [&a2 [&a1 [&a0 ["lol","lol","lol","lol","lol","lol"]]]]]]]]]]
  genre: [*a9,*a9,*a9,*a9,*a9,*a9,*a9,*a9,*a9,*a9]
"""


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsfacts.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), timeout=120)


@pytest.fixture()
def inputs(tmp_path) -> dict:
    """A copy of the second article's facts, text and mappings, and an empty releases folder."""
    shutil.copytree(SECOND / "facts", tmp_path / "facts")
    shutil.copytree(SECOND / "sources", tmp_path / "sources")
    shutil.copytree(PROJECT_ROOT / "mappings", tmp_path / "mappings")
    releases = tmp_path / "releases"
    args = ["--facts-dir", str(tmp_path / "facts"), "--sources-dir", str(tmp_path / "sources"),
            "--releases-dir", str(releases)]
    return {"facts": tmp_path / "facts" / FACTS_FILE, "mappings": tmp_path / "mappings", "releases": releases,
            "args": args, "env": {"NEWSFACTS_MAPPINGS_DIR": str(tmp_path / "mappings")}}


def assert_refused(result: subprocess.CompletedProcess, file: Path, rule: str, message: str = "") -> None:
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if f"[{rule}]" in line]
    assert any(str(file) in line and message in line for line in lines), result.stderr[-2000:]
    assert "nothing was published" in result.stderr


def edited(inputs: dict, old: str, new: str) -> None:
    text = inputs["facts"].read_text(encoding="utf-8")
    assert old in text, f"the fixture no longer contains {old!r}"
    inputs["facts"].write_text(text.replace(old, new, 1), encoding="utf-8")


# --- anchors, aliases, sizes ---------------------------------------------------------------------------------

def test_an_alias_bomb_is_refused_at_once_naming_the_line_and_rule(tmp_path):
    path = tmp_path / "harbour-seizure.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    started = time.perf_counter()
    facts, problems = read_facts_file(path, LIMITS)
    elapsed = time.perf_counter() - started
    assert facts is None
    assert [(p.file, p.where, p.rule) for p in problems] == [(str(path), "line 7", "yaml-anchor")]
    assert "&a9" in problems[0].message
    assert elapsed < 5  # expanding it took 35 s and 3.5 GB; refused, it takes milliseconds


def test_an_alias_bomb_stops_the_build(inputs):
    inputs["facts"].write_text(ALIAS_BOMB, encoding="utf-8")
    result = run_cli("build", *inputs["args"])
    assert_refused(result, inputs["facts"], "yaml-anchor", "anchors and aliases are not allowed")
    assert not inputs["releases"].exists() or not any(inputs["releases"].iterdir())


def test_an_alias_alone_is_refused_too(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("article:\n  id: a\n  x: 1\nentities: []\nevents: *nothing\n", encoding="utf-8")
    _facts, problems = read_facts_file(path, LIMITS)
    assert [(p.where, p.rule) for p in problems] == [("line 5", "yaml-anchor")]


def test_ampersands_and_stars_in_text_are_fine(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text('article:\n  id: a\n  label: {en: "Smith & Sons *limited*"}\n  note: R&D * 2\n', encoding="utf-8")
    facts, problems = read_facts_file(path, LIMITS)
    assert problems == [] and facts.article["label"]["en"] == "Smith & Sons *limited*"


def test_a_50_megabyte_string_ends_in_a_named_problem_not_a_traceback(inputs):
    with open(inputs["facts"], "a", encoding="utf-8") as out:
        out.write("# padding\n")
    text = inputs["facts"].read_text(encoding="utf-8")
    inputs["facts"].write_text(text.replace("  genre: test data (fictional)\n",
                                            "  genre: '" + "x" * 50_000_000 + "'\n", 1), encoding="utf-8")
    result = run_cli("build", *inputs["args"])
    assert_refused(result, inputs["facts"], "file-too-large", "max_facts_file_bytes")


def test_a_long_string_in_a_small_file_is_refused_with_its_line_and_key(inputs):
    edited(inputs, "  genre: test data (fictional)\n", "  genre: '" + "x" * 30_000 + "'\n")
    result = run_cli("build", *inputs["args"])
    assert_refused(result, inputs["facts"], "string-too-long", "in 'genre'")
    assert f"{inputs['facts']}: line 3: [string-too-long]" in result.stderr


def test_the_size_limits_are_settings(inputs):
    result = run_cli("build", *inputs["args"], env={"NEWSFACTS_MAX_FACTS_FILE_BYTES": "1000"})
    assert_refused(result, inputs["facts"], "file-too-large", "larger than 1,000 bytes")
    result = run_cli("build", *inputs["args"], env={"NEWSFACTS_MAX_STRING_CHARS": "20"})
    assert_refused(result, inputs["facts"], "string-too-long", "at most 20 are allowed")


def test_an_oversized_mappings_file_is_refused_before_it_is_read(inputs):
    rules = inputs["mappings"] / "rules" / "huge.rq"
    rules.write_text("#" * 5000 + "\n", encoding="utf-8")
    result = run_cli("build", *inputs["args"], env={**inputs["env"], "NEWSFACTS_MAX_INPUT_FILE_BYTES": "4096"})
    assert_refused(result, rules, "file-too-large", "max_input_file_bytes")


# --- keys YAML would silently merge or mangle --------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "lines_after", "rule", "message"), [
    ("  genre: test data (fictional)\n", "  genre: test data (fictional)\n  genre: opinion\n", 1, "duplicate-key",
     "'genre' appears twice"),
    ("  genre: test data (fictional)\n", "  2024: test data (fictional)\n", 0, "key-type", "'2024' is not plain text"),
    ("  genre: test data (fictional)\n", "  <<: {genre: x}\n", 0, "key-type", "is not plain text"),
], ids=["duplicate-key", "number-key", "merge-key"])
def test_keys_are_text_and_unique(inputs, old, new, lines_after, rule, message):
    line = inputs["facts"].read_text(encoding="utf-8").split(old)[0].count("\n") + 1 + lines_after
    edited(inputs, old, new)
    _facts, problems = read_facts_file(inputs["facts"], LIMITS)
    assert [(p.where, p.rule) for p in problems] == [(f"line {line}", rule)]
    assert message in problems[0].message


# --- SSSOM ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("edit", "rule", "message"), [
    (lambda text: text.replace("#curie_map:", "#anchor: &x [1]\n#again: *x\n#curie_map:", 1), "yaml-anchor", "&x"),
    (lambda text: text.replace("#curie_map:", "#curie_map: [unclosed\n#x:", 1), "sssom-metadata", "not valid YAML"),
    (lambda text: "#- a list\n" + text.replace("#", "#- ").replace("#- - a list", "#- a list"), "sssom-metadata",
     "a YAML mapping"),
    (lambda text: text + "nfe:puerto-alba\tPuerto Alba\tskos:exactMatch\twikidata:Q1\t" + "x" * 200_000 + "\n",
     "sssom-syntax", "not valid TSV"),
    (lambda text: text + "nfe:puerto-alba\tPuerto Alba\tskos:exactMatch\n", "sssom-object", "object '' is not"),
], ids=["alias", "bad-metadata", "metadata-not-a-mapping", "huge-field", "short-row"])
def test_a_broken_sssom_file_is_a_named_problem(inputs, edit, rule, message):
    sssom = inputs["mappings"] / "wikidata.sssom.tsv"
    text = sssom.read_text(encoding="utf-8")
    assert "#curie_map:" in text
    sssom.write_text(edit(text), encoding="utf-8")
    result = run_cli("validate", *inputs["args"], env=inputs["env"])
    assert_refused(result, sssom, rule, message)


# --- values the mapping would drop --------------------------------------------------------------------------------

DROPPED = {
    "label under an invalid language key": (
        "    en: Puerto Alba\n", "    en: Puerto Alba\n    e s: Puerto Alba\n", "puerto-alba (line 29)", "value-type",
        "'e s' is not a language tag"),
    "unknown not_stated name": (
        "  - datePublished\n", "  - date published\n", "harbour-seizure (line 3)", "value-type",
        "'date published' not schema.org"),
    "empty value": ("  genre: test data (fictional)\n", "  genre:\n", "harbour-seizure (line 3)", "empty-value",
                    "genre: has no value"),
    "mapping where text belongs": (
        "  genre: test data (fictional)\n", "  genre: {kind: test}\n", "harbour-seizure (line 6)", "value-type",
        "genre: must be text"),
    "list as an id": ("- id: puerto-alba\n", "- id: [puerto-alba]\n", "line", "value-type", "id: must be an id"),
    "language that is not a tag": ("  language: en\n", "  language: English (UK)\n", "harbour-seizure (line 3)", "value-type",
                                   "'English (UK)' is not a language tag"),
    "not_stated that is not a list": ("  not_stated:\n  - author          # the text is unsigned: no author is invented\n"
                                      "  - datePublished\n  - publisher\n  - url\n",
                                      "  not_stated: datePublished\n", "harbour-seizure (line 3)", "value-type",
                                      "must be a list of schema.org property names"),
    "empty description": ("    en: Puerto Alba\n", "    en: Puerto Alba\n  description: {}\n", "puerto-alba", "value-type",
                          "description: is empty"),
    "label entry that is not text": ("    en: Puerto Alba\n", "    en: Puerto Alba\n    es: [Puerto, Alba]\n",
                                     "puerto-alba", "value-type", "the 'es' entry must be text"),
}


@pytest.mark.parametrize("case", sorted(DROPPED))
def test_values_the_mapping_would_drop_are_problems(inputs, case):
    old, new, where, rule, message = DROPPED[case]
    edited(inputs, old, new)
    facts, problems = read_facts_file(inputs["facts"], LIMITS)
    assert facts is not None, problems
    problems = check_facts([facts], Vocabulary.load(PROJECT_ROOT / "ontology"))
    assert any(p.rule == rule and where in p.where and message in p.message for p in problems), problems


def test_a_dropped_value_stops_the_build_and_publishes_nothing(inputs):
    edited(inputs, "    en: Puerto Alba\n", "    en: Puerto Alba\n    e s: Puerto Alba\n")
    result = run_cli("build", *inputs["args"])
    assert_refused(result, inputs["facts"], "value-type", "'e s' is not a language tag")
    assert not inputs["releases"].exists() or not any(inputs["releases"].iterdir())


# --- broken project files: exit 2, one line, no traceback -----------------------------------------------------

@pytest.mark.parametrize(("folder", "name", "text", "message"), [
    ("shapes", "shapes.ttl", "this is not turtle .\n", "cannot read the shapes in"),
    ("mappings", "rules/broken.rq", "CONSTRUCT { ?s ?p } WHERE {\n", "rules/broken.rq is not a valid SPARQL query"),
    ("mappings", "context.jsonld", '{"no context": true}\n', "cannot read the ontology or mappings"),
    ("ontology", "broken.ttl", "<a> <b> .\n", "cannot read the ontology or mappings"),
], ids=["shapes", "mapping-rule", "context", "ontology"])
def test_a_broken_project_file_is_a_runtime_error_without_traceback(inputs, tmp_path, folder, name, text, message):
    copy = tmp_path / f"{folder}-copy"
    shutil.copytree(PROJECT_ROOT / folder, copy)
    target = copy / name
    target.write_text(target.read_text(encoding="utf-8") + text if target.exists() else text, encoding="utf-8")
    result = run_cli("validate", *inputs["args"], env={f"NEWSFACTS_{folder.upper()}_DIR": str(copy)})
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and message in result.stderr, result.stderr[-2000:]
