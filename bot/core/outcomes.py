"""What the core answers: plain data that each front end renders in its own words and widgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.grammar import ListFilter, Role


@dataclass(frozen=True)
class PartyView:
    team_id: str
    name: str
    lead_id: str | None = None
    sponsor_id: str | None = None


@dataclass(frozen=True)
class AllianceView:
    """An alliance as the intro message and list headers need it."""

    channel_id: str
    name: str
    started_at: datetime
    parties: list[PartyView]


@dataclass(frozen=True)
class CommitmentView:
    ref: int
    title: str
    owner_id: str
    party: PartyView
    due_at: datetime
    owner_tz: str
    status: str
    milestone: bool
    slips: int
    overdue: bool
    closed_at: datetime | None = None
    drop_reason: str | None = None


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor_id: str
    kind: str  # created, done, due_moved, reassigned, dropped
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    commitment: CommitmentView
    actor_id: str


@dataclass(frozen=True)
class Owners:
    """The answer to "who owns <words>?": the open commitments that match, best first."""

    query: str
    matches: list[CommitmentView]


@dataclass(frozen=True)
class OwnedBy:
    user_id: str
    commitments: list[CommitmentView]


@dataclass(frozen=True)
class Listing:
    filter: ListFilter
    user_id: str | None
    groups: list[tuple[PartyView, list[CommitmentView]]]
    hidden: int = 0  # how many more there are than were shown


@dataclass(frozen=True)
class Changed:
    """A commitment was closed, moved, reassigned or dropped."""

    kind: str
    commitment: CommitmentView
    actor_id: str
    previous_due: datetime | None = None
    previous_owner_id: str | None = None


@dataclass(frozen=True)
class Details:
    commitment: CommitmentView
    history: list[HistoryLine]


@dataclass(frozen=True)
class RoleNamed:
    role: Role
    user_id: str
    party: PartyView
    previous_id: str | None
    actor_id: str


@dataclass(frozen=True)
class Usage:
    unknown: str | None = None


@dataclass(frozen=True)
class FormRequested:
    prefill: str = ""


Outcome = Recorded | Owners | OwnedBy | Listing | Changed | Details | RoleNamed | Usage | FormRequested


@dataclass(frozen=True)
class Reply:
    """The outcome of one command, plus the alliance if this command created it."""

    outcome: Outcome
    new_alliance: AllianceView | None = None


# Outcomes that change the alliance are announced to the channel; look-ups answer the person who asked.
ANNOUNCED = (Recorded, Changed, RoleNamed)
