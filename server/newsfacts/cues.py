"""The cue lexicon (`mappings/cues.yaml`): words that attribute or hedge a sentence, and what each proposes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

CUES_FILE = "cues.yaml"
SPEAKER_POSITIONS = {"before", "after", "unnamed", "none"}


@dataclass(frozen=True)
class Cue:
    words: str  # the words as found in the sentence
    at: int  # where, in the sentence
    certainty: str
    speaker: str  # before | after | unnamed | none


@dataclass(frozen=True)
class Lexicon:
    entries: list[tuple[re.Pattern, str, str]]  # (words, certainty, speaker position), in the file's order
    not_names: frozenset[str]

    @classmethod
    def load(cls, mappings_dir: str | Path, certainties: frozenset[str]) -> Lexicon:
        """Read the lexicon; a certainty not in `certainties` is replaced by the cue's fallback (or dropped)."""
        path = Path(mappings_dir) / CUES_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"cannot read the cue lexicon {path}: {exc}") from exc
        entries = []
        for n, cue in enumerate(data.get("cues") or [], start=1):
            words, speaker = cue.get("words"), cue.get("speaker")
            if not (isinstance(words, list) and words and speaker in SPEAKER_POSITIONS):
                raise ValueError(f"{path}: cue {n} needs a list of words and a speaker in {sorted(SPEAKER_POSITIONS)}")
            certainty = cue.get("certainty") if cue.get("certainty") in certainties else cue.get("fallback")
            if certainty not in certainties:
                continue
            alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            entries.append((re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE), certainty, speaker))
        return cls(entries, frozenset(str(word) for word in data.get("not_names") or []))

    def find(self, sentence: str) -> list[Cue]:
        """Every cue of the sentence; the first is the one the lexicon ranks first (it makes the proposal)."""
        found = []
        for pattern, certainty, speaker in self.entries:
            for match in pattern.finditer(sentence):
                if not any(c.at <= match.start() < c.at + len(c.words) for c in found):
                    found.append(Cue(match.group(0), match.start(), certainty, speaker))
        return found
