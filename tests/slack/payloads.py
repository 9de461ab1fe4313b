"""Requests exactly as Slack sends them to ``POST /slack/events``, signed with the v0 scheme.

Each builder returns a :class:`SignedRequest` (raw body bytes + headers). Slash commands and interactivity
payloads are ``application/x-www-form-urlencoded`` (interactivity as a single ``payload=<json>`` field);
Events API callbacks are ``application/json``. Signature: ``v0=`` + hex HMAC-SHA256 of
``v0:{timestamp}:{body}`` keyed with the signing secret, in ``X-Slack-Signature``, with the timestamp in
``X-Slack-Request-Timestamp``. Pass an old ``timestamp`` to build a replayed/stale request.

Defaults come from :func:`tests.slack.fakes.web_api.default_world` (Acme installed the app; the channel is a
Slack Connect channel shared with Globex).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.slack.fakes.web_api import (
    ACME,
    ALICE,
    APP_ID,
    BOT,
    BOT_ID,
    CHANNEL,
    GLOBEX,
    GONE,
    PAUL,
    default_world,
)

__all__ = [
    "ACME",
    "ALICE",
    "API_APP_ID",
    "BOT",
    "CHANNEL",
    "GLOBEX",
    "GONE",
    "PAUL",
    "SIGNING_SECRET",
    "VERIFICATION_TOKEN",
    "SignedRequest",
    "app_home_opened",
    "app_mention",
    "block_action",
    "channel_shared",
    "channel_unshared",
    "checkboxes",
    "datepicker",
    "home_block_action",
    "member_joined_channel",
    "member_left_channel",
    "message_shortcut",
    "plain_text_input",
    "sign",
    "slash_command",
    "static_select",
    "url_verification",
    "user_change",
    "users_select",
    "users_select_action",
    "view_submission",
]

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
"""Default signing secret (the example value from Slack's request-verification docs)."""

VERIFICATION_TOKEN = "gIkuvaNzQIHg97ATvDxqgjtO"
"""The deprecated verification token Slack still sends in ``token``."""

API_APP_ID = APP_ID

_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"
_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

_WORLD = default_world()
_seq = itertools.count(1)


@dataclass
class SignedRequest:
    """What Slack puts on the wire: ``body`` bytes and the headers, ready for a test client."""

    body: bytes
    headers: dict[str, str]

    @property
    def content_type(self) -> str:
        return self.headers["Content-Type"]

    def decoded(self) -> dict[str, Any]:
        """The body as a dict (JSON body, form fields, or the decoded ``payload`` of interactivity)."""
        if self.content_type.startswith(_JSON):
            loaded: dict[str, Any] = json.loads(self.body)
            return loaded
        form = {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}
        if set(form) == {"payload"}:
            payload: dict[str, Any] = json.loads(form["payload"])
            return payload
        return form

    def environ(self, path: str = "/slack/events") -> dict[str, Any]:
        """A WSGI environ for calling a WSGI app (e.g. Bolt's ``SlackRequestHandler``) directly."""
        env: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": self.content_type,
            "CONTENT_LENGTH": str(len(self.body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(self.body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            if name.lower() != "content-type":
                env["HTTP_" + name.upper().replace("-", "_")] = value
        return env


def sign(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """Slack's v0 signature headers for ``body``."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def _signed(
    body: bytes,
    content_type: str,
    *,
    signing_secret: str,
    timestamp: int | None,
    extra: dict[str, str] | None = None,
) -> SignedRequest:
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {"Content-Type": content_type, "User-Agent": _USER_AGENT, **sign(body, signing_secret, ts)}
    headers.update(extra or {})
    return SignedRequest(body=body, headers=headers)


def _interactive(payload: dict[str, Any], *, signing_secret: str, timestamp: int | None) -> SignedRequest:
    body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()
    return _signed(body, _FORM, signing_secret=signing_secret, timestamp=timestamp)


# --- directory look-ups ------------------------------------------------------------------------------


def _user(user_id: str) -> dict[str, Any]:
    return _WORLD["users"].get(user_id, {"id": user_id, "name": user_id.lower(), "team_id": ACME})


def _user_team(user_id: str) -> str:
    return str(_user(user_id).get("team_id", ACME))


def _team_domain(team_id: str) -> str:
    return str(_WORLD["teams"].get(team_id, {}).get("domain", team_id.lower()))


def _channel_name(channel_id: str) -> str:
    if channel_id.startswith("D"):
        return "directmessage"
    return str(_WORLD["channels"].get(channel_id, {}).get("name", channel_id.lower()))


def _is_ext_shared(channel_id: str) -> bool:
    return bool(_WORLD["channels"].get(channel_id, {}).get("is_ext_shared", False))


def _payload_user(user_id: str) -> dict[str, Any]:
    name = str(_user(user_id).get("name", user_id.lower()))
    return {"id": user_id, "username": name, "name": name, "team_id": _user_team(user_id)}


def _payload_team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": _team_domain(team_id)}


def _new_ts() -> str:
    """A unique message ts near now, e.g. ``"1764000123.000042"``."""
    return f"{int(time.time())}.{next(_seq) % 1_000_000:06d}"


def _trigger_id() -> str:
    n = next(_seq)
    return f"{1_000_000_000_000 + n}.{ACME[1:]}.{uuid.uuid4().hex}"


def _default_response_url(team_id: str, kind: str = "commands") -> str:
    return f"https://hooks.slack.com/{kind}/{team_id}/{1_000_000_000 + next(_seq)}/{uuid.uuid4().hex[:24]}"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


# --- state.values helpers ------------------------------------------------------------------------------


def plain_text_input(value: str | None) -> dict[str, Any]:
    """``state.values`` entry of a plain_text_input (``value`` is ``None`` when left empty)."""
    return {"type": "plain_text_input", "value": value}


def users_select(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def datepicker(date: str | None) -> dict[str, Any]:
    """``date`` as Slack sends it: ``"YYYY-MM-DD"``."""
    return {"type": "datepicker", "selected_date": date}


def checkboxes(*options: str | tuple[str, str]) -> dict[str, Any]:
    """Each option is ``value`` or ``(value, label)``."""
    selected = []
    for option in options:
        value, label = option if isinstance(option, tuple) else (option, option)
        selected.append({"text": _plain(label), "value": value})
    return {"type": "checkboxes", "selected_options": selected}


def static_select(value: str | None, label: str | None = None) -> dict[str, Any]:
    option = None if value is None else {"text": _plain(label or value), "value": value}
    return {"type": "static_select", "selected_option": option}


def multi_users_select(*user_ids: str) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": list(user_ids)}


def number_input(value: str | None) -> dict[str, Any]:
    """``state.values`` entry of a number_input: Slack sends the number as a string (``None`` when empty)."""
    return {"type": "number_input", "value": value}


# --- builders ------------------------------------------------------------------------------------------


def slash_command(
    text: str,
    *,
    user: str = ALICE,
    channel: str = CHANNEL,
    command: str = "/alliance",
    response_url: str | None = None,
    trigger_id: str | None = None,
    team_id: str | None = None,
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A slash command invocation (form-encoded). ``team_id`` defaults to the invoking user's team."""
    team = team_id or _user_team(user)
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team,
        "team_domain": _team_domain(team),
        "channel_id": channel,
        "channel_name": _channel_name(channel),
        "user_id": user,
        "user_name": str(_user(user).get("name", user.lower())),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or _default_response_url(team),
        "trigger_id": trigger_id or _trigger_id(),
    }
    return _signed(urlencode(fields).encode(), _FORM, signing_secret=signing_secret, timestamp=timestamp)


def _event_context(event_type: str, channel: str) -> str:
    context = {"et": event_type, "tid": ACME, "aid": API_APP_ID, "cid": channel}
    raw = json.dumps(context, separators=(",", ":"))
    return "4-" + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _rich_text(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
        }
    ]


def app_mention(
    text: str,
    *,
    user: str = PAUL,
    channel: str = CHANNEL,
    event_id: str | None = None,
    ts: str | None = None,
    thread_ts: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    edited_by: str | None = None,
) -> SignedRequest:
    """An Events API ``event_callback`` carrying an ``app_mention``.

    ``edited_by``: the message ``ts`` was edited; Slack sends the mention again with the same ``ts``, a new
    ``event_id`` and ``"edited": {"user": …, "ts": …}`` (the message object's ``edited``, as in
    docs.slack.dev/reference/events/message and ``AppMentionEvent.edited`` of @slack/types).

    ``text`` gets ``<@U0BOT0001> `` prepended unless it already mentions the bot (Slack's text always
    contains the mention). ``event_id`` and ``ts`` are unique per call unless given; reuse an
    ``event_id`` with ``retry_num`` to model Slack's redelivery (``X-Slack-Retry-Num``/``-Reason``).
    The envelope's ``team_id`` is the app's workspace (Acme) even when a Globex user speaks; the event
    carries ``user_team``/``source_team`` of the speaker as Slack does in shared channels.
    """
    mention = f"<@{BOT}>"
    full_text = text if mention in text else f"{mention} {text}".rstrip()
    message_ts = ts or _new_ts()
    speaker_team = _user_team(user)
    profile = _user(user).get("profile", {})
    event: dict[str, Any] = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "app_mention",
        "text": full_text,
        "user": user,
        "ts": message_ts,
        "blocks": _rich_text(full_text),
        "team": speaker_team,
        "user_team": speaker_team,
        "source_team": speaker_team,
        "user_profile": {
            "avatar_hash": profile.get("avatar_hash", ""),
            "image_72": profile.get("image_72", ""),
            "first_name": profile.get("first_name", ""),
            "real_name": profile.get("real_name", ""),
            "display_name": profile.get("display_name", ""),
            "team": speaker_team,
            "name": _user(user).get("name", ""),
            "is_restricted": False,
            "is_ultra_restricted": False,
        },
        "channel": channel,
        "event_ts": message_ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    if edited_by is not None:
        event["edited"] = {"user": edited_by, "ts": _new_ts()}
    envelope: dict[str, Any] = {
        "token": VERIFICATION_TOKEN,
        "team_id": ACME,
        "context_team_id": ACME,
        "context_enterprise_id": None,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:9].upper()}",
        "event_time": int(float(message_ts)),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ACME,
                "user_id": BOT,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": _is_ext_shared(channel),
        "event_context": _event_context("app_mention", channel),
    }
    extra = None
    if retry_num is not None:
        extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
    body = json.dumps(envelope, separators=(",", ":")).encode()
    return _signed(body, _JSON, signing_secret=signing_secret, timestamp=timestamp, extra=extra)


def _event_callback(
    event: dict[str, Any],
    *,
    channel: str | None,
    event_id: str | None,
    retry_num: int | None,
    retry_reason: str,
    signing_secret: str,
    timestamp: int | None,
) -> SignedRequest:
    """The Events API envelope around ``event``, as for :func:`app_mention` (the app's workspace, Acme, in
    ``team_id``; the bot's authorization; a unique ``event_id`` unless given, reused with ``retry_num`` to model
    Slack's redelivery)."""
    event_ts = str(event.get("event_ts") or _new_ts())
    context: dict[str, Any] = {"et": event["type"], "tid": ACME, "aid": API_APP_ID}
    if channel is not None:
        context["cid"] = channel
    raw = json.dumps(context, separators=(",", ":"))
    envelope: dict[str, Any] = {
        "token": VERIFICATION_TOKEN,
        "team_id": ACME,
        "context_team_id": ACME,
        "context_enterprise_id": None,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:9].upper()}",
        "event_time": int(float(event_ts)),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ACME,
                "user_id": BOT,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": _is_ext_shared(channel) if channel is not None else False,
        "event_context": "4-" + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("="),
    }
    extra = None
    if retry_num is not None:
        extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
    body = json.dumps(envelope, separators=(",", ":")).encode()
    return _signed(body, _JSON, signing_secret=signing_secret, timestamp=timestamp, extra=extra)


