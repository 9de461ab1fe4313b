"""Sends what the schedule owes people through Slack's Web API: channel posts, thread replies and DMs."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.core.errors import SendFailed
from bot.core.ports import Outgoing
from bot.core.pulse.results import PulseResults
from bot.slack import pulse_replies
from bot.slack.blocks import answers as answers_blocks
from bot.slack.installations import Installations
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
    `conversations.open` comes first. Safe to call from several threads at once (the sweep's workers).

    `installations` (bot.slack.installations) names the client for each message when the bot is installed in
    many workspaces: a DM through the person's own organisation's installation, a channel post in the alliance's
    one voice. Without it, `client` sends everything."""

    CONCURRENT = True  # only Web API calls: the sweep's workers may share it (see bot.core.ports.concurrent)

    def __init__(self, client: WebClient, installations: Installations | None = None) -> None:
        self.client = client
        self.installations = installations

    def _client_for(self, message: Outgoing) -> WebClient:
        """The client that speaks for the bot where `message` goes."""
        if self.installations is None:
            return self.client
        client = self.installations.client_for(channel_id=message.channel_id, recipient_id=message.recipient_id)
        if client is None:
            # Neither organisation has the bot installed any more: nothing can carry this, now or later.
            raise SendFailed("not_installed", permanent=True)
        return client

    def workspace(self, message: Outgoing) -> str | None:
        """The installation `message` goes through, for the sweep's per-workspace budget (bot.core.ports)."""
        if self.installations is None:
            return None
        return self.installations.workspace_for(channel_id=message.channel_id, recipient_id=message.recipient_id)

    def _other_voice(self, message: Outgoing, tried: WebClient, error: SlackApiError) -> WebClient | None:
        """A channel post the alliance's voice could not make because its bot is not in the channel (never invited,
        or removed): the other organisation's installation, when its bot is there, makes it instead."""
        if self.installations is None or message.recipient_id is not None:
            return None
        if error.response.get("error") != "not_in_channel":
            return None
        others = [c for c in self.installations.voices_for_channel(message.channel_id) if c.token != tried.token]
        return others[0] if others else None

    def send(self, message: Outgoing) -> str | None:
        text = answers_texts.dispatch(message.content)
        body = answers_blocks.dispatch(message.content, channel_id=message.channel_id)
        client = self._client_for(message)
        channel = message.recipient_id or message.channel_id

        def post(through: WebClient) -> SlackResponse:
            return through.chat_postMessage(
                channel=channel, thread_ts=message.thread_ts, text=text, blocks=body, unfurl_links=False
            )

        try:
            try:
                response = post(client)
            except SlackApiError as e:
                other = self._other_voice(message, client, e)
                if other is None:
                    raise
                client = other
                response = post(client)
        except SlackApiError as e:
            error = str(e.response.get("error") or f"HTTP {e.response.status_code}")
            retry_after = e.response.headers.get("Retry-After") or e.response.headers.get("retry-after")
            raise SendFailed(
                error, retry_after=float(retry_after) if retry_after else None, permanent=error in PERMANENT
            ) from e
        except OSError as e:  # connection refused, timeouts: the network, not the message
            raise SendFailed(f"network: {e}") from e
        if isinstance(message.content, PulseResults):
            pulse_replies.upload_chart(client, message.content, channel)
        ts = response.get("ts")
        return str(ts) if ts else None
