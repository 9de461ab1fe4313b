"""Messages that mention the bot in a channel or group chat: the same commands as on Slack, answered in thread."""

from __future__ import annotations

from bot.teams.activity import Activity
from bot.teams.front import PERSONAL_HINT, TeamsFrontEnd


def handle(front: TeamsFrontEnd, activity: Activity) -> None:
    if activity.sender.id.startswith("28:"):
        return  # another bot: never answer bots, no loops
    front.learn_speaker(activity)
    if activity.conversation_type == "personal":
        # A one-to-one chat belongs to no alliance; commands need the shared channel.
        front.reply(activity, PERSONAL_HINT)
        return
    front.run_text(activity)
