"""How people commands are typed: `lead @pia`, `away until Jan 6`, `handover @bob to @alice`, `link #acme-internal`."""

from __future__ import annotations

import re

from bot.core.alliance import Role
from bot.core.errors import GrammarError
from bot.core.parsing import mentioned_ids, no_raw_names, single_mention
from bot.core.people.commands import Away, Back, Handover, Link, NameRole, Roster, SetHolidays

Command = NameRole | Away | Back | SetHolidays | Roster | Handover | Link


USAGE = {
    "lead": "lead @person",
    "sponsor": "sponsor @person",
    "away": "away until Jan 6",
    "holidays": "holidays DE",
    "roster": "roster",
    "handover": "handover @bob to @alice",
    "link": "link #your-private-channel",
}

VERBS = {
    "lead": "lead",
    "sponsor": "sponsor",
    "away": "away",
    "ooo": "away",
    "back": "back",
    "holidays": "holidays",
    "roster": "roster",
    "people": "roster",
    "handover": "handover",
    "link": "link",
}


def parse(verb: str, rest: str) -> Command:
    """A people command, its verb already read."""
    match verb:
        case "lead" | "sponsor":
            return NameRole(Role(verb), single_mention(rest, USAGE[verb]))
        case "away":
            phrase = re.sub(r"^(?:until|till|til|through)\s+", "", rest, flags=re.IGNORECASE)
            if not phrase:
                raise GrammarError("Say until when you are away.", USAGE["away"], rest)
            return Away(phrase)
        case "back":
            return Back()
        case "roster":
            return Roster()
        case "handover":
            ids = mentioned_ids(rest)
            if len(ids) != 2 or ids[0] == ids[1]:
                no_raw_names(rest)
                raise GrammarError("Mention who hands over, then who takes over.", USAGE["handover"], rest)
            return Handover(ids[0], ids[1])
        case "link":
            return link(rest)
        case "holidays":
            code = rest.strip().upper()
            if not re.fullmatch(r"[A-Z]{2,3}", code):
                raise GrammarError("Give a country code, like DE, US or GB.", USAGE["holidays"], rest)
            return SetHolidays(code)
    raise AssertionError(f"not a people verb: {verb}")


CHANNEL = re.compile(r"<#([CGD][A-Z0-9]{1,40})(?:\|[^>]*)?>")


def link(rest: str) -> Link:
    channels = CHANNEL.findall(rest)
    left = CHANNEL.sub("", rest)
    left = re.sub(r"\b(?:to|with|for|the|alliance|in)\b", "", left, flags=re.IGNORECASE).strip(" ,.")
    if not channels or len(channels) > 2 or left:
        raise GrammarError(
            "Name your party's private channel as a link: type # and pick it from the list Slack offers.",
            USAGE["link"],
            rest,
        )
    return Link(channels[0], channels[1] if len(channels) == 2 else None)
