"""From the sentences in bot/texts/ (Slack mrkdwn) to what Teams shows: markdown, <at> mentions, plain dates.

The sentences are written once; here only their markup changes: `*bold*` becomes `**bold**`, `<@ID>` a Teams
mention (with the entity Teams needs to make it one), `<!date^…|fallback>` its fallback (the owner's local
time), emoji codes their characters, and the few words that name Slack name Teams.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.console.chat import EMOJI
from bot.texts import charter as charter_texts
from bot.texts import people as people_texts

People = Callable[[str], tuple[str, str] | None]  # core user id -> (Teams id, display name)
Channels = Callable[[str], str | None]  # channel key -> its name

MORE_EMOJI = {":ladder:": "🪜", ":ok_hand:": "👌", ":sos:": "🆘"}
BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
USER = re.compile(r"<@([A-Za-z0-9_.:-]+)(?:\|[^>]*)?>")
DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
CHANNEL = re.compile(r"<#([^>|]+)(?:\|[^>]*)?>")
EMOJI_CODE = re.compile(r":[a-z0-9_+-]+:")
# The tokens the sentences build (people, channels, dates); any other <…> is someone's typed text.
OWN = re.compile(rf"{USER.pattern}|{DATE.pattern}|{CHANNEL.pattern}")
MARKDOWN_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*([^)\s]*)\s*\)")
SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|<>\s]*)\|([^<>]*)>")
# Slack's words where Teams has its own (the sentences themselves stay shared).
WORDING = [
    (" " + people_texts.SLASH_HINT, ""),
    ("\n" + people_texts.SLASH_HINT, ""),
    ("Type `/alliance …` or mention me with the same words", "Mention me with these words"),
    ("the list Slack offers", "the list Teams offers"),
    ("in this workspace", "in this team"),
    (" Add me with /invite @Alliance Bot.", " Add me to the team from the Apps menu."),
    # Slack shows pickers and buttons under these messages; Teams gets the text alone, so the typed form leads.
    ("Pick a new owner below, or write ", "Name a new owner: write "),
    ("Pick them below, or write ", "Name them: write "),
    # Teams has no charter form: the charter is written by text there (`charter goal …`), and signed by text.
    ("; the buttons below edit or sign it, or write it by text: ", "; write it by text: "),
    (charter_texts.EDIT_HINT, "Teams has no charter form: write it one line at a time, " + charter_texts.WRITE_HINT),
    ("press Resolved (or `resolve dispute ", "write `@Alliance Bot resolve dispute "),
    (" <outcome>`).", " <outcome>`."),
    (": it is in force, posted below and pinned to the channel.", ": it is in force."),
    ("Whoever settles it: `resolve dispute ", "Whoever settles it: `@Alliance Bot resolve dispute "),
    (" <outcome>`, or the Resolved button.", " <outcome>`."),
]


@dataclass(frozen=True)
class Rendered:
    """A message for Teams: its markdown text and the mention entities that make its <at> names real mentions."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def neutral(mrkdwn: str) -> str:
    """The sentences' own tokens kept, and typed text that Teams would obey made harmless: an `<at>…</at>` typed
    by someone (which the card's mention entity would turn into a real mention) shows its angle brackets as
    look-alikes, and a link whose label hides its target, `[login here](https://evil)` or Slack's
    `<https://evil|login here>`, shows both, "login here (https://evil)"."""
    out, at = [], 0
    for own in OWN.finditer(mrkdwn):
        out.append(_typed(mrkdwn[at : own.start()]))
        out.append(own.group(0))
        at = own.end()
    out.append(_typed(mrkdwn[at:]))
    return "".join(out)


def _typed(text: str) -> str:
    text = SLACK_LINK.sub(lambda m: _shown(m.group(2), m.group(1)), text)
    text = MARKDOWN_LINK.sub(lambda m: _shown(m.group(1), m.group(2)), text)
    return text.replace("<", "‹").replace(">", "›")


def _shown(label: str, target: str) -> str:
    label = label.strip()
    return target if not label or label == target else f"{label} ({target})"


def render(mrkdwn: str, people: People, channels: Channels | None = None, *, paragraphs: bool = True) -> Rendered:
    """Teams' text of a sentence. Typed text is neutralised first (`neutral`), so only the sentences' own
    mentions become <at> mentions."""
    text = mrkdwn
    for slack_words, teams_words in WORDING:
        text = text.replace(slack_words, teams_words)
    text = neutral(text)
    entities: dict[str, dict[str, Any]] = {}

    def mention(match: re.Match[str]) -> str:
        known = people(match.group(1))
        if known is None:
            return "someone"
        teams_id, name = known
        name = name.replace("<", "").replace(">", "") or "someone"
        tag = f"<at>{name}</at>"
        entities.setdefault(teams_id, {"type": "mention", "text": tag, "mentioned": {"id": teams_id, "name": name}})
        return tag

    def channel(match: re.Match[str]) -> str:
        name = channels(match.group(1)) if channels else None
        return f"**{name}**" if name else "the alliance channel"

    text = DATE.sub(r"\1", text)
    text = USER.sub(mention, text)
    text = CHANNEL.sub(channel, text)
    text = BOLD.sub(r"**\1**", text)
    text = EMOJI_CODE.sub(lambda m: {**EMOJI, **MORE_EMOJI}.get(m.group(0), m.group(0)), text)
    if paragraphs:
        # Teams joins single line breaks in markdown; a blank line keeps each line of ours on its own.
        text = "\n\n".join(line for line in text.split("\n"))
    return Rendered(text=text, entities=list(entities.values()))
