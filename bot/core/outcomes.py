"""What the core answers, all kinds together: the union of every feature's outcomes, the reply that carries one,
and what the schedule sends. Each front end renders these in its own words and widgets; features never import
this module (each answers with its own results)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.announcements import Announcement
from bot.core.charter.results import (
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
from bot.core.checkins.results import (
    CadenceView,
    CheckinAsk,
    CheckinCalled,
    CheckinClosed,
    CheckinOpened,
    EscalationLine,
    EscalationView,
    Nudge,
    NudgeGroup,
    Reported,
    Snoozed,
)
from bot.core.commitments.results import Changed, Details, FormRequested, Listing, OwnedBy, Owners, Recorded
from bot.core.people.results import (
    HandedOver,
    HolidaysSet,
    LeadWanted,
    Linked,
    Orphaned,
    Presence,
    Returned,
    RoleNamed,
    RosterView,
    Welcome,
)
from bot.core.pulse.results import PulseDispatch, PulseOutcome, PulseQuestionsView, PulseSetting
from bot.core.scorecard.results import (
    BalanceSetting,
    ContributionAdded,
    DigestSetting,
    MetricAdded,
    ReadingRecorded,
    ScorecardDispatch,
    ScorecardOutcome,
)
from bot.core.views import AllianceView
from bot.core.visibility import SHARED, Audience


@dataclass(frozen=True)
class Usage:
    """The answer to `help`, or to a word the grammar did not know; `verb` set: that one command's help (`help
    commit`, or the command nearest to a typo, with `retyped` the line as it was probably meant)."""

    unknown: str | None = None
    verb: str | None = None
    form: str | None = None
    words: tuple[str, ...] = ()
    retyped: str | None = None


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
    | ScorecardOutcome
    | PulseOutcome
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
    if isinstance(outcome, CadenceView | EscalationView | BalanceSetting | DigestSetting):
        return outcome.changed
    if isinstance(outcome, CharterSaved):
        return outcome.announced
    if isinstance(outcome, MetricAdded | ReadingRecorded):
        return not outcome.metric.internal  # an internal item is confirmed privately, never announced
    if isinstance(outcome, PulseSetting | PulseQuestionsView):
        return outcome.changed
    if isinstance(outcome, ContributionAdded):
        return not outcome.contribution.internal
    return isinstance(outcome, ANNOUNCED)


# What the scheduled work sends.
Dispatch = (
    CheckinOpened
    | CheckinAsk
    | CheckinClosed
    | Nudge
    | NudgeGroup
    | EscalationLine
    | Orphaned
    | Returned
    | LeadWanted
    | Welcome
    | CharterReminder
    | DisputeNudge
    | DisputeMoved
    | ScorecardDispatch
    | Announcement
    | PulseDispatch
)
