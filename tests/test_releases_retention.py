"""Releases do not pile up: an identical rebuild publishes nothing, old releases are pruned (never 'current' nor
the one before it), and the staging folders of builds killed with kill -9 are removed by the next build."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import test_build
from newsfacts.input_checksums import CACHE_FILE
from newsfacts.release import (
    BUILDER_LOCK,
    REMOVING_PREFIX,
    STAGING_PREFIX,
    list_releases,
    make_current,
    prune_releases,
    remove_stale_staging,
)
from test_build import run_build, snapshot

workspace = test_build.workspace  # a copy of the second article and a releases folder with one release


def fake_release(releases: Path, version: str) -> Path:
    """A finished release as far as retention is concerned: a folder named by its version with a manifest."""
    path = releases / version
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    return path


def names(releases: Path) -> list[str]:
    """What the releases folder holds but the input checksums kept beside the releases (not a release)."""
    return sorted(p.name for p in releases.iterdir() if p.name != CACHE_FILE)


# --- identical rebuilds ---------------------------------------------------------------------------------------

def test_an_identical_rebuild_publishes_nothing_and_says_so(workspace):
    releases = workspace["releases"]
    before = snapshot(releases)
    result = run_build(*workspace["args"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"unchanged: the current release {before[0]} was built from the same inputs")
    assert snapshot(releases) == before
    digest = json.loads((releases / "current" / "manifest.json").read_text())["inputs_digest"]
    assert len(digest) == 64


def test_a_changed_setting_or_input_is_not_identical(workspace):
    releases = workspace["releases"]
    first, _ = snapshot(releases)
    other_base = run_build(*workspace["args"], "--base-iri", "https://other.example/")
    assert other_base.returncode == 0, other_base.stderr
    assert "unchanged" not in other_base.stdout and snapshot(releases)[0] != first
    time.sleep(1)  # versions are named by the second
    text = workspace["facts"].read_text(encoding="utf-8")
    workspace["facts"].write_text(text.replace("genre: test data (fictional)", "genre: test data (invented)"), encoding="utf-8")
    changed = run_build(*workspace["args"], "--base-iri", "https://other.example/")
    assert changed.returncode == 0 and "unchanged" not in changed.stdout


def test_force_publishes_the_same_inputs_again(workspace):
    first, _ = snapshot(workspace["releases"])
    forced = run_build(*workspace["args"], "--force")
    assert forced.returncode == 0, forced.stderr
    second, _ = snapshot(workspace["releases"])
    assert second != first
    digests = {json.loads((workspace["releases"] / v / "manifest.json").read_text())["inputs_digest"] for v in (first, second)}
    assert len(digests) == 1


# --- retention --------------------------------------------------------------------------------------------------

def test_prune_keeps_the_newest_and_never_current_nor_the_one_before(tmp_path):
    releases = tmp_path / "releases"
    versions = [f"2024010{n}T000000Z-0000000{n}" for n in range(1, 8)]
    for version in versions:
        fake_release(releases, version)
    make_current(releases, versions[2])  # switched back to an old release
    removed = prune_releases(releases, 3)
    assert [p.name for p in removed] == [versions[0], *versions[3:6]]  # oldest first
    assert names(releases) == [versions[1], versions[2], versions[6], "current"]
    assert [p.name for p in prune_releases(releases, 2)] == [versions[6]]
    assert prune_releases(releases, 1) == prune_releases(releases, 0) == []  # current and the one before stay
    assert names(releases) == [versions[1], versions[2], "current"]


def test_newsfacts_prune_prints_what_it_removed(tmp_path):
    releases = tmp_path / "releases"
    versions = [f"2024010{n}T000000Z-0000000{n}" for n in range(1, 5)]
    for version in versions:
        fake_release(releases, version)
    make_current(releases, versions[-1])
    result = subprocess.run([sys.executable, "-m", "newsfacts.cli", "prune", "--releases-dir", str(releases), "--keep", "2"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("removed ")] == [
        f"removed {releases / versions[0]}", f"removed {releases / versions[1]}"]
    assert names(releases) == [versions[2], versions[3], "current"]
    refused = subprocess.run([sys.executable, "-m", "newsfacts.cli", "prune", "--releases-dir", str(releases), "--keep", "0"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "at least 1" in refused.stderr


def test_a_build_prunes_beyond_keep_releases(workspace):
    releases = workspace["releases"]
    current, _ = snapshot(releases)
    old = [fake_release(releases, f"2000010{n}T000000Z-0000000{n}").name for n in range(1, 5)]
    for release in old:
        (releases / release / "store").mkdir()
        (releases / release / "store" / "000001.sst").write_bytes(b"x" * 100_000)
    result = run_build(*workspace["args"], "--force", env={"NEWSFACTS_KEEP_RELEASES": "3"})
    assert result.returncode == 0, result.stderr
    newest, listed = snapshot(releases)
    # history/: change sets outlive releases; the input checksums are kept beside the releases; the pruned ones
    # are out of view at once, renamed while a process of their own deletes their files
    hidden = [name for name in listed if name.startswith(REMOVING_PREFIX)]
    assert sorted(set(listed) - set(hidden)) == sorted([old[-1], current, newest, "current", "history", CACHE_FILE])
    assert {name.split("-", 2)[2] for name in hidden} <= set(old[:3])  # those not deleted yet
    assert [r.version for r in list_releases(releases)] == sorted([old[-1], current, newest])
    assert f"removed 3 old release(s) beyond keep_releases=3: {', '.join(old[:3])}" in result.stderr
    deadline = time.monotonic() + 60
    while any(p.name.startswith(REMOVING_PREFIX) for p in releases.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert snapshot(releases)[1] == sorted([old[-1], current, newest, "current", "history", CACHE_FILE])


def test_a_pruned_release_left_half_deleted_is_deleted_by_the_next_build(workspace):
    releases = workspace["releases"]
    left = releases / f"{REMOVING_PREFIX}12345-20000101T000000Z-00000001"
    (left / "store").mkdir(parents=True)
    (left / "store" / "000001.sst").write_bytes(b"x" * 1000)
    result = run_build(*workspace["args"], "--force")
    assert result.returncode == 0, result.stderr
    assert left.name not in [r.version for r in list_releases(releases)]
    deadline = time.monotonic() + 60
    while left.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left.exists()


# --- builds killed with kill -9 -----------------------------------------------------------------------------------

STAGE_AND_WAIT = """
import sys, time
from newsfacts.release import StagedRelease
staged = StagedRelease(sys.argv[1], "20240101T000000Z-deadbeef")
staged.file("dumps", "part.nq").write_text("half a dump")
print(staged.path, flush=True)
time.sleep(600)
"""


@pytest.fixture()
def killed_builder(tmp_path):
    """A builder stopped with kill -9 in the middle of writing its staging folder (after a check that it is
    left alone while its builder runs)."""
    releases = tmp_path / "killed-builder-releases"
    builder = subprocess.Popen([sys.executable, "-c", STAGE_AND_WAIT, str(releases)], stdout=subprocess.PIPE, text=True)
    try:
        staging = Path(builder.stdout.readline().strip())
        assert staging.name.startswith(STAGING_PREFIX) and (staging / BUILDER_LOCK).is_file()
        assert remove_stale_staging(releases) == [] and staging.is_dir()  # its builder still runs: not stale
    finally:
        os.kill(builder.pid, signal.SIGKILL)
        builder.wait(timeout=30)
    assert staging.is_dir()  # a killed build leaves its folder behind
    return releases, staging


def test_the_next_build_removes_the_folder_of_a_killed_build(killed_builder, workspace):
    releases, staging = killed_builder
    args = [*workspace["args"][:-1], str(releases)]  # the releases folder the killed builder wrote in
    result = run_build(*args)
    assert result.returncode == 0, result.stderr
    assert not staging.exists()
    assert "removed 1 unfinished release folder(s)" in result.stderr and staging.name in result.stderr
    assert [p.name for p in releases.iterdir() if p.name.startswith(".")] == []


def test_a_build_killed_midway_leaves_nothing_after_the_next_build(workspace):
    """A real build, killed with kill -9 while it writes its release, then a build that cleans up after it."""
    releases = workspace["releases"]
    before = snapshot(releases)
    build = subprocess.Popen([sys.executable, "-m", "newsfacts.cli", "build", "--force", *workspace["args"]],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    staged = []
    while not staged and build.poll() is None and time.monotonic() < deadline:
        staged = [p for p in releases.iterdir() if p.name.startswith(STAGING_PREFIX)]
        time.sleep(0.005)
    build.kill()
    build.wait(timeout=30)
    if not staged:
        pytest.skip("the build finished before it could be killed while staging")
    assert snapshot(releases)[0] == before[0]  # the served release is untouched
    result = run_build(*workspace["args"], "--force")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in releases.iterdir() if p.name.startswith(".")] == []


def test_a_staging_folder_without_a_lock_is_kept_while_young(tmp_path):
    releases = tmp_path / "releases"
    young = releases / f"{STAGING_PREFIX}young"
    old = releases / f"{STAGING_PREFIX}old"
    young.mkdir(parents=True)
    old.mkdir()
    os.utime(old, (time.time() - 2 * 3600, time.time() - 2 * 3600))
    assert remove_stale_staging(releases) == [old]
    assert young.is_dir() and not old.exists()
