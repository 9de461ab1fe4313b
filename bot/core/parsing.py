"""What every feature's grammar reads the same way: mentions, references, limits; one place for the rules."""

from __future__ import annotations

import re

from bot.core.errors import GrammarError, UnknownName

MAX_TEXT = 4000


MAX_TITLE = 200


MENTION = re.compile(r"<@([UWB][A-Z0-9]{2,40}|[A-Za-z0-9_.:-]{2,64})(?:\|[^>]*)?>")


RAW_AT = re.compile(r"(?<![<\w])@([\w.-]{1,80})")


REF = re.compile(r"^#?(\d{1,9})$")


def tidy(text: str) -> str:
    # Slack sends &amp; &lt; &gt; escaped; mentions stay as <@U...>.
    text = text.replace("&amp;", "&").replace("&lt;", "‹").replace("&gt;", "›")
    text = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", text)
    return " ".join(text.split())


def ref_number(word: str, usage: str) -> int:
    word = word.strip().rstrip(".,!?")
    match = REF.match(word)
    if not match:
        shown = f"“{word[:20]}” is not a commitment reference" if word else "Which commitment?"
        raise GrammarError(f"{shown}: use its number, like #12.", usage, word)
    return int(match.group(1))


def single_mention(text: str, usage: str) -> str:
    ids = mentioned_ids(text)
    if not ids:
        no_raw_names(text)
        raise GrammarError("Mention the person, like @pia.", usage, text)
    return ids[0]


def no_raw_names(text: str) -> None:
    raw = RAW_AT.search(MENTION.sub("", text))
    if raw and raw.group(1).lower() not in ("here", "channel", "everyone"):
        raise UnknownName(raw.group(1))


def mentioned_ids(text: str) -> list[str]:
    return MENTION.findall(text)
