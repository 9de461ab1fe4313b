"""Builds the Bolt app: client, middleware, listeners and the error handler, from settings and the core."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.core.service import AllianceService
from bot.slack import listeners, oauth, signing
from bot.slack.front import SlackFrontEnd
from bot.slack.home import ClientForTeam, HomeTab
from bot.slack.inbox import Inbox, InboxApp, Superseded, current, replaying
from bot.slack.installations import Installations, ManyWorkspaces, OneWorkspace
from bot.slack.listeners import home as home_listener
from bot.slack.mrkdwn import GuardedWebClient
from bot.slack.replies import Where
from bot.texts import base as base_texts

log = logging.getLogger(__name__)


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """Our WebClient: SLACK_BOT_TOKEN's (or `token`, an installation's), the base URL, the retries, the guard."""
    client = GuardedWebClient(
        token=token or settings.bot_token, base_url=settings.api_url or WebClient.BASE_URL, timeout=10
    )
    # 429s honour Retry-After; 5xx and a dropped connection are retried with backoff.
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(),
        ]
    )
    return client


class _NoUnusedTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself (`token or os.environ.get(...)`, slack_bolt/app/app.py)
    and, as we pass `client=` (ours carries the token, the base URL and the retry handlers), warns at every start that
    this token "will be unused". No argument stops that read (an empty token falls back to the environment too), so
    this one warning, which says nothing wrong, is dropped; every other Bolt message passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def bolt_logger() -> logging.Logger:
    logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _NoUnusedTokenWarning) for f in logger.filters):
        logger.addFilter(_NoUnusedTokenWarning())
    return logger


def build_app(
    settings: Settings,
    service: AllianceService,
    client: WebClient,
    *,
    wake_sweeper: Callable[[], object] | None = None,
    inbox: Inbox | None = None,
    installations: Installations | None = None,
    client_for_team: ClientForTeam | None = None,
    home_tab: HomeTab | None = None,
) -> App:
    """The Bolt app. Its requests go through `inbox` (one over the service's database unless given): stored
    before they are acknowledged, carried out on its executor, marked done with the work (bot.slack.inbox).

    With `installations` for many workspaces (ManyWorkspaces, from SLACK_CLIENT_ID/SECRET), Bolt runs its OAuth
    flow and authorizes each request from the installation it came through; `client` is then the installations'
    own (bot.slack.installations). Otherwise one token speaks for one workspace.
    Home tabs are published through `client_for_team(team_id)` (the team's installation unless given), or by
    `home_tab` when the caller made it (tests give it pretend timers)."""
    secret = settings.signing_secret or ""
    inbox = inbox or Inbox(service.db, signing_secret=secret)
    installations = installations or OneWorkspace(client)
    many = isinstance(installations, ManyWorkspaces) and settings.oauth is not None
    app = InboxApp(
        client=client,
        signing_secret=settings.signing_secret,
        # None keeps SLACK_CLIENT_ID/SECRET left in the environment from flipping Bolt into OAuth mode by itself:
        # Settings decides the mode (bot.config.oauth_settings).
        oauth_settings=oauth.oauth_settings(settings.oauth, installations) if many else None,  # type: ignore[arg-type]
        # Given here too, Bolt's authorization (and its token rotation) uses our client, hence SLACK_API_URL.
        installation_store=installations.store if many else None,  # type: ignore[attr-defined]
        installation_store_bot_only=True if many else None,
        process_before_response=False,
        listener_executor=inbox.executor,
        logger=bolt_logger(),
    )
    app.acks_first = inbox.acks_first
    front = SlackFrontEnd(service=service, client=client, wake_sweeper=wake_sweeper)
    app.middleware(inbox.middleware())
    app.middleware(once_per_event(service))
    if many:
        app.middleware(oauth.once_per_installation(service, installations))  # type: ignore[arg-type]
        oauth.register(app, service, installations)  # type: ignore[arg-type]
    app.middleware(installations.middleware())
    listeners.register(app, front)
    home_listener.register(app, home_tab or HomeTab(service, client_for_team or _home_client(installations, client)))
    app.error(error_handler(front, secret))
    return app


def _home_client(installations: Installations, client: WebClient) -> ClientForTeam:
    """A person's Home tab is their own workspace's installation's; the core's client when it has none."""
    return lambda team_id: installations.client_for_team(team_id) or client


def once_per_event(service: AllianceService) -> Callable[..., Any]:
    """Slack delivers events at least once; handle each event id once, across restarts too. (The inbox drops a
    retry before this; what it carries out again after a crash is let through.)"""

    def dedupe(body: dict[str, Any], next: Callable[[], None], logger: logging.Logger) -> BoltResponse | None:
        event_id = body.get("event_id")
        retry = body.get("type") == "event_callback" and isinstance(event_id, str) and not replaying()
        if retry and not service.first_delivery(str(event_id)):
            logger.info("event %s was already handled; acknowledging the retry only", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    return dedupe


def error_handler(front: SlackFrontEnd, signing_secret: str) -> Callable[..., BoltResponse | None]:
    """Unexpected errors: logged with the trace, and the person gets one calm private line, never a trace.

    Only a verified request gets that line: the people and channel an unverified body names are anyone's
    choice, and the bot must not be made to message them. (The WSGI layer refuses such requests first; this is
    the second lock, for whatever reaches Bolt another way.)"""

    def handle(
        error: Exception, body: dict[str, Any], request: BoltRequest, response: BoltResponse | None
    ) -> BoltResponse | None:
        if not _verified(request, signing_secret):
            log.warning("refused an unverified request (%s)", type(error).__name__)
            return BoltResponse(status=401, body="") if response is not None else None
        if isinstance(error, Superseded):
            log.info("%s: another process carries this request out", error)
            return BoltResponse(status=200, body="") if response is not None else None
        ticket = current.get()
        if ticket is not None:
            ticket.failed = True
        log.exception("unexpected error while handling a Slack request", exc_info=error)
        if body.get("type") == "view_submission":
            # A modal has no channel to answer in: say it beside the form, which stays open (an empty answer
            # would close it as if the commitment had been recorded).
            field = _first_input(body)
            if response is not None and field is not None:
                line = base_texts.INTERNAL_ERROR.removeprefix(":warning: ")
                return BoltResponse(status=200, body={"response_action": "errors", "errors": {field: line}})
        where = _where(body)
        if where is not None:
            try:
                front.replier.private(where, base_texts.INTERNAL_ERROR)
            except Exception:
                log.exception("could not tell the user about the error")
        # After ack() Slack already has its answer: Bolt then passes no response and refuses one back.
        return BoltResponse(status=200, body="") if response is not None else None

    return handle


def _verified(request: BoltRequest, signing_secret: str) -> bool:
    """Socket Mode requests come over our own authenticated connection; an HTTP one must carry a valid signature
    (or be a request the inbox took in, which it did only after Bolt had checked the signature)."""
    if request.mode == "socket_mode" or current.get() is not None:
        return True
    timestamp = request.headers.get("x-slack-request-timestamp", [""])[0]
    given = request.headers.get("x-slack-signature", [""])[0]
    return signing.verified(signing_secret, request.raw_body.encode("utf-8"), timestamp, given)


def _first_input(body: dict[str, Any]) -> str | None:
    blocks = (body.get("view") or {}).get("blocks") or []
    return next((b.get("block_id") for b in blocks if b.get("type") == "input" and b.get("block_id")), None)


def _where(body: dict[str, Any]) -> Where | None:
    event = body.get("event") or {}
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or event.get("channel")
    user = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
    if not channel or not user:
        return None
    thread = event.get("thread_ts") or event.get("ts")
    return Where(channel_id=channel, user_id=user, thread_ts=thread)
