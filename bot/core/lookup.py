"""Who owns what: fuzzy matching of a few words against commitment titles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

# Below this score a title has too little in common with the question to be offered at all.
MIN_SCORE = 60.0
# Titles within this many points of the best one are "close": we list them rather than guess.
CLOSE = 8.0
MAX_MATCHES = 5

NOISE = re.compile(r"\b(?:the|a|an|for|of|to|our|their|on|about|is|are)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    ref: int
    title: str
    score: float


def best_matches(query: str, titles: Sequence[tuple[int, str]]) -> list[Match]:
    """The best-matching titles: one when it stands out, several when they are close, none below MIN_SCORE."""
    cleaned = " ".join(NOISE.sub(" ", query).split())
    if not titles or not utils.default_process(cleaned):
        return []
    choices = {ref: title for ref, title in titles}
    found = process.extract(
        cleaned,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=MAX_MATCHES * 2,
        score_cutoff=MIN_SCORE,
    )
    if not found:
        return []
    # Tie-break on token overlap so "API spec" prefers "Draft joint API spec" over "Spec the API gateway".
    ranked = sorted(
        (Match(ref=int(ref), title=title, score=float(score)) for title, score, ref in found),
        key=lambda m: (-m.score, -fuzz.token_set_ratio(cleaned, m.title, processor=utils.default_process), m.ref),
    )
    top = ranked[0].score
    return [m for m in ranked if top - m.score <= CLOSE][:MAX_MATCHES]
