"""Block Kit for check-ins and reminders: a row of answer buttons per commitment, and the modals they open."""

from __future__ import annotations

import json
from typing import Any

from bot.core.checkins.results import CheckinAsk, Nudge, NudgeGroup
from bot.slack.blocks.base import MAX_BLOCKS, Block, section, sections
from bot.texts import checkins as checkins_texts

ON_TRACK_ACTION = "checkin_on_track"
AT_RISK_ACTION = "checkin_at_risk"
NEED_HELP_ACTION = "item_need_help"
ITEM_DONE_ACTION = "item_done"
NEW_DATE_ACTION = "item_new_date"
REASSIGN_ACTION = "item_reassign"
SNOOZE_ACTION = "item_snooze"
SNOOZE_DAYS = 3

CHECKIN_BUTTONS = [
    (ON_TRACK_ACTION, "On track", "primary"),
    (AT_RISK_ACTION, "At risk", None),
    (ITEM_DONE_ACTION, "Done", None),
    (NEW_DATE_ACTION, "New date", None),
    (NEED_HELP_ACTION, "Need help", "danger"),
]
NUDGE_BUTTONS = [
    (ITEM_DONE_ACTION, "Done", "primary"),
    (NEW_DATE_ACTION, "New date", None),
    (REASSIGN_ACTION, "Reassign", None),
    (SNOOZE_ACTION, f"Snooze {SNOOZE_DAYS} days", None),
]


def item_value(channel_id: str, ref: int) -> str:
    """What a button carries: the alliance (its channel) and the commitment, so a click in a DM finds both."""
    return json.dumps({"ch": channel_id, "r": ref})


def item_buttons(channel_id: str, ref: int, buttons: list[tuple[str, str, str | None]]) -> Block:
    elements = []
    for action_id, label, style in buttons:
        element: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": label},
            "value": item_value(channel_id, ref),
        }
        if style:
            element["style"] = style
        elements.append(element)
    return {"type": "actions", "block_id": f"item:{ref}", "elements": elements}


def checkin_ask(content: CheckinAsk, *, channel_id: str) -> list[Block]:
    """An owner's check-in question, then each of their commitments with its row of answers."""
    lines = checkins_texts.checkin_ask(content).split("\n")
    body: list[Block] = sections(lines[0])
    for item in content.items[: (MAX_BLOCKS - 2) // 2]:
        body.append(section(checkins_texts.checkin_item(item)))
        body.append(item_buttons(channel_id, item.ref, CHECKIN_BUTTONS))
    body.append(section(lines[-1]))
    return body


def nudge(content: Nudge, *, channel_id: str) -> list[Block]:
    return [*sections(checkins_texts.nudge(content)), item_buttons(channel_id, content.commitment.ref, NUDGE_BUTTONS)]


def nudge_group(content: NudgeGroup, *, channel_id: str) -> list[Block]:
    """Several reminders in one DM: each commitment with its own row of buttons, the first ten, then a count."""
    body: list[Block] = [section(checkins_texts.nudge_group_head(content))]
    shown: set[int] = set()
    for item in content.nudges[: checkins_texts.NUDGE_GROUP_SHOWN]:
        body.append(section(checkins_texts.nudge_group_item(item)))
        if item.commitment.ref not in shown:  # one row per commitment: block ids are unique in a message
            shown.add(item.commitment.ref)
            body.append(item_buttons(channel_id, item.commitment.ref, NUDGE_BUTTONS))
    more = checkins_texts.nudge_group_more(content)
    if more:
        body.append(section(more))
    body.append(section(checkins_texts.NUDGE_GROUP_ASK))
    return body


# ---- the modals behind New date, Need help and Reassign ------------------------------------------------


NEW_DATE_CALLBACK = "item_new_date"
NEED_HELP_CALLBACK = "item_need_help"
REASSIGN_CALLBACK = "item_reassign"
NOTE_LIMIT = 1000


def item_modal(callback_id: str, *, channel_id: str, ref: int, dm_channel_id: str | None) -> dict[str, Any]:
    """The small form a button opens about one commitment; `private_metadata` says which, and where from."""
    meta: dict[str, Any] = {"ch": channel_id, "r": ref}
    if dm_channel_id:
        meta["dm"] = dm_channel_id  # where the confirmation goes once it is submitted
    title, submit, block = _ITEM_MODALS[callback_id](ref)
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [block],
    }


def _input(block_id: str, label: str, element: dict[str, Any]) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": "value"},
    }


def _new_date(ref: int) -> tuple[str, str, Block]:
    element = {"type": "datepicker"}
    return f"New date for #{ref}", "Move", _input("due", "Due (end of the owner's working day)", element)


def _need_help(ref: int) -> tuple[str, str, Block]:
    element = {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": NOTE_LIMIT,
        "placeholder": {"type": "plain_text", "text": "What is in the way, and who could unblock it?"},
    }
    return f"Help with #{ref}", "Ask for help", _input("note", "What do you need?", element)


def _reassign(ref: int) -> tuple[str, str, Block]:
    return f"Reassign #{ref}", "Reassign", _input("owner", "New owner", {"type": "users_select"})


_ITEM_MODALS = {NEW_DATE_CALLBACK: _new_date, NEED_HELP_CALLBACK: _need_help, REASSIGN_CALLBACK: _reassign}
