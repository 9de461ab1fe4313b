"""The people commands, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.alliance import Role


@dataclass(frozen=True)
class NameRole:
    role: Role
    user_id: str
    team_id: str | None = None  # from a picker asking for one party's lead: the person must be of that party


@dataclass(frozen=True)
class ReassignAll:
    """Every open item of one person (who has left, typically) to another; unlike a handover, no roles."""

    from_id: str
    to_id: str


@dataclass(frozen=True)
class Away:
    until_phrase: str


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class SetHolidays:
    country: str


@dataclass(frozen=True)
class Roster:
    pass


@dataclass(frozen=True)
class Handover:
    from_id: str
    to_id: str


@dataclass(frozen=True)
class Link:
    """`link #acme-internal`: the caller's party's private channel; `to #alliance` names the alliance when it is
    typed elsewhere than in the alliance's channel."""

    channel_id: str
    alliance_channel_id: str | None = None
