"""The checksums of the facts files and source texts kept beside the releases (input_checksums.py): an unchanged
file is not read again by the next build, and any change of its stat, even one made to look unchanged (same size,
modification time set back), makes the build read it again."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from newsfacts.build import build
from newsfacts.config import Settings
from newsfacts.input_checksums import CACHE_FILE, RACY_NS, InputChecksums
from newsfacts.problems import DataDoesNotConform
from newsfacts.synthetic import generate

T0 = datetime.datetime(2026, 11, 2, 8, 0, 0, tzinfo=datetime.UTC)
T1 = T0 + datetime.timedelta(hours=1)


@pytest.fixture()
def inputs(tmp_path) -> dict:
    """Three synthetic articles, old enough (RACY_NS) for their checksums to be kept, and a first release."""
    generate(tmp_path, 3)
    time.sleep(RACY_NS / 1e9 + 0.2)
    settings = Settings.load({"facts_dir": str(tmp_path / "facts"), "sources_dir": str(tmp_path / "sources"),
                              "releases_dir": str(tmp_path / "releases")})
    first = build(settings, built_at=T0)
    return {"settings": settings, "first": first, "facts": tmp_path / "facts", "sources": tmp_path / "sources",
            "cache": tmp_path / "releases" / CACHE_FILE}


def kept(cache: Path) -> dict[str, list]:
    return json.loads(cache.read_text(encoding="utf-8"))


def change_in_place(path: Path, old: bytes, new: bytes) -> os.stat_result:
    """Replace ``old`` by ``new`` (same length) inside the file, then set its times back: only its change time
    (which no call can set) says it was written. Returns its stat before."""
    before = os.stat(path)
    data = path.read_bytes()
    assert len(old) == len(new) and data.count(old) == 1
    with open(path, "r+b") as handle:  # the same inode, written through
        handle.write(data.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns
    return before


def test_each_input_is_kept_with_its_stat_and_its_sha256(inputs):
    entries = kept(inputs["cache"])
    files = sorted(inputs["facts"].glob("*.yaml")) + sorted(inputs["sources"].glob("*.txt"))
    assert {os.path.abspath(p) for p in files} <= set(entries) and len(files) == 6
    for path in files:
        stat = os.stat(path)
        assert entries[os.path.abspath(path)] == [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns,
                                                  stat.st_ctime_ns, hashlib.sha256(path.read_bytes()).hexdigest()]
    # the manifest's checksums are the same ones
    manifest = inputs["first"].manifest()
    assert {entries[os.path.abspath(p)][5] for p in files[:3]} <= set(manifest["inputs"].values())


def test_a_file_whose_stat_is_unchanged_is_not_read_again(inputs):
    """What the cache trusts, shown by a cache edited to lie: with the stat unchanged, its checksum is believed
    (the build does not read the file), so the article looks changed and is made again, from the same bytes."""
    checksums = InputChecksums(inputs["cache"].parent)
    facts = inputs["facts"] / "synthetic-article-1.yaml"
    assert checksums.sha256(facts) == hashlib.sha256(facts.read_bytes()).hexdigest() and checksums.read == 0
    entries = kept(inputs["cache"])
    entries[os.path.abspath(facts)][5] = "0" * 64
    inputs["cache"].write_text(json.dumps(entries), encoding="utf-8")
    second = build(inputs["settings"], built_at=T1)
    assert second.manifest()["rebuilt"]["articles"] == {"synthetic-article-1": "changed facts file"}
    assert second.manifest()["rebuilt"]["reused"] == 2


def test_a_facts_file_changed_in_place_with_its_size_and_mtime_set_back_is_read_again(inputs):
    facts = inputs["facts"] / "synthetic-article-1.yaml"
    change_in_place(facts, b"en: Synthetic article 1\n", b"en: Synthetic article X\n")
    second = build(inputs["settings"], built_at=T1)
    assert second.manifest()["rebuilt"]["articles"] == {"synthetic-article-1": "changed facts file"}
    sha = hashlib.sha256(facts.read_bytes()).hexdigest()
    # not kept: it was changed just before it was read (its change time is within RACY_NS)
    assert sha in second.manifest()["inputs"].values() and os.path.abspath(facts) not in kept(inputs["cache"])
    # read again, and kept, once it is old enough
    time.sleep(RACY_NS / 1e9 + 0.2)
    checksums = InputChecksums(inputs["cache"].parent)
    assert checksums.sha256(facts) == sha and checksums.read == 1


def test_a_source_text_changed_in_place_with_its_size_and_mtime_set_back_is_read_again(inputs):
    """Its article is checked again, and the text no longer has the SHA-256 its facts file records: the build
    stops, as a full build would, instead of reusing the part made from the text before."""
    source = inputs["sources"] / "synthetic-article-2.txt"
    change_in_place(source, b"it reports nothing real.", b"it reports nothing REAL.")
    with pytest.raises(DataDoesNotConform) as stopped:
        build(inputs["settings"], built_at=T1)
    assert [(p.where, p.rule) for p in stopped.value.problems] == [("synthetic-article-2", "source-sha256")]


def test_a_file_replaced_by_another_with_the_same_size_and_times_is_read_again(inputs):
    facts = inputs["facts"] / "synthetic-article-0.yaml"
    before = os.stat(facts)
    data = facts.read_bytes().replace(b"en: Synthetic article 0\n", b"en: Synthetic article Z\n")
    replacement = facts.with_suffix(".new")
    replacement.write_bytes(data)
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, facts)
    assert os.stat(facts).st_ino != before.st_ino
    second = build(inputs["settings"], built_at=T1)
    assert second.manifest()["rebuilt"]["articles"] == {"synthetic-article-0": "changed facts file"}


def test_a_file_changed_just_before_it_is_read_is_not_kept(tmp_path):
    path = tmp_path / "fresh.yaml"
    path.write_text("article: {}\n", encoding="utf-8")
    checksums = InputChecksums(tmp_path)
    assert checksums.sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest() and checksums.read == 1
    checksums.save()
    assert not (tmp_path / CACHE_FILE).exists()  # nothing to keep: its times could still be those of a new change
    again = InputChecksums(tmp_path)
    again.sha256(path)
    assert again.read == 1


def test_a_damaged_cache_is_a_miss_and_is_written_again(inputs):
    inputs["cache"].write_text('{"/etc/passwd": [1, 2, "x"], ', encoding="utf-8")
    second = build(inputs["settings"], built_at=T1)
    assert second.manifest()["rebuilt"]["articles"] == {} and second.manifest()["rebuilt"]["reused"] == 3
    assert {os.path.abspath(p) for p in inputs["facts"].glob("*.yaml")} <= set(kept(inputs["cache"]))
