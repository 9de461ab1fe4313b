"""The `/alliance` slash command (host organisation only: Slack Connect does not share slash commands)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.core.alliance import Caller
from bot.slack.front import SlackFrontEnd
from bot.slack.replies import Where


def register(app: App, front: SlackFrontEnd) -> None:
    @app.command("/alliance")
    def alliance_command(ack: Ack, command: dict[str, Any]) -> None:
        ack()
        # A slash command's look-ups are answered to the caller alone: their party's internal items may be in them.
        caller = Caller(channel_id=command["channel_id"], user_id=command["user_id"], private=True)
        where = Where(channel_id=caller.channel_id, user_id=caller.user_id, trigger_id=command.get("trigger_id"))
        front.run_text(command.get("text", ""), caller, where)
