"""A fake of Slack's Web API served over real HTTP, for tests.

``FakeSlack`` runs a ``ThreadingHTTPServer`` on 127.0.0.1 (random port) in a daemon thread and answers
``POST /api/<method>`` the way slack.com does, so a real ``slack_sdk.WebClient(base_url=fake.url)`` (and
therefore Bolt) can talk to it unchanged. Every request is recorded as a :class:`Call`.

The directory (users, teams, channels) is seeded from plain Slack-shaped dicts; :func:`default_world`
builds a Slack Connect channel shared between Acme (the org that installed the app) and Globex.

Response shapes follow Slack's documented answers:

* errors are HTTP 200 with ``{"ok": false, "error": "..."}``; rate limits are HTTP 429 with ``Retry-After``;
* ``conversations.members`` paginates with ``limit``/``cursor`` and ``response_metadata.next_cursor``
  (an empty string on the last page), and so does ``users.list``: the user objects of the token's own workspace
  (an org-wide token's: the ``team_id`` it names), deactivated (``deleted: true``), guest (``is_restricted``) and
  bot users included, and never the people of another organisation met in a Slack Connect channel (Slack:
  "Use users.info to retrieve additional information on cross-team user ID not found in users.list");
* ``chat.postMessage`` answers ``channel``, ``ts`` and the posted ``message``; ``chat.postEphemeral``
  answers ``message_ts``; ``views.*`` answer a full ``view`` with an ``id``.

Installing in many workspaces (Bolt's OAuth flow): :meth:`FakeSlack.grant` hands out a one-time ``code`` as
Slack's authorize page would after an admin approves; ``oauth.v2.access`` (authenticated with the app's client id
and secret, HTTP Basic) trades it for the workspace's bot token, or refreshes a rotating token
(``grant_type=refresh_token``). ``auth.test`` answers for the workspace and bot of the token it is called with, and
a token of an uninstalled workspace (:meth:`FakeSlack.uninstall`) gets ``token_revoked``.

It also serves ``POST /response/<name>`` as a ``response_url`` target (recorded as method ``"response_url"``).

File uploads follow Slack's external upload flow (what ``files_upload_v2`` does): ``files.getUploadURLExternal``
answers an ``upload_url`` served by the fake itself (``POST /upload/v1/<file id>``, recorded as method
``"upload"``, answering ``OK - <length>`` in plain text) and a ``file_id``; ``files.completeUploadExternal``
shares the uploaded files (``files``, ``channel_id``, ``thread_ts``, ``initial_comment``) and answers
``files`` with each one's ``id`` and ``title``. :meth:`FakeSlack.shared_files` lists what was shared, bytes included.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypedDict
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

__all__ = [
    "ACME",
    "ALICE",
    "APP_ID",
    "BOB",
    "BOT",
    "BOT_ID",
    "CHANNEL",
    "ERIN",
    "EVE",
    "GLOBEX",
    "GONE",
    "GUS",
    "PAUL",
    "PIA",
    "THIRD",
    "Call",
    "FakeSlack",
    "Install",
    "World",
    "default_world",
    "make_channel",
    "make_team",
    "make_user",
    "parse_body",
]

# --- ids of the default world -------------------------------------------------------------------------

ACME = "T0ACME001"
GLOBEX = "T0GLBX001"
THIRD = "T0THIRD01"  # a third workspace: in the directory, not in the alliance channel unless a test adds it

ALICE = "U0ALICE01"
BOB = "U0BOB0001"
ERIN = "U0ERIN001"
PAUL = "U0PAUL001"
PIA = "U0PIA0001"
GUS = "U0GUS0001"
BOT = "U0BOT0001"
BOT_ID = "B0BOT0001"
APP_ID = "A0ALLY001"
GONE = "U0GONE001"
EVE = "U0EVE0001"  # of the third workspace

CHANNEL = "C0ALLY001"

# Arguments slack_sdk sends JSON-encoded inside form fields (and Slack decodes server-side).
_JSON_ENCODED_ARGS = frozenset(
    {"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks", "profile", "options"}
)

_FIRST_TS = 1_764_000_000_000_100  # microseconds: "1764000000.000100"

_TZ_LABELS: dict[str, tuple[str, str]] = {
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "Europe/Berlin": ("Central European Time", "Central European Summer Time"),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Asia/Tokyo": ("Japan Standard Time", "Japan Standard Time"),
    "UTC": ("Coordinated Universal Time", "Coordinated Universal Time"),
}


# --- the seeded directory -------------------------------------------------------------------------------


class World(TypedDict):
    """Constructor arguments for :class:`FakeSlack`: ``FakeSlack(**default_world())``."""

    users: dict[str, dict[str, Any]]
    teams: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]


def _tz_fields(tz: str) -> dict[str, Any]:
    """``tz``, ``tz_label`` and ``tz_offset`` (seconds, DST-aware for today) as Slack reports them."""
    now = datetime.now(ZoneInfo(tz))
    offset = now.utcoffset()
    dst = now.dst()
    standard, daylight = _TZ_LABELS.get(tz, (tz, tz))
    return {
        "tz": tz,
        "tz_label": daylight if dst else standard,
        "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
    }


def make_team(team_id: str, name: str, domain: str) -> dict[str, Any]:
    """A ``team.info`` ``team`` object."""
    return {
        "id": team_id,
        "name": name,
        "url": f"https://{domain}.slack.com/",
        "domain": domain,
        "email_domain": f"{domain}.example",
        "icon": {
            "image_default": True,
            "image_34": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-34.png",
            "image_44": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-44.png",
            "image_68": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-68.png",
            "image_88": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-88.png",
            "image_102": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-102.png",
            "image_230": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-230.png",
        },
        "avatar_base_url": "https://ca.slack-edge.com/",
        "is_verified": False,
    }


def make_user(
    user_id: str,
    name: str,
    *,
    team_id: str,
    real_name: str,
    display_name: str | None = None,
    tz: str | None = "America/New_York",
    email_domain: str = "example.com",
    is_admin: bool = False,
    deleted: bool = False,
    is_bot: bool = False,
    bot_id: str | None = None,
) -> dict[str, Any]:
    """A ``users.info`` ``user`` object with Slack's field names.

    Deactivated users come back from Slack stripped down (``deleted: true``, no ``tz``/admin flags), and
    so do they here. Bot users have ``is_bot: true`` and ``profile.bot_id``.
    """
    first, _, last = real_name.partition(" ")
    display = real_name if display_name is None else display_name
    profile: dict[str, Any] = {
        "title": "",
        "phone": "",
        "skype": "",
        "real_name": real_name,
        "real_name_normalized": real_name,
        "display_name": display,
        "display_name_normalized": display,
        "fields": None,
        "status_text": "",
        "status_emoji": "",
        "status_emoji_display_info": [],
        "status_expiration": 0,
        "avatar_hash": f"g{user_id[-6:].lower()}",
        "first_name": first,
        "last_name": last,
        "image_24": f"https://secure.gravatar.com/avatar/{user_id}.jpg?s=24",
        "image_32": f"https://secure.gravatar.com/avatar/{user_id}.jpg?s=32",
        "image_48": f"https://secure.gravatar.com/avatar/{user_id}.jpg?s=48",
        "image_72": f"https://secure.gravatar.com/avatar/{user_id}.jpg?s=72",
        "image_192": f"https://secure.gravatar.com/avatar/{user_id}.jpg?s=192",
        "image_512": f"https://secure.gravatar.com/avatar/{user_id}.jpg?s=512",
        "team": team_id,
    }
    if is_bot:
        profile["bot_id"] = bot_id
        profile["api_app_id"] = APP_ID
        profile["always_active"] = True
    else:
        profile["email"] = f"{name}@{email_domain}"
    user: dict[str, Any] = {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": deleted,
        "color": "9f69e7",
        "real_name": real_name,
        "profile": profile,
        "is_bot": is_bot,
        "is_app_user": False,
        "updated": 1_700_000_000,
    }
    if deleted:
        return user
    if tz is not None:
        user.update(_tz_fields(tz))
    user.update(
        {
            "is_admin": is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_email_confirmed": not is_bot,
            "who_can_share_contact_card": "EVERYONE",
        }
    )
    return user


def make_channel(
    channel_id: str,
    name: str,
    *,
    members: list[str],
    host_team: str,
    shared_team_ids: list[str] | None = None,
    creator: str = "",
    topic: str = "",
    purpose: str = "",
    is_private: bool = False,
) -> dict[str, Any]:
    """A ``conversations.info`` ``channel`` object plus the ``members`` list the fake keeps beside it."""
    shared = list(shared_team_ids or [host_team])
    ext_shared = len(shared) > 1
    return {
        "id": channel_id,
        "name": name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": is_private,
        "created": 1_700_000_000,
        "is_archived": False,
        "is_general": False,
        "unlinked": 0,
        "name_normalized": name,
        "is_shared": ext_shared,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": host_team,
        "updated": 1_700_000_000_000,
        "parent_conversation": None,
        "creator": creator,
        "is_ext_shared": ext_shared,
        "shared_team_ids": shared,
        "pending_connected_team_ids": [],
        "is_member": BOT in members,
        "topic": {"value": topic, "creator": creator if topic else "", "last_set": 0},
        "purpose": {"value": purpose, "creator": creator if purpose else "", "last_set": 0},
        "previous_names": [],
        "conversation_host_id": host_team,
        "members": list(members),
    }


def default_world() -> World:
    """A Slack Connect channel between Acme (app installed here) and Globex. Fresh copies every call."""
    teams = {
        ACME: make_team(ACME, "Acme", "acme"),
        GLOBEX: make_team(GLOBEX, "Globex", "globex"),
        THIRD: make_team(THIRD, "Initech", "initech"),
    }
    acme_mail, globex_mail = "acme.example", "globex.example"
    users = {
        ALICE: make_user(
            ALICE,
            "alice",
            team_id=ACME,
            real_name="Alice Anders",
            display_name="alice",
            tz="America/New_York",
            email_domain=acme_mail,
            is_admin=True,
        ),
        BOB: make_user(
            BOB,
            "bob",
            team_id=ACME,
            real_name="Bob Baker",
            display_name="bob",
            tz="America/Chicago",
            email_domain=acme_mail,
        ),
        ERIN: make_user(
            ERIN,
            "erin",
            team_id=ACME,
            real_name="Erin Evans",
            display_name="",
            tz="America/New_York",
            email_domain=acme_mail,
        ),
        PAUL: make_user(
            PAUL,
            "paul",
            team_id=GLOBEX,
            real_name="Paul Peters",
            display_name="paul",
            tz="Europe/Berlin",
            email_domain=globex_mail,
        ),
        PIA: make_user(
            PIA,
            "pia",
            team_id=GLOBEX,
            real_name="Pia Porter",
            display_name="pia",
            tz="Europe/Berlin",
            email_domain=globex_mail,
        ),
        GUS: make_user(
            GUS,
            "gus",
            team_id=GLOBEX,
            real_name="Gus Grant",
            display_name="gus",
            tz="Asia/Tokyo",
            email_domain=globex_mail,
        ),
        BOT: make_user(
            BOT,
            "alliance_bot",
            team_id=ACME,
            real_name="Alliance Bot",
            display_name="",
            tz="America/Los_Angeles",
            is_bot=True,
            bot_id=BOT_ID,
        ),
        EVE: make_user(
            EVE,
            "eve",
            team_id=THIRD,
            real_name="Eve Ellis",
            display_name="eve",
            tz="Europe/London",
            email_domain="initech.example",
        ),
        GONE: make_user(
            GONE,
            "gone",
            team_id=ACME,
            real_name="Gordon Gone",
            display_name="gordon",
            email_domain=acme_mail,
            deleted=True,
        ),
    }
    channels = {
        CHANNEL: make_channel(
            CHANNEL,
            "acme-globex",
            members=[ALICE, BOB, ERIN, PAUL, PIA, GUS, BOT],
            host_team=ACME,
            shared_team_ids=[ACME, GLOBEX],
            creator=ALICE,
            topic="Acme x Globex alliance",
            purpose="Commitments, owners and check-ins between Acme and Globex",
        ),
    }
    return World(users=users, teams=teams, channels=channels)


# --- recorded calls -------------------------------------------------------------------------------------


@dataclass
class Call:
    """One request the fake received.

    ``args`` merges query string and body (form, multipart or JSON); JSON-in-form fields such as
    ``blocks`` and ``view`` are decoded. ``headers`` keys are lower-case. ``path`` is the request path.
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    path: str = ""
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)


