"""Posting the bot's answers: where each kind of answer goes, and what happens when Slack says no."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.outcomes import AllianceView, Outcome, Reply, announced
from bot.core.trust import To, route
from bot.slack.blocks import answers as answers_blocks
from bot.slack.blocks import base as base_blocks
from bot.texts import answers as answers_texts
from bot.texts import base as base_texts
from bot.texts import people as people_texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Where:
    """Where an answer goes: the channel, the asker, and the thread of a mention (None for a slash command)."""

    channel_id: str
    user_id: str
    thread_ts: str | None = None


def render(outcome: Outcome) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the blocks of an outcome."""
    return answers_texts.outcome(outcome), answers_blocks.outcome(outcome)


class Replier:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def reply(self, reply: Reply, where: Where) -> None:
        if reply.new_alliance is not None:
            self.announce(reply.new_alliance, where)
        # A mention is answered in its thread, and a change announced in the channel, both seen by everyone there;
        # other look-ups answer the asker alone. What the channel may not read (another organisation's internal
        # items) goes to the asker privately and, for a change, to their party's linked channel.
        public = where.thread_ts is not None or announced(reply.outcome)
        for send in route(reply.outcome, here=reply.here, viewer=reply.viewer, public=public):
            text, body = render(send.outcome)
            match send.to:
                case To.HERE:
                    self.post(where, text, body)
                case To.CALLER:
                    self.private(where, text, body)
                case To.PARTY if reply.party_channel_id:
                    self.post(Where(channel_id=reply.party_channel_id, user_id=where.user_id), text, body)

    def announce(self, alliance: AllianceView, where: Where) -> None:
        text = people_texts.intro(alliance)
        self.post(Where(channel_id=where.channel_id, user_id=where.user_id), text, base_blocks.sections(text))

    def post(self, where: Where, text: str, body: list[dict[str, Any]]) -> None:
        try:
            self.client.chat_postMessage(
                channel=where.channel_id, thread_ts=where.thread_ts, text=text, blocks=body, unfurl_links=False
            )
        except SlackApiError as e:
            if e.response.get("error") not in ("not_in_channel", "channel_not_found"):
                raise
            # Slash commands work in channels the bot was never invited to; tell the asker how to fix that.
            self.private(where, f"{text}\n\n_{base_texts.NOT_IN_CHANNEL}_", body)

    def private(self, where: Where, text: str, body: list[dict[str, Any]] | None = None) -> None:
        try:
            self.client.chat_postEphemeral(
                channel=where.channel_id,
                user=where.user_id,
                thread_ts=where.thread_ts,
                text=text,
                blocks=body if body is not None else base_blocks.sections(text),
            )
        except SlackApiError as e:
            if e.response.get("error") not in ("not_in_channel", "channel_not_found", "user_not_in_channel"):
                raise
            log.info("could not answer %s privately in %s: %s", where.user_id, where.channel_id, e.response["error"])
            self.client.chat_postMessage(channel=where.user_id, text=text, blocks=body or base_blocks.sections(text))
