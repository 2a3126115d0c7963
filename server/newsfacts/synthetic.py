"""Synthetic articles of realistic shape, written as facts files plus source texts, for scale tests.

Every generated text starts with a line saying it is synthetic test data. The
shape follows the shipped article: each article names a dozen entities drawn
from a shared pool with Zipf-like popularity (a few appear everywhere, most
rarely), reports events with participants, times and places, and makes claims
with attribution, certainty, hedge words and evidence quotes whose offsets are
exact, so the generated data goes through the same build and the same checks.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import random
from pathlib import Path

import yaml

ENTITY_TYPES = (("Person", 0.35), ("Organization", 0.15), ("Country", 0.1), ("City", 0.1), ("NewsOutlet", 0.05),
                ("Company", 0.1), ("Airline", 0.05), ("MilitaryOrganization", 0.05), ("Group", 0.05))
EVENT_TYPES = (("visit", ("visitor", "host")), ("sign-agreement", ("party", "party")), ("confiscation", ("agent", "object")),
               ("arrest", ("agent", "detainee")), ("meeting", ("party", "party")), ("sale", ("seller", "buyer")),
               ("military-cooperation", ("party", "beneficiary")), ("transfer", ("agent", "destination")))
CERTAINTIES = (("stated", None), ("reported", "reported"), ("alleged", "allegedly"), ("claimed", "claimed"),
               ("believed", "it is largely believed"), ("reported", "according to unnamed sources"))
SYLLABLES = ("ka", "lo", "mi", "ra", "te", "su", "no", "vi", "da", "ze", "pa", "qu", "ri", "an", "el", "or")


def entity_name(n: int) -> str:
    rng = random.Random(n)
    first = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
    return f"{first} {last}"


class EntityPool:
    """Entities 0..size-1; entity k is drawn with probability proportional to 1/(k+1)^s (Zipf-like)."""

    def __init__(self, size: int, s: float = 1.1, seed: int = 7):
        weights = [1 / (k + 1) ** s for k in range(size)]
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = random.Random(seed)
        types, type_weights = zip(*ENTITY_TYPES, strict=True)
        type_rng = random.Random(seed + 1)
        self.types = [type_rng.choices(types, type_weights)[0] for _ in range(size)]

    def draw(self) -> int:
        return bisect.bisect(self.cumulative, self.rng.random() * self.cumulative[-1])

    def entity(self, k: int) -> dict:
        return {"id": f"synthetic-{k}", "type": self.types[k], "label": {"en": entity_name(k)}}


def generate_article(n: int, pool: EntityPool, rng: random.Random, claims: int = 10) -> tuple[str, dict]:
    """The source text and facts of synthetic article n."""
    article_id = f"synthetic-article-{n}"
    lines = [f"SYNTHETIC TEST DATA {n}: generated for newsfacts benchmarks; it reports nothing real."]
    outlet = {"id": "synthetic-outlet", "type": "NewsOutlet", "label": {"en": "The Synthetic Courier"}}
    writer = {"id": f"synthetic-writer-{n % 50}", "type": "Person", "label": {"en": f"Writer {n % 50}"}}
    sources = {"id": "synthetic-unnamed-sources", "type": "AnonymousSource", "label": {"en": "unnamed sources"}}
    entities = {e["id"]: e for e in (outlet, writer, sources)}
    events, claim_items = [], []
    offset = len(lines[0]) + 1
    for c in range(claims):
        a, b = pool.draw(), pool.draw()
        while b == a:
            b = pool.draw()
        ea, eb = pool.entity(a), pool.entity(b)
        entities[ea["id"]], entities[eb["id"]] = ea, eb
        event_type, (role_a, role_b) = EVENT_TYPES[rng.randrange(len(EVENT_TYPES))]
        year = rng.randint(1990, 2025)
        certainty, hedge = CERTAINTIES[rng.randrange(len(CERTAINTIES))]
        core = f"{ea['label']['en']} took part in a {event_type.replace('-', ' ')} with {eb['label']['en']} in {year}"
        sentence = {None: f"{core}.", "reported": f"{core}, the Courier reported.",
                    "allegedly": f"{core}, allegedly.", "claimed": f"{core}, a spokesperson claimed.",
                    "it is largely believed": f"It is largely believed that {core}.",
                    "according to unnamed sources": f"According to unnamed sources, {core}."}[hedge]
        start = offset + sentence.index(core)
        lines.append(sentence)
        so_far = "\n".join(lines)
        evidence = {"quote": core, "start": start, "end": start + len(core), "prefix": so_far[max(0, start - 32):start],
                    "suffix": (so_far + "\n")[start + len(core):start + len(core) + 32]}
        offset += len(sentence) + 1
        event_id = f"event-{c}"
        events.append({"id": event_id, "type": event_type, "label": {"en": f"{event_type.replace('-', ' ')} {n}-{c}"},
                       "participants": [{"who": ea["id"], "role": role_a}, {"who": eb["id"], "role": role_b}],
                       "time": {"on": str(year)}})
        claim = {"id": f"claim-{c}", "text": f"{core}.", "asserts": event_id,
                 "said_by": writer["id"] if certainty == "stated" else outlet["id"], "certainty": certainty,
                 "evidence": [evidence]}
        if hedge:
            claim["hedge"] = hedge
        if hedge == "according to unnamed sources":
            claim["on_the_word_of"] = sources["id"]
        claim_items.append(claim)
    text = "\n".join(lines) + "\n"
    facts = {
        "article": {"id": article_id, "label": {"en": f"Synthetic article {n}"}, "author": writer["id"],
                    "genre": "synthetic test data", "source_text": f"{article_id}.txt",
                    "source_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "not_stated": ["datePublished"]},
        "entities": sorted(entities.values(), key=lambda e: e["id"]),
        "events": events,
        "claims": claim_items,
    }
    return text, facts


def generate(out: Path, articles: int, claims_per_article: int = 10, entity_pool: int | None = None, seed: int = 1) -> Path:
    """Write ``articles`` synthetic articles under out/facts and out/sources; returns ``out``."""
    facts_dir, sources_dir = out / "facts", out / "sources"
    facts_dir.mkdir(parents=True, exist_ok=True)
    sources_dir.mkdir(parents=True, exist_ok=True)
    pool = EntityPool(entity_pool or max(50, articles * 3), seed=seed)
    rng = random.Random(seed)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for n in range(articles):
        text, facts = generate_article(n, pool, rng, claims_per_article)
        (sources_dir / facts["article"]["source_text"]).write_text(text, encoding="utf-8")
        with open(facts_dir / f"{facts['article']['id']}.yaml", "w", encoding="utf-8") as handle:
            handle.write("# SYNTHETIC TEST DATA generated by newsfacts.synthetic\n")
            yaml.dump(facts, handle, Dumper=dumper, allow_unicode=True, sort_keys=False)
    return out
