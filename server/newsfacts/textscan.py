"""What `newsfacts draft` finds in a sentence without a statistical model: names and time expressions.

A name is a run of capitalised words (with 'of', 'de', 'al' … inside), less the
words of the cue lexicon's `not_names`. A time expression is kept as the text's
words; it gets a typed value only when the words give one (a year, a month of a
year, a full date, a month); relative expressions ('on Friday', 'next month',
'over the past decade', 'in the early 2010s') stay text only, never a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_MONTH = "(" + "|".join(m.capitalize() for m in MONTHS) + ")"
_YEAR = r"(1[5-9]\d\d|20\d\d)"
_WEEKDAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_UNIT = r"(?:day|week|weekend|month|year|decade|century|summer|winter|spring|autumn|fall)s?"

#: (pattern, how to type it): tried in order; a later match overlapping an earlier one is dropped.
_TIME_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(rf"\b(?:on )?(\d{{1,2}}) {_MONTH},? {_YEAR}\b"), "day-month-year"),
    (re.compile(rf"\b(?:on )?{_MONTH} (\d{{1,2}}),? {_YEAR}\b"), "month-day-year"),
    (re.compile(r"\b(\d{4})-(\d\d)-(\d\d)\b"), "iso-date"),
    (re.compile(rf"\b(?:(?i:in|since|until|by|before|after) )?(?:early |late |mid-)?{_MONTH} (?:of )?{_YEAR}\b"), "month-year"),
    (re.compile(r"\b(?:in |since |by |during |throughout )?(?:the )?(?:early |late |mid-|mid )?(?:1[5-9]\d0|20\d0)s\b"),
     "relative"),
    (re.compile(rf"\b(?:(?i:in|since|until|by|before|after|during|from|of) (?:at least |around |about )?)?{_YEAR}\b"
                r"(?![-\w])"), "year"),
    (re.compile(rf"\b(?:(?i:in|since|until|by|before|after) )?{_MONTH}\b(?! \d)"), "month"),
    (re.compile(rf"\b(?:on |last |next |this |since |until |by )?{_WEEKDAY}\b"), "relative"),
    (re.compile(rf"\b(?:(?:over|in|during|for) )?(?:the )?(?:last|next|past|previous|coming|this|same|following|"
                rf"recent|early|late) (?:few |two |three |several )?{_UNIT}\b", re.IGNORECASE), "relative"),
    (re.compile(r"\b(?:yesterday|today|tomorrow|tonight|recently|at the time|earlier|decades ago|years ago|"
                r"months ago|weeks ago|days ago|elsewhere this week)\b", re.IGNORECASE), "relative"),
]


@dataclass(frozen=True)
class TimeExpression:
    text: str
    value: dict  # as a facts file's `time` would hold it: {on: …, text: …} or {text: …}

    @property
    def relative(self) -> bool:
        return len(self.value) == 1


def time_expressions(sentence: str) -> list[TimeExpression]:
    """The time expressions of `sentence`, in order, each with the value the facts format would give it."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, TimeExpression]] = []
    for pattern, kind in _TIME_PATTERNS:
        for match in pattern.finditer(sentence):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append(match.span())
            words = match.group(0)
            typed = _typed(kind, match.groups())
            value = {_bound(words): typed, "text": words} if typed else {"text": words}
            found.append((match.start(), TimeExpression(words, value)))
    return [expression for _, expression in sorted(found, key=lambda pair: pair[0])]


def _typed(kind: str, groups: tuple) -> str | None:
    if kind == "day-month-year":
        day, month, year = groups
        return f"{year}-{_month(month)}-{int(day):02d}"
    if kind == "month-day-year":
        month, day, year = groups
        return f"{year}-{_month(month)}-{int(day):02d}"
    if kind == "iso-date":
        return "-".join(groups)
    if kind == "month-year":
        month, year = groups
        return f"{year}-{_month(month)}"
    if kind == "year":
        return groups[0]
    if kind == "month":
        return f"--{_month(groups[0])}"
    return None


def _bound(words: str) -> str:
    """'on', or the bound the words give: 'since 2020' is not before 2020, 'until 2020' not after it."""
    first = words.split(" ", 1)[0].lower()
    return {"since": "not_before", "after": "not_before", "from": "not_before",
            "until": "not_after", "by": "not_after", "before": "not_after"}.get(first, "on")


def _month(name: str) -> str:
    return f"{MONTHS.index(name.lower()) + 1:02d}"


_TOKEN = re.compile(r"[^\W\d_][\w’'.\-]*")
_CONNECTORS = {"of", "de", "del", "la", "al", "bin", "van", "von", "da", "do", "dos", "y"}
_CALENDAR = set(MONTHS) | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_INITIAL = re.compile(r"^(?:[^\W\d_]\.)+$")  # K., U.S.


def names(sentence: str, not_names: frozenset[str]) -> list[str]:
    """Runs of capitalised words in `sentence`, in order, without repeats ('Nicolás Maduro', 'U.S.')."""
    runs: list[list[str]] = []
    current: list[str] = []
    pending: list[str] = []  # connectors waiting for a capitalised word after them
    last_end = None
    for match in _TOKEN.finditer(sentence):
        word = _bare(match.group(0))
        adjacent = last_end is not None and sentence[last_end:match.start()] == " "
        if not adjacent and current:
            runs.append(current)
            current, pending = [], []
        last_end = match.end()
        if word[:1].isupper() and word not in not_names and word.lower() not in _CALENDAR:
            current.extend(pending + [word])
            pending = []
        elif current and word in _CONNECTORS:
            pending.append(word)
        else:
            if current:
                runs.append(current)
            current, pending = [], []
        if _ends_sentence(match.group(0)):
            if current:
                runs.append(current)
            current, pending = [], []
    if current:
        runs.append(current)
    return list(dict.fromkeys(" ".join(run) for run in runs))


def _bare(token: str) -> str:
    for ending in ("’s", "'s", "’", "'"):
        if token.endswith(ending):
            token = token[:-len(ending)]
    if token.endswith(".") and not _INITIAL.match(token):
        token = token.rstrip(".")
    return token.strip("-")


def _ends_sentence(token: str) -> bool:
    return token.endswith(".") and not _INITIAL.match(token)
