"""`newsfacts draft` on the shipped article's text: a valid YAML draft whose quotes slice the text exactly, names
matched to the corpus, cues proposing certainties; `build` refuses the draft and `validate` names what is left."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from newsfacts import cli
from newsfacts.config import PROJECT_ROOT
from newsfacts.cues import Lexicon
from newsfacts.drafting import sentences
from newsfacts.facts import read_facts_file
from newsfacts.textscan import names, time_expressions

SHIPPED = PROJECT_ROOT / "facts" / "iran-venezuela-drone-facility.yaml"
TEXT_NAME = "iran-venezuela-drone-facility.txt"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory, sources_dir) -> dict:
    """The shipped facts and, beside them, the draft of a new article from the shipped text."""
    folder = tmp_path_factory.mktemp("draft")
    facts = folder / "facts"
    facts.mkdir()
    shutil.copy(SHIPPED, facts)
    out = facts / "drone-draft.yaml"
    assert cli.main(["draft", str(sources_dir / TEXT_NAME), "--id", "drone-draft", "--out", str(out),
                     "--facts-dir", str(facts)]) == 0
    text = (sources_dir / TEXT_NAME).read_text(encoding="utf-8")
    return {"facts": facts, "out": out, "yaml": out.read_text(encoding="utf-8"), "text": text,
            "data": yaml.safe_load(out.read_text(encoding="utf-8")), "sources": sources_dir}


def test_every_drafted_quote_slices_the_text_exactly(drafted):
    text, claims = drafted["text"], drafted["data"]["claims"]
    assert len(claims) == len(sentences(text)) == 32
    for claim in claims:
        (item,) = claim["evidence"]
        start, end = item["start"], item["end"]
        assert text[start:end] == item["quote"] == claim["text"]
        assert (item["prefix"], item["suffix"]) == (text[max(0, start - 32):start], text[end:end + 32])
        assert "\n" not in item["quote"] and item["quote"] == item["quote"].strip()
    facts, problems = read_facts_file(drafted["out"])
    assert facts is not None and problems == [] and facts.draft


def test_the_article_block_is_filled_from_the_text(drafted):
    article = drafted["data"]["article"]
    assert article["source_text"] == TEXT_NAME
    assert article["source_sha256"] == "9fed9bed69e0cc3eb5a44b13952d7198e28a93014da020396a4b30fd08b3db14"
    assert article["language"] == "en"
    assert article["not_stated"] == ["datePublished", "publisher", "url"]
    assert article["author"] == "to-complete"  # no byline in the text: nothing is invented


def _claim(drafted, words: str) -> dict:
    (claim,) = [c for c in drafted["data"]["claims"] if words in c["text"]]
    return claim


def test_names_are_matched_to_the_entities_of_the_corpus(drafted):
    assert "Maduro → nicolas-maduro" in drafted["yaml"]
    assert "Hugo Chávez → hugo-chavez" in drafted["yaml"]
    stub_ids = {e["id"] for e in drafted["data"]["entities"]}
    assert not stub_ids & {"maduro", "nicolas-maduro", "iran", "infobae"}
    assert {"type": "to-complete", "id": "twitter", "label": {"en": "Twitter"}} in drafted["data"]["entities"]
    assert _claim(drafted, "Raisi claimed at the time")["said_by"] == "ebrahim-raisi"


def test_cues_propose_a_certainty_a_hedge_and_a_speaker(drafted):
    alleged = _claim(drafted, "The project allegedly calls")
    assert (alleged["certainty"], alleged["hedge"]) == ("alleged", "allegedly")
    believed = _claim(drafted, "It is largely believed")
    assert believed["certainty"] == "believed"
    first = _claim(drafted, "the Argentine outlet Infobae reported on Friday")
    assert (first["said_by"], first["certainty"], first["hedge"]) == ("infobae", "reported", "reported")
    plain = _claim(drafted, "Milei took office in December 2023")
    assert plain["certainty"] == "stated" and "hedge" not in plain
    assert re.search(r"certainty: alleged   # proposal from 'allegedly'", drafted["yaml"])


def test_time_expressions_are_kept_as_words(drafted):
    assert "# time: 'on Friday' → {text: \"on Friday\"} (relative: kept as words, never a date)" in drafted["yaml"]
    assert "# time: 'in December 2023' → {on: \"2023-12\", text: \"in December 2023\"} (proposal)" in drafted["yaml"]


def test_build_refuses_the_draft_and_validate_names_every_problem(drafted, capsys):
    args = ["--facts-dir", str(drafted["facts"]), "--sources-dir", str(drafted["sources"]),
            "--releases-dir", str(drafted["facts"].parent / "releases")]
    assert cli.main(["build", *args]) == 1
    err = capsys.readouterr().err
    assert f"{drafted['out']}: draft: [draft] this file is a draft written by `newsfacts draft`" in err
    assert "nothing was published" in err and not (drafted["facts"].parent / "releases").exists()

    assert cli.main(["validate", *args]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("newsfacts: ") and "problem(s)" in lines[-1]
    problem = re.compile(rf"^{re.escape(str(drafted['out']))}: \S.*: \[[a-z0-9-]+\] ")
    assert all(problem.match(line) for line in lines[:-1]), lines
    rules = {re.search(r"\[([a-z0-9-]+)\]", line).group(1) for line in lines[:-1]}
    assert rules <= {"unknown-reference", "unknown-class"}, rules
    assert not any("[draft]" in line for line in lines)
    assert any("author: 'to-complete' is not a known entity id" in line for line in lines)


def test_an_existing_out_file_is_never_overwritten(drafted, capsys):
    before = drafted["out"].read_text(encoding="utf-8")
    assert cli.main(["draft", str(drafted["sources"] / TEXT_NAME), "--id", "other", "--out", str(drafted["out"])]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert drafted["out"].read_text(encoding="utf-8") == before


@pytest.mark.parametrize(("args", "message"), [
    (["--id", "Not A Slug"], "must be a lowercase slug"),
    (["--id", "fine", "--out", "/nonexistent-folder/x.yaml"], "cannot write"),
])
def test_draft_usage_errors_exit_2(sources_dir, capsys, args, message):
    assert cli.main(["draft", str(sources_dir / TEXT_NAME), *args]) == 2
    assert message in capsys.readouterr().err


WHEN = [
    ("in March 2024", {"on": "2024-03", "text": "in March 2024"}),
    ("on 5 March 2024", {"on": "2024-03-05", "text": "on 5 March 2024"}),
    ("In 2022", {"on": "2022", "text": "In 2022"}),
    ("since at least 2020", {"not_before": "2020", "text": "since at least 2020"}),
    ("next month", {"text": "next month"}),
    ("on Friday", {"text": "on Friday"}),
    ("in the early 2010s", {"text": "in the early 2010s"}),
    ("over the past decade", {"text": "over the past decade"}),
]


@pytest.mark.parametrize(("words", "value"), WHEN, ids=[w for w, _ in WHEN])
def test_only_a_year_or_a_date_the_words_give_is_typed(words, value):
    (found,) = time_expressions(f"The minister said {words} that the port reopened.")
    assert found.value == value


def test_names_are_runs_of_capitalised_words():
    found = names("Late Iranian President Ebrahim Raisi met the U.S. Department of Justice in Caracas on Friday.",
                  frozenset({"Late", "President"}))
    assert found == ["Iranian", "Ebrahim Raisi", "U.S. Department of Justice", "Caracas"]


@pytest.mark.parametrize(("certainties", "proposed"), [
    (frozenset({"stated", "reported", "unconfirmed"}), "unconfirmed"),
    (frozenset({"stated", "reported"}), "reported"),
])
def test_unconfirmed_is_proposed_only_when_the_vocabulary_has_it(certainties, proposed):
    lexicon = Lexicon.load(PROJECT_ROOT / "mappings", certainties)
    (cue, *_rest) = lexicon.find("The ministry could not confirm the seizure, a spokesman said.")
    assert (cue.words, cue.certainty) == ("could not confirm", proposed)


WALKTHROUGH = PROJECT_ROOT / "tests" / "data" / "authoring-walkthrough"


def test_the_walkthrough_article_drafts_and_its_reviewed_facts_validate(tmp_path, capsys):
    """docs/authoring.md followed on a short fictional article: its draft, then the reviewed file beside it."""
    text = WALKTHROUGH / "sources" / "river-ferry-inquiry.txt"
    out = tmp_path / "draft.yaml"
    assert cli.main(["draft", str(text), "--id", "river-ferry-draft", "--out", str(out),
                     "--facts-dir", str(WALKTHROUGH / "facts")]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    by_start = {c["evidence"][0]["start"]: c for c in data["claims"]}
    assert (by_start[99]["certainty"], by_start[99]["said_by"]) == ("alleged", "el-vigia")  # El Vigía, matched
    assert (by_start[361]["certainty"], by_start[361]["said_by"]) == ("denied", "marta-solis")
    assert by_start[441]["certainty"] == "unconfirmed"  # "could not confirm", a level of the certainty scheme
    assert "according" not in {e["id"] for e in data["entities"]}
    assert "# time: 'on 12 May 2025' → {on: \"2025-05-12\", text: \"on 12 May 2025\"} (proposal)" in out.read_text()

    assert cli.main(["validate", "--facts-dir", str(WALKTHROUGH / "facts"), "--sources-dir", str(WALKTHROUGH / "sources")]) == 0
    assert "valid: 1 article(s)" in capsys.readouterr().out


def test_names_are_also_matched_to_the_entities_of_the_current_release(releases_dir, sources_dir, tmp_path, capsys):
    empty = tmp_path / "facts"
    empty.mkdir()
    args = ["draft", str(sources_dir / TEXT_NAME), "--id", "drone-draft", "--facts-dir", str(empty)]
    assert cli.main([*args, "--releases-dir", str(tmp_path / "no-releases")]) == 0
    assert re.search(r"names: Maduro → maduro \(new\)[,\n]", capsys.readouterr().out)
    assert cli.main([*args, "--releases-dir", str(releases_dir)]) == 0
    assert re.search(r"names: Maduro → nicolas-maduro[,\n]", capsys.readouterr().out)
