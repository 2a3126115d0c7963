"""Incremental builds: a release built from the previous one plus the change is the release a full build of the
same inputs gives (store quad for quad, dumps byte for byte, search index, description), and the manifest says
which articles were rebuilt and why. Both builds run on the same input folders at the same injected time, so
that the version (build time + inputs) and everything naming it are the same too."""

from __future__ import annotations

import datetime
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from newsfacts import dump_graphs, history
from newsfacts.build import build, check
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.problems import DataDoesNotConform
from newsfacts.synthetic import generate

SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
T0 = datetime.datetime(2026, 11, 1, 8, 0, 0, tzinfo=datetime.UTC)
T1 = T0 + datetime.timedelta(hours=1)
OUTLET = "- id: synthetic-outlet\n  type: NewsOutlet\n  label:\n    en: The Synthetic Courier\n"


@pytest.fixture()
def inputs(tmp_path, sources_dir) -> dict:
    """The shipped article, the second test article and three synthetic ones (a fourth is kept aside)."""
    facts, sources, spare = tmp_path / "facts", tmp_path / "sources", tmp_path / "spare"
    shutil.copytree(PROJECT_ROOT / "facts", facts)
    shutil.copytree(sources_dir, sources)
    shutil.copytree(SECOND / "facts", facts, dirs_exist_ok=True)
    shutil.copytree(SECOND / "sources", sources, dirs_exist_ok=True)
    generated = generate(tmp_path / "generated", 4)
    for n in range(4):
        shutil.copy(generated / "sources" / f"synthetic-article-{n}.txt", sources)
        shutil.copy(generated / "facts" / f"synthetic-article-{n}.yaml", facts if n < 3 else spare.mkdir() or spare)
    return {"facts": facts, "sources": sources, "spare": spare, "tmp": tmp_path}


def settings_for(inputs: dict, releases: str, **more) -> Settings:
    return Settings.load({"facts_dir": str(inputs["facts"]), "sources_dir": str(inputs["sources"]),
                          "releases_dir": str(inputs["tmp"] / releases), **more})


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def change_inputs(inputs: dict) -> None:
    """One article changed (it now describes a shared entity, which others name), one added, one deleted, and
    one source text gone (its quotes are then published unchecked)."""
    edit(inputs["facts"] / "synthetic-article-0.yaml", OUTLET,
         OUTLET + "  description:\n    en: a newspaper made up for the tests\n")
    shutil.copy(inputs["spare"] / "synthetic-article-3.yaml", inputs["facts"])
    (inputs["facts"] / "synthetic-article-1.yaml").unlink()
    (inputs["sources"] / "harbour-seizure.txt").unlink()


def all_quads(release) -> set[ox.Quad]:
    store = ox.Store.read_only(str(release.store_path))
    return set(store.quads_for_pattern(None, None, None, None))


def index_rows(release) -> dict[str, list]:
    """Every row of the search index, things named by IRI rather than by row id (an incremental build gives the
    things it made again new ids), and what each full-text table finds for a word of every indexed thing."""
    db = sqlite3.connect(release.path / "search" / "index.sqlite")
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE '%search%' ORDER BY name")]
    assert set(tables) == {"meta", "things", "names", "links", "kinds_types"}, tables
    columns = [row[1] for row in db.execute("PRAGMA table_info(things)") if row[1] != "id"]
    found = {"things": sorted(map(repr, db.execute(f"SELECT {', '.join(columns)} FROM things"))),
             "names": sorted(map(repr, db.execute("SELECT iri, lang, names.name, folded, alt FROM names "
                                                  "JOIN things ON things.id = names.thing")))}
    found.update({table: sorted(map(repr, db.execute(f"SELECT * FROM {table}"))) for table in ("meta", "links", "kinds_types")})
    for table in ("search", "entity_search"):
        found[table] = sorted(map(repr, db.execute(f"SELECT iri, {table}.name, alt, body FROM {table} "
                                                   f"JOIN things ON things.id = {table}.rowid")))
        found[f"{table} rows"] = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    words = sorted({w for (name,) in db.execute("SELECT name FROM things") for w in name.split()[:1] if w.isalpha()})
    found["matches"] = [(w, sorted(r[0] for r in db.execute(
        "SELECT iri FROM search JOIN things ON things.id = search.rowid WHERE search MATCH ?", (f'"{w}"',))))
        for w in words]
    db.close()
    return found


