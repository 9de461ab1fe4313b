"""Sentences about the alliance's people: roles, roster, hand-overs, absences, holidays, departures, welcomes."""

from __future__ import annotations

from bot.core.alliance import Role
from bot.core.errors import CommandError, NotAllowed
from bot.core.people.results import (
    HandedOver,
    HolidaysSet,
    LeadWanted,
    Orphaned,
    Presence,
    Returned,
    RoleNamed,
    RosterView,
    Welcome,
)
from bot.core.views import AllianceView
from bot.texts.base import BOT, commitment_line, count, person, ref, when

# Slack only: slash commands reach the organisations that installed the app (Teams drops this sentence).
SLASH_HINT = (
    "People from either organisation can talk to me by mentioning me; `/alliance` works for each organisation "
    "that has installed me."
)


def intro(alliance: AllianceView) -> str:
    parties = " and ".join(f"*{p.name}*" for p in alliance.parties) or "this channel"
    return (
        f":handshake: Hello! This channel is now the alliance between {parties}, starting today. "
        "I keep track of who promised what, by when, so nobody has to chase anybody.\n"
        f"• Each party names its lead: `{BOT} lead @name` (and its executive sponsor: `{BOT} sponsor @name`).\n"
        f"• Record a promise: `{BOT} commit @name what by when`. Ask `{BOT} help` for everything else.\n" + SLASH_HINT
    )


def role_named(outcome: RoleNamed) -> str:
    role = "lead" if outcome.role is Role.LEAD else "executive sponsor"
    was = f" (was {person(outcome.previous_id)})" if outcome.previous_id else ""
    return f":bust_in_silhouette: {person(outcome.user_id)} is now the {role} of *{outcome.party.name}*{was}."


def presence(result: Presence) -> str:
    if result.until is None:
        return "Welcome back: reminders reach you again."
    return (
        f":palm_tree: Noted: you are away until {when(result.until, result.tz)}. Reminders to you wait until then; "
        "your lead sees your overdue items instead. Say `back` when you return early."
    )


ROLE_WORDS = {"lead": "lead", "sponsor": "sponsor", "contact": "contact"}


def roster(result: RosterView) -> str:
    parts = ["*Roster*"]
    for party, entries in result.parties:
        parts.append(f"*{party.name}* ({len(entries)})")
        if party.lead_id is None:
            parts.append(f"• no lead yet: `{BOT} lead @name`")
        elif all(e.user_id != party.lead_id for e in entries):
            parts.append(f"• lead {person(party.lead_id)} has left: name a new one with `{BOT} lead @name`")
        parts.extend(
            f"• {person(e.user_id)}: {ROLE_WORDS[e.role]} · {e.tz} · {count(e.open_items, 'open item')}"
            for e in entries
        )
    return "\n".join(parts)


def handed_over(result: HandedOver) -> str:
    items = ", ".join(f"`{ref(n)}`" for n in result.refs) or "no open commitments"
    if not result.handover:
        return (
            f":arrows_counterclockwise: {items} of {person(result.from_id)} now "
            f"{'belongs' if len(result.refs) == 1 else 'belong'} to {person(result.to_id)} "
            f"(by {person(result.actor_id)}); each item's history says so."
        )
    roles = f" and the role of {' and '.join(result.roles)}" if result.roles else ""
    return (
        f":handshake: {person(result.from_id)} handed over {items}{roles} to {person(result.to_id)} "
        f"(by {person(result.actor_id)}); each item's history says so."
    )


def holidays_set(result: HolidaysSet) -> str:
    return (
        f":calendar: *{result.party.name}* observes the public holidays of {result.country}: "
        "no reminders to its people on those days."
    )


LEFT_WORDS = {
    "deactivated": "has left their organisation (account deactivated)",
    "left_channel": "has left this alliance's channel",
    "unshared": "has been disconnected from this channel",
}


