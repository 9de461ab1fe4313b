"""Socket Mode: the bot dials out to Slack over a WebSocket, so it needs no public URL."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)


def run(app: App, app_token: str) -> None:
    log.info("connecting to Slack in Socket Mode")
    SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call]
