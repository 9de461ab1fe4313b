"""HTTP mode: Bolt behind its WSGI adapter on waitress, one POST endpoint for Slack plus a health check."""

from __future__ import annotations

import functools
import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body

from bot.slack import signing
from bot.slack.oauth import page
from bot.texts import installs as texts

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # Slack's payloads are small; refuse anything that is not

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class SlackWsgi:
    """The WSGI application: `POST /slack/events` for commands, events and interactivity; `GET /healthz`.

    The edge checks every request before Bolt sees it: a signature that does not verify (a timestamp that is
    not a number or not within five minutes included) gets 401, a signed body that is not what Slack sends
    (not UTF-8, JSON that does not parse or is not an object) gets 400, and neither reaches Bolt, its error
    handler or the Web API.
    """

    def __init__(self, app: App, health: Callable[[], bool], *, signing_secret: str) -> None:
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self.health = health
        self.secret = signing_secret

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = self.health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n" if healthy else b"database unavailable\n"]
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Type", "text/plain")])
            return [b"POST only\n"]
        if environ.get("PATH_INFO") == EVENTS_PATH:
            return self.events(environ, start_response)
        flow = self.slack.app.oauth_flow
        if flow is not None and environ.get("PATH_INFO") in (flow.install_path, flow.redirect_uri_path):
            return self.install(environ, start_response)
        return self.slack(environ, start_response)

    def install(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """The install page and Slack's redirect back (Bolt's OAuth flow): GET only; what goes wrong is a page
        that says so (bot.slack.oauth), and a database out of reach a 503, never a 500."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET"), ("Content-Type", "text/plain")])
            return [b"GET only\n"]
        try:
            answered: list[Any] = []

            def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
                answered.append((status, headers))
                return lambda _: None  # the body is returned, never written

            body = list(self.slack(environ, hold))
        except Exception:
            log.exception("the install flow failed")
            failed = page(503, texts.NOT_INSTALLED_TITLE, texts.UNAVAILABLE)
            data = str(failed.body).encode("utf-8")
            start_response("503 Service Unavailable", [("Content-Type", "text/html; charset=utf-8")])
            return [data]
        start_response(*answered[0])
        return body

    def events(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain(start_response, "400 Bad Request", b"bad Content-Length\n")
        if length < 0 or length > MAX_BODY:
            return _plain(start_response, "413 Request Entity Too Large", b"too large\n")
        body = environ["wsgi.input"].read(length) if length else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        if not signing.verified(self.secret, body, timestamp, environ.get("HTTP_X_SLACK_SIGNATURE")):
            if body.strip() == b"ssl_check=1" or body.startswith(b"ssl_check=1&"):
                # Slack's check of a slash command's URL: nothing to do but answer.
                return _plain(start_response, "200 OK", b"")
            log.info("refused a request whose signature does not verify")
            return _plain(start_response, "401 Unauthorized", b"invalid signature\n")
        if not _well_formed(body, environ.get("CONTENT_TYPE")):
            log.warning("refused a signed request whose body is not what Slack sends")
            return _plain(start_response, "400 Bad Request", b"malformed body\n")
        environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return self.slack(environ, start_response)


def _plain(start_response: StartResponse, status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def _well_formed(body: bytes, content_type: str | None) -> bool:
    """Whether Bolt can read the body as Slack sends it: UTF-8, and an object (JSON, form fields, or a form's
    `payload` holding a JSON object). Parsed exactly as Bolt parses it."""
    try:
        text = body.decode("utf-8")
        parsed = parse_body(text, (content_type or "").split(";")[0].strip() or None)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors; [[[[...]]]]
        return False
    return isinstance(parsed, dict)


THREADS = 8
# Open connections waitress keeps at most (its own default, 100, counts its listening socket and its trigger: the
# 99th client of a burst waited for another to close, half a second under 100 clients). Far below the usual limit
# of 1,024 open files.
CONNECTION_LIMIT = 500
# Connections taken in one turn of waitress's loop (it takes one; see _accept_waiting).
ACCEPT_PER_TURN = 128


class HttpServer:
    """waitress with a graceful stop: `stop()` (safe from a signal handler) closes the listening socket at once,
    lets the requests already in hand be answered (up to `drain_seconds`), then ends `run()`."""

    def __init__(
        self,
        wsgi: Wsgi,
        *,
        host: str,
        port: int,
        threads: int = THREADS,
        drain_seconds: float = 5.0,
        ident: str = "alliance-bot",
    ) -> None:
        from waitress.server import create_server

        server: Any = create_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_BODY,
            ident=ident,
            connection_limit=CONNECTION_LIMIT,
        )
        server.handle_accept = _accept_waiting(server)
        self.server: Any = server
        # waitress logs a warning for every request that finds all its threads busy: under a burst, one log line per
        # request, written by the thread that reads every connection. With them, on PostgreSQL the slowest 1% of
        # acknowledgements took 2.2-2.5 times a bare Bolt app's; without, 1.1-1.7 times (bench/load.py).
        dispatcher = self.server.task_dispatcher
        dispatcher.queue_logger = QueueDepthLog(dispatcher.queue_logger)
        self.server.channel_class = _channel_class()
        self.host = host
        self.drain_seconds = drain_seconds

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def run(self) -> None:
        log.info("listening on http://%s:%d%s", self.host, self.port, EVENTS_PATH)
        self.server.run()
        self.server.task_dispatcher.shutdown(cancel_pending=False, timeout=self.drain_seconds)

    def stop(self) -> None:
        self.server.trigger.pull_trigger(self._stop_accepting)

    def _stop_accepting(self) -> None:
        # In waitress's loop thread (closing a socket under a running select() elsewhere breaks it). Only the
        # listening socket: the server's own close() would also close the trigger the drain needs.
        from waitress import wasyncore

        wasyncore.dispatcher.close(self.server)
        threading.Thread(target=self._drain, name="http-drain", daemon=True).start()

    def _drain(self) -> None:
        from waitress import wasyncore

        deadline = time.monotonic() + self.drain_seconds
        dispatcher = self.server.task_dispatcher
        while time.monotonic() < deadline and (dispatcher.active_count or dispatcher.queue or self._unsent()):
            time.sleep(0.02)
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))

    def _unsent(self) -> bool:
        return any(getattr(channel, "total_outbufs_len", 0) for channel in list(self.server._map.values()))


def _accept_waiting(server: Any) -> Callable[[], None]:
    """waitress's accept, taking every connection waiting (up to ACCEPT_PER_TURN, within the connection limit)
    instead of one. Each turn of waitress's loop waits for the interpreter behind every busy thread: under a burst
    of 100 new connections, with listeners at work, the last were taken 300 ms after the first, one a turn."""
    take_one = server.handle_accept

    def accept() -> None:
        for _ in range(ACCEPT_PER_TURN):
            before = len(server._map)
            if before >= server.adj.connection_limit:
                return
            take_one()
            if len(server._map) == before:
                return  # none left waiting (or one that failed, logged by waitress: the next turn goes on)

    return accept


@functools.cache
def _channel_class() -> type:
    """waitress's connection, except that the loop thread, finding a response being written by the request's thread
    (which holds the connection's output lock while it sends), gives that thread the interpreter instead of going
    round again at once. waitress polls the socket (writable), fails to take the lock and polls again: under a burst
    the request's thread waits for the interpreter while the loop spins on it, a few milliseconds a response."""
    from waitress.channel import HTTPChannel

    class Channel(HTTPChannel):
        def _flush_some_if_lockable(self, do_close: bool = True) -> None:
            HTTPChannel._flush_some_if_lockable(self, do_close=do_close)  # type: ignore[attr-defined]
            if self.total_outbufs_len:
                time.sleep(0)  # the writer sends what it wrote, or wakes the loop for the rest

    return Channel


class QueueDepthLog:
    """Stands in for waitress's queue logger: its "Task queue depth is N" warnings, at most one every `every`
    seconds, with the deepest queue seen since the last one. A backlog is still reported, not once per request."""

    def __init__(self, logger: logging.Logger, every: float = 10.0) -> None:
        self.logger = logger
        self.every = every
        self._last = -every
        self._deepest = 0
        self._lock = threading.Lock()

    def warning(self, message: str, depth: int, *_: object) -> None:
        with self._lock:
            self._deepest = max(self._deepest, depth)
            now = time.monotonic()
            if now - self._last < self.every:
                return
            deepest, self._deepest, self._last = self._deepest, 0, now
        self.logger.warning("Task queue depth is %d (the deepest in the last %.0f s at most)", deepest, self.every)


def serve(wsgi: SlackWsgi, *, host: str, port: int, threads: int = THREADS) -> None:
    HttpServer(wsgi, host=host, port=port, threads=threads).run()
