"""Installed in many workspaces: Bolt's OAuth flow over our database, its pages, and what happens around it.

- `oauth_settings`: the install page (`GET /slack/install`) and the redirect (`/slack/oauth_redirect`), with the
  state checked (a one-time value in our database, and a cookie tying it to the browser that asked), installations
  kept by slack_sdk's SQLAlchemy store, bot tokens refreshed before they expire when Slack rotates them.
- `once_per_installation`: in a shared channel both organisations' installations receive the same event, each
  under its own event id: it is carried out once.
- `register`: `app_uninstalled` and `tokens_revoked` remove the installation, and each alliance of that
  workspace hears, in its channel, who has to reinstall or that it carries on through the other organisation's.
"""

from __future__ import annotations

import hashlib
import html
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from sqlmodel import select

from bot.config import OAuthSettings as OAuthConfig
from bot.core.service import AllianceService
from bot.slack.inbox import replaying
from bot.slack.installations import ManyWorkspaces
from bot.texts import installs as texts
from storage.models import Alliance, Party

log = logging.getLogger(__name__)

# What the bot asks of a workspace: the bot scopes of manifest.yml (tests keep the two the same).
SCOPES = (
    "app_mentions:read",
    "chat:write",
    "commands",
    "users:read",
    "channels:read",
    "groups:read",
    "im:write",
    "team:read",
    "pins:write",
    "files:write",
)

# A failed install's reason (Bolt's FailureArgs.reason) → the HTTP status and the sentence the admin reads.
FAILURES: dict[str, tuple[int, str]] = {
    "invalid_browser": (400, texts.INVALID_BROWSER),
    "invalid_state": (401, texts.INVALID_STATE),
    "missing_code": (400, texts.MISSING_CODE),
    "invalid_code": (401, texts.INVALID_CODE),
    "storage_error": (503, texts.STORAGE_ERROR),
    "access_denied": (200, texts.ACCESS_DENIED),
}


def oauth_settings(config: OAuthConfig, installations: ManyWorkspaces) -> OAuthSettings:
    return OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(SCOPES),
        redirect_uri=config.redirect_uri,
        install_path=config.install_path,
        redirect_uri_path=config.redirect_path,
        installation_store=installations.store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=120,
        state_store=installations.states,
        callback_options=CallbackOptions(success=_installed, failure=_failed),
    )


def page(status: int, title: str, sentence: str) -> BoltResponse:
    """A plain page an admin's browser shows: a title and one sentence, escaped."""
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Alliance Bot</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(sentence)}</p></body></html>"
    )
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


def _installed(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.team_name or installation.enterprise_name or "your workspace"
    return page(200, texts.INSTALLED_TITLE, texts.installed(where, org_wide=bool(installation.is_enterprise_install)))


def _failed(args: FailureArgs) -> BoltResponse:
    status, sentence = FAILURES.get(args.reason, (400, texts.declined(args.reason)))
    log.info("an install did not complete: %s", args.reason)
    return page(status, texts.NOT_INSTALLED_TITLE, sentence)


# ---- one event, several installations ------------------------------------------------------------------------


def delivery_key(body: dict[str, Any]) -> str | None:
    """What makes an event the same one whichever installation it came through: its type, channel, instant,
    edit and author. Slack gives each installation's copy its own event id; this is the same for all."""
    if body.get("type") != "event_callback" or not isinstance(body.get("event"), dict):
        return None
    event = body["event"]
    edited = event.get("edited") if isinstance(event.get("edited"), dict) else {}
    channel = event.get("channel")
    parts = (
        event.get("type"),
        event.get("subtype"),
        channel.get("id") if isinstance(channel, dict) else channel,
        event.get("ts") or event.get("event_ts"),
        edited.get("ts"),
        event.get("user") if isinstance(event.get("user"), str) else (event.get("user") or {}).get("id"),
    )
    if parts[3] is None:
        return None
    digest = hashlib.sha256("\x1f".join(str(p or "") for p in parts).encode()).hexdigest()
    return f"same:{digest[:48]}"  # stored beside the event ids (ProcessedEvent), within its 64 characters


def once_per_installation(service: AllianceService, installations: ManyWorkspaces) -> Callable[..., Any]:
    """Carry out once an event every installation in a shared channel receives; ignore what the bot's twin (the
    other organisation's installation of this same app) does, as Bolt ignores the bot's own events."""

    def dedupe(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        event: dict[str, Any] = body["event"] if isinstance(body.get("event"), dict) else {}
        if event.get("type") in ("app_uninstalled", "tokens_revoked"):
            next()  # each installation's own news, never a copy of another's
            return None
        author = event.get("user") if isinstance(event.get("user"), str) else None
        if author is not None and author in installations.bot_user_ids():
            return BoltResponse(status=200, body="")
        key = delivery_key(body)
        if key is not None and not replaying() and not service.first_delivery(key):
            log.info("event %s came through another installation already; acknowledged only", body.get("event_id"))
            return BoltResponse(status=200, body="")
        next()
        return None

    return dedupe


# ---- uninstalls ------------------------------------------------------------------------------------------------


def register(app: App, service: AllianceService, installations: ManyWorkspaces) -> None:
    @app.event("app_uninstalled")
    def on_uninstalled(body: dict[str, Any]) -> None:
        removed(service, installations, enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"))

    @app.event("tokens_revoked")
    def on_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not (event.get("tokens") or {}).get("bot"):
            return  # only user tokens (this app asks for none): the bot carries on
        removed(service, installations, enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"))


def removed(
    service: AllianceService, installations: ManyWorkspaces, *, enterprise_id: str | None, team_id: str | None
) -> None:
    """Forget the workspace's installation, then tell each of its alliances through whichever installation is left."""
    installations.forget(enterprise_id=enterprise_id, team_id=team_id)
    log.info("the bot was removed from workspace %s", team_id or enterprise_id)
    if not team_id:
        return
    with service.db.session() as session:
        rows = session.exec(
            select(Alliance.channel_id, Party.name)
            .join(Party, Party.alliance_id == Alliance.id)  # type: ignore[arg-type]
            .where(Alliance.platform == "slack", Party.team_id == team_id)
        ).all()
    for channel_id, gone in rows:
        voice_team = installations.voice_team(channel_id)
        voice = installations.client_for_team(voice_team) if voice_team else None
        if voice is None:
            log.warning("no installation is left in %s to say that %s removed the bot", channel_id, gone)
            continue
        with service.db.session() as session:
            party = session.exec(
                select(Party.name)
                .join(Alliance, Party.alliance_id == Alliance.id)  # type: ignore[arg-type]
                .where(Alliance.channel_id == channel_id, Party.team_id == voice_team)
            ).first()
        text = texts.removed(gone, carried_by=party or "the other organisation")
        try:
            voice.chat_postMessage(channel=channel_id, text=text, unfurl_links=False)
        except Exception:
            log.exception("could not tell %s that %s removed the bot", channel_id, gone)
