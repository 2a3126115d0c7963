"""The build runs without CPython's cyclic garbage collector and gives it back as it found it."""

from __future__ import annotations

import gc

import pytest

from newsfacts import collector
from newsfacts.build import build
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.problems import DataDoesNotConform


def test_paused_turns_the_collector_off_inside_and_back_as_it_was_after():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner pause leaves the outer one in force
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # not turned on by a pause that found it off
    finally:
        gc.enable()


def test_a_build_runs_without_the_collector_and_turns_it_back_on_also_when_it_fails(tmp_path, monkeypatch):
    from newsfacts import build as build_module

    seen = []
    written = build_module.write_parts

    def recorded(*args, **kwargs):
        seen.append(gc.isenabled())
        return written(*args, **kwargs)

    monkeypatch.setattr(build_module, "write_parts", recorded)
    settings = Settings.load({"releases_dir": str(tmp_path / "releases"), "store_documents": "no"})
    build(settings)
    assert seen == [False] and gc.isenabled()

    bad = tmp_path / "facts"
    bad.mkdir()
    (bad / "broken.yaml").write_text("article: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataDoesNotConform):
        build(Settings.load({"releases_dir": str(tmp_path / "other"), "facts_dir": str(bad),
                             "sources_dir": str(PROJECT_ROOT / "facts"), "store_documents": "no"}))
    assert gc.isenabled()
