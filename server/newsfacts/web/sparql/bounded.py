"""Which queries the web process may answer itself, on the store it already has open, instead of in a worker.

A query worker is a separate, killable process because a query's cost cannot be known before it runs. For one
family it can: a query that reads one resource's statements, and nothing else. That is

- ``SELECT`` of variables (or ``*``), no ``DISTINCT``, of one triple pattern whose subject is an IRI and whose
  other two terms are distinct variables, IRIs or literals, then at most ``LIMIT`` and an ``OFFSET`` of no more
  than ``max_rows``;
- ``DESCRIBE`` of one IRI.

The engine answers it from one index, reading the subject's quads in order, and the row cap stops reading after
``max_rows`` + 1 solutions; so it reads at most what the subject's own document reads, which the web process
renders itself anyway. It connects nowhere (no ``SERVICE``: the guard refuses it first, and nothing else in such
a text can name a URL to fetch), evaluates nothing (no expression, path or sub-query), and has no nesting to
overflow a stack. The answer is the worker's, byte for byte: the same function (``worker.evaluate``) makes it.

Any other text (two patterns, a ``FILTER``, a path, a blank node, a variable used twice, ``ORDER BY``, ``FROM``,
``VALUES`` …) goes to a worker, with its timeout and memory limit, as before. The check is on the guard's tokens,
so comments and strings cannot hide anything; they are those of the guard's pass (``QueryInfo.tokens``), not
read a second time.
"""

from __future__ import annotations

from .guard import QueryInfo

_TERMS = {"iri", "pname"}


def reads_one_resource(info: QueryInfo, max_rows: int) -> bool:
    """Whether the query the guard checked (``info``) is of the family above."""
    found = info.tokens
    if found is None:
        return False
    at = _after_prologue(found)
    if at is None or at >= len(found) or found[at].kind != "word":
        return False
    form = found[at].text.lower()
    if form == "describe":
        return len(found) == at + 2 and _is_iri(found[at + 1])
    if form != "select":
        return False
    at = _after_projection(found, at + 1)
    if at is None:
        return False
    if _word(found, at) == "where":
        at += 1
    at = _after_pattern(found, at)
    return at is not None and _modifiers_bounded(found, at, max_rows)


def _word(found: list, at: int) -> str | None:
    return found[at].text.lower() if at < len(found) and found[at].kind == "word" else None


def _punct(found: list, at: int, text: str) -> bool:
    return at < len(found) and found[at].kind == "punct" and found[at].text == text


def _is_iri(token) -> bool:
    return token.kind in _TERMS and not token.text.startswith("_:")


def _after_prologue(found: list) -> int | None:
    at = 0
    while (word := _word(found, at)) in ("prefix", "base"):
        if word == "prefix":
            if at + 2 >= len(found) or found[at + 1].kind != "pname" or not found[at + 1].text.endswith(":") \
                    or found[at + 2].kind != "iri":
                return None
            at += 3
        else:
            if at + 1 >= len(found) or found[at + 1].kind != "iri":
                return None
            at += 2
    return at


def _after_projection(found: list, at: int) -> int | None:
    if _punct(found, at, "*"):
        return at + 1
    start = at
    while at < len(found) and found[at].kind == "var":
        at += 1
    return at if at > start else None


def _after_pattern(found: list, at: int) -> int | None:
    """After ``{ subject predicate object [.] }``: the subject an IRI, the others variables, IRIs or literals, no
    variable twice."""
    if not _punct(found, at, "{") or at + 4 >= len(found):
        return None
    subject, predicate = found[at + 1], found[at + 2]
    if not _is_iri(subject):
        return None
    if not (predicate.kind == "var" or _is_iri(predicate) or (predicate.kind == "word" and predicate.text == "a")):
        return None
    at += 3
    obj = found[at]
    if obj.kind == "string":
        at += 1
        if at < len(found) and found[at].kind == "langtag":
            at += 1
        elif _punct(found, at, "^^"):
            if at + 1 >= len(found) or not _is_iri(found[at + 1]):
                return None
            at += 2
    elif obj.kind in ("var", "number") or _is_iri(obj) or (obj.kind == "word" and obj.text.lower() in ("true", "false")):
        at += 1
    else:
        return None
    if predicate.kind == "var" and obj.kind == "var" and predicate.text[1:] == obj.text[1:]:
        return None  # ?x ?x: the engine would scan for equal terms
    if _punct(found, at, "."):
        at += 1
    return at + 1 if _punct(found, at, "}") else None


def _modifiers_bounded(found: list, at: int, max_rows: int) -> bool:
    """Nothing after the pattern but LIMIT and OFFSET (each once, either order), OFFSET at most ``max_rows``."""
    seen = set()
    while at < len(found):
        word = _word(found, at)
        if word not in ("limit", "offset") or word in seen or at + 1 >= len(found) or found[at + 1].kind != "number" \
                or not found[at + 1].text.isdigit():
            return False
        if word == "offset" and int(found[at + 1].text) > max_rows:
            return False
        seen.add(word)
        at += 2
    return True
