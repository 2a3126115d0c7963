"""Reading the build's input files within bounds.

Facts files, the SSSOM mapping set, the ontology, shapes and mappings are
written by people, and a few hundred bytes of YAML can expand to gigabytes
through anchors and aliases. So every input has a size cap (settings
``max_facts_file_bytes`` and ``max_input_file_bytes``), every string in a facts
file a length cap (``max_string_chars``), and YAML anchors and aliases are
refused outright: facts are written out, never referenced. Mapping keys are
plain text, each once (YAML itself keeps the last of two equal keys, silently
losing the first). Each breach is a
``Problem`` naming the file, the line and the rule, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .problems import Problem

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputTooLarge(Exception):
    def __init__(self, path: Path, limit: int):
        super().__init__(f"{path} is larger than {limit} bytes")
        self.path, self.limit = path, limit

    def problem(self, setting: str) -> Problem:
        return Problem(str(self.path), "file", "file-too-large",
                       f"the file is larger than {self.limit:,} bytes (setting {setting}); split it or raise the limit")


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, reading at most ``max_bytes + 1`` of them (a file that grows, or /dev/zero, is still bounded)."""
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputTooLarge(path, max_bytes)
    return data


def anchor_problem(text: str, where: str) -> Problem | None:
    """The first YAML anchor (``&name``) or alias (``*name``) of a text, as a problem; None when there is none.

    Only texts containing '&' or '*' are parsed for it, so ordinary files are read once."""
    if "&" not in text and "*" not in text:
        return None
    try:
        for event in yaml.parse(text, Loader=YAML_LOADER):
            if isinstance(event, yaml.AliasEvent):
                return _anchor_problem(where, event.start_mark, f"alias *{event.anchor}")
            if getattr(event, "anchor", None) is not None:
                return _anchor_problem(where, event.start_mark, f"anchor &{event.anchor}")
    except yaml.YAMLError:
        return None  # the loader reports the syntax error with its position
    return None


def _anchor_problem(where: str, mark, what: str) -> Problem:
    return Problem(where, f"line {mark.line + 1}", "yaml-anchor",
                   f"{what}: YAML anchors and aliases are not allowed here; write each value out in full")


def long_string_problems(data: object, where: str, max_chars: int) -> list[Problem]:
    """A problem for each string (key or value) longer than ``max_chars``, at the line of the mapping holding it."""
    problems = []
    stack: list[tuple[object, object, str]] = [(data, "?", "")]
    while stack:
        value, line, key = stack.pop()
        if isinstance(value, str):
            if len(value) > max_chars:
                named = f" (in '{key[:40]}')" if key else ""
                problems.append(Problem(where, f"line {line}", "string-too-long",
                                        f"a text of {len(value):,} characters{named}; at most {max_chars:,} are "
                                        "allowed (setting max_string_chars)"))
        elif isinstance(value, dict):
            line = value.get("__line__", line)
            for k, v in value.items():
                stack.append((k, line, ""))
                stack.append((v, line, k if isinstance(k, str) else ""))
        elif isinstance(value, list):
            stack.extend((item, line, key) for item in value)
    return problems


def oversized_files(folders: list[str], max_bytes: int) -> list[Problem]:
    """A problem for each file under ``folders`` (ontology, shapes, mappings) larger than ``max_bytes``."""
    problems = []
    for folder in folders:
        if not folder or not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.stat().st_size > max_bytes:
                problems.append(InputTooLarge(path, max_bytes).problem("max_input_file_bytes"))
    return problems


class YamlKeyError(yaml.constructor.ConstructorError):
    """A mapping key YAML accepts but a facts file must not have; ``rule`` names which."""

    def __init__(self, rule: str, message: str, mark):
        super().__init__(problem=message, problem_mark=mark)
        self.rule = rule


def check_mapping_keys(node) -> None:
    """Keys are plain text, each once: YAML keeps only the last of two equal keys, which would lose the first."""
    seen: set[str] = set()
    for key_node, _value in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            raise YamlKeyError("key-type", f"the key {str(key_node.value)[:40]!r} is not plain text", key_node.start_mark)
        if key_node.value == "__line__" or key_node.value == "<<":
            raise YamlKeyError("key-type", f"the key {key_node.value!r} is reserved", key_node.start_mark)
        if key_node.value in seen:
            raise YamlKeyError("duplicate-key", f"the key {key_node.value!r} appears twice in this mapping; YAML would "
                            "keep only the last", key_node.start_mark)
        seen.add(key_node.value)
