"""The charter's answers that are more than a message: its form opened in a modal, and the signed charter posted
in the channel for both organisations and pinned where everyone finds it."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.charter.results import CharterSigned
from bot.core.service import AllianceService
from bot.slack.blocks import charter as charter_blocks
from bot.texts import charter as charter_texts

log = logging.getLogger(__name__)


def open_form(client: WebClient, service: AllianceService, trigger_id: str, channel_id: str, user_id: str) -> None:
    view = service.charter_form(channel_id, user_id)
    client.views_open(trigger_id=trigger_id, view=charter_blocks.charter_form(view, 1))


def post_signed(client: WebClient, service: AllianceService, signed: CharterSigned) -> None:
    """The signed charter, in the channel for both organisations, pinned where everyone finds it."""
    view = signed.charter
    posted = client.chat_postMessage(
        channel=view.channel_id,
        text=charter_texts.signed_charter(view),
        blocks=charter_blocks.signed_charter(view),
        unfurl_links=False,
    )
    ts = str(posted["ts"])
    try:
        client.pins_add(channel=view.channel_id, timestamp=ts)
    except SlackApiError as e:
        if e.response.get("error") != "already_pinned":
            log.warning("could not pin the signed charter in %s: %s", view.channel_id, e.response.get("error"))
    service.charter_pinned(view.channel_id, view.version, ts)
