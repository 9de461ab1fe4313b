"""manifest.yml asks Slack for exactly what the code listens to, and nothing it does not use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack import blocks

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_slash_command_escapes_mentions() -> None:
    (command,) = manifest()["features"]["slash_commands"]
    assert (command["command"], command["should_escape"]) == ("/alliance", True)


def test_the_message_shortcut_matches_its_listener() -> None:
    (shortcut,) = manifest()["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", blocks.SHORTCUT_CALLBACK)


def test_events_scopes_and_interactivity() -> None:
    data = manifest()
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_mention"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read",
        "channels:read",
        "chat:write",
        "commands",
        "groups:read",
        "im:write",
        "team:read",
        "users:read",
    ]
    assert data["features"]["bot_user"]["display_name"] == "Alliance Bot"
