"""Settings: one place, every one documented, environment and overrides applied in order."""

import dataclasses

import pytest

from newsfacts.config import PROJECT_ROOT, Settings, settings_table


def test_every_setting_is_documented_in_configuration_md():
    text = (PROJECT_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [f.name for f in dataclasses.fields(Settings)
               if f"`{f.name}`" not in text or f"`NEWSFACTS_{f.name.upper()}`" not in text]
    assert missing == []
    assert settings_table() in text, "docs/configuration.md is out of date: python -m newsfacts.config"


def test_every_setting_has_its_own_help_text():
    docs = Settings.load(environ={}).documented()
    assert all(len(doc) > 20 for doc in docs.values())
    assert len(set(docs.values())) == len(docs)


def test_environment_then_overrides():
    env = {"NEWSFACTS_PORT": "9000", "NEWSFACTS_QUERY_TIMEOUT_S": "2.5", "NEWSFACTS_BASE_IRI": "http://a.example/"}
    settings = Settings.load({"base_iri": "http://b.example/"}, environ=env)
    assert (settings.port, settings.query_timeout_s, settings.base_iri) == (9000, 2.5, "http://b.example/")


@pytest.mark.parametrize(("overrides", "env", "message"), [
    ({"no_such_setting": 1}, {}, "unknown setting 'no_such_setting'"),
    ({}, {"NEWSFACTS_PORT": "eighty"}, "NEWSFACTS_PORT='eighty' is not a valid int"),
    ({"base_iri": "http://a.example/x"}, {}, "base_iri must end with"),
    ({}, {"NEWSFACTS_PREVIEW_SIZE": "0"}, "preview_size must be 1 or more: 0"),
    ({"links_page_size": -1}, {}, "links_page_size must be 1 or more: -1"),
])
def test_bad_settings_are_named(overrides, env, message):
    with pytest.raises(ValueError, match=message):
        Settings.load(overrides, environ=env)


def test_defaults_quoted_in_other_docs_are_the_real_ones():
    """docs/sparql.md's table of limits repeats defaults; it must not drift from config.py (query_workers did)."""
    import re

    defaults = Settings.load(environ={})
    text = (PROJECT_ROOT / "docs" / "sparql.md").read_text(encoding="utf-8")
    quoted = re.findall(r"^\| `(\w+)` \| ([\d.]+) \|", text, re.M)
    assert len(quoted) >= 6
    for name, value in quoted:
        assert float(value) == float(getattr(defaults, name)), (name, value)