@dataclass(frozen=True)
class Install:
    """One workspace's installation of the app, as the fake issued it."""

    team_id: str
    bot_user_id: str
    bot_id: str
    installer: str
    rotating: bool = False
    enterprise_id: str | None = None
    org_wide: bool = False


@dataclass
class _Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


_Handler = Callable[[dict[str, Any]], dict[str, Any]]


class FakeSlack:
    """Slack's Web API on a local port. Use as a context manager or call ``start()``/``stop()``.

    >>> with FakeSlack() as fake:
    ...     client = WebClient(token="xoxb-test", base_url=fake.url)
    """

    def __init__(
        self,
        users: dict[str, dict[str, Any]] | None = None,
        teams: dict[str, dict[str, Any]] | None = None,
        channels: dict[str, dict[str, Any]] | None = None,
        *,
        bot_user_id: str = BOT,
        bot_id: str = BOT_ID,
        app_id: str = APP_ID,
        team_id: str = ACME,
        latency: float = 0.0,
    ) -> None:
        """`latency`: seconds every Web API answer takes (Slack's round trip from a hosted server is 0.1-0.3 s)."""
        world = default_world() if users is None and teams is None and channels is None else None
        self.users: dict[str, dict[str, Any]] = world["users"] if world else copy.deepcopy(users or {})
        self.teams: dict[str, dict[str, Any]] = world["teams"] if world else copy.deepcopy(teams or {})
        channel_map = world["channels"] if world else copy.deepcopy(channels or {})
        self.channels: dict[str, dict[str, Any]] = channel_map
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_id = team_id
        self.latency = latency  # seconds before every answer: a network round trip, for benchmarks
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._scripted: dict[str, deque[_Scripted]] = {}
        self._ts = itertools.count(_FIRST_TS, 100)
        self._view_seq = itertools.count(1)
        self._top_view_id: str | None = None
        self._root_view_id: str | None = None
        self._ims: dict[str, str] = {}  # IM channel id -> user id
        self._reactions: set[tuple[str, str, str]] = set()
        self._posted: set[tuple[str, str]] = set()  # (channel id, ts) of every message the bot posted
        self.pins: list[tuple[str, str]] = []  # (channel id, ts) pinned, in order
        self.client_id = "1111111111.2222222222"
        self.client_secret = "fake-client-secret"
        self.installs: dict[str, Install] = {}  # bot token -> the installation it belongs to
        self._grants: dict[str, Install] = {}  # one-time code -> the installation it will make
        self._refresh: dict[str, Install] = {}  # refresh token -> the installation it refreshes
        self.revoked: set[str] = set()
        self.token_lifetime = 43200  # seconds a rotating bot token lives (Slack's is twelve hours)
        self._token_seq = itertools.count(1)
        self._file_seq = itertools.count(1)
        self.files: dict[str, dict[str, Any]] = {}  # file id -> filename, length, content, and where it was shared
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, _Handler] = {
            "auth.test": self._auth_test,
            "oauth.v2.access": self._oauth_v2_access,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "team.info": self._team_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "views.publish": self._views_publish,
            "reactions.add": self._reactions_add,
            "pins.add": self._pins_add,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="FakeSlack", daemon=True)
        self._thread = thread
        thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The ``base_url`` for ``WebClient``: ``http://127.0.0.1:<port>/api/``."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "default") -> str:
        """A ``response_url`` served by this fake; POSTs to it are recorded as method ``"response_url"``."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # --- recorded calls ------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Poll until at least ``count`` calls to ``method`` (matching ``predicate``) were recorded."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [c for c in self.calls_to(method) if predicate is None or predicate(c)]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                with self._lock:
                    seen = "\n".join(f"  {c.method} {c.args!r}" for c in self.calls) or "  (none)"
                raise AssertionError(
                    f"expected {count} call(s) to {method!r} within {timeout}s, "
                    f"got {len(matching)} matching; calls seen:\n{seen}"
                )
            time.sleep(0.01)

    def clear(self) -> None:
        """Forget recorded calls, uploaded files and pending scripted answers."""
        with self._lock:
            self.calls.clear()
            self._scripted.clear()
            self.files.clear()

    # --- scripting -----------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str = "ratelimited",
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP ``status`` and ``{"ok": false, ...}``.

        A 429 carries ``Retry-After: <retry_after>`` like Slack. ``status=200`` gives a plain API error.
        """
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        with self._lock:
            queue = self._scripted.setdefault(method, deque())
            for _ in range(times):
                queue.append(_Scripted(status, {"ok": False, "error": error}, headers))

    def answer_next(self, method: str, body: dict[str, Any], *, status: int = 200) -> None:
        """Answer the next call to ``method`` with ``body`` verbatim instead of the simulated answer."""
        with self._lock:
            self._scripted.setdefault(method, deque()).append(_Scripted(status, copy.deepcopy(body)))

    # --- request plumbing (called from server threads) -----------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _next_scripted(self, method: str) -> _Scripted | None:
        with self._lock:
            queue = self._scripted.get(method)
            return queue.popleft() if queue else None

    def _dispatch(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> _Scripted:
        auth = headers.get("authorization", "")
        if method == "oauth.v2.access":
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if auth != f"Basic {expected}":
                return _Scripted(200, {"ok": False, "error": "invalid_client_id"})
        elif method != "response_url":
            if not auth.startswith(("Bearer xoxb-", "Bearer xoxp-")):
                return _Scripted(200, {"ok": False, "error": "not_authed"})
            if auth.removeprefix("Bearer ") in self.revoked:
                return _Scripted(200, {"ok": False, "error": "token_revoked"})
        args = {**args, "_token": auth.removeprefix("Bearer ")}
        scripted = self._next_scripted(method)
        if scripted is not None:
            return scripted
        if method == "response_url":
            return _Scripted(200, {"ok": True})
        handler = self._handlers.get(method)
        if handler is None:
            return _Scripted(200, {"ok": False, "error": "unknown_method", "req_method": method})
        try:
            with self._lock:
                body = handler(args)
        except Exception as exc:  # a bug in the fake must not look like a network failure
            return _Scripted(500, {"ok": False, "error": f"fake_slack_internal_error: {exc!r}"})
        return _Scripted(200, body)

    # --- helpers ---------------------------------------------------------------------------------------

    def _next_ts(self) -> str:
        micros = next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _team_domain(self, team_id: str) -> str:
        return str(self.teams.get(team_id, {}).get("domain", "example"))

    def _resolve_channel(self, channel: Any) -> str | None:
        """A channel id the bot can post to: a known channel, an opened IM, or a user id (opens an IM)."""
        if not isinstance(channel, str) or not channel:
            return None
        if channel in self.channels or channel in self._ims:
            return channel
        if channel in self.users:
            return self._open_im(channel)
        return None

    def _open_im(self, user_id: str) -> str:
        im_id = "D" + user_id[1:]
        self._ims[im_id] = user_id
        return im_id

    def _bot_message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": args.get("text", ""),
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.users.get(self.bot_user_id, {}).get("name", "bot"),
                "deleted": False,
                "team_id": self.team_id,
            },
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if args.get(key):
                message[key] = args[key]
        if args.get("thread_ts"):
            message["parent_user_id"] = self.bot_user_id
        return message

    def _view(self, args: dict[str, Any], *, view_id: str | None = None, previous: str | None = None) -> Any:
        spec = args.get("view")
        if not isinstance(spec, dict):
            return None
        vid = view_id or f"V0VIEW{next(self._view_seq):04d}"
        if view_id is None:
            if previous is None:
                self._root_view_id = vid
            self._top_view_id = vid
        root = (self._root_view_id or vid) if previous else vid
        return {
            "id": vid,
            "team_id": self.team_id,
            "type": spec.get("type", "modal"),
            "blocks": spec.get("blocks", []),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{vid.lower()}",
            "title": spec.get("title"),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": spec.get("close"),
            "submit": spec.get("submit"),
            "previous_view_id": previous,
            "root_view_id": root,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", args.get("external_id", "")),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    # --- methods (called with self._lock held) ----------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        install = self.installs.get(args.get("_token", ""))
        team_id = install.team_id if install else self.team_id
        bot_user_id = install.bot_user_id if install else self.bot_user_id
        bot = self.users.get(bot_user_id, {})
        team = self.teams.get(team_id, {})
        answer = {
            "ok": True,
            "url": team.get("url", f"https://{self._team_domain(team_id)}.slack.com/"),
            "team": team.get("name", ""),
            "user": bot.get("name", ""),
            "team_id": team_id,
            "user_id": bot_user_id,
            "bot_id": install.bot_id if install else self.bot_id,
            "is_enterprise_install": bool(install and install.enterprise_id and install.org_wide),
        }
        if install and install.enterprise_id:
            answer["enterprise_id"] = install.enterprise_id
        return answer

    # --- installations (OAuth) -------------------------------------------------------------------------

    def grant(
        self,
        team_id: str,
        *,
        bot_user_id: str,
        bot_id: str,
        installer: str,
        rotating: bool = False,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> str:
        """What Slack's authorize page does when an admin approves: a one-time code for the redirect URL."""
        code = f"code-{team_id.lower()}-{next(self._token_seq)}"
        with self._lock:
            self._grants[code] = Install(team_id, bot_user_id, bot_id, installer, rotating, enterprise_id, org_wide)
        return code

    def uninstall(self, team_id: str) -> None:
        """The workspace removed the app: its bot tokens stop working."""
        with self._lock:
            self.revoked.update(token for token, install in self.installs.items() if install.team_id == team_id)

    def token_of(self, team_id: str) -> str:
        """The newest bot token issued to a workspace."""
        with self._lock:
            return [token for token, install in self.installs.items() if install.team_id == team_id][-1]

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("grant_type") == "refresh_token":
            install = self._refresh.pop(str(args.get("refresh_token")), None)
            if install is None:
                return {"ok": False, "error": "invalid_refresh_token"}
        else:
            install = self._grants.pop(str(args.get("code")), None)
            if install is None:
                return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-{install.team_id.lower()}-{next(self._token_seq)}"
        self.installs[token] = install
        team = self.teams.get(install.team_id, {})
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": install.installer},
            "scope": "app_mentions:read,chat:write,commands,users:read,channels:read,groups:read,im:write,team:read",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": install.bot_user_id,
            "team": None if install.org_wide else {"id": install.team_id, "name": team.get("name", "")},
            "enterprise": {"id": install.enterprise_id, "name": "Grid"} if install.enterprise_id else None,
            "is_enterprise_install": install.org_wide,
        }
        if install.rotating:
            refresh = f"xoxe-1-{install.team_id.lower()}-{next(self._token_seq)}"
            self._refresh[refresh] = install
            answer.update({"refresh_token": refresh, "expires_in": self.token_lifetime})
        return answer

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": copy.deepcopy(user)}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        install = self.installs.get(args.get("_token", ""))
        if install is not None and install.org_wide:
            team_id = str(args.get("team_id") or "")  # "required if org token is used"
            if not team_id:
                return {"ok": False, "error": "missing_argument"}
        else:
            team_id = install.team_id if install else self.team_id  # a workspace token ignores `team_id`
        ids = [user_id for user_id, user in self.users.items() if user.get("team_id") == team_id]
        try:
            limit = int(args.get("limit") or 0)
        except ValueError:
            return {"ok": False, "error": "invalid_limit"}
        start = _page_start(ids, args.get("cursor"))
        if start is None:
            return {"ok": False, "error": "invalid_cursor"}
        end = len(ids) if limit <= 0 else start + min(limit, 1000)  # no limit: everything at once (legacy)
        rest = ids[end:]
        return {
            "ok": True,
            "members": [copy.deepcopy(self.users[user_id]) for user_id in ids[start:end]],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": _encode_cursor(rest[0]) if rest else ""},
        }

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args.get("channel", ""))
        if channel_id in self._ims:
            im = {
                "id": channel_id,
                "created": 1_700_000_000,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "updated": 1_700_000_000_000,
                "user": self._ims[channel_id],
                "is_user_deleted": bool(self.users.get(self._ims[channel_id], {}).get("deleted")),
                "priority": 0,
            }
            return {"ok": True, "channel": im}
        channel = self.channels.get(channel_id)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.get("is_private") and self.bot_user_id not in channel.get("members", []):
            # A private channel the bot is not in is, to the bot, no channel at all.
            return {"ok": False, "error": "channel_not_found"}
        answer = {k: copy.deepcopy(v) for k, v in channel.items() if k != "members"}
        if _truthy(args.get("include_num_members")):
            answer["num_members"] = len(channel.get("members", []))
        return {"ok": True, "channel": answer}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        members: list[str] = list(channel.get("members", []))
        try:
            limit = int(args.get("limit") or 100)
        except ValueError:
            return {"ok": False, "error": "invalid_limit"}
        limit = max(1, min(limit, 1000))
        start = _page_start(members, args.get("cursor"))
        if start is None:
            return {"ok": False, "error": "invalid_cursor"}
        page = members[start : start + limit]
        rest = members[start + limit :]
        next_cursor = _encode_cursor(rest[0]) if rest else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel_id = str(args["channel"])
            if channel_id not in self._ims:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel_id}}
        raw = args.get("users", "")
        user_ids = [u.strip() for u in (raw if isinstance(raw, list) else str(raw).split(",")) if u.strip()]
        if not user_ids:
            return {"ok": False, "error": "users_list_not_supplied"}
        for user_id in user_ids:
            if user_id not in self.users:
                return {"ok": False, "error": "user_not_found"}
            if self.users[user_id].get("deleted"):
                return {"ok": False, "error": "user_disabled"}
        if len(user_ids) == 1:
            already = ("D" + user_ids[0][1:]) in self._ims
            return {
                "ok": True,
                "no_op": already,
                "already_open": already,
                "channel": {"id": self._open_im(user_ids[0])},
            }
        mpim_id = "G" + "".join(sorted(u[-3:] for u in user_ids))[:10].upper()
        return {"ok": True, "channel": {"id": mpim_id}}

    def _team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        team = self.teams.get(str(args.get("team") or self.team_id))
        if team is None:
            return {"ok": False, "error": "team_not_found"}
        return {"ok": True, "team": copy.deepcopy(team)}

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        if channel_id is None:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        install = self.installs.get(args.get("_token", ""))
        channel = self.channels.get(channel_id)
        if install is not None and channel is not None and install.bot_user_id not in channel.get("members", []):
            return {"ok": False, "error": "not_in_channel"}  # an installation's bot posts only where it was invited
        ts = self._next_ts()
        self._posted.add((channel_id, ts))
        return {"ok": True, "channel": channel_id, "ts": ts, "message": self._bot_message(args, ts)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        if channel_id is None:
            return {"ok": False, "error": "channel_not_found"}
        user_id = str(args.get("user", ""))
        if user_id not in self.users:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": ["invalid `user_id`"]}}
        channel = self.channels.get(channel_id)
        if channel is not None and user_id not in channel.get("members", []):
            return {"ok": False, "error": "user_not_in_channel"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        if channel_id is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = args.get("ts")
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        message = self._bot_message(args, str(ts))
        message.pop("ts", None)
        message.pop("team", None)
        return {
            "ok": True,
            "channel": channel_id,
            "ts": str(ts),
            "text": args.get("text", ""),
            "message": message,
        }

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        if channel_id is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(args.get("message_ts", ""))
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        domain = self._team_domain(self.team_id)
        permalink = f"https://{domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel_id, "permalink": permalink}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            return {"ok": False, "error": "invalid_arguments"}
        view = self._view(args)
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": view}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            return {"ok": False, "error": "invalid_arguments"}
        view = self._view(args, previous=self._top_view_id)
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": view}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("view_id") and not args.get("external_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = self._view(args, view_id=str(args.get("view_id") or f"V0EXT{args['external_id']}"))
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": view}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """A Home tab: a `home` view of at most 100 blocks, for a person Slack knows (docs: views.publish, which
        needs no scope; an unknown user is `invalid_arguments` with "invalid `user_id`")."""
        user_id = str(args.get("user_id") or "")
        if not user_id:
            return {"ok": False, "error": "invalid_arguments"}
        if user_id not in self.users:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": ["invalid `user_id`"]}}
        spec = args.get("view")
        if not isinstance(spec, dict) or spec.get("type") != "home" or len(spec.get("blocks") or []) > 100:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": self._view(args, view_id=f"V0HOME{user_id[-4:]}")}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        if channel_id is None:
            return {"ok": False, "error": "channel_not_found"}
        name = str(args.get("name", "")).strip(":")
        ts = str(args.get("timestamp", ""))
        if not name:
            return {"ok": False, "error": "invalid_name"}
        if not ts:
            return {"ok": False, "error": "no_item_specified"}
        key = (channel_id, ts, name)
        if key in self._reactions:
            return {"ok": False, "error": "already_reacted"}
        self._reactions.add(key)
        return {"ok": True}

    def _pins_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        if channel_id is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(args.get("timestamp", ""))
        if not ts:
            return {"ok": False, "error": "no_item_specified"}
        if (channel_id, ts) not in self._posted:
            return {"ok": False, "error": "message_not_found"}
        if (channel_id, ts) in self.pins:
            return {"ok": False, "error": "already_pinned"}
        self.pins.append((channel_id, ts))
        return {"ok": True}

    def shared_files(self) -> list[dict[str, Any]]:
        """Files completed with files.completeUploadExternal, in order: id, filename, title, content (bytes),
        channel_id, thread_ts, initial_comment."""
        with self._lock:
            return [dict(f) for f in self.files.values() if f.get("shared")]

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        try:
            length = int(str(args.get("length", "")))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not filename or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F0FILE{next(self._file_seq):05d}"
        # A file belongs to the installation that asked for its upload URL: only that token can complete it.
        self.files[file_id] = {
            "id": file_id,
            "filename": filename,
            "length": length,
            "content": None,
            "token": args.get("_token"),
        }
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/v1/{file_id}", "file_id": file_id}

    def _receive_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """The bytes posted to an upload URL (called from the HTTP handler, outside `_dispatch`'s lock)."""
        with self._lock:
            entry = self.files.get(file_id)
            if entry is None:
                return 404, "Not Found"
            entry["content"] = data
        return 200, f"OK - {len(data)}"

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("files")
        try:
            wanted = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(wanted, list) or not wanted:
            return {"ok": False, "error": "invalid_arguments"}
        channel_id: str | None = None
        if args.get("channel_id"):
            channel_id = self._resolve_channel(args["channel_id"])
            if channel_id is None:
                return {"ok": False, "error": "channel_not_found"}
        answered = []
        for item in wanted:
            entry = self.files.get(str(item.get("id", "")))
            if entry is None or entry["content"] is None or entry["token"] != args.get("_token"):
                return {"ok": False, "error": "file_not_found"}
        for item in wanted:
            entry = self.files[str(item["id"])]
            entry.update(
                shared=True,
                title=item.get("title") or entry["filename"],
                channel_id=channel_id,
                thread_ts=args.get("thread_ts") or None,
                initial_comment=args.get("initial_comment") or None,
            )
            answered.append({"id": entry["id"], "title": entry["title"]})
        return {"ok": True, "files": answered}


# --- HTTP ---------------------------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in {"1", "true"})


def _encode_cursor(user_id: str) -> str:
    return base64.b64encode(f"user:{user_id}".encode()).decode()


def _page_start(ids: list[str], cursor: object) -> int | None:
    """Where a page begins: 0 without a cursor, the cursor's id's place with one, None for a cursor Slack refuses."""
    if not cursor:
        return 0
    after = _decode_cursor(str(cursor))
    return None if after is None or after not in ids else ids.index(after)


def _decode_cursor(cursor: str) -> str | None:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded.removeprefix("user:") if decoded.startswith("user:") else None


def _flatten(parsed: dict[str, list[str]]) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def _decode_json_fields(args: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_ENCODED_ARGS & args.keys():
        value = args[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message: Message = BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    )
    args: dict[str, Any] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        args[name] = data if part.get_filename() else data.decode("utf-8", "replace")
    return args


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Decode a request body the way Slack does: JSON, form-encoded or multipart."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if ctype == "application/json":
        loaded = json.loads(body.decode("utf-8"))
        return loaded if isinstance(loaded, dict) else {"_json": loaded}
    if ctype == "multipart/form-data":
        return _parse_multipart(content_type, body)
    return _flatten(parse_qs(body.decode("utf-8"), keep_blank_values=True))


def _make_handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSlack/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            split = urlsplit(self.path)
            path = split.path
            if path.startswith("/upload/v1/"):
                self._upload(path.removeprefix("/upload/v1/"))
                return
            if path.startswith("/api/"):
                method = path.removeprefix("/api/")
            elif path.startswith("/response/"):
                method = "response_url"
            else:
                self._send(404, {"ok": False, "error": "not_found"}, {})
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                args = _flatten(parse_qs(split.query, keep_blank_values=True))
                args.update(parse_body(headers.get("content-type", ""), raw))
            except (ValueError, UnicodeDecodeError):
                fake._record(Call(method, {"_raw": raw.decode("utf-8", "replace")}, headers, path))
                self._send(200, {"ok": False, "error": "invalid_json"}, {})
                return
            _decode_json_fields(args)
            fake._record(Call(method, args, headers, path))
            answer = fake._dispatch(method, args, headers)
            if fake.latency:
                time.sleep(fake.latency)
            self._send(answer.status, answer.body, answer.headers)

        def _upload(self, file_id: str) -> None:
            # The upload URL takes the file's bytes as they are and answers in plain text, as Slack's does.
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake._record(Call("upload", {"file_id": file_id, "length": len(raw)}, headers, self.path))
            status, text = fake._receive_upload(file_id, raw)
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
