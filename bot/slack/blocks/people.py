"""Block Kit for people who left: a new owner picked for each orphaned commitment, or for all, and a new lead."""

from __future__ import annotations

import json
from typing import Any

from bot.core.people.results import LeadWanted, Orphaned
from bot.slack.blocks.base import MAX_BLOCKS, SECTION_LIMIT, Block, sections
from bot.texts import base as base_texts
from bot.texts import people as people_texts

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
    lines = people_texts.orphaned(content).split("\n")
    head = [line for line in lines if not line.startswith("• ")]
    body: list[Block] = sections("\n".join(head))
    for item in content.items[:ORPHANS_LISTED]:
        body.append(
            {
                "type": "section",
                "block_id": picker_block({"ch": channel_id, "r": item.ref}),
                "text": {"type": "mrkdwn", "text": base_texts.commitment_line(item)[: SECTION_LIMIT - 1]},
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
        *sections(people_texts.lead_wanted(content)),
        {
            "type": "actions",
            "block_id": picker_block({"ch": channel_id, "team": content.party.team_id}),
            "elements": [_users_select(NEW_LEAD_ACTION, f"New lead of {content.party.name}"[:150])],
        },
    ]
