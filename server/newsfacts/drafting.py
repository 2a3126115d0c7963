"""`newsfacts draft`: a facts file to start from, written from an article's text.

Every sentence becomes a draft claim whose evidence is the whole sentence, with
its offsets, prefix and suffix; the cue lexicon proposes a certainty, a hedge
and a speaker; names are matched to the entities of the corpus (the facts
files) so the same person keeps the same id, and the others become entity
stubs; time expressions are listed with the value the facts format would give
them. Every guess is marked as a proposal, and values only a person can give are
`to-complete`, which `validate` names as problems. The file starts with a
`draft:` key: `build` refuses it until a person removes it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from .config import Settings
from .cues import Cue, Lexicon
from .facts import DRAFT_KEY, ID_PATTERN, load_facts_dir
from .grounding import Located
from .sourcetexts import name_problem
from .textscan import names, time_expressions
from .vocabulary import Vocabulary

TO_COMPLETE = "to-complete"
#: Least token-set similarity (0-100) of a name and a corpus label for the name to be proposed as that entity.
MATCH_CUTOFF = 90


class DraftError(Exception):
    """The draft cannot be written (bad id, unreadable text): a usage error."""


@dataclass(frozen=True)
class Corpus:
    """The labels and alternative labels of every entity of the facts files, to match names against."""

    labels: list[str]  # normalised
    owners: list[str]  # entity id of each label
    ids: frozenset[str]

    @classmethod
    def load(cls, settings: Settings) -> Corpus:
        """The entities of the facts files (`facts_dir`) and of the current release (`releases_dir`), if any."""
        facts_dir = settings.facts_dir
        files, _problems = load_facts_dir(facts_dir) if facts_dir and Path(facts_dir).is_dir() else ([], [])
        pairs = [(entity["id"], text) for facts in files for entity in facts.entities if isinstance(entity.get("id"), str)
                 for text in _texts(entity.get("label")) + _texts(entity.get("alt_labels"))]
        pairs += _released_labels(settings)
        return cls([_normalise(text) for _, text in pairs], [eid for eid, _ in pairs], frozenset(eid for eid, _ in pairs))

    def match(self, name: str) -> str | None:
        """The id of the entity whose label is this name: the same words, or a label ending with them ('Maduro')."""
        wanted = _normalise(name)
        if not wanted:
            return None
        found = process.extract(wanted, self.labels, scorer=fuzz.token_set_ratio, score_cutoff=MATCH_CUTOFF,
                                limit=25)
        kept = [(fuzz.ratio(wanted, label), score, index) for label, score, index in found
                if fuzz.ratio(wanted, label) >= MATCH_CUTOFF or label.split()[-1] == wanted.split()[-1]]
        return self.owners[max(kept)[2]] if kept else None


def draft(text_file: Path, article_id: str, settings: Settings, language: str = "en") -> str:
    """The draft facts file of the article whose text is `text_file`, as YAML text."""
    if not ID_PATTERN.match(article_id):
        raise DraftError(f"--id {article_id!r} must be a lowercase slug like 'harbour-seizure'")
    problem = name_problem(text_file.name)
    if problem:
        raise DraftError(problem)
    try:
        if text_file.stat().st_size > settings.max_source_text_bytes:
            raise DraftError(f"{text_file} is larger than max_source_text_bytes ({settings.max_source_text_bytes} bytes)")
        raw = text_file.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise DraftError(f"cannot read {text_file}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DraftError(f"{text_file} is not UTF-8 text (byte {exc.start})") from exc
    try:
        vocabulary = Vocabulary.load(settings.ontology_dir)
        lexicon = Lexicon.load(settings.mappings_dir, vocabulary.concepts.get("certainty", frozenset()))
    except (OSError, SyntaxError, ValueError) as exc:
        raise DraftError(str(exc)) from exc
    writer = _Writer(text, Corpus.load(settings), lexicon)
    claims = [writer.claim(n, start, end) for n, (start, end) in enumerate(sentences(text, language), start=1)]
    in_folder = settings.sources_dir and (Path(settings.sources_dir) / text_file.name).is_file()
    head = [
        f"# DRAFT of the facts of {article_id}, written by `newsfacts draft` from {text_file.name}.",
        "# Values marked 'proposal' are guesses from the words of the text (cue lexicon: mappings/cues.yaml):",
        "# check each against the text. 'to-complete' marks what only a person can give. Work from the messages of",
        "# `newsfacts validate`; `newsfacts fix` rewrites offsets after quotes are shortened; then delete the",
        "# 'draft:' line below, and `newsfacts build` publishes the file. Format: facts/README.md.",
        f"{DRAFT_KEY}: {_q('written by newsfacts draft: delete this line once the file has been reviewed')}",
        "",
        "article:",
        f"  id: {article_id}",
        f"  label: {{en: {_q(_label(text))}}}   # proposal: a descriptive label of your own",
        f"  author: {TO_COMPLETE}   # the author's entity id (add the author under entities); the text gives no byline",
        f"  language: {language}",
        f"  source_text: {_q(text_file.name)}"
        + ("" if in_folder else "   # copy the text into the folder of source texts (sources_dir)"),
        f"  source_sha256: {hashlib.sha256(raw).hexdigest()}",
        "  not_stated: [datePublished, publisher, url]   # what the text does not give; remove a name the text gives",
        "",
        "entities:",
        "  # Names of the text not found among the entities of the corpus. Names that were found are used by their",
        "  # id and need nothing here. Complete each stub (type: a class, see facts/README.md) or delete it.",
    ]
    head += _choices("type", vocabulary.classes - _NOT_FOR_ENTITIES)
    head += writer.stubs() or ["  []"]
    head += ["", "events: []   # the events the claims assert: see facts/README.md"]
    head += _choices("type", vocabulary.concepts.get("event-type", frozenset()))
    head += _choices("role", vocabulary.concepts.get("role", frozenset()))
    head += ["", "claims:"]
    head += _choices("certainty", vocabulary.concepts.get("certainty", frozenset()))
    return "\n".join(head + [line for claim in claims for line in claim]) + "\n"


def sentences(text: str, language: str = "en") -> list[tuple[int, int]]:
    """(start, end) of every sentence, with pysbd, paragraph by paragraph (a quote never spans two)."""
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    segmenter = pysbd.Segmenter(language=language if language in LANGUAGE_CODES else "en", clean=False, char_span=True)
    spans, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            for span in segmenter.segment(line):
                sentence = span.sent.strip()
                if sentence:
                    start = offset + span.start + (len(span.sent) - len(span.sent.lstrip()))
                    spans.append((start, start + len(sentence)))
        offset += len(line) + 1
    return spans


class _Writer:
    def __init__(self, text: str, corpus: Corpus, lexicon: Lexicon):
        self.text, self.corpus, self.lexicon = text, corpus, lexicon
        self.new: dict[str, str] = {}  # stub id -> name

    def claim(self, n: int, start: int, end: int) -> list[str]:
        sentence = self.text[start:end]
        found = {name: self.entity(name) for name in names(sentence, self.lexicon.not_names)}
        cues = self.lexicon.find(sentence)
        speaker, named_by = self.speaker(sentence, cues, found)
        lines = [f"  - id: {self.claim_id(n, sentence)}"]
        notes = [f"sentence {n}"]
        if cues:
            notes.append("cues: " + ", ".join(f"{c.words!r} ({c.certainty}, speaker {c.speaker})" for c in cues))
        if found:
            notes.append("names: " + ", ".join(f"{name} → {eid}" + ("" if eid in self.corpus.ids else " (new)")
                                               for name, eid in found.items()))
        lines.append("    # " + "; ".join(notes))
        for when in time_expressions(sentence):
            value = ", ".join(f"{k}: {_q(v)}" for k, v in when.value.items())
            kind = "relative: kept as words, never a date" if when.relative else "proposal"
            lines.append(f"    # time: {when.text!r} → {{{value}}} ({kind})")
        lines += [f"    text: {_q(sentence)}   # proposal: the sentence; say the one claim it makes, in your words",
                  f"    asserts: {TO_COMPLETE}   # an event, office holding or designation id; or a statement instead"]
        first = cues[0] if cues else None
        if first:
            lines += [f"    said_by: {speaker}   # proposal: named next to {named_by.words!r}" if named_by else
                      f"    said_by: {TO_COMPLETE}   # who says it: no name next to the cues",
                      f"    certainty: {first.certainty}   # proposal from {first.words!r}",
                      f"    hedge: {_q(first.words)}   # proposal: the text's hedging or attributing words"]
        else:
            lines += [f"    said_by: {TO_COMPLETE}   # proposal: the author (no attribution in the sentence)",
                      "    certainty: stated   # proposal: no cue in the sentence"]
        selector = Located(start, end).selector(self.text)
        lines += ["    evidence:", f"      - quote: {_q(sentence)}"]
        lines += [f"        {key}: {_q(selector[key])}" for key in ("start", "end", "prefix", "suffix")]
        return lines

    def entity(self, name: str) -> str:
        matched = self.corpus.match(name)
        if matched:
            return matched
        slug = _slug(name)
        if not slug:
            return TO_COMPLETE
        self.new.setdefault(slug, name)
        return slug

    def speaker(self, sentence: str, cues: list[Cue], found: dict[str, str]) -> tuple[str | None, Cue | None]:
        """The entity named next to the earliest cue that names its speaker ('Raisi claimed', 'according to X'),
        and that cue."""
        places = sorted((sentence.find(name), name) for name in found)
        for cue in sorted(cues, key=lambda c: c.at):
            if cue.speaker == "before":
                before = [name for at, name in places if at < cue.at]
                if before:
                    return found[before[-1]], cue
            if cue.speaker == "after":
                after = [name for at, name in places if at >= cue.at + len(cue.words)]
                if after:
                    return found[after[0]], cue
        return None, None

    def claim_id(self, n: int, sentence: str) -> str:
        words = [w for w in _slug(sentence).split("-") if w][:5]
        return "-".join([f"s{n:02d}", *words])  # the number keeps ids unique

    def stubs(self) -> list[str]:
        lines = []
        for eid, name in self.new.items():
            lines += [f"  - id: {eid}", f"    type: {TO_COMPLETE}", f"    label: {{en: {_q(name)}}}"]
        return lines


#: Classes of the ontology that are not types of an entity of a facts file.
_NOT_FOR_ENTITIES = frozenset({"Article", "Claim", "Designation", "Event", "Evidence", "OfficeHolding", "Participation",
                               "Report"})


def _choices(key: str, names: frozenset[str]) -> list[str]:
    """Comment lines listing the values a key may take, from the vocabulary as it is now."""
    lines, line = [], f"  # {key}: one of"
    for name in sorted(names):
        if len(line) + len(name) > 110:
            lines.append(line + ",")
            line = "  #  "
        line += ("" if line.endswith(("of", "#  ")) else ",") + " " + name
    return [*lines, line]


def _label(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= 100 else first[:99].rsplit(" ", 1)[0] + "…"


def _released_labels(settings: Settings) -> list[tuple[str, str]]:
    """(entity id, label or alternative label) of every entity of the current release, when there is one."""
    from .release import current_release

    release = current_release(settings.releases_dir) if settings.store == "embedded" else None
    if release is None:
        return []
    prefix = f"{settings.base_iri}entity/"
    query = f"""SELECT ?entity ?label WHERE {{
        ?entity <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#altLabel> ?label
        FILTER(STRSTARTS(STR(?entity), {json.dumps(prefix)})) }}"""
    try:
        store = release.open_store()
        rows = store.query(query, use_default_graph_as_union=True)
        return [(row["entity"].value[len(prefix):], row["label"].value) for row in rows]
    except (OSError, ValueError):
        return []  # a release that cannot be read adds nothing; the facts files are the corpus


def _texts(value: object) -> list[str]:
    """Every string of a label or alt_labels mapping ({en: "…"} or {en: ["…"]})."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _normalise(text: str) -> str:
    """Lowercase, accents dropped, punctuation as spaces: 'Nicolás Maduro' and 'Nicolas Maduro' are one name."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain.lower()).split())


def _slug(text: str) -> str:
    return "-".join(w for w in _normalise(text).replace("_", " ").split() if w.isascii())


def _q(value: object) -> str:
    """A YAML scalar: numbers as they are, text double-quoted (a JSON string is a YAML double-quoted scalar)."""
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)