def report_results(release) -> set[tuple]:
    report = Graph().parse(release.path / "validation-report.ttl")
    return {tuple(str(report.value(r, p)) for p in (SH.focusNode, SH.resultPath, SH.resultSeverity,
                                                     SH.sourceConstraintComponent, SH.resultMessage))
            for r in report.objects(None, SH.result)}


def test_an_incremental_build_gives_the_release_a_full_build_gives(inputs):
    incremental = settings_for(inputs, "incremental")
    first = build(incremental, built_at=T0)
    assert first.manifest()["rebuilt"]["full"] == "no previous release"
    change_inputs(inputs)

    updated = build(incremental, built_at=T1)
    clean = build(settings_for(inputs, "clean"), full=True, built_at=T1)

    assert updated.version == clean.version
    made, fresh = updated.manifest(), clean.manifest()
    assert made["rebuilt"]["full"] is None and fresh["rebuilt"]["full"] == "--full"
    assert made["rebuilt"]["articles"] == {"harbour-seizure": "changed source text",
                                           "synthetic-article-0": "changed facts file",
                                           "synthetic-article-1": "removed", "synthetic-article-3": "new"}
    # the outlet's description changed in the entities graph: the unchanged article naming it is validated again
    assert made["rebuilt"]["revalidated"] == ["synthetic-article-2"]
    assert made["rebuilt"]["reused"] == 2 and made["rebuilt"]["from"] == first.version
    assert made["rebuilt"]["store"] == f"the store of {first.version} and the change"
    assert set(fresh["rebuilt"]["articles"].values()) == {"full: --full"} and fresh["rebuilt"]["store"] == "bulk load"
    # the manifests differ only in what says how the release was made
    ignored = ("rebuilt", "timings_s", "changes")
    assert {k: v for k, v in made.items() if k not in ignored} == {k: v for k, v in fresh.items() if k not in ignored}

    # every graph, the dataset description included, quad for quad
    quads = all_quads(updated)
    assert sorted(map(str, quads ^ all_quads(clean))) == []
    assert quads == all_quads(clean) and len(quads) == made["quads"]
    assert any(q.graph_name.value.endswith("graph/dataset") for q in quads)
    names = sorted(p.name for p in updated.dumps_path.iterdir())
    assert names == sorted(p.name for p in clean.dumps_path.iterdir()) and len(names) == 5
    for name in names:
        assert (updated.dumps_path / name).read_bytes() == (clean.dumps_path / name).read_bytes(), name
    assert (updated.path / "void.ttl").read_bytes() == (clean.path / "void.ttl").read_bytes()
    # made of members, some reused: each format still reads whole as the release's data
    dumped = {fmt: list(ox.parse(gzip.decompress((updated.dumps_path / f"newsfacts-{updated.version}.{suffix}").read_bytes()),
                                 format=fmt)) for suffix, fmt in (("nq.gz", ox.RdfFormat.N_QUADS),
                                                                  ("trig.gz", ox.RdfFormat.TRIG),
                                                                  ("ttl.gz", ox.RdfFormat.TURTLE),
                                                                  ("jsonld.gz", ox.RdfFormat.JSON_LD))}
    published = set(dumped[ox.RdfFormat.N_QUADS])
    assert len(published) == sum(n for g, n in made["graphs"].items() if not g.endswith("graph/dataset"))
    assert set(dumped[ox.RdfFormat.TRIG]) == published
    assert {q.triple for q in dumped[ox.RdfFormat.TURTLE]} == {q.triple for q in published}
    assert {q.triple for q in dumped[ox.RdfFormat.JSON_LD]} == {q.triple for q in published}
    rows = index_rows(updated)
    assert rows == index_rows(clean) and rows["things"] and rows["links"] and rows["matches"]
    assert any("synthetic-article-3" in row for row in rows["things"])
    assert not any("synthetic-article-1" in row for row in rows["things"])
    assert report_results(updated) == report_results(clean) and len(report_results(clean)) == made["validation"]["warnings"]
    # the parts: the same keys and quads; those of reused articles are the previous release's files, linked
    index = json.loads((updated.path / "articles" / "index.json").read_text())
    assert index == json.loads((clean.path / "articles" / "index.json").read_text())
    # the parts' metadata, one line per article in both (their reports' blank nodes are named anew by each build)
    entries = [[json.loads(line) for line in (r.path / "articles" / "parts.jsonl").read_text().splitlines()]
               for r in (updated, clean)]
    assert [dict(e, report=None) for e in entries[0]] == [dict(e, report=None) for e in entries[1]]
    assert sorted(e["article"] for e in entries[0]) == sorted(index["articles"]) and all(e["members"] for e in entries[0])
    for entry in index["articles"].values():
        part = f"{entry['key']}.nq"
        assert (updated.path / "articles" / part).read_bytes() == (clean.path / "articles" / part).read_bytes()
    kept = index["articles"]["iran-venezuela-drone-facility"]["key"]
    assert os.path.samefile(updated.path / "articles" / f"{kept}.nq", first.path / "articles" / f"{kept}.nq")
    # the change set, computed from the changed graphs only, is the difference of the two whole releases
    expected = history.compute(dump_graphs.previous_quads(first), dump_graphs.previous_quads(updated), updated.version,
                               first.version, made["built_at"], "https://newsfacts.example/")
    changes = updated.path / "changes"
    expected["versions"] = set(ox.parse("".join(expected["versions"]).encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    for name, key in ((history.ADDED, "added"), (history.REMOVED, "removed"), (history.VERSIONS, "versions")):
        with gzip.open(changes / name, "rb") as data:
            assert set(ox.parse(data, format=ox.RdfFormat.N_QUADS)) == set(expected[key]), name
    assert expected["added"] and expected["removed"]
    assert json.loads((changes / history.SUMMARY).read_text(encoding="utf-8")) == expected["summary"]


def test_the_new_store_shares_the_previous_store_files_and_leaves_them_as_they_were(inputs):
    settings = settings_for(inputs, "releases")
    first = build(settings, built_at=T0)
    before = {p.name: p.read_bytes() for p in first.store_path.iterdir() if p.suffix == ".sst"}
    edit(inputs["facts"] / "synthetic-article-2.yaml", "en: Synthetic article 2", "en: Synthetic article two")
    second = build(settings, built_at=T1)
    assert second.manifest()["rebuilt"]["articles"] == {"synthetic-article-2": "changed facts file"}
    shared = [name for name in before if (second.store_path / name).exists()
              and os.path.samefile(first.store_path / name, second.store_path / name)]
    assert shared, "the new store was not made from the previous one's files"
    assert {p.name: p.read_bytes() for p in first.store_path.iterdir() if p.suffix == ".sst"} == before
    labels = {q.object.value for q in all_quads(second) if q.subject.value.endswith("article/synthetic-article-2")
              and q.predicate.value.endswith("#label")}
    assert labels == {"Synthetic article two"}


def test_an_invalid_change_stops_the_build_naming_file_entity_and_rule_and_leaves_current(inputs):
    settings = settings_for(inputs, "releases")
    build(settings, built_at=T0)
    current = os.readlink(inputs["tmp"] / "releases" / "current")
    broken = inputs["facts"] / "synthetic-article-2.yaml"
    edit(broken, "asserts: event-0", "asserts: event-99")
    with pytest.raises(DataDoesNotConform) as stopped:
        build(settings, built_at=T1)
    assert any(p.file == str(broken) and p.where.startswith("claim-0") and p.rule == "unknown-reference"
               for p in stopped.value.problems), stopped.value.problems
    assert os.readlink(inputs["tmp"] / "releases" / "current") == current
    assert sorted(p.name for p in (inputs["tmp"] / "releases").iterdir()) == sorted(["current", current, "history",
                                                                                     "input-checksums.json"])


def test_an_unchanged_article_naming_an_entity_no_longer_defined_is_checked_again(inputs):
    """Article 2 names the outlet, which only article 0 describes; deleting article 0 must stop the build on
    article 2 although its file did not change."""
    settings = settings_for(inputs, "releases")
    edit(inputs["facts"] / "synthetic-article-2.yaml", OUTLET, "")
    (inputs["facts"] / "synthetic-article-1.yaml").unlink()
    build(settings, built_at=T0)
    (inputs["facts"] / "synthetic-article-0.yaml").unlink()
    with pytest.raises(DataDoesNotConform) as stopped:
        check(settings)
    assert any(p.file == str(inputs["facts"] / "synthetic-article-2.yaml") and p.rule == "unknown-reference"
               and "synthetic-outlet" in p.message for p in stopped.value.problems), stopped.value.problems


def test_a_changed_output_setting_makes_a_full_build_and_says_why(inputs):
    build(settings_for(inputs, "releases"), built_at=T0)
    again = build(settings_for(inputs, "releases", license="https://creativecommons.org/publicdomain/zero/1.0/"),
                  built_at=T1)
    rebuilt = again.manifest()["rebuilt"]
    assert rebuilt["full"] == "an output-changing setting changed (base_iri, license or shacl_engine)"
    assert rebuilt["reused"] == 0 and len(rebuilt["articles"]) == 5


def test_the_command_says_what_it_rebuilt_and_full_forces_a_clean_build(inputs):
    args = [sys.executable, "-m", "newsfacts.cli", "build", "--facts-dir", str(inputs["facts"]),
            "--sources-dir", str(inputs["sources"]), "--releases-dir", str(inputs["tmp"] / "releases")]
    first = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("full build (no previous release): 5 article(s) mapped and validated\n")
    (inputs["facts"] / "synthetic-article-1.yaml").unlink()
    second = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "incremental build from " in second.stdout and ": 1 removed; 4 article(s) reused\n" in second.stdout
    unchanged = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert unchanged.returncode == 0 and unchanged.stdout.startswith("unchanged:")
    full = subprocess.run([*args, "--full"], capture_output=True, text=True, timeout=120)
    assert full.returncode == 0, full.stderr
    assert full.stdout.startswith("full build (--full): 4 article(s) mapped and validated\n")


def test_a_part_removed_from_the_previous_release_is_made_again(inputs):
    settings = settings_for(inputs, "releases")
    first = build(settings, built_at=T0)
    key = json.loads((first.path / "articles" / "index.json").read_text())["articles"]["synthetic-article-2"]["key"]
    index = first.path / "articles" / "parts.jsonl"
    os.chmod(first.path / "articles", 0o755)
    lines = index.read_text(encoding="utf-8").splitlines(keepends=True)
    index.unlink()  # replaced, not written through its hard links
    index.write_text("".join(line for line in lines if json.loads(line)["key"] != key), encoding="utf-8")
    second = build(settings, built_at=T1)
    rebuilt = second.manifest()["rebuilt"]
    assert rebuilt["articles"] == {"synthetic-article-2": f"its part in {first.version} cannot be read"}
    kept = [json.loads(line) for line in (second.path / "articles" / "parts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert key in {entry["key"] for entry in kept} and len(kept) == 5 and rebuilt["reused"] == 4
    assert (second.path / "articles" / f"{key}.nq").is_file()


def test_an_incremental_build_reads_the_parts_of_the_changed_articles_only(inputs):
    """The quads of reused articles are not read: a reused part whose quads could not be parsed does not stop
    the build nor make its article again (the store, dumps and index are made from the previous release's)."""
    settings = settings_for(inputs, "releases")
    first = build(settings, built_at=T0)
    index = json.loads((first.path / "articles" / "index.json").read_text())["articles"]
    unread = first.path / "articles" / f"{index['synthetic-article-0']['key']}.nq"
    os.chmod(first.path / "articles", 0o755)
    unread.unlink()  # replaced (not written through its hard links): the store and dumps keep the real quads
    unread.write_bytes(b"this is not N-Quads <")
    edit(inputs["facts"] / "synthetic-article-2.yaml", "en: Synthetic article 2", "en: Synthetic article two")
    second = build(settings, built_at=T1)
    assert second.manifest()["rebuilt"]["articles"] == {"synthetic-article-2": "changed facts file"}
    assert second.manifest()["rebuilt"]["reused"] == 4
    assert all_quads(second) == all_quads(build(settings_for(inputs, "clean"), full=True, built_at=T1))


def test_the_checks_of_an_incremental_build_give_every_quad_once(inputs):
    """What a store loaded whole, `validate` and a remote store get from an incremental check: the reused articles'
    quads read from their parts, the entity descriptions they share with others once."""
    settings = settings_for(inputs, "releases")
    build(settings, built_at=T0)
    edit(inputs["facts"] / "synthetic-article-2.yaml", "en: Synthetic article 2", "en: Synthetic article two")
    incremental, full = check(settings), check(settings, full=True)
    assert incremental.previous is not None and full.previous is None
    every = incremental.all_quads()
    assert len(every) == len(set(every)) and set(every) == set(full.all_quads())
    assert len(incremental.quads) < len(every)  # the reused articles' graphs are not in what may change


def stored_documents(release) -> tuple[dict, dict]:
    """Every stored document by (stem, format, language): (ETag, gzip body, the body uncompressed when stored);
    and the ``about`` table."""
    db = sqlite3.connect(release.path / "documents" / "documents.sqlite")
    found = {(stem, suffix, lang): (etag, body, identity)
             for stem, suffix, lang, etag, body, identity in db.execute("SELECT * FROM documents")}
    about = dict(db.execute("SELECT key, value FROM about"))
    db.close()
    return found, about


def test_an_incremental_build_renders_again_only_the_documents_the_change_alters_and_gives_a_full_builds(inputs):
    """The outlet is described by article 0 alone and named by the others, so its new label must reach the pages
    of articles that did not change; documents copied from the previous release get the new version."""
    for folder, name in (("facts", "synthetic-article-1.yaml"), ("facts", "synthetic-article-2.yaml"),
                         ("spare", "synthetic-article-3.yaml")):
        edit(inputs[folder] / name, OUTLET, "")
    settings = settings_for(inputs, "incremental", store_documents="yes")
    first = build(settings, built_at=T0)
    change_inputs(inputs)
    edit(inputs["facts"] / "synthetic-article-0.yaml", "en: The Synthetic Courier", "en: The Synthetic Herald")
    updated = build(settings, built_at=T1)
    clean = build(settings_for(inputs, "clean", store_documents="yes"), full=True, built_at=T1)
    assert updated.manifest()["rebuilt"]["full"] is None

    made, about = stored_documents(updated)
    fresh, fresh_about = stored_documents(clean)
    assert sorted(set(made) ^ set(fresh)) == []
    assert [key for key in fresh if made[key] != fresh[key]] == []
    # the same but for how many things this build rendered: all of them in a full build, not in an incremental one
    things = int(fresh_about.pop("things"))
    assert fresh_about.pop("rendered") == str(things) and about.pop("things") == str(things)
    assert 0 < int(about.pop("rendered")) < things - 10
    assert about == fresh_about and about["version"] == updated.version != first.version
    assert not any(stem.endswith("synthetic-article-1") for stem, _, _ in made)
    assert any(stem.endswith("synthetic-article-3") for stem, _, _ in made)
    page = gzip.decompress(made[("article/synthetic-article-2", "html", "en")][1])
    assert b"The Synthetic Herald" in page and b"The Synthetic Courier" not in page
    assert updated.version.encode() in page and first.version.encode() not in page
    before, _ = stored_documents(first)
    kept = ("claim/iran-venezuela-drone-facility/ansu-100-is-mohajer-2", "ttl", "")  # of an article that did not change
    assert before[kept][1] == made[kept][1] and before[kept][0] != made[kept][0]


def test_a_change_to_the_code_that_renders_documents_publishes_a_release(inputs, monkeypatch):
    """Stored documents are served only by the code that made them: a build after a change to that code (the web
    tier, which the build code digests leave out) must not be skipped as "same inputs"."""
    settings = settings_for(inputs, "releases")
    first = build(settings, built_at=T0)
    assert build(settings, force=False, built_at=T1) == first
    monkeypatch.setattr("newsfacts.build.documents_code", lambda: "other code")
    assert build(settings, force=False, built_at=T1) != first


def test_a_damaged_index_of_the_parts_makes_every_article_again(inputs):
    """The parts' metadata are read from articles/parts.jsonl only: when it cannot be read, no part is reused
    (each says why) and the release is still the one a full build gives."""
    settings = settings_for(inputs, "releases")
    first = build(settings, built_at=T0)
    index = first.path / "articles" / "parts.jsonl"
    os.chmod(first.path / "articles", 0o755)
    index.unlink()
    index.write_text('{"key": "not json', encoding="utf-8")
    second = build(settings, built_at=T1)
    clean = build(settings_for(inputs, "clean"), full=True, built_at=T1)
    rebuilt = second.manifest()["rebuilt"]
    assert rebuilt["reused"] == 0 and rebuilt["full"] is None and len(rebuilt["articles"]) == 5
    assert set(rebuilt["articles"].values()) == {f"its part in {first.version} cannot be read"}
    assert all_quads(second) == all_quads(clean) and second.version == clean.version
    for name in sorted(p.name for p in clean.dumps_path.iterdir()):
        assert (second.dumps_path / name).read_bytes() == (clean.dumps_path / name).read_bytes(), name
