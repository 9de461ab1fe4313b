"""What the commitment commands answer: plain data each front end renders in its own words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.commitments.commands import ListFilter
from bot.core.views import CommitmentView, HistoryLine, PartyView


@dataclass(frozen=True)
class DueReading:
    """How a typed due date was read, when the confirmation should say so: `reading` a choice the phrase left
    open (Due.reading: day_first, month_first, same_day_next_month), `typed_zone` the writer's zone when the
    time of day typed was read there rather than in the owner's."""

    phrase: str
    reading: str | None = None
    typed_zone: str | None = None


@dataclass(frozen=True)
class Recorded:
    commitment: CommitmentView
    actor_id: str
    due_reading: DueReading | None = None


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
    """A commitment was closed, moved, reassigned or dropped; or `edited`: the message that created it was edited,
    and what changed has its `previous_…` value (None: unchanged)."""

    kind: str
    commitment: CommitmentView
    actor_id: str
    previous_due: datetime | None = None
    previous_owner_id: str | None = None
    due_reading: DueReading | None = None
    previous_title: str | None = None


@dataclass(frozen=True)
class Details:
    commitment: CommitmentView
    history: list[HistoryLine]


@dataclass(frozen=True)
class FormRequested:
    prefill: str = ""
