"""Checking that every quote is exactly where its offsets say, in the source text it names.

The project holds only short quotes; full texts live in a folder of source
texts that is a setting. When a text is absent the check is skipped, said, and
recorded in the release manifest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .facts import ArticleFacts
from .problems import Problem
from .vocabulary import NF

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass(frozen=True)
class GroundingResult:
    article: str
    source_text: str
    status: str  # "checked" or "skipped: <why>"
    quotes: int
    #: Why the quotes were not checked, in words that name no folder of the machine (for the published data).
    not_checked_because: str = ""

    @property
    def checked(self) -> bool:
        return self.status == "checked"


def ground(files: list[ArticleFacts], sources_dir: str) -> tuple[list[GroundingResult], list[Problem]]:
    results, problems = [], []
    for facts in files:
        name = facts.article["source_text"]
        quotes = sum(len(c["evidence"]) for c in facts.claims)
        path = Path(sources_dir) / name if sources_dir else None
        if path is None or not path.is_file():
            why = "no folder of source texts is set" if not sources_dir else f"{name} is not in {sources_dir}"
            public = ("no folder of source texts was set when the release was built" if not sources_dir else
                      f"the source text {name} was not in the folder of source texts when the release was built")
            results.append(GroundingResult(facts.id, name, f"skipped: {why}", quotes, public))
            continue
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != facts.article["source_sha256"]:
            problems.append(Problem(str(facts.path), facts.id, "source-sha256",
                                    f"{path} has SHA-256 {digest}, not {facts.article['source_sha256']}: the text changed"))
            results.append(GroundingResult(facts.id, name, "failed", quotes))
            continue
        text = raw.decode("utf-8")
        for claim in facts.claims:
            for item in claim["evidence"]:
                problems.extend(_check_quote(facts, claim, item, text))
        results.append(GroundingResult(facts.id, name, "checked", quotes))
    return results, problems


def _check_quote(facts: ArticleFacts, claim: dict, item: dict, text: str) -> list[Problem]:
    quote, start, end = item["quote"], item["start"], item["end"]
    where = f"{claim['id']} (line {item.get('__line__', '?')})"
    found = text[start:end]
    if found != quote:
        places = _occurrences(text, quote)
        hint = (f"; the quote is at start={places[0]} end={places[0] + len(quote)}" if len(places) == 1
                else f"; the quote occurs at starts {places}" if places else "; the quote is not in the text at all")
        return [Problem(str(facts.path), where, "evidence-offsets",
                        f"text[{start}:{end}] is {found!r}, not the quote {quote!r}{hint}")]
    problems = []
    if "\n" in quote:
        problems.append(Problem(str(facts.path), where, "evidence-length", "a quote spans more than one paragraph"))
    if "prefix" in item and text[max(0, start - len(item["prefix"])):start] != item["prefix"]:
        problems.append(Problem(str(facts.path), where, "evidence-prefix",
                                f"prefix {item['prefix']!r} does not precede the quote"))
    if "suffix" in item and text[end:end + len(item["suffix"])] != item["suffix"]:
        problems.append(Problem(str(facts.path), where, "evidence-suffix",
                                f"suffix {item['suffix']!r} does not follow the quote"))
    return problems


def _occurrences(text: str, quote: str) -> list[int]:
    places, at = [], text.find(quote)
    while at != -1 and quote:
        places.append(at)
        at = text.find(quote, at + 1)
    return places


def status_quads(result: GroundingResult, article_iri: str, graph_iri: str) -> list[ox.Quad]:
    """What the published article says of its quotes: checked against the source text, or not and why."""
    article, graph = ox.NamedNode(article_iri), ox.NamedNode(graph_iri)
    quads = [ox.Quad(article, ox.NamedNode(NF + "quotesChecked"),
                     ox.Literal("true" if result.checked else "false", datatype=ox.NamedNode(XSD_BOOLEAN)), graph)]
    if not result.checked:
        quads.append(ox.Quad(article, ox.NamedNode(NF + "quotesNotCheckedBecause"),
                             ox.Literal(result.not_checked_because, language="en"), graph))
    return quads
