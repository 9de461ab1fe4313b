"""A commitment form filled in from a chat message ("Track as commitment"): who it names, what it asks, by when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.alliance import Work
from bot.core.calendar import zone
from bot.core.dates import parse_due, split_due
from bot.core.errors import CommandError, DateProblem
from bot.core.parsing import LINK, MAX_TITLE, MENTION, meant
from storage.models import Person

_TRIM = " \t,;:-\u2013\u2014?!."


@dataclass(frozen=True)
class Prefill:
    """What the form suggests: the title in readable words, the person the message names, the date it asks for."""

    title: str
    owner_id: str | None = None
    due: date | None = None


def from_message(work: Work, text: str, *, asker_id: str) -> Prefill:
    """Readable text from Slack's markup: a link shows its label (what the message's readers saw), `&amp;` is
    `&`, the first person mentioned is the suggested owner and leaves the title, other mentions become their
    names, and a trailing date phrase ("by Friday") becomes the due date, read in the owner's zone. A phrase that
    is no readable date stays in the title, where the person can see and fix it. With nobody named, the owner
    is left to the form (the asker) and the date is read in the asker's zone."""
    text = LINK.sub(lambda m: (m.group(2) or "").strip() or m.group(1).removeprefix("mailto:"), text)
    text = meant(text)
    # The first person who can own it: a mention of a bot or of someone deactivated is no suggestion.
    owner = next((p for p in map(lambda u: _person(work, u), MENTION.findall(text)) if p is not None), None)
    owner_id = owner.user_id if owner is not None else None
    text = MENTION.sub(lambda m: "" if m.group(1) == owner_id else _name(work, m.group(1)), text)
    text = " ".join(text.split()).strip(_TRIM)
    title, phrase = split_due(text)
    due = None
    if phrase:
        reader = owner or work.person(asker_id)
        tz = zone(reader.tz if reader is not None else "UTC")
        try:
            due = parse_due(phrase, now=work.now(), tz=tz).at.astimezone(tz).date()
        except DateProblem:
            title = text
    return Prefill(title=title.strip(_TRIM)[:MAX_TITLE], owner_id=owner_id, due=due)


def _person(work: Work, user_id: str) -> Person | None:
    try:
        return work.owner(user_id)
    except CommandError:
        return None  # a bot, someone deactivated or unknown: no suggestion, the asker picks


def _name(work: Work, user_id: str) -> str:
    """Another person named in the message, by name; a bot (the message addressing us, say) drops out."""
    person = work.person(user_id)
    if person is not None and person.is_bot:
        return ""
    return f"@{(person.name if person is not None else '') or 'someone'}"
