"""Sentences at trust boundaries: a party's linked private channel, and who may change or see what."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.errors import CommandError, NotAllowed
from bot.core.people.results import Linked
from bot.texts.base import person, ref


def linked(result: Linked) -> str:
    was = f" (instead of <#{result.previous_id}>)" if result.previous_id else ""
    return (
        f":lock: <#{result.channel_id}> is now *{result.party.name}*'s private channel{was} for the alliance in "
        f"<#{result.alliance_channel_id}>, linked by {person(result.actor_id)}. Commands typed here act on the "
        f"alliance, and answers here may show {result.party.name}'s internal items; changes to them are posted here."
    )


def _not_owner_or_lead(exc: NotAllowed) -> str:
    item = f"`{ref(exc.ref)}`" if exc.ref is not None else "these commitments"
    owner = f"its owner {person(exc.holder_id)}" if exc.holder_id and exc.ref is not None else "their owner"
    return (
        f"Only {owner} or their own organisation's lead can close, move, drop, reassign, report on or snooze "
        f"{item}: each party governs its own items. Nothing changed; ask them, or their lead."
    )


REFUSALS: dict[str, Callable[[NotAllowed], str]] = {
    "third_team": lambda exc: (
        "An alliance is between two organisations, and yours is not one of this alliance's two: you can read and "
        "ask here (`list`, `who`, `show`, `scorecard`), but not change anything. Nothing changed."
    ),
    "left_alliance": lambda exc: (
        "You have left this alliance's channel, so you no longer own or change anything in it (its leads reassign "
        "what you held). Nothing changed."
    ),
    "owner_third_team": lambda exc: (
        f"{person(exc.holder_id or '')} is not with either organisation of this alliance: only the two parties' "
        "own people can own its commitments or hold its roles. Nothing changed."
    ),
    "owner_not_in_channel": lambda exc: (
        f"{person(exc.holder_id or '')} is not in this alliance's channel: owners, leads and sponsors must be in "
        "it. Invite them first, then try again. Nothing changed."
    ),
    "checkin_open": lambda exc: (
        f"Check-in {ref(exc.ref)} is still open: one check-in at a time. Answer in its thread; the next one "
        "follows the cadence (or call it once this one has closed)."
        if exc.ref is not None
        else "A check-in has just been called and is on its way: one check-in at a time."
    ),
    "nothing_to_hand_over": lambda exc: (
        f"{person(exc.holder_id or '')} holds nothing in this alliance that you can hand over. Nothing changed."
    ),
    "not_owner_or_lead": _not_owner_or_lead,
    "internal_other_party": lambda exc: (
        f"{person(exc.holder_id or '')} belongs to the other organisation: only their own organisation can keep an "
        "internal commitment for them. Record it without `--internal`, or ask them. Nothing changed."
    ),
    "internal_across_parties": lambda exc: (
        f"That commitment is internal to its organisation, so it can only go to one of its people; "
        f"{person(exc.holder_id or '')} belongs to the other one. Nothing changed."
    ),
    "not_your_channel": lambda exc: (
        "This is another organisation's private channel for the alliance, so I only answer its own people here. "
        "Talk to me in the shared channel."
    ),
    "link_not_private_any_more": lambda exc: (
        "I can't confirm that this channel is still private to your organisation (it was shared or made public, or I "
        "could not check just now), so I show no internal items here. Talk to me in the shared channel, or "
        "link a private channel again."
    ),
    "link_shared_channel": lambda exc: (
        "That is an alliance's shared channel. Link your organisation's own private channel instead."
    ),
    "link_taken": lambda exc: "That channel is already linked to another alliance or organisation. Nothing changed.",
    "link_not_member": lambda exc: (
        "I can't see that channel: invite me to it first (`/invite @Alliance Bot` in the channel), then link it again."
    ),
    "link_not_private": lambda exc: (
        "That channel is not private to your organisation (it is public, or shared with another organisation), "
        "so I won't show internal items there. Link a private channel of your own people."
    ),
    "link_not_lead": lambda exc: (
        "Only your party's lead or sponsor can link its private channel"
        + (f" (ask {person(exc.holder_id)})" if exc.holder_id else "")
        + ". Nothing changed."
    ),
    "link_where": lambda exc: "Which alliance? Type `link #your-private-channel` in the alliance's shared channel.",
    "link_which": lambda exc: (
        "You lead more than one alliance. Say which: `link #your-private-channel to #the-alliance-channel`."
    ),
    "link_no_alliance": lambda exc: "That channel is not an alliance channel yet. Nothing changed.",
}


def refusal(exc: CommandError) -> str | None:
    """The answer to a refusal at a trust boundary, or None when `exc` is not one."""
    if isinstance(exc, NotAllowed) and exc.reason in REFUSALS:
        return REFUSALS[exc.reason](exc)
    return None
