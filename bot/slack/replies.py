"""Posting the bot's answers: where each kind of answer goes, and what happens when Slack says no."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.outcomes import Outcome
from bot.core.views import AllianceView
from bot.slack.blocks import answers as answers_blocks
from bot.slack.blocks import base as base_blocks
from bot.texts import answers as answers_texts
from bot.texts import base as base_texts
from bot.texts import people as people_texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Where:
    """Where an answer goes: the channel, the asker, the thread of a mention (None for a slash command), and
    what Slack gave with the request."""

    channel_id: str
    user_id: str
    thread_ts: str | None = None
    trigger_id: str | None = None  # a slash command's or a click's: only with one can a modal open
    clicked_in: str | None = None  # the conversation of a clicked button, when not the channel (a DM, say)


def render(outcome: Outcome) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the blocks of an outcome."""
    return answers_texts.outcome(outcome), answers_blocks.outcome(outcome)


class Replier:
    def __init__(self, client: WebClient) -> None:
        self.client = client

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

    def direct(self, channel: str, text: str) -> None:
        """A word in a conversation with one person (their DM with the bot, where they clicked): private already,
        and not worth failing the rest of the answer over."""
        try:
            self.client.chat_postMessage(
                channel=channel, text=text, blocks=base_blocks.sections(text), unfurl_links=False
            )
        except SlackApiError as e:
            log.warning("could not answer in %s: %s", channel, e.response.get("error"))
