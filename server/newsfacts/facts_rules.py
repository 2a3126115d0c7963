"""The rules facts files must follow before they can be mapped to RDF: known keys, well-formed ids, no
duplicates, references that resolve, concepts and classes that exist, times that parse. What the RDF must satisfy
afterwards is the SHACL shapes' job; whether quotes match the source text is grounding's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .facts import (
    CERTAINTIES_WITHOUT_HEDGE,
    EVIDENCE_KEYS,
    ID_PATTERN,
    PARTICIPANT_KEYS,
    SECTIONS,
    STATEMENT_KEYS,
    ArticleFacts,
)
from .facts_values import dropped_value_problems
from .problems import Problem
from .suggestions import did_you_mean
from .timevalues import time_problems
from .vocabulary import Vocabulary


def check_facts(files: list[ArticleFacts], vocabulary: Vocabulary, only: set[Path] | None = None,
                whole: Callable[[ArticleFacts], ArticleFacts] | None = None) -> list[Problem]:
    """Every rule a set of facts files must follow before mapping. Entities are shared across files.
    With ``only``, the rules of each file are checked for those files alone (the others, checked by an earlier
    build and unchanged, count for the rules across files: ids defined, duplicates). ``whole`` gives a file's
    whole facts when ``files`` hold only what the rules across files read (facts_packed.py)."""
    problems: list[Problem] = []
    entity_ids: dict[str, str] = {}
    article_ids: dict[str, str] = {}
    report_ids: dict[str, str] = {}
    for facts in files:
        for entity in facts.entities:
            eid = entity.get("id")
            if isinstance(eid, str) and eid in entity_ids and entity_ids[eid] == str(facts.path):
                problems.append(_at(facts, entity, "duplicate-id", f"entity id {eid!r} is defined twice"))
            if isinstance(eid, str):
                entity_ids.setdefault(eid, str(facts.path))
        for report in facts.reports:
            if isinstance(report.get("id"), str):
                report_ids.setdefault(report["id"], str(facts.path))
        aid = facts.article.get("id")
        if isinstance(aid, str):
            if aid in article_ids:
                problems.append(_at(facts, facts.article, "duplicate-id", f"article id {aid!r} is also in {article_ids[aid]}"))
            article_ids[aid] = str(facts.path)
    defined_entities, defined_reports = set(entity_ids), set(report_ids)  # once: a set per file made this quadratic
    for facts in files if only is None else [f for f in files if f.path in only]:
        facts = whole(facts) if whole is not None else facts
        dropped = dropped_value_problems(facts)  # the checks below assume each key holds the right kind of value
        problems.extend(dropped or _FileChecker(facts, vocabulary, defined_entities, defined_reports).run())
    return problems


def _at(facts: ArticleFacts, item: dict, rule: str, message: str) -> Problem:
    label = item.get("id") if isinstance(item.get("id"), str) else None
    where = f"{label} (line {item.get('__line__', '?')})" if label else f"line {item.get('__line__', '?')}"
    return Problem(str(facts.path), where, rule, message)


class _FileChecker:
    def __init__(self, facts: ArticleFacts, vocabulary: Vocabulary, entity_ids: set[str], report_ids: set[str]):
        self.facts = facts
        self.vocabulary = vocabulary
        self.entities = entity_ids
        self.reports = report_ids
        self.events = {e.get("id") for e in facts.events}
        self.situations = {s.get("id") for s in facts.office_holdings + facts.designations}
        self.claim_ids = {c["id"] for c in facts.claims if isinstance(c.get("id"), str)}
        self.rested_on = {c["rests_on"] for c in facts.claims if isinstance(c.get("rests_on"), str)}
        self.problems: list[Problem] = []

    def problem(self, item: dict, rule: str, message: str) -> None:
        self.problems.append(_at(self.facts, item, rule, message))

    def run(self) -> list[Problem]:
        f = self.facts
        self.keys(f.article, "article")
        for name in SECTIONS:
            if name == "article":
                continue
            seen: set[str] = set()
            for item in getattr(f, name):
                self.keys(item, name)
                iid = item.get("id")
                if iid in seen and name != "entities":  # entity duplicates are found across files
                    self.problem(item, "duplicate-id", f"{name[:-1].replace('_', ' ')} id {iid!r} is defined twice")
                seen.add(iid)
        if self.problems:
            return self.problems  # references make no sense until the keys are right
        local_ids = {}
        for name in ("events", "office_holdings", "designations", "claims"):
            for item in getattr(f, name):
                if item["id"] in local_ids and local_ids[item["id"]] != name:
                    self.problem(item, "duplicate-id", f"id {item['id']!r} is used by both {local_ids[item['id']]} and {name}")
                local_ids[item["id"]] = name
        self.article()
        for report in f.reports:
            self.ref(report, "publisher", report["publisher"], self.entities)
            if "on_the_word_of" in report:
                self.ref(report, "on_the_word_of", report["on_the_word_of"], self.entities)
        for entity in f.entities:
            self.entity(entity)
        for event in f.events:
            self.event(event)
        for holding in f.office_holdings:
            self.office_holding(holding)
        for designation in f.designations:
            self.ref(designation, "designated", designation["designated"], self.entities)
            self.ref(designation, "by", designation["by"], self.entities)
            self.concept(designation, "as", designation["as"], "designation")
            self.time(designation)
        for claim in f.claims:
            self.claim(claim)
        self.second_hand_chains()
        return self.problems

    def keys(self, item: dict, section: str, spec: tuple[set[str], set[str]] | None = None) -> None:
        required, optional = spec or SECTIONS[section]
        present = set(item) - {"__line__"}
        for key in sorted(required - present):
            self.problem(item, "missing-key", f"{section}: '{key}' is required")
        for key in sorted(present - required - optional):
            self.problem(item, "unknown-key", f"{section}: unknown key '{key}'{did_you_mean(key, required | optional)} "
                                              f"(allowed: {sorted(required | optional)})")
        if "id" in item and not (isinstance(item["id"], str) and ID_PATTERN.match(item["id"])):
            self.problem(item, "id-format", f"id {item['id']!r} must be a lowercase slug like 'nicolas-maduro'")
        if "label" in item:
            self.label(item)

    def label(self, item: dict) -> None:
        label = item["label"]
        if not isinstance(label, dict) or not isinstance(label.get("en"), str) or not label["en"].strip():
            self.problem(item, "label", "label must be a mapping of language to text with an 'en' entry")

    def ref(self, item: dict, key: str, value: object, known: set, what: str = "entity") -> None:
        if not isinstance(value, str) or value not in known:
            self.problem(item, "unknown-reference", f"{key}: {value!r} is not a known {what} id{did_you_mean(value, known)}")

    def refs(self, item: dict, key: str, known: set, what: str = "entity") -> None:
        values = item.get(key) or []
        if not isinstance(values, list):
            values = [values]
        for value in values:
            self.ref(item, key, value, known, what)

    def concept(self, item: dict, key: str, value: object, scheme_key: str) -> None:
        scheme = {"designation": "designation"}.get(scheme_key, scheme_key.replace("_", "-"))
        allowed = self.vocabulary.concepts.get(scheme, frozenset())
        if value not in allowed:
            self.problem(item, "unknown-concept", f"{key}: {value!r} is not a concept of the {scheme} scheme"
                         f"{did_you_mean(value, allowed)} (one of: {', '.join(sorted(allowed))})")

    def time(self, item: dict, key: str = "time") -> None:
        if key in item:
            for message in time_problems(item[key]):
                self.problem(item, "time-format", message)

    def article(self) -> None:
        a = self.facts.article
        self.author()
        if "relays" in a:
            self.refs(a, "relays", self.reports, "report")
        sha = a["source_sha256"]
        if not (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha)):
            self.problem(a, "source-sha256", "source_sha256 must be 64 lowercase hexadecimal digits")
        if self.facts.path.stem != a["id"]:
            self.problem(a, "file-name", f"the file should be named {a['id']}.yaml after its article id")

    def author(self) -> None:
        """An article names its author, or says with ``not_stated: [author]`` that its text gives none: an unsigned
        article gets no placeholder person."""
        a = self.facts.article
        not_stated = a.get("not_stated") or []
        declared = isinstance(not_stated, list) and "author" in not_stated
        if "author" in a:
            self.ref(a, "author", a["author"], self.entities)
            if declared:
                self.problem(a, "author-not-stated", "the article names an author and also lists 'author' under not_stated")
        elif not declared:
            self.problem(a, "missing-key", "article: 'author' is required, or 'author' listed under not_stated "
                         "when the text is unsigned")

    def second_hand_chains(self) -> None:
        """``rests_on`` names another claim of the same article, and following it never comes back."""
        by_id = {c["id"]: c for c in self.facts.claims}
        for claim in self.facts.claims:
            seen, current = [claim["id"]], claim.get("rests_on")
            while isinstance(current, str) and current in by_id:
                if current in seen:
                    self.problem(claim, "rests-on-cycle", f"rests_on leads back to itself: {' -> '.join(seen + [current])}")
                    break
                seen.append(current)
                current = by_id[current].get("rests_on")

    def entity(self, entity: dict) -> None:
        if entity["type"] not in self.vocabulary.classes:
            self.problem(entity, "unknown-class", f"type {entity['type']!r} is not a class of the ontology"
                                                  f"{did_you_mean(entity['type'], self.vocabulary.classes)}")
        self.refs(entity, "located_in", self.entities)
        self.refs(entity, "part_of", self.entities)
        wikidata = entity.get("wikidata")
        if wikidata is not None and not (isinstance(wikidata, str) and re.fullmatch(r"Q[1-9]\d*", wikidata)):
            self.problem(entity, "wikidata-id", f"wikidata {wikidata!r} is not a Wikidata item id like Q794")
        duration = entity.get("duration")
        if duration is not None and not re.fullmatch(r"P(\d+Y)?(\d+M)?(\d+D)?", str(duration)):
            self.problem(entity, "duration-format", f"duration {duration!r} is not an xsd:duration like P20Y")

    def event(self, event: dict) -> None:
        self.concept(event, "type", event["type"], "event_type")
        participants = event.get("participants") or []
        if not isinstance(participants, list):
            self.problem(event, "section-shape", "participants must be a list")
            participants = []
        for participant in participants:
            if not isinstance(participant, dict):
                self.problem(event, "section-shape", "each participant is a mapping {who, role}")
                continue
            self.keys(participant, "participant", PARTICIPANT_KEYS)
            if "who" in participant:
                self.ref(event, "participants.who", participant["who"], self.entities)
            if "role" in participant:
                self.concept(event, "participants.role", participant["role"], "role")
        if "place" in event:
            self.ref(event, "place", event["place"], self.entities)
        if "during" in event:
            self.ref(event, "during", event["during"], self.entities | self.events, "event or entity")
        self.time(event)

    def office_holding(self, holding: dict) -> None:
        self.ref(holding, "holder", holding["holder"], self.entities)
        self.ref(holding, "office_of", holding["office_of"], self.entities)
        if "posted_to" in holding:
            self.ref(holding, "posted_to", holding["posted_to"], self.entities)
        self.concept(holding, "office", holding["office"], "office")
        self.time(holding)

    def claim(self, claim: dict) -> None:
        has_asserts, has_statement = "asserts" in claim, "statement" in claim
        carries_others = claim["id"] in self.rested_on  # its content is the claims that rest on it
        if has_asserts + has_statement + carries_others != 1:
            self.problem(claim, "claim-content", "a claim has exactly one of 'asserts' (an event or situation) or 'statement', "
                         "or neither when other claims rest on it (their 'rests_on' names it)")
        if "rests_on" in claim:
            self.ref(claim, "rests_on", claim["rests_on"], self.claim_ids - {claim["id"]}, "other claim id of this article")
        if has_asserts:
            self.ref(claim, "asserts", claim["asserts"], self.events | self.situations, "event or situation")
        if has_statement:
            self.statement(claim)
        self.attribution(claim)
        if "on_the_word_of" in claim:
            self.ref(claim, "on_the_word_of", claim["on_the_word_of"], self.entities)
        self.concept(claim, "certainty", claim["certainty"], "certainty")
        if claim["certainty"] not in CERTAINTIES_WITHOUT_HEDGE and not claim.get("hedge"):
            self.problem(claim, "hedge-missing",
                         f"a claim that is {claim['certainty']!r} keeps the text's hedge words in 'hedge'")
        if "made_at" in claim:
            for message in time_problems({"on": claim["made_at"]}):
                self.problem(claim, "time-format", message.replace("time.on", "made_at"))
        evidence = claim["evidence"]
        if not isinstance(evidence, list) or not evidence:
            self.problem(claim, "evidence-missing", "evidence must be a list of at least one quote")
            return
        for item in evidence:
            if not isinstance(item, dict):
                self.problem(claim, "section-shape", "each evidence item is a mapping {quote, start, end}")
                continue
            self.keys(item, "evidence", EVIDENCE_KEYS)
            start, end, quote = item.get("start"), item.get("end"), item.get("quote")
            if not isinstance(quote, str) or not quote:
                self.problem(claim, "evidence-quote", f"quote must be the text's words, got {quote!r}")
            for key in ("prefix", "suffix"):
                if not isinstance(item.get(key, ""), str):
                    self.problem(claim, "evidence-quote", f"{key} must be text, got {item[key]!r}")
            if start is None and end is None:
                continue  # grounding finds them
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
                self.problem(claim, "evidence-offsets",
                             f"start/end must be whole numbers with 0 <= start < end, got {start!r}/{end!r}")
            elif isinstance(quote, str) and end - start != len(quote):
                self.problem(claim, "evidence-offsets", f"end - start is {end - start} but the quote has {len(quote)} characters "
                             "(`newsfacts fix` writes the right offsets)")

    def attribution(self, claim: dict) -> None:
        """Who says it: one named speaker (said_by), or, where the text leaves it open, the candidates
        (said_by_one_of); the relayed report it comes from (report) or may continue (possibly_from_report)."""
        if ("said_by" in claim) == ("said_by_one_of" in claim):
            self.problem(claim, "claim-speaker", "a claim has exactly one of 'said_by' (who says it) or 'said_by_one_of' "
                         "(two or more candidates, when the text leaves the speaker open)")
        if "said_by" in claim:
            self.ref(claim, "said_by", claim["said_by"], self.entities)
        if "said_by_one_of" in claim:
            candidates = claim["said_by_one_of"]
            if not isinstance(candidates, list) or len(set(map(str, candidates))) < 2:
                self.problem(claim, "claim-speaker", "said_by_one_of lists two or more different entity ids")
            else:
                self.refs(claim, "said_by_one_of", self.entities)
        for key, needs in (("report", "said_by"), ("possibly_from_report", "said_by_one_of")):
            if key in claim:
                self.ref(claim, key, claim[key], self.reports, "report")
                if needs not in claim:
                    self.problem(claim, "claim-report", f"'{key}' goes with '{needs}'")

    def statement(self, claim: dict) -> None:
        statement = claim["statement"]
        if not isinstance(statement, dict):
            self.problem(claim, "section-shape", "statement is a mapping {subject, predicate, object}")
            return
        self.keys(statement, "statement", STATEMENT_KEYS)
        known = self.entities | self.events | self.situations
        if "subject" in statement:
            self.ref(claim, "statement.subject", statement["subject"], known, "entity, event or situation")
        predicate = statement.get("predicate")
        if predicate not in self.vocabulary.properties:
            self.problem(claim, "unknown-property", f"statement.predicate {predicate!r} is not a property of the ontology"
                                                    f"{did_you_mean(predicate, self.vocabulary.properties)}")
        obj = statement.get("object")
        if isinstance(obj, dict):
            if not isinstance(obj.get("value"), str):
                self.problem(claim, "statement-object", "a literal object is written {value: \"…\"}")
        elif "object" in statement:
            self.ref(claim, "statement.object", obj, known, "entity, event or situation")
