"""Grounding every quote in the source text it names: where it is, and the words around it.

Evidence gives its quote, and may give its position (`start`, `end`) and a few
words before or after it (`prefix`, `suffix`) to choose between repeated
occurrences. When the source text is in the folder of source texts, the build
locates each quote there and publishes its offsets and the 32 characters before
and after it, so nobody counts characters; given offsets are checked, never
trusted. When the text is absent, given offsets are published unchecked (the
manifest records that the check was skipped) and a quote without offsets is a
problem: only the text can say where it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

from .facts import ArticleFacts
from .problems import Problem
from .sourcetexts import read_source_text
from .vocabulary import NF

#: Characters of context published before and after a quote (the Web Annotation prefix and suffix).
CONTEXT = 32
#: Default of the max_source_text_bytes setting.
MAX_SOURCE_TEXT_BYTES = 10_000_000
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass(frozen=True)
class GroundingResult:
    article: str
    source_text: str
    status: str  # "checked", "failed" or "skipped: <why>"
    quotes: int
    #: Why the quotes were not checked, in words that name no folder of the machine (for the published data).
    not_checked_because: str = ""

    @property
    def checked(self) -> bool:
        return self.status == "checked"


@dataclass(frozen=True)
class Located:
    """Where a quote is, or (rule, message) saying why it could not be placed."""

    start: int | None = None
    end: int | None = None
    rule: str = ""
    message: str = ""

    def selector(self, text: str) -> dict:
        """start, end, prefix and suffix as published (and as `newsfacts fix` writes them)."""
        return {"start": self.start, "end": self.end, "prefix": text[max(0, self.start - CONTEXT):self.start],
                "suffix": text[self.end:self.end + CONTEXT]}


def ground(files: list[ArticleFacts], sources_dir: str,
           max_source_text_bytes: int = MAX_SOURCE_TEXT_BYTES) -> tuple[list[GroundingResult], list[Problem]]:
    """Check every quote against its text and complete each evidence item with start, end, prefix and suffix."""
    results, problems = [], []
    for facts in files:
        name = facts.article["source_text"]
        quotes = sum(len(c["evidence"]) for c in facts.claims)
        source = read_source_text(sources_dir, name, max_source_text_bytes)
        if source.problem:
            rule, message = source.problem
            problems.append(Problem(str(facts.path), _article_where(facts), rule, message))
            results.append(GroundingResult(facts.id, str(name), "failed", quotes))
            continue
        if source.text is None:
            problems.extend(_quotes_needing_the_text(facts, source.skipped))
            public = ("no folder of source texts was set when the release was built" if not sources_dir else
                      f"the source text {name} was not in the folder of source texts when the release was built")
            results.append(GroundingResult(facts.id, name, f"skipped: {source.skipped}", quotes, public))
            continue
        digest = hashlib.sha256(source.raw).hexdigest()
        if digest != facts.article["source_sha256"]:
            problems.append(Problem(str(facts.path), facts.id, "source-sha256",
                                    f"{name} in {sources_dir} has SHA-256 {digest}, not {facts.article['source_sha256']}: "
                                    "the text changed"))
            results.append(GroundingResult(facts.id, name, "failed", quotes))
            continue
        for claim in facts.claims:
            for item in claim["evidence"]:
                located = locate(source.text, item)
                if located.rule:
                    problems.append(Problem(str(facts.path), _where(claim, item), located.rule, located.message))
                    continue
                item.update(located.selector(source.text))
                if "\n" in item["quote"]:
                    problems.append(Problem(str(facts.path), _where(claim, item), "evidence-length",
                                            "a quote spans more than one paragraph"))
        results.append(GroundingResult(facts.id, name, "checked", quotes))
    return results, problems


def locate(text: str, item: dict) -> Located:
    """Where the evidence item's quote is in `text`: its given offsets if they hold, else the one occurrence
    that its prefix and suffix (when given) choose."""
    quote = item["quote"]
    prefix, suffix = item.get("prefix") or "", item.get("suffix") or ""
    if "start" in item:
        start, end = item["start"], item["end"]
        if text[start:end] != quote:
            places = occurrences(text, quote)
            hint = (f"; the quote is at start={places[0]} end={places[0] + len(quote)}" if len(places) == 1
                    else f"; the quote occurs at starts {places}" if places else "; the quote is not in the text at all")
            return Located(rule="evidence-offsets", message=f"text[{start}:{end}] is {text[start:end]!r}, not the quote "
                                                            f"{quote!r}{hint} (`newsfacts fix` writes the right ones)")
        if not _preceded(text, start, prefix):
            return Located(rule="evidence-prefix", message=f"prefix {prefix!r} does not precede the quote")
        if text[end:end + len(suffix)] != suffix:
            return Located(rule="evidence-suffix", message=f"suffix {suffix!r} does not follow the quote")
        return Located(start, end)
    places = occurrences(text, quote)
    if not places:
        return Located(rule="evidence-not-found", message=f"the quote {quote!r} is not in the text{_closest(text, quote)}")
    chosen = [at for at in places
              if _preceded(text, at, prefix) and text[at + len(quote):at + len(quote) + len(suffix)] == suffix]
    if len(chosen) == 1:
        return Located(chosen[0], chosen[0] + len(quote))
    if not chosen:
        return Located(rule="evidence-prefix", message=f"the quote occurs {len(places)} time(s) but none is preceded by "
                                                       f"prefix {prefix!r} and followed by suffix {suffix!r}: "
                                                       f"{candidates(text, quote, places)}")
    return Located(rule="evidence-ambiguous", message=f"the quote occurs {len(chosen)} times; give a few words of "
                                                      f"prefix or suffix to choose one: {candidates(text, quote, chosen)}")


def _preceded(text: str, at: int, prefix: str) -> bool:
    return len(prefix) <= at and text[at - len(prefix):at] == prefix


def occurrences(text: str, quote: str) -> list[int]:
    places, at = [], text.find(quote)
    while at != -1 and quote:
        places.append(at)
        at = text.find(quote, at + 1)
    return places


def candidates(text: str, quote: str, places: list[int], shown: int = 5) -> str:
    """Each place with the words around it: 'start=12 end=20 (…words before [quote] words after…)'."""
    parts = []
    for at in places[:shown]:
        before = text[max(0, at - 30):at].split("\n")[-1]
        if at > 30 and " " in before:
            before = before[before.index(" ") + 1:]  # whole words only
        after = text[at + len(quote):at + len(quote) + 30].split("\n")[0]
        if len(after) == 30 and " " in after:
            after = after[:after.rindex(" ")]
        parts.append(f"start={at} end={at + len(quote)} (…{before}[{_short(quote)}]{after}…)")
    more = f"; and {len(places) - shown} more" if len(places) > shown else ""
    return "; ".join(parts) + more


def _closest(text: str, quote: str) -> str:
    """'; closest passage: …' naming the part of the text most like the quote (a typo, curly quotes)."""
    from rapidfuzz import fuzz

    if len(text) > 1_000_000:
        return ""  # the search is quadratic: not worth it on a very long text
    best = fuzz.partial_ratio_alignment(quote, text)
    if best is None or best.score < 60:
        return " at all"
    start, end = best.dest_start, best.dest_end
    while start > 0 and text[start - 1].isalnum():  # whole words
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return f"; closest passage: start={start} end={end} {text[start:end]!r} ({best.score:.0f}% alike)"


def _short(quote: str) -> str:
    return quote if len(quote) <= 40 else quote[:18] + "…" + quote[-18:]


def _quotes_needing_the_text(facts: ArticleFacts, why: str) -> list[Problem]:
    return [Problem(str(facts.path), _where(claim, item), "evidence-needs-text",
                    f"the quote has no start/end and they can only be found in the source text ({why}): "
                    "set sources_dir to the folder of source texts, or run `newsfacts fix` where the text is")
            for claim in facts.claims for item in claim["evidence"] if "start" not in item]


def _where(claim: dict, item: dict) -> str:
    return f"{claim['id']} (line {item.get('__line__', '?')})"


def _article_where(facts: ArticleFacts) -> str:
    return f"{facts.id} (line {facts.article.get('__line__', '?')})"


def status_quads(result: GroundingResult, article_iri: str, graph_iri: str) -> list[ox.Quad]:
    """What the published article says of its quotes: checked against the source text, or not and why."""
    article, graph = ox.NamedNode(article_iri), ox.NamedNode(graph_iri)
    quads = [ox.Quad(article, ox.NamedNode(NF + "quotesChecked"),
                     ox.Literal("true" if result.checked else "false", datatype=ox.NamedNode(XSD_BOOLEAN)), graph)]
    if not result.checked:
        quads.append(ox.Quad(article, ox.NamedNode(NF + "quotesNotCheckedBecause"),
                             ox.Literal(result.not_checked_because, language="en"), graph))
    return quads
