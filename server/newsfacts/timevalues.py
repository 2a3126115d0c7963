"""Times as precise as the text: a year, a year and month, a date, or a month of an unknown year."""

from __future__ import annotations

import re

XSD = "http://www.w3.org/2001/XMLSchema#"

_FORMS = [
    (re.compile(r"^\d{4}$"), "gYear"),
    (re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "gYearMonth"),
    (re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"), "date"),
    (re.compile(r"^--(0[1-9]|1[0-2])$"), "gMonth"),
]

TIME_KEYS = {"on", "not_before", "not_after", "text"}


def xsd_type_of(value: str) -> str | None:
    """The XSD datatype IRI for a time value such as '2022', '2023-12', '2024-03-05' or '--11', else None."""
    for pattern, name in _FORMS:
        if pattern.match(value):
            if name == "date":
                import datetime

                try:
                    datetime.date.fromisoformat(value)
                except ValueError:
                    return None
            return XSD + name
    return None


def time_problems(time: object) -> list[str]:
    """What is wrong with a `time:` mapping of a facts file, as messages; empty when it is right."""
    if not isinstance(time, dict):
        return [f"time must be a mapping with keys {sorted(TIME_KEYS)}, not {time!r}"]
    messages = []
    unknown = set(time) - TIME_KEYS - {"__line__"}
    if unknown:
        messages.append(f"time has unknown keys {sorted(unknown)}; allowed: {sorted(TIME_KEYS)}")
    if not (set(time) & TIME_KEYS):
        messages.append("time is empty")
    for key in ("on", "not_before", "not_after"):
        if key in time and xsd_type_of(str(time[key])) is None:
            messages.append(
                f"time.{key} {time[key]!r} is not a year (2022), year-month (2023-12), date (2024-03-05) or month (--11)"
            )
    if "text" in time and not isinstance(time["text"], str):
        messages.append("time.text must be the text's words, a string")
    return messages
