"""Block Kit for a person's Home tab: their page (bot.core.home) with Done / New date / Snooze on what they owe.

The buttons are the check-in's and the reminder's own (same action ids, same value), so the listeners that serve
a click in a DM serve a click on the Home tab too."""

from __future__ import annotations

from typing import Any

from bot.core.home.board import Home
from bot.slack.blocks.base import Block, section
from bot.slack.blocks.checkins import ITEM_DONE_ACTION, NEW_DATE_ACTION, SNOOZE_ACTION, SNOOZE_DAYS, item_buttons
from bot.texts import home as home_texts

HOME_BUTTONS = [
    (ITEM_DONE_ACTION, "Done", "primary"),
    (NEW_DATE_ACTION, "New date", None),
    (SNOOZE_ACTION, f"Snooze {SNOOZE_DAYS} days", None),
]
# Slack's limit for a Home tab (a message has 50).
MAX_HOME_BLOCKS = 100


def home_view(home: Home) -> dict[str, Any]:
    """The `view` argument of views.publish."""
    return {"type": "home", "blocks": home_blocks(home)[:MAX_HOME_BLOCKS]}


def home_blocks(home: Home) -> list[Block]:
    header: Block = {"type": "header", "text": {"type": "plain_text", "text": home_texts.TITLE}}
    if home.empty:
        return [header, section(home_texts.NOTHING)]
    blocks: list[Block] = [header, section(home_texts.MINE)]
    for entry in home.mine:
        blocks.append(section(home_texts.item_line(entry, home.tz)))
        buttons = item_buttons(entry.channel_id, entry.item.ref, HOME_BUTTONS)
        # The same number can be in two alliances; a view's block ids must differ.
        blocks.append({**buttons, "block_id": f"home:{entry.channel_id}:{entry.item.ref}"})
    if not home.mine:
        blocks.append(section(home_texts.NOTHING_OWED))
    blocks += _more(home.more_mine)
    if home.slipped:
        blocks += [{"type": "divider"}, section(home_texts.SLIPPED)]
        blocks += [section(home_texts.item_line(e, home.tz, owner=True)) for e in home.slipped]
        blocks += _more(home.more_slipped)
    if home.waiting:
        blocks += [{"type": "divider"}, section(home_texts.WAITING)]
        blocks += [section(home_texts.waiting_line(w, home.tz)) for w in home.waiting]
    if home.alliances:
        blocks += [{"type": "divider"}, section(home_texts.ALLIANCES)]
        blocks += [section(home_texts.health_line(a, home.tz)) for a in home.alliances]
    return blocks


def _more(n: int) -> list[Block]:
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": home_texts.more(n)}]}] if n else []
