"""Activities in the JSON shapes Teams sends to a bot's /api/messages: messages with mentions, card submits,
conversationUpdate for installs and departures. `serviceUrl` points at the FakeConnector."""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.teams.fakes.connector import ACME_TENANT, BOT_ID, BOT_NAME, CHANNEL, PEOPLE, TEAM, Person

_ids = itertools.count(1_790_000_000_001)
AT_NAME = re.compile(r"(?<![<\w])@([a-z]+)\b")


def new_id() -> str:
    return str(next(_ids))


def _from(person: Person) -> dict[str, Any]:
    return {"id": person.teams_id, "name": person.name, "aadObjectId": person.aad_id}


def _bot() -> dict[str, Any]:
    return {"id": BOT_ID, "name": BOT_NAME}


def _mention(teams_id: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": teams_id, "name": name}}


def _channel_data() -> dict[str, Any]:
    return {
        "teamsChannelId": CHANNEL,
        "teamsTeamId": TEAM,
        "channel": {"id": CHANNEL},
        "team": {"id": TEAM},
        "tenant": {"id": ACME_TENANT},
    }


def message(
    service_url: str,
    text: str,
    *,
    sender: Person,
    thread: str | None = None,
    activity_id: str | None = None,
    mention_bot: bool = True,
) -> dict[str, Any]:
    """A channel post (or a reply in `thread`) that @mentions the bot; `@pia` in `text` becomes a real mention."""
    activity_id = activity_id or new_id()
    entities = [_mention(BOT_ID, BOT_NAME)] if mention_bot else []

    def mention(match: re.Match[str]) -> str:
        person = PEOPLE.get(match.group(1))
        if person is None:
            return match.group(0)
        entities.append(_mention(person.teams_id, person.name))
        return f"<at>{person.name}</at>"

    body = AT_NAME.sub(mention, text)
    if mention_bot:
        body = f"<at>{BOT_NAME}</at> {body}"
    entities.append({"type": "clientInfo", "locale": "en-US", "platform": "Web", "timezone": sender.tz})
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-11-24T10:00:00.000Z",
        "localTimestamp": "2026-11-24T11:00:00.000+01:00",
        "localTimezone": sender.tz,
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": _from(sender),
        "conversation": {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": ACME_TENANT,
            "id": f"{CHANNEL};messageid={thread or activity_id}",
        },
        "recipient": _bot(),
        "textFormat": "plain",
        "text": body,
        "attachments": [{"contentType": "text/html", "content": f"<p>{body}</p>"}],
        "entities": entities,
        "channelData": _channel_data(),
        "locale": "en-US",
    }


def personal_conversation(person: Person) -> str:
    """The id FakeConnector gives the bot's one-to-one chat with this person."""
    return f"a:personal-{person.teams_id}"


def card_submit(service_url: str, value: dict[str, Any], *, sender: Person, reply_to: str = "1") -> dict[str, Any]:
    """A click on an Adaptive Card's Action.Submit in the bot's one-to-one chat with `sender`."""
    return {
        "type": "message",
        "id": f"f:{new_id()}",
        "timestamp": "2026-11-24T10:00:00.000Z",
        "localTimezone": sender.tz,
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": _from(sender),
        "conversation": {"conversationType": "personal", "tenantId": ACME_TENANT, "id": personal_conversation(sender)},
        "recipient": _bot(),
        "replyToId": reply_to,
        "value": value,
        "channelData": {
            "tenant": {"id": ACME_TENANT},
            "source": {"name": "message"},
            "legacy": {"replyToId": reply_to},
        },
        "locale": "en-US",
    }


def conversation_update(
    service_url: str, *, added: list[dict[str, Any]] | None = None, removed: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The team's membership changed: the bot installed (itself among `added`), people added or removed."""
    event = "teamMemberAdded" if added else "teamMemberRemoved"
    activity: dict[str, Any] = {
        "type": "conversationUpdate",
        "id": f"f:{new_id()}",
        "timestamp": "2026-11-24T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": PEOPLE["alice"].teams_id, "aadObjectId": PEOPLE["alice"].aad_id},
        "conversation": {"isGroup": True, "conversationType": "channel", "tenantId": ACME_TENANT, "id": CHANNEL},
        "recipient": _bot(),
        "channelData": {**_channel_data(), "eventType": event, "team": {"id": TEAM, "name": "Acme × Globex"}},
    }
    if added:
        activity["membersAdded"] = added
    if removed:
        activity["membersRemoved"] = removed
    return activity


def bot_account() -> dict[str, Any]:
    return {"id": BOT_ID}


def member_account(person: Person) -> dict[str, Any]:
    return {"id": person.teams_id, "aadObjectId": person.aad_id}


def documented_member_removed(
    service_url: str, person: Person, *, team: str = TEAM, aad_id: bool = False
) -> dict[str, Any]:
    """A team member removed, as Microsoft documents it: `membersRemoved` names the Teams id alone (no
    aadObjectId), the conversation is the team itself (its General channel, whatever channel the bot lives in),
    and channelData carries the team, the eventType and the tenant.

    Source: MicrosoftDocs/msteams-docs, msteams-platform/bots/how-to/conversations/subscribe-to-conversation-events.md,
    "Team members removed" schema example ("membersRemoved": [{"id": "29:1_LCi5Up14..."}], "conversation":
    {"isGroup": true, "conversationType": "channel", "id": "19:efa9...@thread.skype"}, "channelData": {"team":
    {"id": "19:efa9...@thread.skype"}, "eventType": "teamMemberRemoved", "tenant": {"id": "72f988bf-..."}}).
    `aad_id=True` adds the aadObjectId some deliveries carry.
    """
    removed = {"id": person.teams_id, "aadObjectId": person.aad_id} if aad_id else {"id": person.teams_id}
    return {
        "membersRemoved": [removed],
        "type": "conversationUpdate",
        "timestamp": "2026-11-24T19:37:06.96Z",
        "localTimestamp": "2026-11-24T12:37:06.96-07:00",
        "id": f"f:{new_id()}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": PEOPLE["alice"].teams_id},
        "conversation": {"isGroup": True, "conversationType": "channel", "id": team},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "channelData": {"team": {"id": team}, "eventType": "teamMemberRemoved", "tenant": {"id": ACME_TENANT}},
    }


def in_channel(activity: dict[str, Any], channel: str, name: str) -> dict[str, Any]:
    """The same activity posted in another channel of the team (not General): its own conversation id, with
    channelData naming the channel and, as for every channel, the team."""
    conversation_id = str(activity["conversation"]["id"]).replace(CHANNEL, channel, 1)
    channel_data = {**activity["channelData"], "teamsChannelId": channel, "channel": {"id": channel, "name": name}}
    conversation = {**activity["conversation"], "id": conversation_id}
    return {**activity, "conversation": conversation, "channelData": channel_data}
