"""A small synchronous client of the Bot Framework connector service (the Teams side of a conversation).

The core and the sweep are synchronous, so the bot's own sends are too: a POST with a bearer token from the
Microsoft identity platform, and a clear error (with Retry-After) when the service says no.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

TIMEOUT = 10.0
Tokens = Callable[[], str]  # a current bearer token for the connector service


class ConnectorError(Exception):
    def __init__(self, status: int, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}: {reason}")
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


class Connector:
    def __init__(self, tokens: Tokens, *, timeout: float = TIMEOUT) -> None:
        self.tokens = tokens
        self.timeout = timeout

    # ---- messages -------------------------------------------------------------------------------------------

    def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str | None:
        """Post a new message to a conversation (a channel thread when the id ends in ;messageid=…)."""
        answer = self._call(
            "POST", service_url, f"v3/conversations/{quote(conversation_id, safe='')}/activities", activity
        )
        return str(answer["id"]) if isinstance(answer, dict) and answer.get("id") else None

    def reply(self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]) -> str | None:
        """Answer an incoming activity: in a channel the answer goes in its thread."""
        path = f"v3/conversations/{quote(conversation_id, safe='')}/activities/{quote(activity_id, safe='')}"
        answer = self._call("POST", service_url, path, {**activity, "replyToId": activity_id})
        return str(answer["id"]) if isinstance(answer, dict) and answer.get("id") else None

    def create_personal(self, service_url: str, *, bot_id: str, user_teams_id: str, tenant_id: str) -> str:
        """The one-to-one chat between the bot and a person (created, or the existing one returned)."""
        body = {
            "bot": {"id": bot_id},
            "members": [{"id": user_teams_id}],
            "isGroup": False,
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        answer = self._call("POST", service_url, "v3/conversations", body)
        if not isinstance(answer, dict) or not answer.get("id"):
            raise ConnectorError(502, "the connector created no conversation")
        return str(answer["id"])

    # ---- members ---------------------------------------------------------------------------------------------

    def members(self, service_url: str, conversation_id: str, *, pages: int = 5) -> list[dict[str, Any]]:
        """The people of a conversation (for a team channel: the team), page by page."""
        found: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(pages):
            path = f"v3/conversations/{quote(conversation_id, safe='')}/pagedmembers?pageSize=200"
            if token:
                path += f"&continuationToken={quote(token, safe='')}"
            answer = self._call("GET", service_url, path, None)
            if not isinstance(answer, dict):
                break
            found.extend(m for m in answer.get("members") or [] if isinstance(m, dict))
            token = answer.get("continuationToken")
            if not token:
                break
        return found

    def member(self, service_url: str, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        path = f"v3/conversations/{quote(conversation_id, safe='')}/members/{quote(user_id, safe='')}"
        try:
            answer = self._call("GET", service_url, path, None)
        except ConnectorError as e:
            if e.status == 404:
                return None
            raise
        return answer if isinstance(answer, dict) else None

    # ---- the wire --------------------------------------------------------------------------------------------

    def _call(self, method: str, service_url: str, path: str, body: dict[str, Any] | None) -> Any:
        url = service_url.rstrip("/") + "/" + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.tokens()}")
        if data is not None:
            request.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            retry = e.headers.get("Retry-After") if e.headers else None
            detail = e.read()[:300].decode("utf-8", "replace")
            raise ConnectorError(e.code, detail or str(e.reason), retry_after=_seconds(retry)) from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
