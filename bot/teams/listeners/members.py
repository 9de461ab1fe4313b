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
    for member in activity.members_added:
        if member.id != activity.bot.id and not member.id.startswith("28:"):
            known = front.directory.learn_account(activity, member)  # a person (back) in the team
            if known is not None:
                front.service.refresh_person(known.user_id)
                changes.add(front.people.joined_channel(activity.channel_key, known.user_id))
    for member in activity.members_removed:
        if member.id == activity.bot.id or not member.aad_id:
            continue
        if front.directory.left(member.aad_id):
            # The core sees them as departed at once: their commitments show as orphaned, and nobody nudges them.
            front.service.refresh_person(member.aad_id)
            changes.add(front.people.left_channel(activity.channel_key, member.aad_id))
            log.info("%s left %s", member.aad_id, activity.channel_key)
    if changes and front.wake_sweeper is not None:
        front.wake_sweeper()  # the orphan notice and the welcome go out now, not at the next minute
