"""manifest.yml asks Slack for exactly what the code listens to, and nothing it does not use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.slack.blocks import commitments as commitments_blocks

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "manifest.yml"


def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_slash_command_escapes_mentions() -> None:
    (command,) = manifest()["features"]["slash_commands"]
    assert (command["command"], command["should_escape"]) == ("/alliance", True)


def test_the_message_shortcut_matches_its_listener() -> None:
    (shortcut,) = manifest()["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", commitments_blocks.SHORTCUT_CALLBACK)


def test_events_scopes_and_interactivity() -> None:
    data = manifest()
    events = data["settings"]["event_subscriptions"]["bot_events"]
    assert events == [
        "app_mention",
        "member_joined_channel",
        "member_left_channel",
        "user_change",
        "channel_unshared",
        "channel_shared",
        "app_home_opened",
    ]
    # Every event the app subscribes to has a listener, and every listener's event is subscribed to.
    listened = set()
    for source in (ROOT / "bot" / "slack" / "listeners").glob("*.py"):
        listened |= set(re.findall(r'@app\.event\("([a-z_]+)"\)', source.read_text()))
    assert listened == set(events)
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read",
        "channels:read",
        "chat:write",
        "commands",
        "files:write",
        "groups:read",
        "im:write",
        "pins:write",
        "team:read",
        "users:read",
    ]
    assert data["features"]["bot_user"]["display_name"] == "Alliance Bot"


def test_the_home_tab_is_enabled() -> None:
    home = manifest()["features"]["app_home"]
    assert (home["home_tab_enabled"], home["messages_tab_enabled"]) == (True, True)
