"""What the bot does with each kind of activity: one small module per kind (messages, buttons, members)."""

from __future__ import annotations

import logging

from bot.teams.activity import Activity
from bot.teams.connector import ConnectorError
from bot.teams.front import TeamsFrontEnd
from bot.teams.listeners import buttons, members, messages
from bot.texts import base as base_texts

log = logging.getLogger(__name__)


def handle(front: TeamsFrontEnd, activity: Activity) -> None:
    """Carry out one activity. Unexpected errors are logged with their trace; the person gets one calm line."""
    try:
        if activity.type == "message":
            key = activity.dedupe_key()
            if key is not None and not front.service.first_delivery(key):
                log.info("activity %s was already handled; ignoring the retry", activity.id)
                return
            front.directory.remember(activity)
            if activity.value is not None and "alliance" in activity.value:
                buttons.handle(front, activity)
            else:
                messages.handle(front, activity)
        elif activity.type in ("conversationUpdate", "installationUpdate"):
            front.directory.remember(activity)
            members.handle(front, activity)
    except Exception:
        log.exception("unexpected error while handling a Teams %s activity", activity.type)
        if activity.type == "message":
            try:
                front.reply(activity, base_texts.INTERNAL_ERROR)
            except (ConnectorError, OSError):
                log.exception("could not tell the user about the error")
