"""Typed text never pings or disguises a link on Teams (issue 11.2): an `<at>…</at>` typed into a form, or a
markdown link `[label](url)` typed in a message, comes back as text; the bot's own mentions stay real."""

from __future__ import annotations

import json
import re
from typing import Any

from storage.models import Commitment
from tests.teams import activities
from tests.teams.conftest import TeamsBot
from tests.teams.fakes.connector import CHANNEL, PAUL, PIA

EVIL = "https://evil.example/steal"


def everything_sent(teams: TeamsBot) -> str:
    return json.dumps([c.body for c in teams.fake.sends()], ensure_ascii=False)


def live(teams: TeamsBot) -> list[Any]:
    """Typed <at> tags and markdown links whose label hides the target, in what was sent."""
    blob = everything_sent(teams)
    return re.findall(r"<at>Erin Evans</at>|\[[^\]]+\]\(https?://[^)]+\)", blob)


def test_a_typed_at_tag_and_a_markdown_link_come_back_as_text(teams: TeamsBot) -> None:
    ask = activities.message(teams.url, "commit", sender=PAUL)
    teams.post(ask)
    teams.fake.clear()
    submit = activities.message(teams.url, "", sender=PAUL, thread=ask["id"], mention_bot=False)
    submit["value"] = {
        "alliance": "commitment_form",
        "ch": CHANNEL,
        "title": f"<at>Erin Evans</at> please [login here]({EVIL})",
        "owner": PIA.aad_id,
        "due": "2026-12-04",
        "milestone": "false",
    }
    assert teams.post(submit) == (200, "")
    [confirmation] = teams.fake.sends()
    [item] = teams.rows(Commitment)
    assert item.title == f"<at>Erin Evans</at> please [login here]({EVIL})"  # stored as typed in the form
    assert f"**‹at›Erin Evans‹/at› please login here ({EVIL})**" in confirmation.text
    assert live(teams) == []
    # The bot's own mention of the owner stays a real mention, with its entity.
    assert "<at>Pia Porter</at>" in confirmation.text
    assert [e["mentioned"]["id"] for e in confirmation.body["entities"]] == [PIA.teams_id, PAUL.teams_id]

    teams.fake.clear()
    teams.post(activities.message(teams.url, "list", sender=PAUL))
    assert f"‹at›Erin Evans‹/at› please login here ({EVIL})" in everything_sent(teams)
    assert live(teams) == []


def test_a_markdown_link_typed_in_a_message_shows_its_target(teams: TeamsBot) -> None:
    post = activities.message(teams.url, f"commit @pia read [the Q3 deck]({EVIL}) by end of month", sender=PAUL)
    assert teams.post(post) == (200, "")
    confirmation = teams.fake.sends()[-1]
    assert f"read the Q3 deck ({EVIL})" in confirmation.text
    assert live(teams) == []
