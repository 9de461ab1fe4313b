"""Messages that mention the bot in a channel or group chat: the same commands as on Slack, answered in thread."""

from __future__ import annotations

from bot.teams.activity import Activity
from bot.teams.front import TeamsFrontEnd


def handle(front: TeamsFrontEnd, activity: Activity) -> None:
    if activity.sender.id.startswith("28:"):
        return  # another bot: never answer bots, no loops
    front.learn_speaker(activity)
    if activity.conversation_type == "personal":
        # A one-to-one chat belongs to no alliance: the person's own page (`mine`), else a hint at the channel.
        front.personal(activity)
        return
    front.run_text(activity)
