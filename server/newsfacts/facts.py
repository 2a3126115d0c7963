"""Reading facts files (one YAML file per article): the sections and keys a file has, and the bounds it is read
within. The rules a file must follow before it can be mapped to RDF are facts_rules.py's."""

from __future__ import annotations

import functools
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .config import Settings
from .facts_yaml import LineLoader
from .inputs import InputTooLarge, anchor_problem, long_string_problems, read_bounded
from .problems import Problem

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CERTAINTIES_WITHOUT_HEDGE = {"stated"}

# For each section: required keys, optional keys.
SECTIONS: dict[str, tuple[set[str], set[str]]] = {
    "article": (
        {"id", "label", "source_text", "source_sha256"},
        {"author", "author_description", "genre", "language", "relays", "not_stated"},  # author, or not_stated: [author]
    ),
    "reports": ({"id", "label", "publisher"}, {"time_description", "on_the_word_of"}),
    "entities": (
        {"id", "type", "label"},
        {"alt_labels", "description", "wikidata", "located_in", "part_of", "duration"},
    ),
    "events": ({"id", "type", "label"}, {"participants", "place", "time", "during", "ongoing"}),
    "office_holdings": ({"id", "holder", "office", "office_of"}, {"posted_to", "qualifier", "time"}),
    "designations": ({"id", "designated", "as", "by"}, {"time"}),
    "claims": (
        {"id", "text", "certainty", "evidence"},
        {"asserts", "statement", "said_by", "said_by_one_of", "on_the_word_of", "hedge", "made_at", "report",
         "possibly_from_report", "rests_on"},
    ),
}
EVIDENCE_KEYS = ({"quote"}, {"start", "end", "prefix", "suffix"})  # offsets are found in the text when absent (grounding)
PARTICIPANT_KEYS = ({"who", "role"}, set())
STATEMENT_KEYS = ({"subject", "predicate", "object"}, set())
#: A top-level key `newsfacts draft` writes: `validate` checks the rest of the file, `build` refuses it.
DRAFT_KEY = "draft"


@dataclass(frozen=True)
class FactsLimits:
    """The bounds a facts file is read within (settings max_facts_file_bytes and max_string_chars)."""

    max_file_bytes: int
    max_string_chars: int

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> FactsLimits:
        settings = settings or Settings.load()
        return cls(settings.max_facts_file_bytes, settings.max_string_chars)


@dataclass
class ArticleFacts:
    """One facts file, as read: plain dicts, each with a '__line__'."""

    path: Path
    article: dict
    reports: list[dict] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    office_holdings: list[dict] = field(default_factory=list)
    designations: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    draft: object = None  # the value of a top-level 'draft:' key, when the file is still a draft

    @property
    def id(self) -> str:
        return self.article["id"]


def read_facts_file(path: Path, limits: FactsLimits | None = None) -> tuple[ArticleFacts | None, list[Problem]]:
    """Parse one file; returns (facts, []) or (None, problems) when it is not a usable YAML mapping."""
    where = str(path)
    limits = limits or FactsLimits.from_settings()
    try:
        text = read_bounded(path, limits.max_file_bytes).decode("utf-8")
        anchor = anchor_problem(text, where)
        if anchor is not None:
            return None, [anchor]
        data = yaml.load(text, Loader=LineLoader)
    except InputTooLarge as exc:
        return None, [exc.problem("max_facts_file_bytes")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        rule = getattr(exc, "rule", "yaml-syntax")
        return None, [Problem(where, line, rule, problem if rule != "yaml-syntax" else f"not valid YAML: {problem}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(where, "file", "unreadable", str(exc))]
    too_long = long_string_problems(data, where, limits.max_string_chars)
    if too_long:
        return None, too_long
    if not isinstance(data, dict) or not isinstance(data.get("article"), dict):
        return None, [Problem(where, "file", "missing-article", "a facts file is a mapping with an 'article:' section")]
    unknown = set(data) - set(SECTIONS) - {"__line__", DRAFT_KEY}
    problems = [
        Problem(where, f"line {data['__line__']}", "unknown-section", f"unknown section {key!r}") for key in sorted(unknown)
    ]
    sections = {}
    for name in SECTIONS:
        if name == "article":
            continue
        value = data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            problems.append(Problem(where, name, "section-shape", f"'{name}' must be a list of mappings"))
            value = []
        sections[name] = value
    return ArticleFacts(path=path, article=data["article"], draft=data.get(DRAFT_KEY), **sections), problems


def draft_problems(files: list[ArticleFacts]) -> list[Problem]:
    """A file still marked as a draft is not published: a person reviews it and removes the marker first."""
    return [Problem(str(f.path), DRAFT_KEY, "draft", "this file is a draft written by `newsfacts draft`: complete and "
                    "review it (`newsfacts validate` lists what is left), then delete its 'draft:' line")
            for f in files if f.draft is not None]


def load_facts_dir(facts_dir: str | Path, limits: FactsLimits | None = None) -> tuple[list[ArticleFacts], list[Problem]]:
    """Read every facts file of a folder; many files are parsed on all cores (YAML parsing is the slow part)."""
    paths = facts_paths(facts_dir)
    files, problems = read_facts_files(paths, limits)
    if not paths:
        problems.append(Problem(str(facts_dir), "folder", "no-facts", "no facts files (*.yaml) found"))
    return files, problems


def facts_paths(facts_dir: str | Path) -> list[Path]:
    """The facts files of a folder, in the order the build reads them."""
    return sorted(Path(facts_dir).glob("*.yaml")) + sorted(Path(facts_dir).glob("*.yml"))


def read_facts_files(paths: list[Path], limits: FactsLimits | None = None) -> tuple[list[ArticleFacts], list[Problem]]:
    """Read these facts files, in their order; many files are parsed on all cores."""
    files, problems = [], []
    read = functools.partial(read_facts_file, limits=limits or FactsLimits.from_settings())
    workers = os.cpu_count() or 1
    if len(paths) >= 200 and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(read, paths, chunksize=50))
    else:
        results = [read(path) for path in paths]
    for facts, file_problems in results:
        problems.extend(file_problems)
        if facts is not None:
            files.append(facts)
    return files, problems
