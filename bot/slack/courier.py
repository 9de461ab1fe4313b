"""Sends what the schedule owes people through Slack's Web API: channel posts, thread replies and DMs."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import SendFailed
from bot.core.ports import Outgoing
from bot.slack.blocks import answers as answers_blocks
from bot.texts import answers as answers_texts

log = logging.getLogger(__name__)

# Errors that no retry will cure: the message is given up at once.
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "account_inactive",
    "user_not_found",
    "cannot_dm_bot",
    "user_disabled",
    "invalid_auth",
    "not_authed",
    "missing_scope",
}


class SlackCourier:
    """One Web API call per message: a DM is posted to the person's user id, and Slack opens the DM itself, so no
    `conversations.open` comes first. Safe to call from several threads at once (the sweep's workers)."""

    CONCURRENT = True  # only Web API calls: the sweep's workers may share it (see bot.core.ports.concurrent)

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _client_for(self, message: Outgoing) -> WebClient:
        """The client that speaks for the bot where `message` goes: one token today; the place to choose a
        workspace's own client when the app is installed in several."""
        return self.client

    def send(self, message: Outgoing) -> str | None:
        text = answers_texts.dispatch(message.content)
        body = answers_blocks.dispatch(message.content, channel_id=message.channel_id)
        try:
            channel = message.recipient_id or message.channel_id
            response = self._client_for(message).chat_postMessage(
                channel=channel, thread_ts=message.thread_ts, text=text, blocks=body, unfurl_links=False
            )
        except SlackApiError as e:
            error = str(e.response.get("error") or f"HTTP {e.response.status_code}")
            retry_after = e.response.headers.get("Retry-After") or e.response.headers.get("retry-after")
            raise SendFailed(
                error, retry_after=float(retry_after) if retry_after else None, permanent=error in PERMANENT
            ) from e
        except OSError as e:  # connection refused, timeouts: the network, not the message
            raise SendFailed(f"network: {e}") from e
        ts = response.get("ts")
        return str(ts) if ts else None
