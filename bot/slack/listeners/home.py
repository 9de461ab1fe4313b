"""The Home tab opened (`app_home_opened`): publish the person's page. Opening the Messages or About tab sends the
same event with another `tab`, which needs nothing."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.home import HomeTab


def register(app: App, tab: HomeTab) -> None:
    @app.event("app_home_opened")
    def opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user") or "")
        if user_id:
            tab.opened(user_id, str(body.get("team_id") or ""))