def orphaned(message: Orphaned) -> str:
    party = message.party
    if message.reason == "unshared":
        head = f":warning: *{party.name}* has disconnected from this channel."
    else:
        who = person(message.departed_ids[0])
        role = " (lead of *" + party.name + "*)" if message.lead_left else f" of *{party.name}*"
        head = f":warning: {who}{role} {LEFT_WORDS.get(message.reason, 'has left')}."
    parts = [head]
    if message.items:
        parts.append(
            f"Their {count(len(message.items), 'open commitment')} "
            f"{'is' if len(message.items) == 1 else 'are'} orphaned until someone takes "
            f"{'it' if len(message.items) == 1 else 'them'} on:"
        )
        parts.extend(f"• {commitment_line(item)}" for item in message.items)
        if message.recipient_id is not None:
            parts.append("As the one accountable for them now, please pick a new owner for each, or for all at once.")
        else:
            first = ref(message.items[0].ref)
            each = "" if len(message.items) == 1 else " (one line per item)"
            parts.append(f"Pick a new owner below, or write `{BOT} reassign {first} @name`{each}.")
    if message.lead_left and message.reason != "unshared":
        parts.append(f"*{party.name}* needs a new lead: `{BOT} lead @name`.")
    return "\n".join(parts)


def returned(message: Returned) -> str:
    """The channel's word that someone it was told had left is back, and what is theirs again."""
    lead = f", lead of *{message.party.name}*," if message.was_lead else f" of *{message.party.name}*"
    parts = [f":wave: {person(message.user_id)}{lead} is back."]
    if message.items:
        n = len(message.items)
        parts.append(
            f"{'The' if n == 1 else 'All'} {count(n, 'commitment')} I said {'was' if n == 1 else 'were'} orphaned "
            f"{'is theirs' if n == 1 else 'are theirs'} again:"
        )
        parts.extend(f"• {commitment_line(item)}" for item in message.items)
    return "\n".join(parts)


def lead_wanted(message: LeadWanted) -> str:
    return (
        f":bust_in_silhouette: {person(message.departed_id)}, lead of *{message.party.name}*, has left. "
        f"Every alliance needs a lead on each side: who takes over for *{message.party.name}*? "
        f"Pick them below, or write `{BOT} lead @name` in the alliance channel."
    )


def welcome(message: Welcome) -> str:
    alliance = message.alliance
    hello = ":wave: Welcome back to" if message.returning else ":wave: Welcome to"
    parts = [f"{hello} the alliance *{alliance.name}* in <#{alliance.channel_id}>."]
    parties = " and ".join(f"*{p.name}*" for p in alliance.parties)
    if parties:
        parts.append(f"It is a partnership between {parties}; I keep track of who promised what, by when.")
    for p in alliance.parties:
        if p.lead_id in message.gone:
            lead = "its lead has left; a new one is being named"
        else:
            lead = f"led by {person(p.lead_id)}" if p.lead_id else "no lead named yet"
        sponsor = f", sponsor {person(p.sponsor_id)}" if p.sponsor_id and p.sponsor_id not in message.gone else ""
        parts.append(f"• *{p.name}*: {lead}{sponsor}")
    host = alliance.parties[0].team_id if alliance.parties else ""
    if message.recipient_team_id and message.recipient_team_id != host:
        parts.append(
            f"Talk to me by mentioning me in the channel: `{BOT} help`, `{BOT} who owns the API spec?`, "
            f"`{BOT} commit @name what by when`. (Slash commands are not shared across organisations.)"
        )
    else:
        parts.append(
            f"Talk to me with `/alliance help`, or by mentioning me in the channel: `{BOT} who owns the API spec?`."
        )
    if message.open_items:
        parts.append(f"You still own {count(len(message.open_items), 'open commitment')}:")
        parts.extend(f"• {commitment_line(item)}" for item in message.open_items)
    return "\n".join(parts)


def refusal(exc: CommandError) -> str | None:
    """The answer to a refused change of roles or hand-over, or None when `exc` is not about one."""
    match exc:
        case NotAllowed(reason="role_across_parties"):
            return (
                f"{person(exc.holder_id or '')} holds a role of their own organisation, which only someone of that "
                "organisation can take over. Nothing changed; name the new lead or sponsor with `lead @name`."
            )
        case NotAllowed(reason="wrong_party"):
            return (
                f"{person(exc.holder_id or '')} belongs to the other organisation; a party's lead must be one of its "
                "own people. Nothing changed."
            )
        case NotAllowed(reason="nothing_open"):
            return f"{person(exc.holder_id or '')} has no open commitments in this alliance; nothing to move."
        case NotAllowed(reason="not_lead_or_sponsor"):
            return (
                "Only that party's lead or sponsor can change its roles"
                + (f" (ask {person(exc.holder_id)})" if exc.holder_id else "")
                + ". Nothing changed."
            )
    return None
