"""Whom the daily member comparison looks up, and when a workspace is listed whole instead.

Looking someone up costs a Web API call, so the comparison asks only about who is new or changed, and about
everyone else once in about a week, each on a turn of their own so that people who arrived together are not all
asked on the same day. A workspace whose own people the platform lists in pages is listed once in about a week
instead, where that costs fewer calls than the turns it spares.
"""

from __future__ import annotations

import math
import zlib
from datetime import datetime, timedelta

from storage.models import LeftReason, Member, Person, WorkspaceListing

# A person we hold, in the channel as we think, is looked up again only when not heard of (no profile from a
# look-up, a command of theirs, a `user_change`...) for about a week: each has a turn, one day in seven by their
# id, so that people who arrived together are not all asked on the same day, and on it is looked up unless heard
# of since their previous turn. A turn missed (no comparison that day) is made up once two weeks have passed.
TURN_DAYS = 7
HEARD_OF_SINCE_LAST_TURN = timedelta(days=TURN_DAYS - 1)
OVERDUE = timedelta(days=2 * TURN_DAYS)
# A workspace listed whole refreshes all its people at once; it is listed again when one of them has a turn after
# HEARD_OF_SINCE_LAST_TURN, so once in six days, sparing the turns of six days: 6/7 of its people's look-ups.
LISTED_EVERY = HEARD_OF_SINCE_LAST_TURN
LISTED_AT_ONCE = 1000  # listed people matched with ours per query


def to_ask(
    present: set[str], known: dict[str, Member], held: dict[str, Person], now: datetime
) -> tuple[set[str], set[str]]:
    """Whom the comparison looks up: who is new, who changed (joined, left, came back); and, apart, whose turn it
    is, not heard of for about a week. Someone who is where we hold them, and was heard of lately, costs nothing:
    their account's deactivation is told by `user_change` in their own organisation, and otherwise found on their
    turn."""
    ask: set[str] = set()
    turn: set[str] = set()
    for user_id in present | {u for u, m in known.items() if m.left_at is None}:
        member, person = known.get(user_id), held.get(user_id)
        if person is None:
            ask.add(user_id)
        elif user_id not in present:
            ask.add(user_id)  # left the channel, or deactivated, or deleted: the look-up tells which
        elif member is None or member.left_at is not None:
            # In the channel and not with us: new, or back; unless we know why, and it still holds (a bot is
            # never a member; a deactivated account may still be listed).
            settled = person.is_bot or (
                person.deleted and member is not None and member.left_reason == LeftReason.DEACTIVATED.value
            )
            if not settled:
                ask.add(user_id)
            elif _stale(user_id, person.refreshed_at, now):
                turn.add(user_id)
        elif _stale(user_id, person.refreshed_at, now):
            turn.add(user_id)
    return ask, turn


def pages_worth(people: int) -> int:
    """The most pages listing a workspace may take and still cost fewer calls than the turns it spares: the
    look-ups of its `people` (those in some alliance now) in the days until it is listed again, had none of them
    been heard of otherwise."""
    spared = people * LISTED_EVERY.days / TURN_DAYS
    return math.ceil(spared) - 1


def worth_listing(listing: WorkspaceListing | None, allowed: int) -> bool:
    """Whether the workspace, as its last listing found it, fits in `allowed` pages (never listed: try)."""
    if listing is None:
        return True
    least = listing.pages if listing.complete else listing.pages + 1
    return least <= allowed


def _stale(user_id: str, heard_at: datetime, now: datetime) -> bool:
    """Not heard of for about a week: on their turn, nothing since the previous one; on any day, two weeks."""
    since = now - heard_at
    turn = zlib.crc32(user_id.encode()) % TURN_DAYS == now.date().toordinal() % TURN_DAYS
    return since >= OVERDUE or (turn and since >= HEARD_OF_SINCE_LAST_TURN)
