"""What the check-in and nudge buttons share: which commitment a click is about, and how its answer is told.

The buttons sit in a private message; the commitment belongs to the alliance named in the button's value.
An answer is posted once for everyone (in the open check-in's thread, else in the alliance channel) and
confirmed in the private message where the button was clicked. A refusal is said in that private message only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import grammar
from bot.core.alliance import Caller
from bot.core.checkins.results import Reported
from bot.core.errors import CommandError
from bot.core.outcomes import Reply
from bot.core.trust import To, route
from bot.slack.blocks import base as base_blocks
from bot.slack.blocks import checkins as checkins_blocks
from bot.slack.front import SlackFrontEnd
from bot.slack.replies import Where
from bot.texts import answers as answers_texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """One commitment as a button or modal names it, the person acting on it, and their private message."""

    channel_id: str  # the alliance's channel
    ref: int
    user_id: str
    dm_channel_id: str | None

    @property
    def caller(self) -> Caller:
        return Caller(channel_id=self.channel_id, user_id=self.user_id, private=True)  # clicked in a DM


def clicked(body: dict[str, Any], action: dict[str, Any]) -> Item:
    """The item of a button click: the value {"ch", "r"}, clicked in the DM `body["channel"]`."""
    value = json.loads(action["value"])
    return Item(
        channel_id=str(value["ch"]),
        ref=int(value["r"]),
        user_id=str(body["user"]["id"]),
        dm_channel_id=(body.get("channel") or {}).get("id"),
    )


def submitted(body: dict[str, Any], view: dict[str, Any]) -> Item:
    """The item of a modal submission, from the private metadata the button's modal was opened with."""
    meta = json.loads(view.get("private_metadata") or "{}")
    return Item(
        channel_id=str(meta["ch"]), ref=int(meta["r"]), user_id=str(body["user"]["id"]), dm_channel_id=meta.get("dm")
    )


def field_value(view: dict[str, Any], block_id: str, key: str) -> Any:
    """What the person entered in a modal's input block (each has the action id "value")."""
    return ((view.get("state") or {}).get("values") or {}).get(block_id, {}).get("value", {}).get(key)


def open_modal(front: SlackFrontEnd, body: dict[str, Any], callback_id: str, item: Item) -> None:
    view = checkins_blocks.item_modal(
        callback_id, channel_id=item.channel_id, ref=item.ref, dm_channel_id=item.dm_channel_id
    )
    front.client.views_open(trigger_id=body["trigger_id"], view=view)


def run(front: SlackFrontEnd, item: Item, command: grammar.Command) -> None:
    """Carry out a button's command; a refusal is said privately in the DM."""
    try:
        reply = front.service.handle(command, item.caller)
    except CommandError as e:
        refuse(front, item, e)
        return
    tell(front, item, reply)


def refuse(front: SlackFrontEnd, item: Item, error: CommandError) -> None:
    if error.new_alliance is not None:
        front.announce(error.new_alliance, Where(channel_id=item.channel_id, user_id=item.user_id))
    _to_dm(front, item, answers_texts.error(error))


def tell(front: SlackFrontEnd, item: Item, reply: Reply) -> None:
    """One line for the alliance (in the open check-in's thread, if any), and a word back in the DM."""
    where = Where(channel_id=item.channel_id, user_id=item.user_id)
    if reply.new_alliance is not None:
        front.announce(reply.new_alliance, where)
    outcome = reply.outcome
    thread_ts = outcome.thread_ts if isinstance(outcome, Reported) else front.service.checkin_thread(item.channel_id)
    sends = route(outcome, here=reply.here, viewer=reply.viewer, public=True)
    for send in sends:
        line = answers_texts.outcome(send.outcome)
        if send.to is To.HERE:
            where = Where(channel_id=item.channel_id, user_id=item.user_id, thread_ts=thread_ts)
            front.replier.post(where, line, base_blocks.sections(line))
        elif send.to is To.PARTY and reply.party_channel_id:
            front.replier.post(
                Where(channel_id=reply.party_channel_id, user_id=item.user_id), line, base_blocks.sections(line)
            )
    if any(send.to is To.HERE for send in sends):
        _to_dm(front, item, answers_texts.item_noted(outcome, item.channel_id, in_thread=thread_ts is not None))
    else:
        # An internal item: not a word of it in the shared channel.
        _to_dm(front, item, answers_texts.item_noted_privately(outcome, reply.party_channel_id))


def _to_dm(front: SlackFrontEnd, item: Item, text: str) -> None:
    # The clicked message is in the person's DM with the bot; a reply there is private already. Without the DM
    # (it should always be known), a user id as the channel reaches the same conversation.
    channel = item.dm_channel_id or item.user_id
    try:
        front.client.chat_postMessage(channel=channel, text=text, blocks=base_blocks.sections(text), unfurl_links=False)
    except SlackApiError as e:
        log.warning("could not confirm to %s in %s: %s", item.user_id, channel, e.response.get("error"))
