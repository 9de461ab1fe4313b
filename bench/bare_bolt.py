"""The baseline for the HTTP benchmark: a bare Bolt app that only acknowledges `/alliance`.

It is served exactly as the bot serves itself: Bolt's WSGI ``SlackRequestHandler`` on the bot's own waitress
server, ``bot.slack.http.HttpServer`` (the same thread count, body limit, paths, connection class and queue log),
with a ``WebClient`` pointed at ``SLACK_API_URL`` (the fake Web API). The only difference from
``alliance-bot serve`` is the bot's own work.

    python bench/bare_bolt.py --port 3101 --threads 8

Environment: ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET`` and ``SLACK_API_URL``. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

# The bot's server and constants, so that both servers match.
from bot.slack.http import EVENTS_PATH, HEALTH_PATH, HttpServer

StartResponse = Callable[..., Any]


def build_app(*, token: str, signing_secret: str, api_url: str) -> App:
    client = WebClient(token=token, base_url=api_url, timeout=10)
    # Like the bot: one bot token, no OAuth, acknowledge first and run listeners on Bolt's executor.
    # Token verification stays on; the fake Web API answers auth.test.
    app = App(
        client=client,
        signing_secret=signing_secret,
        oauth_settings=None,
        process_before_response=False,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.command("/alliance")
    def alliance_command(ack: Ack) -> None:
        ack()

    return app


class BareWsgi:
    """``POST /slack/events`` to Bolt and ``GET /healthz``, with the bot's routing and nothing else."""

    def __init__(self, app: App) -> None:
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return self.slack(environ, start_response)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads (match the bot's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_app(
        token=os.environ["SLACK_BOT_TOKEN"],
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        api_url=os.environ["SLACK_API_URL"],
    )
    HttpServer(BareWsgi(app), host="127.0.0.1", port=args.port, threads=args.threads, ident="bare-bolt").run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
