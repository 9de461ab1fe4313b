"""What every feature's grammar reads the same way: mentions, references, limits; one place for the rules."""

from __future__ import annotations

import re

from bot.core.errors import GrammarError, UnknownName

MAX_TEXT = 4000


MAX_TITLE = 200


MENTION = re.compile(r"<@([UWB][A-Z0-9]{2,40}|[A-Za-z0-9_.:-]{2,64})(?:\|[^>]*)?>")


RAW_AT = re.compile(r"(?<![<\w])@([\w.-]{1,80})")


REF = re.compile(r"^#?(\d{1,9})$")


# Slack's markup in typed text (https://api.slack.com/reference/surfaces/formatting#retrieving-messages):
# `<!channel>`, `<!subteam^S…|@handle>`, `<!date^…|fallback>`, `<https://…|label>`, `<mailto:…>`.
SPECIAL = re.compile(r"<!(channel|here|everyone|group)(?:\|[^>]*)?>")
GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|@?([^>]*))?>")
OTHER_SPECIAL = re.compile(r"<!(?:[^|>]*\|)?([^>]*)>")
# A user group shows as its handle behind a full-width at sign: it reads as "@sales-team", and no grammar takes
# it for a person typed without being picked, nor Slack for a mention (the look-alike idea of ‹ › for < >).
GROUP_AT = "\uff20"
LINK = re.compile(r"<((?:https?|mailto|ftp|tel|slack):[^|>\s]*)(?:\|([^>]*))?>")


def meant(text: str) -> str:
    """What a person meant by text Slack escaped and marked up: a broadcast as the word they typed ("@channel"),
    a group as its handle ("＠sales-team"), a link as its label and target ("the Q3 deck (https://…)"), `&amp;` as `&`.

    Stored text is what the person meant, never a live Slack token: a renderer may repeat it safely after its
    own escaping. `&lt;`/`&gt;` become look-alike angle brackets, so nothing stored can form a token again.
    Mentions of people and channels (`<@U…>`, `<#C…>`) stay: they are how every feature names them.
    """
    text = SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    text = GROUP.sub(lambda m: f"{GROUP_AT}{m.group(1) or 'group'}", text)
    text = LINK.sub(_link, text)
    text = OTHER_SPECIAL.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "‹").replace("&gt;", "›").replace("&amp;", "&")


def _link(match: re.Match[str]) -> str:
    target, label = match.group(1), (match.group(2) or "").strip()
    shown = target.removeprefix("mailto:") if target.startswith("mailto:") else target
    return shown if not label or label in (target, shown) else f"{label} ({shown})"


def tidy(text: str) -> str:
    # Slack sends &amp; &lt; &gt; escaped and its own markup; mentions stay as <@U...>.
    text = meant(text)
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
