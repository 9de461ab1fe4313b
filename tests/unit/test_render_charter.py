"""The charter's Block Kit stays within Slack's limits, whatever the charter holds: a modal's 100 blocks and
24-character title, `private_metadata` under 3,000 characters, 3,000 characters a section."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bot.core.charter.results import CharterParty, CharterShown, CharterView, Goal
from bot.slack.blocks import charter as charter_blocks

LONG = "x" * 300
PARTIES = [CharterParty(f"T{i}", f"Party {i}", lead_id=f"U{i}L", sponsor_id=f"U{i}S") for i in range(2)]
FULL = CharterView(
    channel_id="C1",
    version=3,
    name="A" * 200,
    parties=PARTIES,
    goals=[Goal("g" * 110, date(2027, 1, i + 1), ("Party 0", "Party 1")) for i in range(20)],
    start=date(2026, 12, 1),
    end=date(2027, 12, 1),
    decision_makers=[f"U{i}" for i in range(30)],
    formality=LONG,
    communication="y" * 1000,
    mediator="z" * 500,
    shared="s" * 1000,
    held_back="h" * 1000,
    edited_at=datetime(2026, 11, 25, tzinfo=UTC),
)


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_each_step_of_the_form_is_within_slacks_limits() -> None:
    for step in (1, 2, 3):
        view = charter_blocks.charter_form(FULL, step)
        assert len(view["blocks"]) <= 100
        assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
        assert len(view["private_metadata"]) <= 3000
        assert json.loads(view["private_metadata"]) == {"ch": "C1", "step": step}
        for block in view["blocks"]:
            if block["type"] == "input":
                element = block["element"]
                assert len(element.get("initial_value", "")) <= element.get("max_length", 3000)
    goals = next(b for b in charter_blocks.charter_form(FULL, 1)["blocks"] if b.get("block_id") == "goals")
    assert goals["element"]["initial_value"].count("\n") == 19  # every goal, one per line, editable


def test_a_long_charter_is_split_into_sections_of_at_most_3000_characters() -> None:
    blocks = charter_blocks.render(CharterShown(charter=FULL, viewer_id="U0L"))
    assert blocks[-1]["type"] == "actions"
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["charter_edit", "charter_sign"]
    assert all(len(text) <= 3000 for text in sections(blocks))
    assert len(blocks) <= 50
    assert "• " + "g" * 110 + " · by 2027-01-20 · for Party 0, Party 1" in "\n".join(sections(blocks))
