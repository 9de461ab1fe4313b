"""Start-up: Slack's word on the token, asked once before Bolt asks it too, as one sentence naming the setting."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from bot.config import Settings, StartupError
from bot.slack.app import web_client


def check_token(settings: Settings) -> None:
    """Ask Slack about the token once (`auth.test`), as Bolt is about to, and say what the answer means."""
    client = web_client(settings)
    try:
        with _quiet("slack_sdk"):  # it logs each failed attempt: the one sentence below says it all
            client.auth_test()
    except SlackApiError as e:
        data: Any = e.response.data
        error = data.get("error") if isinstance(data, dict) else None
        if error:
            raise StartupError(
                f"SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User OAuth Token (xoxb-…) again "
                "from OAuth & Permissions, and reinstall the app to the workspace if it was revoked."
            ) from e
        where = f"SLACK_API_URL {client.base_url}" if settings.api_url else f"Slack's Web API at {client.base_url}"
        raise StartupError(
            f"{where} answered HTTP {e.response.status_code} but not as Slack does: check "
            f"{'SLACK_API_URL' if settings.api_url else 'the network, or set SLACK_API_URL if a proxy stands between'}."
        ) from e
    except (URLError, OSError) as e:
        reason = _reason(e)
        if settings.api_url:
            raise StartupError(
                f"SLACK_API_URL {client.base_url} could not be reached ({reason}): check the address and the network."
            ) from e
        raise StartupError(
            f"Slack could not be reached at {client.base_url} to check SLACK_BOT_TOKEN ({reason}): check the network, "
            "or set HTTPS_PROXY or SLACK_API_URL if Slack is reached through a proxy."
        ) from e


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """`name`'s logger says nothing below CRITICAL for the block, unless we run at DEBUG level."""
    logger = logging.getLogger(name)
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        yield
        return
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reason(error: BaseException) -> str:
    while isinstance(error, URLError) and isinstance(error.reason, BaseException):
        error = error.reason
    if isinstance(error, URLError):
        return str(error.reason)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
