"""What check-in commands answer, and what the schedule sends about check-ins and nudges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.checkins.commands import Answer
from bot.core.views import CommitmentView, PartyView


@dataclass(frozen=True)
class Reported:
    """An owner's check-in answer about one commitment; `thread_ts` is the open check-in's thread, if any."""

    commitment: CommitmentView
    answer: Answer
    note: str
    actor_id: str
    checkin_seq: int | None
    thread_ts: str | None
    helper_id: str | None = None  # "need help": the owner's lead (or sponsor) who is told privately


@dataclass(frozen=True)
class CadenceView:
    cadence: str  # default, weekly, fortnightly, monthly
    every_days: int
    tightened: bool  # two or more overdue: weekly whatever the setting
    next_checkin_at: datetime | None
    home_tz: str
    changed: bool = False


@dataclass(frozen=True)
class CheckinCalled:
    """`checkin now`: the check-in is due at once and goes out with the next sweep."""

    at: datetime


@dataclass(frozen=True)
class Snoozed:
    commitment: CommitmentView
    until: datetime
    actor_id: str


@dataclass(frozen=True)
class EscalationView:
    lead_after: int
    sponsor_after: int
    changed: bool


@dataclass(frozen=True)
class CheckinOpened:
    """The check-in message in the channel: open commitments by party, overdue and due soon first."""

    seq: int
    groups: list[tuple[PartyView, list[CommitmentView]]]
    orphaned: list[CommitmentView]
    closes_at: datetime


@dataclass(frozen=True)
class CheckinAsk:
    """A private message to one owner: their open items, each with answer buttons."""

    seq: int
    checkin_id: int
    items: list[CommitmentView]
    closes_at: datetime
    reminder: bool = False


@dataclass(frozen=True)
class CheckinAnswered:
    user_id: str
    ref: int
    title: str
    answer: str
    note: str


@dataclass(frozen=True)
class CheckinClosed:
    """The summary in the check-in's thread: who answered, what changed since the last one, what is open."""

    seq: int
    answered: list[str]
    silent: list[str]
    answers: list[CheckinAnswered]
    changes: list[tuple[int, str, str, str]]  # (ref, title, kind, actor) since the previous check-in
    still_open: list[CommitmentView]
    internal: dict[int, str] = field(default_factory=dict)  # refs named above internal to a party: its team id
    # what each person asked was asked about (their items open when it opened): whoever was asked only about
    # another party's internal items is, to that reader, neither silent nor answering
    asked_about: dict[str, list[int]] = field(default_factory=dict)


class NudgeKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    LEAD = "lead"
    SPONSOR = "sponsor"
    HELP = "help"  # the owner asked for help: to the lead of the owner's own party


@dataclass(frozen=True)
class Nudge:
    """A private reminder about one commitment, to its owner or up the ladder."""

    kind: NudgeKind
    commitment: CommitmentView
    recipient_id: str
    owner_away_until: datetime | None = None  # set when the lead hears of it because the owner is away
    asked_by: str = ""  # a help request: who asked, and what they said
    note: str = ""


@dataclass(frozen=True)
class NudgeGroup:
    """Several nudges due to one person in one alliance at one sweep, sent as one message: one DM per person per
    moment, not one per item (Slack's limits, and the reader's patience)."""

    recipient_id: str
    nudges: tuple[Nudge, ...]


@dataclass(frozen=True)
class EscalationLine:
    """One line in the channel when a commitment reaches the sponsor."""

    commitment: CommitmentView
    sponsor_id: str | None
    # When the sponsor's own message goes out, if later than this line (it waits for their working hours): the
    # channel is told when they will hear, not that they have.
    sponsor_told_at: datetime | None = None
    sponsor_tz: str = "UTC"
