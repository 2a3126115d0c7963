"""Values of a facts file that the mapping to RDF would lose without a word.

JSON-LD drops what it cannot express: a label under a key that is not a
language tag, a null, a mapping where text is expected (it becomes a node with
no known properties), an IRI that is not one (``not_stated: [date published]``).
Each such value is a problem that stops the build, like every other, so what
is published is what the file says. The checks here run before the others in
``facts_rules.py``, which may then assume each known key holds the kind of value it
should (text, an id, a mapping, …).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .problems import Problem

if TYPE_CHECKING:
    from .facts import ArticleFacts

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")

#: schema.org properties of an article that its text may leave unstated (``article: not_stated:``).
NOT_STATED_PROPERTIES = frozenset({
    "author", "dateCreated", "dateModified", "datePublished", "dateline", "headline", "inLanguage", "isPartOf",
    "publisher", "url", "sourceOrganization", "contentLocation", "locationCreated", "copyrightHolder",
    "copyrightYear", "editor", "articleSection", "wordCount",
})

# What each known key holds: "text" a string; "id" an id (a string); "ids" an id or a list of ids; "language" a
# language tag; "languages" a language map of text; "alt-languages" a language map of text or lists of text;
# "mapping" / "list" / "boolean" / "integer" as named. Keys not listed are left to the checks in facts_rules.py.
KINDS = {
    "id": "id", "label": "languages", "description": "languages", "alt_labels": "alt-languages",
    "author": "id", "author_description": "text", "genre": "text", "language": "language", "relays": "ids",
    "source_text": "text", "source_sha256": "text", "not_stated": "not-stated",
    "publisher": "id", "time_description": "text", "on_the_word_of": "id",
    "type": "id", "located_in": "ids", "part_of": "ids", "wikidata": "text",
    "participants": "list", "place": "id", "time": "mapping", "during": "id", "ongoing": "boolean",
    "holder": "id", "office": "id", "office_of": "id", "posted_to": "id", "qualifier": "text",
    "designated": "id", "as": "id", "by": "id",
    "text": "text", "said_by": "id", "certainty": "id", "evidence": "list", "asserts": "id", "statement": "mapping",
    "hedge": "text", "said_by_one_of": "ids", "report": "id", "possibly_from_report": "id",
    # inside participants, evidence and statements
    "who": "id", "role": "id", "quote": "text", "start": "integer", "end": "integer", "prefix": "text", "suffix": "text",
    "subject": "id", "predicate": "id",
}
SECTIONS = ("reports", "entities", "events", "office_holdings", "designations", "claims")
NESTED = ("participants", "evidence")


def dropped_value_problems(facts: ArticleFacts) -> list[Problem]:
    """Every value of the file that is not of the kind its key holds (and would be lost or garbled in RDF)."""
    problems: list[Problem] = []
    items = [facts.article] + [item for name in SECTIONS for item in getattr(facts, name)]
    for item in items:
        _check_item(facts, item, item, problems)
        for key in NESTED:
            nested_items = item.get(key) if isinstance(item.get(key), list) else []
            for nested in nested_items:
                if isinstance(nested, dict):
                    _check_item(facts, item, nested, problems, f"{key}.")
        statement = item.get("statement")
        if isinstance(statement, dict):
            _check_item(facts, item, statement, problems, "statement.")
            _check_statement_object(facts, item, statement, problems)
    return problems


def _check_item(facts: ArticleFacts, owner: dict, item: dict, problems: list[Problem], prefix: str = "") -> None:
    for key, value in item.items():
        kind = KINDS.get(key) if key != "__line__" else None
        if kind is None:
            continue
        message = _wrong(kind, value)
        if message:
            line = value.get("__line__") if isinstance(value, dict) else item.get("__line__")
            problems.append(_at(facts, owner, "value-type" if value is not None else "empty-value",
                                f"{prefix}{key}: {message}", line))


def _wrong(kind: str, value: object) -> str | None:
    """Why ``value`` is not of ``kind``, or None when it is."""
    if value is None:
        return "has no value; give one or remove the key"
    if kind in ("text", "id"):
        return None if isinstance(value, str) else f"must be {'text' if kind == 'text' else 'an id'}, not {_shown(value)}"
    if kind == "ids":
        values = value if isinstance(value, list) else [value]
        return None if all(isinstance(v, str) for v in values) else f"must be an id or a list of ids, not {_shown(value)}"
    if kind == "language":
        return None if isinstance(value, str) and LANGUAGE_TAG.match(value) else \
            f"{_shown(value)} is not a language tag such as 'en' or 'es'"
    if kind in ("languages", "alt-languages"):
        return _language_map_problem(value, lists=kind == "alt-languages")
    if kind == "not-stated":
        if not isinstance(value, list):
            return f"must be a list of schema.org property names, not {_shown(value)}"
        names = value
        unknown = [n for n in names if n not in NOT_STATED_PROPERTIES]
        return None if not unknown else (f"{', '.join(_shown(n) for n in unknown)} not schema.org properties an article "
                                         f"may leave unstated (one of: {', '.join(sorted(NOT_STATED_PROPERTIES))})")
    if kind == "mapping":
        return None if isinstance(value, dict) else f"must be a mapping, not {_shown(value)}"
    if kind == "list":
        return None if isinstance(value, list) else f"must be a list, not {_shown(value)}"
    if kind == "boolean":
        return None if isinstance(value, bool) else f"must be true or false, not {_shown(value)}"
    if kind == "integer":
        return None if isinstance(value, int) and not isinstance(value, bool) else f"must be a whole number, not {_shown(value)}"
    raise AssertionError(kind)


def _language_map_problem(value: object, lists: bool) -> str | None:
    if not isinstance(value, dict):
        return f"must be a mapping of language tag to text, not {_shown(value)}"
    if not set(value) - {"__line__"}:
        return "is empty; give at least one language, or remove the key"
    for language, text in value.items():
        if language == "__line__":
            continue
        if not LANGUAGE_TAG.match(language):
            return f"{language!r} is not a language tag such as 'en' or 'es'"
        texts = text if lists and isinstance(text, list) else [text]
        if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
            return f"the {language!r} entry must be {'text or a list of texts' if lists else 'text'}, not {_shown(text)}"
    return None


def _check_statement_object(facts: ArticleFacts, claim: dict, statement: dict, problems: list[Problem]) -> None:
    obj = statement.get("object")
    if isinstance(obj, dict) and set(obj) - {"value", "__line__"}:
        extra = sorted(set(obj) - {"value", "__line__"})
        problems.append(_at(facts, claim, "value-type",
                            f"statement.object: a literal object has only 'value', not {extra}"))
    elif obj is not None and not isinstance(obj, (str, dict)):
        problems.append(_at(facts, claim, "value-type",
                            f"statement.object: must be an id or {{value: \"…\"}}, not {_shown(obj)}"))


def _at(facts: ArticleFacts, item: dict, rule: str, message: str, line: object = None) -> Problem:
    label = item.get("id") if isinstance(item.get("id"), str) else None
    line = line or item.get("__line__", "?")
    return Problem(str(facts.path), f"{label} (line {line})" if label else f"line {line}", rule, message)


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
