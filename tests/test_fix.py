"""`newsfacts fix`: offsets, prefix and suffix written into the facts file, every other byte kept."""

from __future__ import annotations

import difflib
import re
import shutil

import pytest
import yaml

from newsfacts import cli
from newsfacts.config import PROJECT_ROOT

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
SHIPPED = PROJECT_ROOT / "facts" / "iran-venezuela-drone-facility.yaml"
OFFSET_KEY = re.compile(r"^\s+(start|end|prefix|suffix): ")

# Starting from the second article's facts: a comment at the top, offsets missing in one claim, offsets
# of the wrong length (with a comment beside them) in another, prefix and suffix missing in the third.
BREAK = [
    ("# TEST DATA:", "# Fix me, but keep me.\n# TEST DATA:"),
    ("    start: 124\n    end: 221\n", ""),
    ("    start: 260\n    end: 346\n", "    start: 10  # counted by hand\n    end: 20\n"),
    ("  - quote: According to unnamed officials", "  # the officials are not named\n  - quote: According to unnamed officials"),
    ("    prefix: 'he trading firm Norte Sur Ltda.\n\n      '\n    suffix: '.\n\n      '\n", ""),
]


@pytest.fixture()
def broken(tmp_path) -> dict:
    shutil.copytree(SECOND / "facts", tmp_path / "facts")
    shutil.copytree(SECOND / "sources", tmp_path / "sources")
    path = tmp_path / "facts" / "harbour-seizure.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in BREAK:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return {"path": path, "text": text, "sources": str(tmp_path / "sources"), "releases": str(tmp_path / "releases")}


def test_fix_writes_the_offsets_and_keeps_every_other_line(broken, capsys):
    assert cli.main(["fix", str(broken["path"]), "--sources-dir", broken["sources"]]) == 0
    assert "fixed 3 evidence item(s)" in capsys.readouterr().out
    fixed = broken["path"].read_text(encoding="utf-8")

    changed = [line for line in difflib.ndiff(broken["text"].splitlines(), fixed.splitlines()) if line[:1] in "+-"]
    assert changed and all(OFFSET_KEY.match(line[2:]) for line in changed), changed
    assert "    start: 260  # counted by hand\n    end: 346\n" in fixed
    assert fixed.startswith("# Fix me, but keep me.\n# TEST DATA:")
    assert "  # the officials are not named\n" in fixed

    text = (SECOND / "sources" / "harbour-seizure.txt").read_text(encoding="utf-8")
    for claim in yaml.safe_load(fixed)["claims"]:
        for item in claim["evidence"]:
            start, end = item["start"], item["end"]
            assert text[start:end] == item["quote"]
            assert (item["prefix"], item["suffix"]) == (text[max(0, start - 32):start], text[end:end + 32])

    assert cli.main(["fix", str(broken["path"]), "--sources-dir", broken["sources"]]) == 0
    assert "nothing to fix" in capsys.readouterr().out
    assert broken["path"].read_text(encoding="utf-8") == fixed

    args = ["--facts-dir", str(broken["path"].parent), "--sources-dir", broken["sources"], "--releases-dir", broken["releases"]]
    assert cli.main(["build", *args]) == 0, capsys.readouterr().err


def test_fixing_the_shipped_facts_without_offsets_gives_back_the_shipped_file(tmp_path, sources_dir, capsys):
    shipped = SHIPPED.read_text(encoding="utf-8")
    path = tmp_path / SHIPPED.name
    path.write_text("".join(line for line in shipped.splitlines(True) if not OFFSET_KEY.match(line)), encoding="utf-8")
    assert cli.main(["fix", str(path), "--sources-dir", str(sources_dir)]) == 0
    assert path.read_text(encoding="utf-8") == shipped
    assert "fixed 94 evidence item(s)" in capsys.readouterr().out


def test_a_quote_fix_cannot_place_is_named_and_the_rest_is_fixed(broken, capsys):
    text = broken["text"].replace("denied that the cargo belonged to the firm", "denied that the cargo was theirs")
    broken["path"].write_text(text, encoding="utf-8")
    assert cli.main(["fix", str(broken["path"]), "--sources-dir", broken["sources"]]) == 1
    captured = capsys.readouterr()
    assert "fixed 2 evidence item(s)" in captured.out
    assert re.search(r"ownership-denied \(line \d+\): \[evidence-not-found\] .*closest passage", captured.err), captured.err


def test_fix_needs_the_source_text(broken, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["fix", str(broken["path"]), "--sources-dir", str(empty)]) == 1
    assert "[evidence-needs-text]" in capsys.readouterr().err
    assert broken["path"].read_text(encoding="utf-8") == broken["text"]


def test_a_quote_shortened_inside_its_old_span_is_placed_there(tmp_path, capsys):
    # "the cargo belonged to" occurs twice in the text; the old offsets (the whole sentence) choose the first
    shutil.copytree(SECOND, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "facts" / "harbour-seizure.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  - quote: According to unnamed officials, the cargo belonged to the trading firm Norte Sur Ltda.\n"
    assert old in text
    path.write_text(text.replace(old, "  - quote: the cargo belonged to\n"), encoding="utf-8")
    source = (tmp_path / "sources" / "harbour-seizure.txt").read_text(encoding="utf-8")
    assert source.count("the cargo belonged to") == 2

    assert cli.main(["fix", str(path), "--sources-dir", str(tmp_path / "sources")]) == 0
    (claim,) = [c for c in yaml.safe_load(path.read_text(encoding="utf-8"))["claims"] if c["id"] == "cargo-owner"]
    start = source.index("the cargo belonged to")
    assert (claim["evidence"][0]["start"], claim["evidence"][0]["end"]) == (start, start + len("the cargo belonged to"))
