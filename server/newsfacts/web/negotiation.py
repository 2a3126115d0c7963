"""Content negotiation as a pure function: an Accept header and the available types give a choice, or None."""

from __future__ import annotations


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """Media ranges of an Accept header as (range, q, position), best first. An empty header accepts anything."""
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def _specificity(media_range: str) -> int:
    kind, _, sub = media_range.partition("/")
    return 0 if kind == "*" else 1 if sub == "*" else 2


def _matches(media_range: str, media_type: str) -> bool:
    kind, _, sub = media_range.partition("/")
    tkind, _, tsub = media_type.partition("/")
    return kind == "*" or (kind == tkind and (sub == "*" or sub == tsub))


def negotiate(accept: str | None, available: list[str]) -> str | None:
    """The available type the client prefers most (ties go to the order of ``available``), or None (406).

    Each available type takes the q of the most specific range that matches it; q=0 refuses it.
    """
    ranges = parse_accept(accept)
    best, best_key = None, None
    for order, media_type in enumerate(available):
        matching = [r for r in ranges if _matches(r[0], media_type)]
        if not matching:
            continue
        most_specific = max(matching, key=lambda r: (_specificity(r[0]), r[1]))
        q = most_specific[1]
        if q <= 0:
            continue
        key = (q, _specificity(most_specific[0]), -order)
        if best_key is None or key > best_key:
            best, best_key = media_type, key
    return best