def app_home_opened(
    *,
    user: str = ALICE,
    tab: str = "home",
    published: bool = False,
    event_id: str | None = None,
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """An ``app_home_opened`` event: ``user`` opened the app's Home tab (``tab="messages"``: its Messages tab), as
    in docs.slack.dev/reference/events/app_home_opened. The event names the person's DM with the app in
    ``channel``; ``view`` (the tab's current content) comes only once a view has been published to it."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME" + user[-4:],
        "tab": tab,
        "event_ts": _new_ts(),
    }
    if published and tab == "home":
        event["view"] = _home_view(user)
    return _event_callback(
        event,
        channel=None,
        event_id=event_id,
        retry_num=None,
        retry_reason="",
        signing_secret=signing_secret,
        timestamp=timestamp,
    )


def _home_view(user: str) -> dict[str, Any]:
    """The view object Slack sends back for a published Home tab (its blocks are not needed by the bot)."""
    return {
        "id": "V0HOME" + user[-4:],
        "team_id": _user_team(user),
        "type": "home",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.abcdef12",
        "clear_on_close": False,
        "notify_on_close": False,
        "root_view_id": "V0HOME" + user[-4:],
        "previous_view_id": None,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": ACME,
        "bot_id": BOT_ID,
    }


def home_block_action(
    action_id: str,
    value: str,
    *,
    user: str = ALICE,
    block_id: str = "home",
    trigger_id: str | None = None,
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A ``block_actions`` payload for a button clicked on the app's Home tab: the container is the view, and
    there is no channel, message or response_url (docs.slack.dev, interaction-payloads/block_actions-payload)."""
    team = _user_team(user)
    view = _home_view(user)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _payload_user(user),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": trigger_id or _trigger_id(),
        "team": _payload_team(team),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": _plain(action_id),
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return _interactive(payload, signing_secret=signing_secret, timestamp=timestamp)


def user_change(
    user: dict[str, Any],
    *,
    event_id: str | None = None,
    cache_ts: int | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A ``user_change`` event: Slack sends the whole ``users.info`` user object (build it with
    :func:`tests.slack.fakes.web_api.make_user`; a deactivated account, ``deleted=True``, comes stripped)."""
    event_ts = _new_ts()
    event = {
        "type": "user_change",
        "user": user,
        "cache_ts": int(float(event_ts)) if cache_ts is None else cache_ts,
        "event_ts": event_ts,
    }
    return _event_callback(
        event,
        channel=None,
        event_id=event_id,
        retry_num=retry_num,
        retry_reason=retry_reason,
        signing_secret=signing_secret,
        timestamp=timestamp,
    )


def member_left_channel(
    user: str,
    channel: str = CHANNEL,
    *,
    team: str | None = None,
    event_id: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """``member_left_channel``: ``user`` left, or was removed from, ``channel``; ``team`` is the user's team."""
    event = {
        "type": "member_left_channel",
        "user": user,
        "channel": channel,
        "channel_type": "C",
        "team": team or _user_team(user),
        "event_ts": _new_ts(),
    }
    return _event_callback(
        event,
        channel=channel,
        event_id=event_id,
        retry_num=retry_num,
        retry_reason=retry_reason,
        signing_secret=signing_secret,
        timestamp=timestamp,
    )


def member_joined_channel(
    user: str,
    channel: str = CHANNEL,
    *,
    inviter: str | None = None,
    team: str | None = None,
    event_id: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """``member_joined_channel``: ``user`` joined ``channel`` (added by ``inviter``, when someone did)."""
    event: dict[str, Any] = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": "C",
        "team": team or _user_team(user),
        "event_ts": _new_ts(),
    }
    if inviter is not None:
        event["inviter"] = inviter
    return _event_callback(
        event,
        channel=channel,
        event_id=event_id,
        retry_num=retry_num,
        retry_reason=retry_reason,
        signing_secret=signing_secret,
        timestamp=timestamp,
    )


def channel_unshared(
    team_id: str,
    channel: str = CHANNEL,
    *,
    event_id: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """``channel_unshared``: organisation ``team_id`` was disconnected from the shared ``channel``."""
    event = {
        "type": "channel_unshared",
        "previously_connected_team_id": team_id,
        "channel": channel,
        "is_ext_shared": False,
        "event_ts": _new_ts(),
    }
    return _event_callback(
        event,
        channel=channel,
        event_id=event_id,
        retry_num=retry_num,
        retry_reason=retry_reason,
        signing_secret=signing_secret,
        timestamp=timestamp,
    )


def channel_shared(
    team_id: str,
    channel: str = CHANNEL,
    *,
    event_id: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """``channel_shared``: organisation ``team_id`` was connected to ``channel`` (again)."""
    event = {"type": "channel_shared", "connected_team_id": team_id, "channel": channel, "event_ts": _new_ts()}
    return _event_callback(
        event,
        channel=channel,
        event_id=event_id,
        retry_num=retry_num,
        retry_reason=retry_reason,
        signing_secret=signing_secret,
        timestamp=timestamp,
    )


def block_action(
    action_id: str,
    value: str,
    *,
    user: str = ALICE,
    channel: str = CHANNEL,
    message_ts: str | None = None,
    block_id: str = "actions",
    button_text: str | None = None,
    message_text: str = "",
    response_url: str | None = None,
    trigger_id: str | None = None,
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A ``block_actions`` payload for a button clicked on a bot message in ``channel``."""
    team = _user_team(user)
    ts = message_ts or _new_ts()
    button = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(button_text or action_id),
        "value": value,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _payload_user(user),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger_id or _trigger_id(),
        "team": _payload_team(team),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": _channel_name(channel)},
        "message": {
            "user": BOT,
            "type": "message",
            "ts": ts,
            "bot_id": BOT_ID,
            "app_id": API_APP_ID,
            "text": message_text,
            "team": ACME,
            "blocks": [{"type": "actions", "block_id": block_id, "elements": [button]}],
        },
        "state": {"values": {}},
        "response_url": response_url or _default_response_url(team, "actions"),
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": _plain(button_text or action_id),
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return _interactive(payload, signing_secret=signing_secret, timestamp=timestamp)


def users_select_action(
    action_id: str,
    block_id: str,
    selected_user: str | None,
    *,
    user: str = ALICE,
    channel: str = CHANNEL,
    initial_user: str | None = None,
    message_ts: str | None = None,
    message_text: str = "",
    message_blocks: list[dict[str, Any]] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A ``block_actions`` payload for a ``users_select`` in a bot message in ``channel`` (the shared channel,
    or a DM: FakeSlack's DM with a user is ``"D" + user_id[1:]``), where ``user`` picked ``selected_user``.

    ``message_blocks`` are the message's blocks as posted (default: one actions block holding the select).
    """
    team = _user_team(user)
    ts = message_ts or _new_ts()
    element: dict[str, Any] = {"type": "users_select", "action_id": action_id, "placeholder": _plain("Pick")}
    blocks = message_blocks or [{"type": "actions", "block_id": block_id, "elements": [element]}]
    action: dict[str, Any] = {
        "type": "users_select",
        "action_id": action_id,
        "block_id": block_id,
        "selected_user": selected_user,
        "action_ts": f"{time.time():.6f}",
    }
    if initial_user is not None:
        action["initial_user"] = initial_user
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _payload_user(user),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger_id or _trigger_id(),
        "team": _payload_team(team),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": _channel_name(channel)},
        "message": {
            "user": BOT,
            "type": "message",
            "ts": ts,
            "bot_id": BOT_ID,
            "app_id": API_APP_ID,
            "text": message_text,
            "team": ACME,
            "blocks": blocks,
        },
        "state": {"values": {block_id: {action_id: users_select(selected_user)}}},
        "response_url": response_url or _default_response_url(team, "actions"),
        "actions": [action],
    }
    return _interactive(payload, signing_secret=signing_secret, timestamp=timestamp)


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    user: str = ALICE,
    private_metadata: str = "",
    view_id: str = "V0VIEW0001",
    title: str = "Alliance",
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A modal submission. ``values`` is Slack's ``view.state.values``: ``{block_id: {action_id: {...}}}``
    (build entries with :func:`plain_text_input`, :func:`users_select`, :func:`datepicker`,
    :func:`checkboxes`, :func:`static_select`). Matching ``input`` blocks are generated for ``view.blocks``.
    """
    team = _user_team(user)
    blocks = [
        {
            "type": "input",
            "block_id": block_id,
            "label": _plain(block_id),
            "optional": False,
            "dispatch_action": False,
            "element": {"type": state.get("type", "plain_text_input"), "action_id": action_id},
        }
        for block_id, actions in values.items()
        for action_id, state in actions.items()
    ]
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": _payload_team(team),
        "user": _payload_user(user),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team,
            "type": "modal",
            "blocks": blocks,
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": _plain(title),
            "clear_on_close": False,
            "notify_on_close": False,
            "close": _plain("Cancel"),
            "submit": _plain("Submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": API_APP_ID,
            "external_id": "",
            "app_installed_team_id": ACME,
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interactive(payload, signing_secret=signing_secret, timestamp=timestamp)


def message_shortcut(
    callback_id: str,
    *,
    message_text: str,
    user: str = ALICE,
    channel: str = CHANNEL,
    message_user: str = PAUL,
    message_ts: str | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """A message shortcut (``type: message_action``) run by ``user`` on ``message_user``'s message."""
    team = _user_team(user)
    ts = message_ts or _new_ts()
    payload: dict[str, Any] = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": _payload_team(team),
        "user": _payload_user(user),
        "channel": {"id": channel, "name": _channel_name(channel)},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or _trigger_id(),
        "response_url": response_url or _default_response_url(team, "app"),
        "message_ts": ts,
        "message": {
            "client_msg_id": str(uuid.uuid4()),
            "type": "message",
            "text": message_text,
            "user": message_user,
            "ts": ts,
            "team": _user_team(message_user),
            "blocks": _rich_text(message_text),
        },
    }
    return _interactive(payload, signing_secret=signing_secret, timestamp=timestamp)


def url_verification(
    challenge: str,
    *,
    signing_secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
) -> SignedRequest:
    """The Events API handshake Slack sends when the request URL is saved."""
    body = json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"},
        separators=(",", ":"),
    ).encode()
    return _signed(body, _JSON, signing_secret=signing_secret, timestamp=timestamp)
