"""The HTTP side: `POST /api/messages` (behind the Agents SDK's JWT check) and `GET /healthz`, on aiohttp.

Each activity is carried out on a worker thread (the core and storage are synchronous), and answered 200 once
done; an unreadable one gets 400 and changes nothing. Unexpected errors never reach the caller as a 500.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.teams import listeners
from bot.teams.activity import MalformedActivity, parse
from bot.teams.front import TeamsFrontEnd

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # activities are small; refuse anything that is not

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(front: TeamsFrontEnd, *, auth: Any, health: Callable[[], bool]) -> web.Application:
    """`auth` is the Agents SDK's AgentAuthConfiguration; None turns the JWT check off, which only tests do."""
    app = web.Application(client_max_size=MAX_BODY)
    with warnings.catch_warnings():
        # The SDK's JWT check reads its configuration under this plain string key.
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = auth

    async def messages(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "the body is not JSON"}, status=400)
        try:
            activity = parse(body)
        except MalformedActivity as e:
            log.info("refused a malformed activity: %s", e)
            return web.json_response({"error": str(e)}, status=400)
        if auth is not None and not service_url_matches(request.get("claims_identity"), activity.service_url):
            # We answer at serviceUrl with our own token: only where the Bot Framework's token says it came from.
            log.warning("refused an activity whose serviceUrl does not match its token")
            return web.json_response({"error": "serviceUrl does not match the token"}, status=401)
        await asyncio.to_thread(listeners.handle, front, activity)
        return web.Response(status=200)

    async def healthz(request: web.Request) -> web.StreamResponse:
        ok = await asyncio.to_thread(health)
        return web.Response(status=200 if ok else 503, text="ok\n" if ok else "database unavailable\n")

    handler: Handler = messages
    if auth is not None:
        from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator

        handler = jwt_authorization_decorator(messages)  # type: ignore[no-untyped-call]
    app.router.add_post(MESSAGES_PATH, handler)
    app.router.add_get(HEALTH_PATH, healthz)
    return app


def service_url_matches(identity: Any, service_url: str) -> bool:
    """The activity's serviceUrl is on https and on the host its token names (when the token names one)."""
    url = urlsplit(service_url)
    if url.scheme != "https" or not url.hostname:
        return False
    claimed = identity.get_claim_value("serviceurl") if identity is not None else None
    if not claimed:
        return True
    return (urlsplit(str(claimed)).hostname or "").casefold() == url.hostname.casefold()


class TeamsServer:
    """The aiohttp app on its own event loop: in a background thread beside Slack, or in the foreground alone."""

    def __init__(self, app: web.Application, *, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app, access_log=None)
        self.thread: threading.Thread | None = None
        self._started = threading.Event()

    def start(self) -> int:
        """Listen in a background thread; returns the port (useful when asked for port 0)."""
        self.thread = threading.Thread(target=self._run, name="teams-http", daemon=True)
        self.thread.start()
        if not self._started.wait(timeout=10):
            raise RuntimeError("the Teams HTTP server did not start")
        return self.port

    def serve_forever(self) -> None:
        self._run()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, self.host, self.port)
        self.loop.run_until_complete(site.start())
        addresses = self.runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        log.info("Teams: listening on http://%s:%d%s", self.host, self.port, MESSAGES_PATH)
        self._started.set()
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.runner.cleanup())
            self.loop.close()

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if self.thread is not None:
            self.thread.join(timeout=5)
