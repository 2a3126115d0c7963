"""The one shape of a build problem: which file, where in it, which rule, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    where: str  # "line 12", an entity id, or an IRI
    rule: str  # a short rule name, e.g. "evidence-offsets" or a SHACL shape
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: [{self.rule}] {self.message}"


class DataDoesNotConform(Exception):
    """The input data breaks a rule: the build stops and publishes nothing (exit code 1)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class BuildFailed(Exception):
    """The build could not run: bad settings, unreadable files, a store that cannot be written (exit code 2)."""
