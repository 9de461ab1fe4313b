"""Fuzzy ownership look-up."""

from __future__ import annotations

from bot.core.lookup import TitleCache, TitleIndex, best_matches

TITLES = [
    (1, "Draft joint API spec"),
    (2, "Pricing sheet for resellers"),
    (3, "Joint press release"),
    (4, "Security review of the API gateway"),
    (5, "Partner portal logo files"),
    (6, "API spec review with Globex architects"),
]


def refs(query: str) -> list[int]:
    return [m.ref for m in best_matches(query, TitleIndex.build(TITLES))]


def test_a_clear_winner_stands_alone() -> None:
    assert refs("pricing sheet") == [2]
    assert refs("press release") == [3]


def test_typos_still_match() -> None:
    assert refs("pricng sheeet") == [2]


def test_close_matches_are_listed_best_first() -> None:
    found = refs("API spec")
    assert found[0] in (1, 6)
    assert set(found) >= {1, 6}
    assert 2 not in found


def test_nothing_matches_nonsense() -> None:
    assert refs("quantum teleporter") == []
    assert refs("") == []
    assert refs("the") == []
    assert best_matches("spec", TitleIndex.build([])) == []


def test_at_most_five() -> None:
    many = [(i, f"API spec part {i}") for i in range(1, 30)]
    assert len(best_matches("API spec", TitleIndex.build(many))) == 5


def test_the_cache_answers_only_for_the_same_fingerprint() -> None:
    cache = TitleCache()
    index = TitleIndex.build(TITLES)
    cache.put(7, (6, 6), index)
    assert cache.get(7, (6, 6)) is index
    assert cache.get(7, (5, 6)) is None  # one was closed
    assert cache.get(7, (6, 7)) is None  # one closed, one added
    assert cache.get(8, (6, 6)) is None
