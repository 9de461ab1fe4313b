"""Installation and membership: the alliance starts when the bot is added; people who leave own nothing more."""

from __future__ import annotations

import logging

from bot.core.people.departures import Changes
from bot.teams.activity import Activity
from bot.teams.front import TeamsFrontEnd

log = logging.getLogger(__name__)


def handle(front: TeamsFrontEnd, activity: Activity) -> None:
    if activity.conversation_type == "personal":
        return  # the reference is kept; a one-to-one chat is no alliance
    if any(member.id == activity.bot.id for member in activity.members_added):
        # Installed in a team or group chat: this is the alliance's first moment, and both sides are told.
        alliance = front.service.start(activity.channel_key)
        if alliance is not None:
            front.announce(alliance, activity)
    changes = Changes()
    channels = front.directory.channels_of(activity)
    for member in activity.members_added:
        if member.id != activity.bot.id and not member.id.startswith("28:"):
            known = front.directory.learn_account(activity, member)  # a person (back) in the team
            if known is not None:
                front.service.refresh_person(known.user_id)
                for channel_key in channels:
                    changes.add(front.people.joined_channel(channel_key, known.user_id))
    for member in activity.members_removed:
        if member.id == activity.bot.id:
            continue
        user_id = front.directory.user_of(activity, member)
        if user_id is not None and front.directory.left(user_id):
            # The core sees them as departed at once: their commitments show as orphaned, and nobody nudges them.
            front.service.refresh_person(user_id)
            for channel_key in channels:
                changes.add(front.people.left_channel(channel_key, user_id))
            log.info("%s left %s", user_id, activity.channel_key)
    if changes and front.wake_sweeper is not None:
        front.wake_sweeper()  # the orphan notice and the welcome go out now, not at the next minute
