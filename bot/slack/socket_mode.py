"""Socket Mode: the bot dials out to Slack over a WebSocket, so it needs no public URL."""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)


def run(app: App, app_token: str, *, stop: threading.Event | None = None) -> None:
    """Connect and serve until `stop` is set (SIGTERM): then disconnect, so Slack sends nothing more here;
    what was acknowledged is finished by the inbox."""
    log.info("connecting to Slack in Socket Mode")
    handler = SocketModeHandler(app, app_token)
    if stop is None:
        handler.start()  # type: ignore[no-untyped-call]
        return
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        stop.wait()
    finally:
        handler.close()  # type: ignore[no-untyped-call]
