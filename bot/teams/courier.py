"""Sends what the schedule owes people in Teams, proactively: by the conversation references we keep."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.errors import SendFailed
from bot.core.ports import Outgoing
from bot.teams import cards, pulse_cards
from bot.teams.connector import Connector, ConnectorError
from bot.teams.directory import TeamsDirectory
from bot.teams.markup import render
from bot.texts import answers as answers_texts
from storage import teams as teams_store
from storage.db import Database
from storage.models import TeamsConversation

log = logging.getLogger(__name__)

# The connector's answers that no retry will cure: the message is given up at once.
PERMANENT = {400, 403, 404}


class TeamsCourier:
    def __init__(self, db: Database, connector: Connector, directory: TeamsDirectory) -> None:
        self.db = db
        self.connector = connector
        self.directory = directory

    def send(self, message: Outgoing) -> str | None:
        with self.db.session() as session:
            channel = teams_store.conversation_of_channel(session=session, channel_key=message.channel_id)
        if channel is None:
            raise SendFailed("no Teams conversation reference for this alliance", permanent=True)
        activity = self.activity(message)
        try:
            if message.recipient_id is not None:
                conversation_id = self._personal(channel, message.recipient_id)
            elif message.thread_ts and channel.kind == "channel":
                conversation_id = f"{channel.conversation_id};messageid={message.thread_ts}"
            else:
                conversation_id = channel.conversation_id  # a group chat has no threads
            return self.connector.send(channel.service_url, conversation_id, activity)
        except ConnectorError as e:
            raise SendFailed(
                f"connector {e.status}: {e.reason[:200]}", retry_after=e.retry_after, permanent=e.status in PERMANENT
            ) from e
        except OSError as e:  # connection refused, timeouts: the network, not the message
            raise SendFailed(f"network: {e}") from e

    def tell(self, channel_key: str, user_id: str, mrkdwn: str) -> None:
        """A private answer to one person, in their chat with the bot: what only their organisation may read."""
        with self.db.session() as session:
            channel = teams_store.conversation_of_channel(session=session, channel_key=channel_key)
        if channel is None:
            raise SendFailed("no Teams conversation reference for this alliance", permanent=True)
        rendered = render(mrkdwn, self.directory.teams_name, self.directory.channel_name)
        activity = {"type": "message", "textFormat": "markdown", "text": rendered.text, "entities": rendered.entities}
        try:
            self.connector.send(channel.service_url, self._personal(channel, user_id), activity)
        except ConnectorError as e:
            raise SendFailed(f"connector {e.status}: {e.reason[:200]}", permanent=e.status in PERMANENT) from e
        except OSError as e:
            raise SendFailed(f"network: {e}") from e

    def activity(self, message: Outgoing) -> dict[str, Any]:
        people = self.directory.teams_name
        card = cards.dispatch(message.content, channel_key=message.channel_id, people=people) or pulse_cards.dispatch(
            message.content, channel_key=message.channel_id, people=people
        )
        if card is not None:
            summary = answers_texts.dispatch(message.content).split("\n")[0]
            return {
                "type": "message",
                "summary": render(summary, people, paragraphs=False).text[:200],
                "attachments": [cards.attachment(card)],
            }
        rendered = render(answers_texts.dispatch(message.content), people, self.directory.channel_name)
        return {"type": "message", "textFormat": "markdown", "text": rendered.text, "entities": rendered.entities}

    def _personal(self, channel: TeamsConversation, user_id: str) -> str:
        """The bot's chat with this person: the one we know, or a new one created in the alliance's tenant."""
        with self.db.session() as session:
            known = teams_store.personal_conversation(session=session, user_id=user_id)
            member = teams_store.get_member(session=session, user_id=user_id)
        if known is not None:
            return known.conversation_id
        if member is None:
            raise SendFailed("a person Teams has not introduced to the bot", permanent=True)
        conversation_id = self.connector.create_personal(
            channel.service_url, bot_id=channel.bot_id, user_teams_id=member.teams_id, tenant_id=channel.tenant_id
        )
        with self.db.session() as session:
            teams_store.save_conversation(
                session=session,
                conversation=TeamsConversation(
                    conversation_id=conversation_id,
                    channel_key=conversation_id[:64],
                    kind="personal",
                    service_url=channel.service_url,
                    tenant_id=channel.tenant_id,
                    bot_id=channel.bot_id,
                    user_id=user_id,
                    updated_at=self.directory.clock.now(),
                ),
            )
        return conversation_id
