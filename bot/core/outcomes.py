"""What the core answers: plain data that each front end renders in its own words and widgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core import scorecard_types as sc
from bot.core.charter_types import (
    ANNOUNCED_CHARTER,
    CharterEditRequested,
    CharterReminder,
    CharterSaved,
    CharterShown,
    CharterSigned,
    DecisionList,
    DecisionRecorded,
    DisputeList,
    DisputeMoved,
    DisputeNudge,
    DisputeOpened,
    DisputeResolved,
)
from bot.core.grammar import Answer, ListFilter, Role
from bot.core.visibility import SHARED, Audience


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
    owner_departed: bool = False  # orphaned: the owner was deactivated or has left the channel
    reported: str | None = None  # the owner's last check-in answer: on_track, at_risk, need_help
    internal: bool = False  # internal to `party`: never shown to the other organisation


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


@dataclass(frozen=True)
class Reported:
    """An owner's check-in answer about one commitment; `thread_ts` is the open check-in's thread, if any."""

    commitment: CommitmentView
    answer: Answer
    note: str
    actor_id: str
    checkin_seq: int | None
    thread_ts: str | None


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
class Presence:
    """Out of office (until set) or back (until None)."""

    user_id: str
    until: datetime | None
    tz: str


@dataclass(frozen=True)
class EscalationView:
    lead_after: int
    sponsor_after: int
    changed: bool


@dataclass(frozen=True)
class RosterEntry:
    user_id: str
    role: str  # lead, sponsor or contact
    tz: str
    open_items: int


@dataclass(frozen=True)
class RosterView:
    parties: list[tuple[PartyView, list[RosterEntry]]]


@dataclass(frozen=True)
class HandedOver:
    from_id: str
    to_id: str
    refs: list[int]
    roles: list[str]  # lead, sponsor
    actor_id: str
    handover: bool = True  # False: `reassign all`, items only
    internal: dict[int, str] = field(default_factory=dict)  # refs among `refs` internal to a party: its team id


@dataclass(frozen=True)
class HolidaysSet:
    party: PartyView
    country: str


@dataclass(frozen=True)
class Linked:
    """A party's private channel is linked to the alliance (`link #acme-internal`)."""

    channel_id: str
    party: PartyView
    alliance_channel_id: str
    actor_id: str
    previous_id: str | None = None  # the channel it replaces


Outcome = (
    Recorded
    | Owners
    | OwnedBy
    | Listing
    | Changed
    | Details
    | RoleNamed
    | Usage
    | FormRequested
    | Reported
    | CadenceView
    | CheckinCalled
    | Snoozed
    | Presence
    | HolidaysSet
    | EscalationView
    | RosterView
    | HandedOver
    | CharterShown
    | CharterEditRequested
    | CharterSaved
    | CharterSigned
    | DecisionRecorded
    | DecisionList
    | DisputeOpened
    | DisputeList
    | DisputeResolved
    | Linked
    | sc.ScorecardOutcome
)


@dataclass(frozen=True)
class Reply:
    """The outcome of one command, plus the alliance if this command created it."""

    outcome: Outcome
    new_alliance: AllianceView | None = None
    # Trust boundaries: who reads where the command was given (the shared channel, or a party's linked private
    # channel), who the caller is (their organisation's audience), and their party's linked channel, if any.
    here: Audience = SHARED
    viewer: Audience = SHARED
    party_channel_id: str | None = None


# Outcomes that change the alliance are announced to the channel; look-ups answer the person who asked.
ANNOUNCED = (
    Recorded,
    Changed,
    RoleNamed,
    Reported,
    Snoozed,
    HolidaysSet,
    CheckinCalled,
    HandedOver,
    *ANNOUNCED_CHARTER,
)


def announced(outcome: object) -> bool:
    """Whether the channel should see this answer: it changed the alliance (settings only when set)."""
    if isinstance(outcome, CadenceView | EscalationView | sc.BalanceSetting | sc.DigestSetting):
        return outcome.changed
    if isinstance(outcome, CharterSaved):
        return outcome.announced
    if isinstance(outcome, sc.MetricAdded | sc.ReadingRecorded):
        return not outcome.metric.internal  # an internal item is confirmed privately, never announced
    if isinstance(outcome, sc.ContributionAdded):
        return not outcome.contribution.internal
    return isinstance(outcome, ANNOUNCED)


# ---- what the scheduled work sends ---------------------------------------------------------------------


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


class NudgeKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    LEAD = "lead"
    SPONSOR = "sponsor"


@dataclass(frozen=True)
class Nudge:
    """A private reminder about one commitment, to its owner or up the ladder."""

    kind: NudgeKind
    commitment: CommitmentView
    recipient_id: str
    owner_away_until: datetime | None = None  # set when the lead hears of it because the owner is away


@dataclass(frozen=True)
class EscalationLine:
    """One line in the channel when a commitment reaches the sponsor."""

    commitment: CommitmentView
    sponsor_id: str | None


@dataclass(frozen=True)
class Orphaned:
    """Someone has left with open items (or a role): to their party's lead privately, and to the channel.

    `reason` is deactivated, left_channel or unshared; for unshared, `departed_ids` is the whole organisation.
    """

    departed_ids: list[str]
    party: PartyView
    reason: str
    items: list[CommitmentView]
    recipient_id: str | None  # None: the channel's note

    @property
    def lead_left(self) -> bool:
        """The party's lead is among those who left."""
        return self.party.lead_id in self.departed_ids


@dataclass(frozen=True)
class LeadWanted:
    """A party's lead has left: the other party's lead and the sponsor are asked to name a new one."""

    party: PartyView
    departed_id: str
    recipient_id: str


@dataclass(frozen=True)
class Welcome:
    """A private hello to someone who joined the channel: what the alliance is, who leads, how to ask."""

    alliance: AllianceView
    recipient_id: str
    recipient_team_id: str
    returning: bool
    open_items: list[CommitmentView]
    gone: list[str] = field(default_factory=list)  # leads or sponsors named above who have left


Dispatch = (
    CheckinOpened
    | CheckinAsk
    | CheckinClosed
    | Nudge
    | EscalationLine
    | Orphaned
    | LeadWanted
    | Welcome
    | CharterReminder
    | DisputeNudge
    | DisputeMoved
    | sc.ScorecardDispatch
)
