"""Block Kit builders: pure functions from core outcomes and texts to Slack's JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot import texts
from bot.core.charter.results import CHARTER_DISPATCH
from bot.core.checkins.results import CheckinAsk, Nudge
from bot.core.commitments.results import Recorded
from bot.core.people.results import LeadWanted, Orphaned
from bot.core.scorecard.results import SCORECARD_DISPATCH
from bot.core.views import CommitmentView

Block = dict[str, Any]

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
FORM_CALLBACK = "commitment_form"
DONE_ACTION = "commitment_done"
SHOW_ACTION = "commitment_show"
SHORTCUT_CALLBACK = "track_as_commitment"


def sections(text: str) -> list[Block]:
    """Text as section blocks, split on line breaks so no block passes Slack's 3,000-character limit."""
    blocks: list[Block] = []
    chunk = ""
    for line in text.split("\n"):
        line = line[: SECTION_LIMIT - 1]
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    return blocks[:MAX_BLOCKS]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def commitment_buttons(item: CommitmentView) -> Block:
    return {
        "type": "actions",
        "block_id": f"commitment:{item.ref}",
        "elements": [
            {
                "type": "button",
                "action_id": DONE_ACTION,
                "text": {"type": "plain_text", "text": "Mark done"},
                "style": "primary",
                "value": str(item.ref),
            },
            {
                "type": "button",
                "action_id": SHOW_ACTION,
                "text": {"type": "plain_text", "text": "Details"},
                "value": str(item.ref),
            },
        ],
    }


def recorded(outcome: Recorded) -> list[Block]:
    return [*sections(texts.recorded(outcome)), commitment_buttons(outcome.commitment)]


def commitment_form(
    *, channel_id: str, owner_id: str, title: str = "", due: date | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    """The modal behind `/alliance commit` with no text and the "Track as commitment" shortcut."""
    due_element: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    if due is not None:
        due_element["initial_date"] = due.isoformat()
    title_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "max_length": 200,
        "placeholder": {"type": "plain_text", "text": "Draft joint API spec"},
    }
    if title:
        title_element["initial_value"] = title[:200]
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": json.dumps({"channel": channel_id, "thread_ts": thread_ts}),
        "title": {"type": "plain_text", "text": "New commitment"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "What"},
                "element": title_element,
            },
            {
                "type": "input",
                "block_id": "owner",
                "label": {"type": "plain_text", "text": "Owner (the one person accountable)"},
                "element": {"type": "users_select", "action_id": "value", "initial_user": owner_id},
            },
            {
                "type": "input",
                "block_id": "due",
                "label": {"type": "plain_text", "text": "Due (end of the owner's working day)"},
                "element": due_element,
            },
            {
                "type": "input",
                "block_id": "milestone",
                "optional": True,
                "label": {"type": "plain_text", "text": "Milestone"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": "This marks a stage of the alliance"},
                            "value": "milestone",
                        }
                    ],
                },
            },
            internal_checkbox(),
        ],
    }


def internal_checkbox() -> Block:
    """The form's "Internal to my organisation" box: the item is then never shown to the other organisation."""
    return {
        "type": "input",
        "block_id": "internal",
        "optional": True,
        "label": {"type": "plain_text", "text": "Internal"},
        "element": {
            "type": "checkboxes",
            "action_id": "value",
            "options": [
                {
                    "text": {"type": "plain_text", "text": "Internal to my organisation"},
                    "description": {
                        "type": "plain_text",
                        "text": "Only my organisation's people see it, never the partner",
                    },
                    "value": "internal",
                }
            ],
        },
    }


# ---- check-ins and nudges ------------------------------------------------------------------------------

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


def dispatch(content: object, *, channel_id: str) -> list[Block]:
    """Blocks for what the scheduled work sends: owners' messages carry a row of buttons per commitment."""
    if isinstance(content, SCORECARD_DISPATCH):
        from bot.slack import blocks_scorecard  # it builds on `sections` here

        return blocks_scorecard.dispatch(content)
    if isinstance(content, CheckinAsk):
        lines = texts.checkin_ask(content).split("\n")
        body: list[Block] = sections(lines[0])
        for item in content.items[: (MAX_BLOCKS - 2) // 2]:
            body.append(_section(texts.checkin_item(item)))
            body.append(item_buttons(channel_id, item.ref, CHECKIN_BUTTONS))
        body.append(_section(lines[-1]))
        return body
    if isinstance(content, Nudge):
        return [*sections(texts.nudge(content)), item_buttons(channel_id, content.commitment.ref, NUDGE_BUTTONS)]
    if isinstance(content, Orphaned):
        return orphaned(content, channel_id=channel_id)
    if isinstance(content, LeadWanted):
        return lead_wanted(content, channel_id=channel_id)
    if isinstance(content, CHARTER_DISPATCH):
        from bot.slack import blocks_charter

        return blocks_charter.dispatch(content, channel_id=channel_id)
    return sections(texts.dispatch(content))


# ---- people who left: pick a new owner, a new lead -----------------------------------------------------

ORPHAN_REASSIGN_ACTION = "orphan_reassign"
ORPHANS_ALL_ACTION = "orphans_reassign_all"
NEW_LEAD_ACTION = "new_lead"
ORPHANS_LISTED = 20  # items with a picker each; more are reassigned with "all" or by command


def picker_block(data: dict[str, Any]) -> str:
    """A users_select carries no value, so its block id says what it is about (Slack allows 255 characters)."""
    return json.dumps(data, separators=(",", ":"))


def _users_select(action_id: str, placeholder: str) -> dict[str, Any]:
    return {"type": "users_select", "action_id": action_id, "placeholder": {"type": "plain_text", "text": placeholder}}


def orphaned(content: Orphaned, *, channel_id: str) -> list[Block]:
    """The notice, then each orphaned item with a "Reassign to…" picker, then "Reassign all to…"."""
    lines = texts.orphaned(content).split("\n")
    head = [line for line in lines if not line.startswith("• ")]
    body: list[Block] = sections("\n".join(head))
    for item in content.items[:ORPHANS_LISTED]:
        body.append(
            {
                "type": "section",
                "block_id": picker_block({"ch": channel_id, "r": item.ref}),
                "text": {"type": "mrkdwn", "text": texts.commitment_line(item)[: SECTION_LIMIT - 1]},
                "accessory": _users_select(ORPHAN_REASSIGN_ACTION, "Reassign to…"),
            }
        )
    if len(content.items) > 1:
        body.append(
            {
                "type": "actions",
                # Whose items: the owners listed (a whole organisation may be many people; its owners are few).
                "block_id": picker_block({"ch": channel_id, "from": sorted({i.owner_id for i in content.items})[:12]}),
                "elements": [_users_select(ORPHANS_ALL_ACTION, "Reassign all to…")],
            }
        )
    return body[:MAX_BLOCKS]


def lead_wanted(content: LeadWanted, *, channel_id: str) -> list[Block]:
    return [
        *sections(texts.lead_wanted(content)),
        {
            "type": "actions",
            "block_id": picker_block({"ch": channel_id, "team": content.party.team_id}),
            "elements": [_users_select(NEW_LEAD_ACTION, f"New lead of {content.party.name}"[:150])],
        },
    ]


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
