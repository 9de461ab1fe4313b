"""Sends what the schedule owes people through Slack's Web API: channel posts, thread replies and DMs."""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import SendFailed
from bot.core.ports import Outgoing
from bot.core.pulse.results import PulseResults
from bot.slack import pulse_replies
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
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._ims: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> str | None:
        text = answers_texts.dispatch(message.content)
        body = answers_blocks.dispatch(message.content, channel_id=message.channel_id)
        try:
            channel = message.channel_id if message.recipient_id is None else self._im(message.recipient_id)
            response = self.client.chat_postMessage(
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
        if isinstance(message.content, PulseResults):
            pulse_replies.upload_chart(self.client, message.content, channel)
        ts = response.get("ts")
        return str(ts) if ts else None

    def _im(self, user_id: str) -> str:
        """The DM channel with a person (conversations.open, remembered)."""
        with self._lock:
            known = self._ims.get(user_id)
        if known is not None:
            return known
        channel = str(self.client.conversations_open(users=user_id)["channel"]["id"])
        with self._lock:
            self._ims[user_id] = channel
        return channel
