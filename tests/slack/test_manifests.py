"""The two Slack app manifests: manifest.yml (many workspaces, HTTP, OAuth) and manifest.socket.yml (one workspace,
Socket Mode) ask for the same things, and each is set up for its mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack.http import EVENTS_PATH
from bot.slack.oauth import SCOPES

ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def what_it_asks(manifest: dict[str, Any]) -> dict[str, Any]:
    features, settings = manifest["features"], manifest["settings"]
    return {
        "scopes": manifest["oauth_config"]["scopes"],
        "commands": [(c["command"], c["description"], c["usage_hint"]) for c in features["slash_commands"]],
        "shortcuts": features["shortcuts"],
        "events": settings["event_subscriptions"]["bot_events"],
        "home": features.get("app_home"),
        "interactivity": settings["interactivity"]["is_enabled"],
    }


def test_both_manifests_ask_for_the_same_scopes_commands_shortcuts_and_events() -> None:
    assert what_it_asks(load("manifest.yml")) == what_it_asks(load("manifest.socket.yml"))


def test_the_install_flow_asks_for_the_manifests_scopes() -> None:
    assert list(SCOPES) == load("manifest.yml")["oauth_config"]["scopes"]["bot"]


def test_the_many_workspaces_manifest_is_http_with_a_redirect_url_and_uninstall_events() -> None:
    manifest = load("manifest.yml")
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is True
    assert manifest["oauth_config"]["redirect_urls"] == ["https://YOUR-HOST/slack/oauth_redirect"]
    url = f"https://YOUR-HOST{EVENTS_PATH}"
    assert settings["event_subscriptions"]["request_url"] == url
    assert settings["interactivity"]["request_url"] == url
    assert [c["url"] for c in manifest["features"]["slash_commands"]] == [url]
    assert {"app_uninstalled", "tokens_revoked"} <= set(settings["event_subscriptions"]["bot_events"])


def test_the_socket_manifest_needs_no_public_url() -> None:
    manifest = load("manifest.socket.yml")
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert "redirect_urls" not in manifest["oauth_config"]
    assert "request_url" not in settings["event_subscriptions"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])
