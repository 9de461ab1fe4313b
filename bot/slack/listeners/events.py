"""Mentions of the bot: how the partner organisation, which has no slash command, talks to it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.core.alliance import Caller
from bot.slack.front import SlackFrontEnd, strip_mention
from bot.slack.replies import Where


def register(app: App, front: SlackFrontEnd) -> None:
    @app.event("app_mention")
    def on_mention(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("bot_id") or not event.get("user"):
            return  # another bot, or a message without an author: never answer bots, no loops
        caller = Caller(channel_id=event["channel"], user_id=event["user"])
        where = Where(
            channel_id=caller.channel_id, user_id=caller.user_id, thread_ts=event.get("thread_ts") or event["ts"]
        )
        # An edited message comes again as an app_mention with the same ts, a new event id and "edited": {"user",
        # "ts"} (the message object's `edited`, docs.slack.dev/reference/events/message; AppMentionEvent.edited in
        # @slack/types). The bot subscribes to no message events (manifest.yml), so message_changed never comes.
        edited = isinstance(event.get("edited"), dict)
        text = strip_mention(event.get("text", ""), context.bot_user_id)
        for twin in context.get("twin_bot_user_ids") or ():  # the other organisation's installation, also addressed
            text = strip_mention(text, twin)
        front.run_message(text, caller, where, message_ts=str(event["ts"]), edited=edited)
