"""Messages that help a person write facts: 'did you mean …' for unknown names, warnings counted by rule."""

from __future__ import annotations

import re
import shutil

import pytest

from newsfacts import cli
from newsfacts.config import PROJECT_ROOT

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"

TYPOS = [
    ("said_by: diario-ficticio\n  certainty: alleged", "said_by: diario-fictisio\n  certainty: alleged", "cargo-seized",
     "unknown-reference", "said_by: 'diario-fictisio' is not a known entity id (did you mean 'diario-ficticio'?)"),
    ("certainty: alleged", "certainty: aleged", "cargo-seized", "unknown-concept",
     "certainty: 'aleged' is not a concept of the certainty scheme (did you mean 'alleged'?)"),
    ("type: Person\n  label:\n    en: Ana", "type: Persn\n  label:\n    en: Ana", "ana-nunez", "unknown-class",
     "type 'Persn' is not a class of the ontology (did you mean 'Person'"),
    ("predicate: ownedBy", "predicate: ownedby", "cargo-owner", "unknown-property", "(did you mean 'ownedBy'"),
    ("  hedge: allegedly", "  hegde: allegedly", "cargo-seized", "unknown-key", "unknown key 'hegde' (did you mean 'hedge'?)"),
]


@pytest.mark.parametrize(("old", "new", "where", "rule", "message"), TYPOS, ids=[t[3] for t in TYPOS])
def test_unknown_names_come_with_suggestions(tmp_path, capsys, old, new, where, rule, message):
    shutil.copytree(SECOND, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "facts" / "harbour-seizure.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert cli.main(["validate", "--facts-dir", str(tmp_path / "facts"), "--sources-dir", str(tmp_path / "sources")]) == 1
    err = capsys.readouterr().err
    assert any(where in line and f"[{rule}]" in line and message in line for line in err.splitlines()), err


def test_nothing_close_suggests_nothing(tmp_path, capsys):
    shutil.copytree(SECOND, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "facts" / "harbour-seizure.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("said_by: ana-nunez", "said_by: zzz-qqq"), encoding="utf-8")
    assert cli.main(["validate", "--facts-dir", str(tmp_path / "facts"), "--sources-dir", str(tmp_path / "sources")]) == 1
    err = capsys.readouterr().err
    assert "said_by: 'zzz-qqq' is not a known entity id\n" in err + "\n" and "did you mean" not in err, err


def test_warnings_are_counted_by_rule_and_listed_when_verbose(sources_dir, capsys):
    assert cli.main(["validate", "--sources-dir", str(sources_dir)]) == 0
    captured = capsys.readouterr()
    total = int(re.search(r"(\d+) warning\(s\)", captured.out).group(1))
    counts = [int(n) for n in re.findall(r"^\s+(\d+)  \[[^\]]+\]$", captured.err, re.MULTILINE)]
    assert total > 0 and sum(counts) == total, captured.err
    assert "warnings by rule (--verbose prints each):" in captured.err and "warning: " not in captured.err

    assert cli.main(["validate", "--sources-dir", str(sources_dir), "--verbose"]) == 0
    verbose = capsys.readouterr().err
    assert len(re.findall(r"^warning: .+: \[[^\]]+\] ", verbose, re.MULTILINE)) == total, verbose


def test_a_facts_file_is_named_after_its_article(tmp_path, capsys):
    shutil.copytree(SECOND, tmp_path, dirs_exist_ok=True)
    (tmp_path / "facts" / "harbour-seizure.yaml").rename(tmp_path / "facts" / "seizure-story.yaml")
    assert cli.main(["validate", "--facts-dir", str(tmp_path / "facts"), "--sources-dir", str(tmp_path / "sources")]) == 1
    err = capsys.readouterr().err
    assert re.search(r"seizure-story\.yaml: harbour-seizure \(line \d+\): \[file-name\] the file should be named "
                     r"harbour-seizure\.yaml after its article id", err), err
