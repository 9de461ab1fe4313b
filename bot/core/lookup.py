"""Who owns what: fuzzy matching of a few words against commitment titles.

rapidfuzz (about 3 MB resident) is imported at the first match, not when the process starts: an idle bot, or
one nobody has asked about a title yet, does without it (issue 13, a lean process).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

# Below this score a title has too little in common with the question to be offered at all.
MIN_SCORE = 60.0
# Titles within this many points of the best one are "close": we list them rather than guess.
CLOSE = 8.0
MAX_MATCHES = 5
# A word of the question counts as in a title when this alike to one of its words (a typo still counts).
SAME_WORD = 85.0

NOISE = re.compile(r"\b(?:the|a|an|for|of|to|our|their|on|about|is|are)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    ref: int
    title: str
    score: float


@dataclass(frozen=True)
class TitleIndex:
    """The open titles of one alliance, normalised once so each question only pays for the match."""

    titles: dict[int, str]
    processed: dict[int, str]

    @classmethod
    def build(cls, pairs: Iterable[tuple[int, str]]) -> TitleIndex:
        from rapidfuzz import utils

        titles = dict(pairs)
        return cls(titles=titles, processed={ref: utils.default_process(t) for ref, t in titles.items()})


def best_matches(query: str, index: TitleIndex) -> list[Match]:
    """The best-matching titles: one when it stands out, several when they are close, none below MIN_SCORE."""
    from rapidfuzz import fuzz, process, utils

    cleaned = utils.default_process(" ".join(NOISE.sub(" ", query).split()))
    if not index.titles or not cleaned:
        return []
    found = process.extract(
        cleaned, index.processed, scorer=fuzz.WRatio, processor=None, limit=MAX_MATCHES * 2, score_cutoff=MIN_SCORE
    )
    if not found:
        return []
    # Tie-break on token overlap so "API spec" prefers "Draft joint API spec" over "Spec the API gateway".
    ranked = sorted(
        (Match(ref=int(ref), title=index.titles[ref], score=float(score)) for _, score, ref in found),
        key=lambda m: (-m.score, -fuzz.token_set_ratio(cleaned, index.processed[m.ref]), m.ref),
    )
    top = ranked[0].score
    close = [m for m in ranked if top - m.score <= CLOSE][:MAX_MATCHES]
    # Among close titles, one that has more of the question's words than every other wins alone: "EMEA pricing"
    # names the EMEA pricing sheet, not also the APAC one that shares "pricing". A real tie is still listed.
    words = cleaned.split()
    covered = [
        sum(any(fuzz.ratio(w, t) >= SAME_WORD for t in index.processed[m.ref].split()) for w in words) for m in close
    ]
    most = max(covered)
    if covered.count(most) == 1 and len(close) > 1:
        return [close[covered.index(most)]]
    return close


class TitleCache:
    """Per-process cache of each alliance's TitleIndex, keyed by a fingerprint of its open commitments.

    The fingerprint is (number open, last reference handed out, title edits): every new commitment raises the
    second, closing one without creating another lowers the first, and an edited title raises the third, so any
    change to the open titles changes it. Several bot processes share a database: each checks the fingerprint
    against the rows, so a change made by one is seen by the others at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[tuple[int, int, int], TitleIndex]] = {}

    def get(self, alliance_id: int, fingerprint: tuple[int, int, int]) -> TitleIndex | None:
        with self._lock:
            entry = self._entries.get(alliance_id)
        return entry[1] if entry is not None and entry[0] == fingerprint else None

    def put(self, alliance_id: int, fingerprint: tuple[int, int, int], index: TitleIndex) -> None:
        with self._lock:
            self._entries[alliance_id] = (fingerprint, index)
