"""Evidence located in the source text: offsets computed from the quote, checked when given, and the source text
confined to its folder."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from newsfacts import cli
from newsfacts.build import check
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.grounding import locate

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
OFFSET_LINE = re.compile(r"^\s+(start|end|prefix|suffix): .*\n", re.MULTILINE)


def strip_offsets(text: str) -> str:
    return OFFSET_LINE.sub("", text)


def test_shipped_facts_without_offsets_give_the_same_quads(tmp_path, sources_dir):
    shipped = PROJECT_ROOT / "facts" / "iran-venezuela-drone-facility.yaml"
    facts = tmp_path / "facts"
    facts.mkdir()
    stripped = strip_offsets(shipped.read_text(encoding="utf-8"))
    assert len(OFFSET_LINE.findall(shipped.read_text(encoding="utf-8"))) == 4 * 94
    assert not re.search(r"^\s+(start|end|prefix|suffix):", stripped, re.MULTILINE)
    (facts / shipped.name).write_text(stripped, encoding="utf-8")

    # each check with a releases folder of its own, empty: nothing is reused from a release built in the checkout
    original = check(Settings.load({"sources_dir": str(sources_dir), "releases_dir": str(tmp_path / "original")}))
    computed = check(Settings.load({"sources_dir": str(sources_dir), "facts_dir": str(facts),
                                    "releases_dir": str(tmp_path / "computed")}))

    assert set(computed.all_quads()) == set(original.all_quads())
    assert len(computed.all_quads()) == len(original.all_quads())


TEXT = "the minister said it. Later the minister said it again.\nNobody said it."


def test_a_quote_alone_is_found_with_its_context():
    located = locate(TEXT, {"quote": "Nobody said it"})
    assert (located.start, located.end) == (56, 70)
    assert located.selector(TEXT) == {"start": 56, "end": 70, "prefix": TEXT[24:56], "suffix": "."}


def test_a_repeated_quote_is_a_problem_naming_each_occurrence():
    located = locate(TEXT, {"quote": "the minister said it"})
    assert located.rule == "evidence-ambiguous"
    assert "start=0 end=20 (…[the minister said it]. Later the minister said it…)" in located.message
    assert "start=28 end=48 (…the minister said it. Later [the minister said it] again.…)" in located.message
    assert located.message.count("start=") == 2


@pytest.mark.parametrize("hint", [{"prefix": "Later "}, {"suffix": " again"}, {"prefix": "r ", "suffix": " ag"}])
def test_a_few_words_of_prefix_or_suffix_choose_the_occurrence(hint):
    located = locate(TEXT, {"quote": "the minister said it", **hint})
    assert (located.start, located.end, located.rule) == (28, 48, "")


def test_an_absent_quote_names_the_closest_passage():
    located = locate(TEXT, {"quote": "Later the minster said it again"})
    assert located.rule == "evidence-not-found"
    assert "closest passage: start=22 end=54 'Later the minister said it again'" in located.message


def test_given_offsets_must_hold_and_the_right_ones_are_named():
    assert locate(TEXT, {"quote": "Nobody said it", "start": 56, "end": 70}).rule == ""
    wrong = locate(TEXT, {"quote": "Nobody said it", "start": 3, "end": 9})
    assert wrong.rule == "evidence-offsets" and "the quote is at start=56 end=70" in wrong.message


@pytest.fixture()
def second(tmp_path) -> dict:
    facts, sources = tmp_path / "facts", tmp_path / "sources"
    shutil.copytree(SECOND / "facts", facts)
    shutil.copytree(SECOND / "sources", sources)
    return {"file": facts / "harbour-seizure.yaml", "sources": sources, "tmp": tmp_path,
            "args": ["--facts-dir", str(facts), "--sources-dir", str(sources), "--releases-dir", str(tmp_path / "rel")]}


def test_without_the_text_given_offsets_pass_and_a_bare_quote_is_a_problem(second, capsys):
    empty = second["tmp"] / "none"
    empty.mkdir()
    args = ["--facts-dir", str(second["file"].parent), "--sources-dir", str(empty)]
    assert cli.main(["validate", *args]) == 0
    assert "not checked against its text" in capsys.readouterr().err

    text = second["file"].read_text(encoding="utf-8")
    second["file"].write_text(text.replace("    start: 260\n    end: 346\n", ""), encoding="utf-8")
    assert cli.main(["validate", *args]) == 1
    err = capsys.readouterr().err
    assert re.search(r"harbour-seizure\.yaml: cargo-owner \(line \d+\): \[evidence-needs-text\] the quote has no start/end",
                     err), err


def _secret(tmp_path: Path) -> tuple[Path, str]:
    secret = tmp_path / "secret.txt"
    secret.write_text("a private file of the builder's machine\n" * 7, encoding="utf-8")
    return secret, hashlib.sha256(secret.read_bytes()).hexdigest()


def _point_source_text(second: dict, name: str) -> None:
    text = second["file"].read_text(encoding="utf-8")
    second["file"].write_text(text.replace("source_text: harbour-seizure.txt", f"source_text: '{name}'"), encoding="utf-8")


@pytest.mark.parametrize("how", ["absolute", "parent", "symlink", "symlink-folder"])
def test_a_source_text_outside_the_folder_is_refused_without_a_word_about_it(second, capsys, how):
    secret, digest = _secret(second["tmp"])
    name = {"absolute": str(secret), "parent": "../secret.txt", "symlink": "link.txt", "symlink-folder": "up"}[how]
    if how == "symlink":
        (second["sources"] / "link.txt").symlink_to(secret)
    if how == "symlink-folder":
        (second["sources"] / "up").symlink_to(second["tmp"], target_is_directory=True)
    _point_source_text(second, name)

    assert cli.main(["build", *second["args"]]) == 1
    err = capsys.readouterr().err
    rule = "source-text-outside" if how.startswith("symlink") else "source-text-name"
    assert re.search(rf"harbour-seizure\.yaml: harbour-seizure \(line \d+\): \[{rule}\]", err), err
    assert digest not in err and str(secret.stat().st_size) not in err
    assert "nothing was published" in err and not (second["tmp"] / "rel").exists()


def test_an_oversized_source_text_is_a_named_problem(second, capsys):
    text = second["sources"] / "harbour-seizure.txt"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSFACTS_MAX_SOURCE_TEXT_BYTES", str(text.stat().st_size - 1))
        assert cli.main(["build", *second["args"]]) == 1
    err = capsys.readouterr().err
    assert "[source-text-size] harbour-seizure.txt is larger than max_source_text_bytes" in err, err
    assert hashlib.sha256(text.read_bytes()).hexdigest() not in err
