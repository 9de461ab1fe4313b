"""Credentials both ways: tokens for our sends (Microsoft Entra, client credentials), and the check of theirs."""

from __future__ import annotations

import threading
from typing import Any

from bot.config import TeamsSettings
from bot.teams.connector import ConnectorError

# The connector service accepts tokens for the Bot Framework's own resource.
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
AUTHORITY = "https://login.microsoftonline.com/{tenant}"


class EntraTokens:
    """Bearer tokens for the connector service; MSAL keeps them until shortly before they expire."""

    def __init__(self, settings: TeamsSettings) -> None:
        self.settings = settings
        self._app: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._app is None:
                import msal  # only a deployment with Teams needs it loaded

                self._app = msal.ConfidentialClientApplication(
                    self.settings.app_id,
                    client_credential=self.settings.app_password,
                    authority=AUTHORITY.format(tenant=self.settings.tenant_id),
                )
            result = self._app.acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            reason = result.get("error_description") or result.get("error") if isinstance(result, dict) else None
            raise ConnectorError(401, f"no token from Microsoft Entra: {reason or 'unknown error'}")
        return str(token)


def inbound_auth(settings: TeamsSettings) -> Any:
    """The Agents SDK's configuration for checking the Bot Framework's JWT on every request to /api/messages."""
    from microsoft_agents.hosting.core import AgentAuthConfiguration

    return AgentAuthConfiguration(
        client_id=settings.app_id, tenant_id=settings.tenant_id, client_secret=settings.app_password
    )
