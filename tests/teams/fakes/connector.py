"""A fake of the Bot Framework connector service for Teams, served over real HTTP, for tests.

``FakeConnector`` runs a ``ThreadingHTTPServer`` on 127.0.0.1 (random port) in a daemon thread. Activities point
their ``serviceUrl`` at it, so the bot's replies and proactive sends land here and are recorded as
:class:`Call`. It answers like the connector service:

* ``POST /v3/conversations/{id}/activities`` (a new message; ``;messageid=`` in the id: a channel thread) and
  ``POST /v3/conversations/{id}/activities/{activityId}`` (a reply) answer ``{"id": ...}``;
* ``POST /v3/conversations`` creates a one-to-one chat and answers its ``{"id": ...}``;
* ``GET /v3/conversations/{id}/pagedmembers`` and ``GET /v3/conversations/{id}/members/{userId}`` answer
  TeamsChannelAccount objects from the world below (404 for a stranger);
* every request must carry ``Authorization: Bearer <TOKEN>`` (401 otherwise); ``fail_next`` makes the next
  sends fail with a status (429 with Retry-After, 403, ...).

The world: a team of Acme (the tenant that installed the bot) whose channel has guests from Globex.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

TOKEN = "test-connector-token"
ACME_TENANT = "a1a1a1a1-0000-4000-8000-00000000ac3e"
BOT_ID = "28:0b0b0b0b-1111-4111-8111-111111111111"
BOT_NAME = "Alliance Bot"
# A team's General channel has the team's own id: the bot is installed there, and there the alliance lives.
TEAM = "19:acme-globex-team@thread.tacv2"
CHANNEL = TEAM
CHANNEL_NAME = "acme-globex"


@dataclass(frozen=True)
class Person:
    key: str
    teams_id: str
    aad_id: str
    name: str
    email: str
    tz: str
    guest: bool = False

    def account(self, tenant_id: str = ACME_TENANT) -> dict[str, Any]:
        """As a roster (TeamsChannelAccount) names them; someone of another tenant in a shared channel has theirs."""
        upn = self.email.replace("@", "_") + "#EXT#@acme.onmicrosoft.com" if self.guest else self.email
        return {
            "id": self.teams_id,
            "name": self.name,
            "aadObjectId": self.aad_id,
            "email": self.email,
            "userPrincipalName": upn,
            "givenName": self.name.split()[0],
            "surname": self.name.split()[-1],
            "tenantId": tenant_id,
            "userRole": "guest" if self.guest else "user",
        }


def _person(key: str, n: int, name: str, domain: str, tz: str, *, guest: bool = False) -> Person:
    return Person(
        key=key,
        teams_id=f"29:1{key}-teams-id-{n:04d}",
        aad_id=f"{n:08d}-aaaa-4aaa-8aaa-{key:0>12}"[:36],
        name=name,
        email=f"{key}@{domain}",
        tz=tz,
        guest=guest,
    )


ALICE = _person("alice", 1, "Alice Anders", "acme.example", "America/New_York")
BOB = _person("bob", 2, "Bob Baker", "acme.example", "America/Chicago")
ERIN = _person("erin", 3, "Erin Evans", "acme.example", "America/New_York")
PAUL = _person("paul", 4, "Paul Peters", "globex.example", "Europe/Berlin", guest=True)
PIA = _person("pia", 5, "Pia Porter", "globex.example", "Europe/Berlin", guest=True)
GUS = _person("gus", 6, "Gus Grant", "globex.example", "Asia/Tokyo", guest=True)
PEOPLE = {p.key: p for p in (ALICE, BOB, ERIN, PAUL, PIA, GUS)}


@dataclass
class Call:
    method: str
    path: str
    conversation_id: str | None
    reply_to: str | None
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return dict(attachment["content"])
        return None


class FakeConnector:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.roster: list[Person] = list(PEOPLE.values())
        self.tenants: dict[str, str] = {}  # Teams id -> home tenant, for people of another tenant
        self.failures: deque[tuple[int, dict[str, str]]] = deque()
        self._ids = itertools.count(1_700_000_000_001)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-connector", daemon=True)

    def __enter__(self) -> FakeConnector:
        self.thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- what tests ask ---------------------------------------------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def sends(self) -> list[Call]:
        """Every message posted (new messages and replies), in order."""
        return [
            c for c in self.calls if c.method == "POST" and c.conversation_id is not None and "/activities" in c.path
        ]

    def fail_next(self, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        for _ in range(times):
            self.failures.append((status, headers))

    # ---- the service ------------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else {}
        split = urlsplit(request.path)
        parts = [unquote(p) for p in split.path.strip("/").split("/")]
        conversation_id = parts[2] if len(parts) > 2 and parts[:2] == ["v3", "conversations"] else None
        reply_to = parts[4] if len(parts) > 4 and parts[3] == "activities" else None
        call = Call(method, split.path, conversation_id, reply_to, body, dict(request.headers.items()))
        with self._lock:
            self.calls.append(call)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _answer(request, 401, {"error": {"code": "Unauthorized"}})
        if method == "POST" and self.failures:
            status, headers = self.failures.popleft()
            return _answer(request, status, {"error": {"code": "Failed"}}, headers)
        if method == "POST" and parts == ["v3", "conversations"]:
            member = body["members"][0]["id"]
            return _answer(request, 201, {"id": f"a:personal-{member}"})
        if method == "POST" and len(parts) >= 4 and parts[3] == "activities":
            return _answer(request, 201, {"id": str(next(self._ids))})
        if method == "GET" and len(parts) == 4 and parts[3] == "pagedmembers":
            members = [p.account(self.tenants.get(p.teams_id, ACME_TENANT)) for p in self.roster]
            return _answer(request, 200, {"members": members})
        if method == "GET" and len(parts) == 5 and parts[3] == "members":
            for person in self.roster:
                if parts[4] in (person.teams_id, person.aad_id):
                    return _answer(request, 200, person.account(self.tenants.get(person.teams_id, ACME_TENANT)))
            return _answer(request, 404, {"error": {"code": "MemberNotFoundInConversation"}})
        return _answer(request, 404, {"error": {"code": "NotFound"}})


def _answer(
    request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)
