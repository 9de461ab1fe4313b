"""The "Track as commitment" message shortcut: the form, prefilled with the message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.core.alliance import Caller
from bot.slack.blocks import commitments as commitments_blocks
from bot.slack.front import SlackFrontEnd
from bot.slack.replies import Where


def register(app: App, front: SlackFrontEnd) -> None:
    @app.shortcut(commitments_blocks.SHORTCUT_CALLBACK)
    def track_as_commitment(ack: Ack, shortcut: dict[str, Any]) -> None:
        ack()
        caller = Caller(channel_id=shortcut["channel"]["id"], user_id=shortcut["user"]["id"])
        message = shortcut.get("message") or {}
        # Readable words from the message's markup: the person it names as owner, its date as the due date.
        suggested = front.service.prefill(str(message.get("text") or ""), caller.user_id)
        front.open_form(  # first: the trigger expires in 3 s, and a channel's first use takes a while
            shortcut["trigger_id"],
            caller,
            title=suggested.title,
            thread_ts=message.get("thread_ts") or message.get("ts"),
            owner_id=suggested.owner_id,
            due=suggested.due,
        )
        front.introduce(caller, Where(channel_id=caller.channel_id, user_id=caller.user_id))
