"""Settings, read once at start from the environment (and `.env`), validated with a sentence per problem."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence naming it."""


class StartupError(Exception):
    """The world refused a well-formed setting (a port in use, a database out of reach, a token Slack refuses);
    the message is one sentence naming the setting. See bot/startup.py."""


SLACK_KEYS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
TEAMS_KEYS = ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_CLIENT_SECRET", "TEAMS_TENANT_ID")
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DEFAULT_TEAMS_PORT = 3978
DEFAULT_DELIVERY_WORKERS = 16
# Slack publishes no figure for chat.postMessage's workspace-wide budget; this stays well inside what it has taken
# in practice, and a 429 is honoured whatever the setting.
DEFAULT_WORKSPACE_RATE = 100.0
DEFAULT_SWEEP_SECONDS = 60


@dataclass(frozen=True)
class TeamsSettings:
    """The bot's Microsoft Entra app registration: one tenant, one client secret."""

    app_id: str
    app_password: str
    tenant_id: str
    port: int = DEFAULT_TEAMS_PORT


@dataclass(frozen=True)
class DeliverySettings:
    """How the sweep sends: `workers` messages in flight at once, and at most `workspace_rate` messages a second
    to one workspace (Slack keeps a workspace-wide budget for chat.postMessage besides one a second per channel)."""

    workers: int = DEFAULT_DELIVERY_WORKERS
    workspace_rate: float = DEFAULT_WORKSPACE_RATE


@dataclass(frozen=True)
class OAuthSettings:
    """The Slack app's credentials for installing it in many workspaces (Bolt's OAuth flow): with them the bot
    speaks in each workspace with that workspace's own installation, kept in the database."""

    client_id: str
    client_secret: str
    redirect_uri: str | None = None  # None: the one registered in the app's settings
    install_path: str = "/slack/install"
    redirect_path: str = "/slack/oauth_redirect"
    token_rotation: bool = True  # refresh expiring bot tokens (Slack's opt-in token rotation) before use


@dataclass(frozen=True)
class Settings:
    """Slack's settings (`bot_token`, `signing_secret`) are None when only Teams is configured. `oauth` is set
    (and `bot_token` None) when the bot serves many workspaces, each through its own installation."""

    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    database_url: str
    api_url: str | None
    teams: TeamsSettings | None = None
    delivery: DeliverySettings = DeliverySettings()
    sweep_seconds: int = DEFAULT_SWEEP_SECONDS
    oauth: OAuthSettings | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def slack(self) -> bool:
        return self.bot_token is not None or self.oauth is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, cwd: Path | None = None) -> Settings:
        slack = any(env.get(key, "").strip() for key in SLACK_KEYS)
        teams = teams_settings(env)
        if not slack and teams is None:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set, nor TEAMS_APP_ID: configure Slack (SLACK_BOT_TOKEN, "
                "SLACK_SIGNING_SECRET), Teams (TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_TENANT_ID) or both, in .env."
            )
        if not slack:
            return cls(
                bot_token=None,
                signing_secret=None,
                app_token=None,
                database_url=database_url(env, cwd=cwd),
                api_url=None,
                teams=teams,
                delivery=delivery_settings(env),
                sweep_seconds=sweep_seconds(env),
            )
        oauth = oauth_settings(env)
        bot_token = None
        if oauth is None:
            bot_token = _required(env, "SLACK_BOT_TOKEN", "xoxb-", "the bot token from OAuth & Permissions")
        signing_secret = _required(env, "SLACK_SIGNING_SECRET", None, "from Basic Information → App Credentials")
        if not re.fullmatch(r"[0-9a-fA-F]{16,128}", signing_secret):
            raise ConfigError(
                "SLACK_SIGNING_SECRET is malformed: it is the hexadecimal signing secret from Basic Information."
            )
        app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
        if app_token is not None and not app_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN is malformed: an app-level token starts with xapp- (leave it empty for HTTP mode)."
            )
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            database_url=database_url(env, cwd=cwd),
            api_url=api_url(env),
            teams=teams,
            delivery=delivery_settings(env),
            sweep_seconds=sweep_seconds(env),
            oauth=oauth,
        )


