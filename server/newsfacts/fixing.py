"""`newsfacts fix`: writing each quote's offsets, prefix and suffix into its facts file.

Offsets are found in the source text (grounding's `locate`): the given ones when
they hold, else the one occurrence the given prefix/suffix choose, else the only
occurrence. Only the values of `start`, `end`, `prefix` and `suffix` change; every
other byte of the file (comments, quoting, flow or block style, line breaks) is
kept, because the edits are made at the exact character positions ruamel.yaml's
round-trip composer gives for each value.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from .facts import ArticleFacts, read_facts_file
from .grounding import Located, locate, occurrences
from .problems import Problem
from .sourcetexts import read_source_text

ORDER = ("quote", "start", "end", "prefix", "suffix")


@dataclass
class FixOutcome:
    fixed: int = 0  # evidence items whose values changed
    problems: list[Problem] = field(default_factory=list)


def fix_file(path: Path, sources_dir: str, max_source_text_bytes: int) -> FixOutcome:
    """Rewrite `path` in place with every quote's start, end, prefix and suffix; problems for the quotes it cannot place."""
    outcome = FixOutcome()
    facts, problems = read_facts_file(path)
    if facts is None or problems:
        outcome.problems = problems
        return outcome
    name = facts.article.get("source_text")
    source = read_source_text(sources_dir, name, max_source_text_bytes)
    if source.text is None:
        rule, message = source.problem or ("evidence-needs-text", f"the source text is needed ({source.skipped})")
        outcome.problems.append(Problem(str(path), "article", rule, message))
        return outcome
    text = path.read_bytes().decode("utf-8")  # not read_text: line endings stay as they are
    try:
        root = YAML(typ="rt").compose(text)
    except YAMLError as exc:
        outcome.problems.append(Problem(str(path), "file", "yaml-syntax", f"not valid YAML: {exc}"))
        return outcome
    edits: list[tuple[int, int, str]] = []
    for claim, item, node in _evidence(facts, root):
        where = f"{claim.get('id')} (line {item.get('__line__', '?')})"
        if not isinstance(item.get("quote"), str) or not item["quote"]:
            outcome.problems.append(Problem(str(path), where, "evidence-quote", "the evidence item has no quote"))
            continue
        located = _place(source.text, item)
        if located.rule:
            outcome.problems.append(Problem(str(path), where, located.rule, located.message))
            continue
        wanted = located.selector(source.text)
        changes = _edits(text, node, {k: v for k, v in wanted.items() if item.get(k) != v or k not in item})
        if changes:
            outcome.fixed += 1
            edits.extend(changes)
    if edits:
        for start, end, new in sorted(edits, reverse=True):
            text = text[:start] + new + text[end:]
        _write(path, text)
    return outcome


def _place(text: str, item: dict) -> Located:
    """The given offsets when they hold; else the one occurrence inside the old span (a quote shortened from
    the sentence a draft gave); else what prefix/suffix choose; else the only occurrence."""
    quote = {"quote": item["quote"]}
    hints = {k: item[k] for k in ("prefix", "suffix") if isinstance(item.get(k), str)}
    if isinstance(item.get("start"), int) and isinstance(item.get("end"), int):
        given = locate(text, {**quote, "start": item["start"], "end": item["end"]})
        if not given.rule:
            return given
        inside = [at for at in occurrences(text, item["quote"])
                  if item["start"] <= at and at + len(item["quote"]) <= item["end"]]
        if len(inside) == 1:
            return Located(inside[0], inside[0] + len(item["quote"]))
    chosen = locate(text, {**quote, **hints})
    if chosen.rule == "evidence-prefix":  # stale prefix/suffix: the quote alone may still be unique
        alone = locate(text, quote)
        return alone if not alone.rule else chosen
    return chosen


def _evidence(facts: ArticleFacts, root: Node):
    """(claim, evidence item as read, its mapping node) for every evidence item of the file."""
    claims = _get(root, "claims")
    if not isinstance(claims, SequenceNode):
        return
    for claim, claim_node in zip(facts.claims, claims.value, strict=False):
        evidence = _get(claim_node, "evidence")
        if not isinstance(evidence, SequenceNode) or not isinstance(claim.get("evidence"), list):
            continue
        for item, node in zip(claim["evidence"], evidence.value, strict=False):
            if isinstance(item, dict) and isinstance(node, MappingNode):
                yield claim, item, node


def _get(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def _edits(text: str, node: MappingNode, values: dict) -> list[tuple[int, int, str]]:
    """(start, end, replacement) text edits setting `values` in the evidence mapping `node`."""
    present = {k.value: (k, v) for k, v in node.value}
    edits = []
    for key, value in values.items():
        rendered = _render(value)
        if key in present:
            v = present[key][1]
            edits.append((v.start_mark.index, v.end_mark.index, rendered))
            continue
        before = max((k for k in ORDER[:ORDER.index(key)] if k in present), key=ORDER.index, default=None)
        anchor_key, anchor_value = present[before] if before else node.value[-1]
        if node.flow_style:
            edits.append((anchor_value.end_mark.index, anchor_value.end_mark.index, f", {key}: {rendered}"))
        else:
            line_end = text.find("\n", anchor_value.end_mark.index)
            line_end = len(text) if line_end == -1 else line_end
            indent = " " * anchor_key.start_mark.column
            edits.append((line_end, line_end, f"\n{indent}{key}: {rendered}"))
        present[key] = (anchor_key, anchor_value)  # the next missing key goes after this one, on the same line end
    return _ordered(edits)


def _ordered(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Insertions at the same place keep the order they were made in (start before end, prefix before suffix)."""
    merged: dict[tuple[int, int], str] = {}
    for start, end, new in edits:
        merged[(start, end)] = merged.get((start, end), "") + new if start == end else new
    return [(start, end, new) for (start, end), new in merged.items()]


def _render(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _write(path: Path, text: str) -> None:
    """Replace the file in one step, so an interrupted fix leaves the old file whole."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
