"""The dumps' indented JSON writer gives json.dumps(ensure_ascii=False, indent=1)'s text to the byte."""

from __future__ import annotations

import json

import pytest

from newsfacts.json_indented import indented

VALUES = [
    {},
    [],
    "",
    {"id": "https://newsfacts.example/entity/x", "@graph": [{"id": "a", "type": ["nf:Claim", "nf:Event"]}]},
    {"label": {"en": "Caracas", "es": ["Caracas", "la capital"]}, "start": {"@value": "12", "@type": "xsd:integer"}},
    {"empty": {}, "none": [], "nested": [[], [{}], [[1, 2.5, -0.0, 10**20]]], "flags": [True, False, None]},
    {"text": "quote \" backslash \\ slash / newline \n tab \t nul \x00 unit \x1f del \x7f",
     "unicode": "Ñandú, 東京, emoji \U0001F600, line separator \u2028"},
    ("a", ("b",)),
    [float("inf"), float("nan"), 1e-7],
]


@pytest.mark.parametrize("value", VALUES)
def test_the_text_is_the_standard_librarys(value):
    assert indented(value) == json.dumps(value, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("value", VALUES)
def test_a_nested_item_continues_each_line_with_the_given_indentation(value):
    expected = "\n".join("  " + line for line in json.dumps(value, ensure_ascii=False, indent=1).split("\n"))
    assert "  " + indented(value, "\n  ") == expected


def test_keys_other_than_text_are_refused():
    with pytest.raises(TypeError):
        indented({1: "one"})
