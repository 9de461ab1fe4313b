"""Where the two organisations stand on one statement: the gaps matter more than the scores.

A statement is an agreed strength when both sides rate it 4.0 or more on average, an agreed weakness when both
rate it 3.0 or less, a blind spot when one side rates it 4.0 or more and the other 3.0 or less, and otherwise
neither. Averages are compared rounded to two decimals, as they are shown, so 4.0 is high and 3.0 is low.
"""

from __future__ import annotations

from enum import StrEnum

HIGH = 4.0
LOW = 3.0


class Group(StrEnum):
    STRENGTH = "agreed strength"
    WEAKNESS = "agreed weakness"
    BLIND_SPOT = "blind spot"
    REST = "the rest"


def classify(ours: float | None, theirs: float | None) -> Group:
    """The group of a statement from each side's average; a side with no figure leaves it in the rest."""
    if ours is None or theirs is None:
        return Group.REST
    a, b = round(ours, 2), round(theirs, 2)
    if a >= HIGH and b >= HIGH:
        return Group.STRENGTH
    if a <= LOW and b <= LOW:
        return Group.WEAKNESS
    if (a >= HIGH and b <= LOW) or (b >= HIGH and a <= LOW):
        return Group.BLIND_SPOT
    return Group.REST


# What a group asks of the leads: a commitment is offered for these.
ACTIONABLE = (Group.BLIND_SPOT, Group.WEAKNESS)
