"""HTTP mode: Bolt behind its WSGI adapter on waitress, one POST endpoint for Slack plus a health check."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # Slack's payloads are small; refuse anything that is not

StartResponse = Callable[..., Any]


class SlackWsgi:
    """The WSGI application: `POST /slack/events` for commands, events and interactivity; `GET /healthz`."""

    def __init__(self, app: App, health: Callable[[], bool]) -> None:
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self.health = health

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = self.health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n" if healthy else b"database unavailable\n"]
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Type", "text/plain")])
            return [b"POST only\n"]
        return self.slack(environ, start_response)


def serve(wsgi: SlackWsgi, *, host: str, port: int, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    log.info("listening on http://%s:%d%s", host, port, EVENTS_PATH)
    waitress_serve(wsgi, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY, ident="alliance-bot")
