"""Three successive releases built in a temporary folder, for the history tests.

1. the shipped article alone;
2. the shipped article with one claim's certainty changed (reported -> alleged) and one claim removed, and the
   test article harbour-seizure added (its entities, events and claims are new);
3. the test article removed again (its claims retracted, its entities and claims deleted).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from newsfacts.build import build
from newsfacts.config import PROJECT_ROOT, Settings
from newsfacts.release import Release

SHIPPED = PROJECT_ROOT / "facts" / "iran-venezuela-drone-facility.yaml"
SECOND = PROJECT_ROOT / "tests" / "data" / "second-article"
BASE = "https://newsfacts.example/"
CHANGED_CLAIM = BASE + "claim/iran-venezuela-drone-facility/drone-facility-deal"
REMOVED_CLAIM = BASE + "claim/iran-venezuela-drone-facility/infobae-argentine-outlet"
SECOND_ENTITY = BASE + "entity/ana-nunez"
SECOND_CLAIM = BASE + "claim/harbour-seizure/cargo-owner"
KEPT_ENTITY = BASE + "entity/iran"


@dataclass
class History:
    releases_dir: Path
    releases: list[Release]
    settings: Settings


def _without_claim(text: str, claim_id: str) -> str:
    """The facts text without the claim block starting at '  - id: <claim_id>' (up to the next claim)."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.rstrip() == f"  - id: {claim_id}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ") or not lines[i].startswith(" "))
    return "".join(lines[:start] + lines[end:])


def build_history(folder: Path, sources_dir: Path) -> History:
    facts, sources = folder / "facts", folder / "sources"
    facts.mkdir(parents=True)
    shutil.copytree(sources_dir, sources)
    shutil.copytree(SECOND / "sources", sources, dirs_exist_ok=True)
    settings = Settings.load({"facts_dir": str(facts), "sources_dir": str(sources), "releases_dir": str(folder / "releases")})
    shipped = facts / SHIPPED.name
    shutil.copy(SHIPPED, shipped)
    releases = [build(settings)]

    text = SHIPPED.read_text(encoding="utf-8")
    original = "    certainty: reported\n    hedge: \"Infobae reported on Friday\""
    assert original in text
    text = text.replace(original, "    certainty: alleged\n    hedge: \"Infobae reported on Friday\"", 1)
    shipped.write_text(_without_claim(text, "infobae-argentine-outlet"), encoding="utf-8")
    shutil.copy(SECOND / "facts" / "harbour-seizure.yaml", facts)
    time.sleep(1.1)  # versions and Memento datetimes have second precision
    releases.append(build(settings))

    (facts / "harbour-seizure.yaml").unlink()
    time.sleep(1.1)
    releases.append(build(settings))
    return History(folder / "releases", releases, settings)


_built: dict[str, History] = {}


def shared_history(tmp_path_factory, sources_dir: Path) -> History:
    """The three releases, built once per test session whichever test file asks first."""
    if "history" not in _built:
        _built["history"] = build_history(tmp_path_factory.mktemp("history"), sources_dir)
    return _built["history"]


def changed_claim_certainty(summary: dict) -> dict:
    """The certainty change of CHANGED_CLAIM in a summary (empty when it did not change)."""
    return next((c["changes"].get("certainty", {}) for c in summary["claims"]["changed"] if c["claim"] == CHANGED_CLAIM), {})
