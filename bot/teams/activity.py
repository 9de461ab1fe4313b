"""Reading an incoming Bot Framework activity: checked against the Agents SDK's schema, then the few facts we use."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

log = logging.getLogger(__name__)


class _QuietSchemaErrors(logging.Filter):
    """The SDK logs every failed schema check with its trace; a malformed request is ours to log, in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Validation error for Activity")


logging.getLogger("microsoft_agents.activity.activity").addFilter(_QuietSchemaErrors())

CHANNEL_KEY_LIMIT = 64  # the core keeps channel ids in 64 characters
THREAD_SUFFIX = re.compile(r";messageid=(\d+)$")


class MalformedActivity(ValueError):
    """The body is not an activity we can read; answered with 400 and nothing else happens."""


@dataclass(frozen=True)
class Account:
    """A Teams user or bot as an activity names them: `id` (29:… or 28:…) and, for people, their Entra object id."""

    id: str
    name: str
    aad_id: str | None = None
    tenant_id: str | None = None
    role: str | None = None  # userRole from the roster: user, guest


@dataclass(frozen=True)
class Mention:
    text: str  # as it appears in the message: <at>Paul Smith</at>
    account: Account


@dataclass(frozen=True)
class Activity:
    type: str
    id: str | None
    service_url: str
    conversation_id: str  # as sent, with ;messageid= for a reply in a channel thread
    conversation_type: str  # channel, groupChat or personal
    conversation_name: str
    tenant_id: str
    team_id: str | None
    sender: Account
    bot: Account
    text: str = ""
    value: dict[str, Any] | None = None  # what an Adaptive Card's Action.Submit carries
    mentions: list[Mention] = field(default_factory=list)
    members_added: list[Account] = field(default_factory=list)
    members_removed: list[Account] = field(default_factory=list)
    local_timezone: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def base_conversation_id(self) -> str:
        """The channel or chat itself, without the thread suffix."""
        return self.conversation_id.split(";", 1)[0]

    @property
    def channel_key(self) -> str:
        return channel_key(self.base_conversation_id)

    @property
    def thread_id(self) -> str | None:
        """The root message of the channel thread this activity belongs to, if any."""
        match = THREAD_SUFFIX.search(self.conversation_id)
        return match.group(1) if match else None

    def dedupe_key(self) -> str | None:
        """A short, stable name for this delivery of this activity, to handle a retried one once."""
        if not self.id:
            return None
        digest = hashlib.sha1(f"{self.conversation_id}\n{self.id}".encode()).hexdigest()
        return f"teams:{digest}"


def channel_key(conversation_id: str) -> str:
    """What the core calls a Teams channel or chat: its id, or a digest when the id is longer than the core keeps."""
    if len(conversation_id) <= CHANNEL_KEY_LIMIT:
        return conversation_id
    return "teams:" + hashlib.sha256(conversation_id.encode()).hexdigest()[:40]


def parse(body: object) -> Activity:
    """The activity in a request body; MalformedActivity for anything that is not one."""
    if not isinstance(body, dict):
        raise MalformedActivity("the body is not a JSON object")
    from microsoft_agents.activity import Activity as SchemaActivity

    try:
        SchemaActivity.model_validate(body)
    except ValidationError as e:
        raise MalformedActivity(f"not a Bot Framework activity: {e.error_count()} schema errors") from None
    except Exception as e:  # the schema's own consistency checks raise plain exceptions: still not an activity
        raise MalformedActivity(f"not a Bot Framework activity: {type(e).__name__}") from None
    try:
        conversation = _object(body, "conversation")
        channel_data = body.get("channelData") if isinstance(body.get("channelData"), dict) else {}
        assert isinstance(channel_data, dict)
        tenant = channel_data.get("tenant") or {}
        team = channel_data.get("team") or {}
        channel = channel_data.get("channel") or {}
        tenant_id = str((tenant.get("id") if isinstance(tenant, dict) else None) or conversation.get("tenantId") or "")
        value = body.get("value")
        return Activity(
            type=_text(body, "type"),
            id=str(body["id"]) if body.get("id") else None,
            service_url=_text(body, "serviceUrl"),
            conversation_id=_text(conversation, "id"),
            conversation_type=str(conversation.get("conversationType") or "personal"),
            conversation_name=str(
                (channel.get("name") if isinstance(channel, dict) else None) or conversation.get("name") or ""
            ),
            tenant_id=tenant_id,
            team_id=str(team["id"]) if isinstance(team, dict) and team.get("id") else None,
            sender=_account(_object(body, "from")),
            bot=_account(_object(body, "recipient")),
            text=str(body.get("text") or ""),
            value=value if isinstance(value, dict) else None,
            mentions=_mentions(body.get("entities")),
            members_added=[_account(m) for m in body.get("membersAdded") or [] if isinstance(m, dict)],
            members_removed=[_account(m) for m in body.get("membersRemoved") or [] if isinstance(m, dict)],
            local_timezone=str(body.get("localTimezone") or ""),
            raw=body,
        )
    except (KeyError, TypeError, AttributeError) as e:
        raise MalformedActivity(f"missing or malformed: {e}") from None


def account(data: dict[str, Any]) -> Account:
    return _account(data)


def _account(data: dict[str, Any]) -> Account:
    if not isinstance(data, dict) or not data.get("id"):
        raise MalformedActivity("an account without an id")
    return Account(
        id=str(data["id"]),
        name=str(data.get("name") or ""),
        aad_id=str(data["aadObjectId"]) if data.get("aadObjectId") else None,
        tenant_id=str(data["tenantId"]) if data.get("tenantId") else None,
        role=str(data["userRole"]) if data.get("userRole") else None,
    )


def _mentions(entities: object) -> list[Mention]:
    found = []
    for entity in entities if isinstance(entities, list) else []:
        if not isinstance(entity, dict) or entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned")
        if isinstance(mentioned, dict) and mentioned.get("id") and entity.get("text"):
            found.append(Mention(text=str(entity["text"]), account=_account(mentioned)))
    return found


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise MalformedActivity(f"{key} is missing")
    return value


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedActivity(f"{key} is missing")
    return value
