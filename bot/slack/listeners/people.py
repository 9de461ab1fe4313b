"""People coming and going: Slack's membership events, and the pickers of the orphan and new-lead notices.

Events (each handled once per event id by the dedupe middleware, and each departure once however signalled):
`user_change` (an account deactivated or reactivated, in either organisation), `member_left_channel`,
`member_joined_channel` and `channel_unshared`. What they set off is sent by the sweep, which they wake.

The pickers sit in a private message (the lead's) or in the channel's notice. A choice is carried out as the
person who made it, under the same rules as the typed command; the result is told in the channel, and a
refusal only to the person who picked.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import grammar
from bot.core.alliance import Caller, Role
from bot.core.commitments.commands import Reassign
from bot.core.errors import CommandError
from bot.core.people.commands import NameRole, ReassignAll
from bot.core.people.departures import Changes
from bot.core.trust import To, route
from bot.slack.blocks import people as people_blocks
from bot.slack.directory import profile_of
from bot.slack.front import SlackFrontEnd
from bot.slack.replies import Where, render

log = logging.getLogger(__name__)


def register(app: App, front: SlackFrontEnd) -> None:
    people = front.people

    def wake(changes: Changes) -> None:
        if changes and front.wake_sweeper is not None:
            front.wake_sweeper()  # the notices and welcomes go out now, not at the next minute

    @app.event("user_change")
    def on_user_change(event: dict[str, Any]) -> None:
        user = event.get("user")
        if not isinstance(user, dict) or not user.get("id"):
            return
        wake(people.profile_changed(profile_of(user)))

    @app.event("member_left_channel")
    def on_left(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("user") and event.get("channel") and event["user"] != context.bot_user_id:
            wake(people.left_channel(event["channel"], event["user"]))

    @app.event("member_joined_channel")
    def on_joined(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("user") and event.get("channel") and event["user"] != context.bot_user_id:
            wake(people.joined_channel(event["channel"], event["user"]))

    @app.event("channel_unshared")
    def on_unshared(event: dict[str, Any]) -> None:
        team_id = event.get("previously_connected_team_id")
        if event.get("channel") and team_id:
            wake(people.org_disconnected(event["channel"], str(team_id)))

    @app.event("channel_shared")
    def on_shared(event: dict[str, Any]) -> None:
        # An organisation joined, or came back: compare the members now rather than tomorrow, so its people
        # are recognised (and their items theirs again) at once.
        if event.get("channel"):
            # A party's linked private channel shared with another organisation is unlinked at once: internal
            # items are never written there again (each write checks its audience too).
            front.service.recheck_party_channel(str(event["channel"]))
            wake(people.reconcile_channel(event["channel"]))

    @app.action(people_blocks.ORPHAN_REASSIGN_ACTION)
    def reassign_one(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        about, chosen = _picked(action)
        if about is not None and chosen and "r" in about:
            _run(front, body, str(about["ch"]), Reassign(int(about["r"]), chosen))

    @app.action(people_blocks.ORPHANS_ALL_ACTION)
    def reassign_all(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        about, chosen = _picked(action)
        if about is None or not chosen:
            return
        commands = [ReassignAll(str(from_id), chosen) for from_id in about.get("from") or []]
        _run(front, body, str(about["ch"]), *commands)

    @app.action(people_blocks.NEW_LEAD_ACTION)
    def new_lead(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        about, chosen = _picked(action)
        if about is not None and chosen and "team" in about:
            _run(front, body, str(about["ch"]), NameRole(Role.LEAD, chosen, str(about["team"])))


def _picked(action: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """What a picker is about (its block id) and whom it picked."""
    try:
        about = json.loads(action.get("block_id") or "")
    except ValueError:
        about = None
    if not isinstance(about, dict) or "ch" not in about:
        log.warning("a picker without its subject: %r", action.get("block_id"))
        return None, ""
    return about, str(action.get("selected_user") or "")


def _run(front: SlackFrontEnd, body: dict[str, Any], channel_id: str, *commands: grammar.Command) -> None:
    """Carry out a pick (for "Reassign all", one command per former owner) and answer once: each change in the
    channel, then one confirmation where the pick was made; or, if nothing could be done, the first refusal."""
    user_id = str(body["user"]["id"])
    clicked_in = (body.get("channel") or {}).get("id")
    where = Where(channel_id=channel_id, user_id=user_id)
    caller = Caller(channel_id=channel_id, user_id=user_id, private=clicked_in != channel_id)
    replies = []
    refusals: list[CommandError] = []
    for command in commands:
        try:
            replies.append(front.service.handle(command, caller))
        except CommandError as e:
            refusals.append(e)
    if not replies:
        if refusals:
            front.refuse(refusals[0], Where(channel_id=channel_id, user_id=user_id, clicked_in=clicked_in or user_id))
        return
    said_here = False
    for reply in replies:
        # Both organisations see who took the items on, as far as they may read them (bot.core.trust.route).
        if clicked_in == channel_id:
            front.answer(reply, caller, where)
            continue
        sends = route(reply.outcome, here=reply.here, viewer=reply.viewer, public=True)
        for send in sends:
            text, body_blocks = render(send.outcome)
            if send.to is To.HERE:
                front.replier.post(where, text, body_blocks)
                said_here = True
            elif send.to is To.CALLER:
                front.replier.direct(clicked_in or user_id, text)  # internal items: here, not in the channel
            elif reply.party_channel_id:
                front.replier.post(Where(channel_id=reply.party_channel_id, user_id=user_id), text, body_blocks)
    if clicked_in and clicked_in != channel_id and said_here:
        front.replier.direct(clicked_in, f":white_check_mark: Done, and said in <#{channel_id}>.")
