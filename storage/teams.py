"""Repository functions for what the Teams front end keeps: conversation references and the users it has met."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import exc
from sqlmodel import Session, col, select

from storage.models import TeamsConversation, TeamsMember

Row = TypeVar("Row", TeamsConversation, TeamsMember)


def _upsert(session: Session, row: Row, key: str) -> Row:
    """Insert the row, or copy its fields onto the stored one (two requests may learn the same thing at once)."""
    model = type(row)
    existing = session.get(model, key)
    if existing is None:
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row
        except exc.IntegrityError:
            existing = session.get(model, key)
            if existing is None:
                raise
    for name in model.model_fields:
        setattr(existing, name, getattr(row, name))
    session.add(existing)
    return existing


def save_conversation(*, session: Session, conversation: TeamsConversation) -> TeamsConversation:
    return _upsert(session, conversation, conversation.conversation_id)


def get_conversation(*, session: Session, conversation_id: str) -> TeamsConversation | None:
    return session.get(TeamsConversation, conversation_id)


def conversation_of_channel(*, session: Session, channel_key: str) -> TeamsConversation | None:
    """The channel or group chat the core knows by this key."""
    return session.exec(
        select(TeamsConversation)
        .where(TeamsConversation.channel_key == channel_key, TeamsConversation.kind != "personal")
        .order_by(col(TeamsConversation.updated_at).desc())
    ).first()


def channels_of_team(*, session: Session, team_id: str) -> Sequence[TeamsConversation]:
    """Every channel of a Teams team the bot has been installed or addressed in (its General channel among them)."""
    return session.exec(
        select(TeamsConversation)
        .where(TeamsConversation.team_id == team_id, TeamsConversation.kind == "channel")
        .order_by(col(TeamsConversation.conversation_id))
    ).all()


def personal_conversation(*, session: Session, user_id: str) -> TeamsConversation | None:
    """The bot's one-to-one chat with a person, if one is known."""
    return session.exec(
        select(TeamsConversation)
        .where(TeamsConversation.user_id == user_id, TeamsConversation.kind == "personal")
        .order_by(col(TeamsConversation.updated_at).desc())
    ).first()


def save_member(*, session: Session, member: TeamsMember) -> TeamsMember:
    return _upsert(session, member, member.user_id)


def get_member(*, session: Session, user_id: str) -> TeamsMember | None:
    return session.get(TeamsMember, user_id)


def member_by_teams_id(*, session: Session, teams_id: str) -> TeamsMember | None:
    return session.exec(select(TeamsMember).where(TeamsMember.teams_id == teams_id)).first()


def members_of_party(*, session: Session, party: str) -> Sequence[TeamsMember]:
    return session.exec(select(TeamsMember).where(TeamsMember.party == party)).all()
