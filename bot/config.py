"""Settings, read once at start from the environment (and `.env`), validated with a sentence per problem."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence naming it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str
    app_token: str | None
    database_url: str
    api_url: str | None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, cwd: Path | None = None) -> Settings:
        if env.get("SLACK_CLIENT_ID") and env.get("SLACK_CLIENT_SECRET"):
            raise ConfigError(
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are both set, which would switch Bolt to OAuth "
                "(multi-workspace) mode and ignore SLACK_BOT_TOKEN: unset them for this single-workspace bot."
            )
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
        )


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
