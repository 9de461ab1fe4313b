"""Block Kit for commitments: the recorded one's buttons, and the form that records one."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.core.commitments.results import Recorded
from bot.core.views import CommitmentView
from bot.slack.blocks.base import Block, sections
from bot.texts import commitments as commitments_texts

FORM_CALLBACK = "commitment_form"
DONE_ACTION = "commitment_done"
SHOW_ACTION = "commitment_show"
SHORTCUT_CALLBACK = "track_as_commitment"


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
    return [*sections(commitments_texts.recorded(outcome)), commitment_buttons(outcome.commitment)]


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
