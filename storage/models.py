"""The alliance bot's tables: alliances, parties, people, commitments and their history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import AwareDateTime


class Status(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class Alliance(SQLModel, table=True):
    """One partnership, anchored in one shared channel."""

    __table_args__ = (UniqueConstraint("platform", "channel_id", name="uq_alliance_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    host_team_id: str = Field(max_length=64)
    started_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    # The last commitment reference handed out in this alliance (#1, #2, ...).
    last_ref: int = Field(default=0)


class Party(SQLModel, table=True):
    """One organisation in an alliance (a Slack team, later a Teams tenant)."""

    __table_args__ = (UniqueConstraint("alliance_id", "team_id", name="uq_party_team"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    team_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    lead_id: str | None = Field(default=None, max_length=64)
    sponsor_id: str | None = Field(default=None, max_length=64)


class Person(SQLModel, table=True):
    """What the bot knows of a chat user: their organisation, name and time zone."""

    user_id: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    tz: str = Field(max_length=64)
    is_bot: bool = Field(default=False)
    deleted: bool = Field(default=False)
    refreshed_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class Commitment(SQLModel, table=True):
    """Something a named person promised to deliver by a date."""

    __table_args__ = (
        UniqueConstraint("alliance_id", "ref", name="uq_commitment_ref"),
        Index("ix_commitment_alliance_status_due", "alliance_id", "status", "due_at"),
        Index("ix_commitment_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id")
    ref: int
    title: str = Field(max_length=300)
    owner_id: str = Field(max_length=64, index=True)
    party_team_id: str = Field(max_length=64)
    due_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    milestone: bool = Field(default=False)
    status: str = Field(default=Status.OPEN.value, max_length=16)
    slips: int = Field(default=0)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    drop_reason: str | None = Field(default=None, max_length=500)


class CommitmentEvent(SQLModel, table=True):
    """One line of a commitment's history: who changed what, and when."""

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    actor_id: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    detail: str = Field(default="", max_length=1000)


class ProcessedEvent(SQLModel, table=True):
    """Slack delivers events at least once; a row here means this event id was already handled."""

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