def oauth_settings(env: Mapping[str, str]) -> OAuthSettings | None:
    """Many workspaces when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set (then SLACK_BOT_TOKEN and Socket
    Mode are not: each workspace's token comes from its installation, and Slack
    sends installs to a public redirect URL). None keeps the one-workspace bot on SLACK_BOT_TOKEN."""
    client_id = env.get("SLACK_CLIENT_ID", "").strip()
    client_secret = env.get("SLACK_CLIENT_SECRET", "").strip()
    if not client_id and not client_secret:
        return None
    where = "Basic Information → App Credentials"
    if (not client_id or not client_secret) and env.get("SLACK_BOT_TOKEN", "").strip():
        return None  # one of the two left over beside a bot token: one workspace, as before
    if not client_id or not client_secret:
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise ConfigError(f"{missing} is not set: installing in many workspaces needs both ({where}).")
    if not re.fullmatch(r"[0-9]+\.[0-9]+", client_id):
        raise ConfigError(f"SLACK_CLIENT_ID is malformed: it looks like 1234567890.1234567890 ({where}).")
    if env.get("SLACK_BOT_TOKEN", "").strip():
        raise ConfigError(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: keep SLACK_BOT_TOKEN for one workspace, or the "
            "client id and secret for many (each workspace's token then comes from its installation), not both."
        )
    if env.get("SLACK_APP_TOKEN", "").strip():
        raise ConfigError(
            "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID: installing in many workspaces runs over HTTP (Slack sends "
            "installs to the redirect URL); leave SLACK_APP_TOKEN empty, or use SLACK_BOT_TOKEN for Socket Mode."
        )
    redirect_uri = env.get("SLACK_REDIRECT_URI", "").strip() or None
    if redirect_uri is not None and not re.match(r"^https?://[^/\s]+/", redirect_uri):
        raise ConfigError(
            "SLACK_REDIRECT_URI is malformed: give the full URL, e.g. https://bot.example.com/slack/oauth_redirect."
        )
    redirect_path = urlsplit(redirect_uri).path if redirect_uri else "/slack/oauth_redirect"
    install_path = env.get("SLACK_INSTALL_PATH", "").strip() or "/slack/install"
    if not install_path.startswith("/") or install_path in (redirect_path, "/slack/events", "/healthz"):
        raise ConfigError("SLACK_INSTALL_PATH is malformed: give a path of its own such as /slack/install.")
    rotation = env.get("SLACK_TOKEN_ROTATION", "").strip().lower() not in ("0", "false", "no", "off")
    return OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        install_path=install_path,
        redirect_path=redirect_path,
        token_rotation=rotation,
    )


def teams_settings(env: Mapping[str, str]) -> TeamsSettings | None:
    """Teams' settings when any of them is set (then all are needed), else None."""
    if not any(env.get(key, "").strip() for key in TEAMS_KEYS):
        return None
    where = "the Azure Bot's Microsoft App ID, its client secret and tenant"
    app_id = _required(env, "TEAMS_APP_ID", None, where)
    if not GUID.fullmatch(app_id):
        raise ConfigError("TEAMS_APP_ID is malformed: it is the app registration's Application (client) ID, a GUID.")
    password = env.get("TEAMS_APP_PASSWORD", "").strip() or env.get("TEAMS_CLIENT_SECRET", "").strip()
    if not password:
        raise ConfigError(f"TEAMS_APP_PASSWORD is not set: put it in .env or the environment ({where}).")
    tenant_id = _required(env, "TEAMS_TENANT_ID", None, where)
    if not GUID.fullmatch(tenant_id):
        raise ConfigError("TEAMS_TENANT_ID is malformed: it is the Directory (tenant) ID of the app registration.")
    port_text = env.get("TEAMS_PORT", "").strip() or str(DEFAULT_TEAMS_PORT)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("TEAMS_PORT is malformed: give a TCP port number such as 3978.")
    return TeamsSettings(app_id=app_id, app_password=password, tenant_id=tenant_id, port=int(port_text))


def delivery_settings(env: Mapping[str, str]) -> DeliverySettings:
    workers_text = env.get("DELIVERY_WORKERS", "").strip() or str(DEFAULT_DELIVERY_WORKERS)
    if not workers_text.isdigit() or not 1 <= int(workers_text) <= 256:
        raise ConfigError("DELIVERY_WORKERS is malformed: give a whole number of messages in flight, 1 to 256.")
    rate_text = env.get("DELIVERY_WORKSPACE_RATE", "").strip() or str(DEFAULT_WORKSPACE_RATE)
    try:
        rate = float(rate_text)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 10_000:
        raise ConfigError("DELIVERY_WORKSPACE_RATE is malformed: give messages a second per workspace, such as 100.")
    return DeliverySettings(workers=int(workers_text), workspace_rate=rate)


def sweep_seconds(env: Mapping[str, str]) -> int:
    """How often `serve` sweeps (deliveries, check-ins, reconciliation): a minute unless SWEEP_SECONDS says."""
    text = env.get("SWEEP_SECONDS", "").strip() or str(DEFAULT_SWEEP_SECONDS)
    if not text.isdigit() or not 1 <= int(text) <= 3600:
        raise ConfigError("SWEEP_SECONDS is malformed: give a whole number of seconds from 1 to 3600, such as 60.")
    return int(text)


def database_url(env: Mapping[str, str], *, cwd: Path | None = None) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{(cwd or Path.cwd()) / 'alliance.db'}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is malformed: use sqlite:///path/to/file.db or postgresql://user@host:5432/dbname."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError(
            f"DATABASE_URL names {parsed.get_backend_name()!r}: only sqlite:/// and postgresql:// are supported."
        )
    return url


def api_url(env: Mapping[str, str]) -> str | None:
    url = env.get("SLACK_API_URL", "").strip()
    if not url:
        return None
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError("SLACK_API_URL is malformed: give a base URL such as https://proxy.example.com/api/.")
    return url if url.endswith("/") else url + "/"


def _required(env: Mapping[str, str], name: str, prefix: str | None, where: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: put it in .env or the environment ({where}).")
    if prefix and not value.startswith(prefix):
        raise ConfigError(f"{name} is malformed: it should start with {prefix} ({where}).")
    return value


def environment() -> dict[str, str]:
    return dict(os.environ)
