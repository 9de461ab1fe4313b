"""Trust boundaries at the last step: what of an answer each audience may read, and where each answer goes.

The service and the schedule already leave out what their reader may not see; `redact` is the rule applied once
more, to every kind of answer and scheduled message, just before a front end renders it. Every member of the
`Outcome` and `Dispatch` unions has a redactor here (a test fails for one without), so a new kind of message
cannot reach a reader without passing the rule.

`route` decides where the answer to a command goes: where it was asked (a thread, the channel, a party's linked
channel) when everyone there may read all of it; otherwise the caller alone (privately) and, for a change, their
party's linked private channel; the rest, if anything, where it was asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar

from bot.core.announcements import Announcement
from bot.core.charter.results import (
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
from bot.core.outcomes import Usage, announced
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
from bot.core.pulse.results import (
    PulseAsk,
    PulseOffer,
    PulseOpened,
    PulseQuestionsView,
    PulseRemarks,
    PulseResults,
    PulseSetting,
    PulseShown,
)
from bot.core.scorecard.results import (
    BalanceSetting,
    ContributionAdded,
    ContributionList,
    DigestSetting,
    ExportReady,
    ImbalanceWarning,
    MetricAdded,
    MetricList,
    ReadingRecorded,
    ReviewPrompt,
    ScorecardView,
    SponsorDigest,
)
from bot.core.views import CommitmentView
from bot.core.visibility import Audience, may_see

_T = TypeVar("_T")


def visible(item: CommitmentView, audience: Audience) -> bool:
    return may_see(audience, internal=item.internal, party_team_id=item.party.team_id)


def _items(items: Sequence[CommitmentView], audience: Audience) -> list[CommitmentView]:
    return [item for item in items if visible(item, audience)]


def _hidden(internal: dict[int, str], audience: Audience) -> set[int]:
    """Of the refs internal to a party (ref -> team id), those this audience may not read."""
    return {ref for ref, team_id in internal.items() if not may_see(audience, internal=True, party_team_id=team_id)}


def _one(content: Any, audience: Audience) -> Any | None:
    """An answer about one commitment: all of it, or nothing."""
    return content if visible(content.commitment, audience) else None


def _nudge_group(content: NudgeGroup, audience: Audience) -> NudgeGroup | None:
    """Several reminders in one message: each shown by the rule for one; nothing when none may be."""
    nudges = tuple(n for n in content.nudges if visible(n.commitment, audience))
    return replace(content, nudges=nudges) if nudges else None


def _same(content: Any, audience: Audience) -> Any:
    """An answer that names no commitment."""
    return content


def _owners(content: Owners, audience: Audience) -> Owners:
    return replace(content, matches=_items(content.matches, audience))


def _owned_by(content: OwnedBy, audience: Audience) -> OwnedBy:
    return replace(content, commitments=_items(content.commitments, audience))


def _groups(
    groups: Sequence[tuple[Any, list[CommitmentView]]], audience: Audience
) -> list[tuple[Any, list[CommitmentView]]]:
    kept = [(party, _items(items, audience)) for party, items in groups]
    return [(party, items) for party, items in kept if items]


def _listing(content: Listing, audience: Audience) -> Listing:
    return replace(content, groups=_groups(content.groups, audience))


def _handed_over(content: HandedOver, audience: Audience) -> HandedOver | None:
    hidden = _hidden(content.internal, audience)
    if not hidden:
        return content
    refs = [ref for ref in content.refs if ref not in hidden]
    if not refs and not content.roles:
        return None
    internal = {ref: team for ref, team in content.internal.items() if ref not in hidden}
    return replace(content, refs=refs, internal=internal)


def _linked(content: Linked, audience: Audience) -> Linked | None:
    # Which private channel a party keeps is its own business.
    return content if audience.team_id == content.party.team_id else None


def _checkin_opened(content: CheckinOpened, audience: Audience) -> CheckinOpened:
    return replace(content, groups=_groups(content.groups, audience), orphaned=_items(content.orphaned, audience))


def _checkin_ask(content: CheckinAsk, audience: Audience) -> CheckinAsk | None:
    items = _items(content.items, audience)
    return replace(content, items=items) if items else None


def _checkin_closed(content: CheckinClosed, audience: Audience) -> CheckinClosed:
    hidden = _hidden(content.internal, audience)
    answers = [a for a in content.answers if a.ref not in hidden]
    spoke = {a.user_id for a in answers}

    def shown(user_id: str) -> bool:
        """Whether this reader may know the person was asked: about an item the reader may see."""
        refs = content.asked_about.get(user_id)
        return refs is None or any(r not in hidden for r in refs)

    # Who answered only about hidden items answered nothing this reader may know of: silent on what they were
    # asked about that the reader sees, or not named at all.
    answered = [u for u in content.answered if u in spoke]
    quiet = {u for u in content.answered if u not in spoke and u in content.asked_about and shown(u)}
    silent = sorted({u for u in content.silent if shown(u)} | quiet)
    return replace(
        content,
        answered=answered,
        silent=silent,
        answers=answers,
        changes=[c for c in content.changes if c[0] not in hidden],
        still_open=_items(content.still_open, audience),
        internal={ref: team for ref, team in content.internal.items() if ref not in hidden},
        asked_about={u: [r for r in refs if r not in hidden] for u, refs in content.asked_about.items() if shown(u)},
    )


def _returned(content: Returned, audience: Audience) -> Returned | None:
    items = _items(content.items, audience)
    if not items and not content.was_lead:
        return None
    return replace(content, items=items)


def _orphaned(content: Orphaned, audience: Audience) -> Orphaned | None:
    items = _items(content.items, audience)
    if not items and not content.lead_left:
        return None
    return replace(content, items=items)


def _welcome(content: Welcome, audience: Audience) -> Welcome:
    return replace(content, open_items=_items(content.open_items, audience))


REDACTORS: dict[type, Callable[[Any, Audience], Any | None]] = {
    # what commands answer
    Recorded: _one,
    Owners: _owners,
    OwnedBy: _owned_by,
    Listing: _listing,
    Changed: _one,
    Details: _one,
    RoleNamed: _same,
    Usage: _same,
    FormRequested: _same,
    Reported: _one,
    CadenceView: _same,
    CheckinCalled: _same,
    Snoozed: _one,
    Presence: _same,
    HolidaysSet: _same,
    EscalationView: _same,
    RosterView: _same,  # counts only: the service counts what the audience may see
    HandedOver: _handed_over,
    Linked: _linked,
    # what the schedule sends
    CheckinOpened: _checkin_opened,
    CheckinAsk: _checkin_ask,
    CheckinClosed: _checkin_closed,
    Nudge: _one,
    NudgeGroup: _nudge_group,
    EscalationLine: _one,
    Orphaned: _orphaned,
    Returned: _returned,
    LeadWanted: _same,
    Welcome: _welcome,
    # rendered for the audience of its own conversation when the change was made (bot.core.announcements)
    Announcement: _same,
    # the charter, decisions and disputes: agreed between the parties and shared by nature; they name no
    # commitment (internal or not), so every reader may read them whole
    CharterShown: _same,
    CharterEditRequested: _same,
    CharterSaved: _same,
    CharterSigned: _same,
    DecisionRecorded: _same,
    DecisionList: _same,
    DisputeOpened: _same,
    DisputeList: _same,
    DisputeResolved: _same,
    CharterReminder: _same,
    DisputeNudge: _same,
    DisputeMoved: _same,
    # the scorecard: metrics and contributions can be internal to their party
    MetricAdded: lambda o, a: (
        o if may_see(a, internal=o.metric.internal, party_team_id=o.metric.party.team_id) else None
    ),
    ReadingRecorded: lambda o, a: (
        o if may_see(a, internal=o.metric.internal, party_team_id=o.metric.party.team_id) else None
    ),
    ContributionAdded: lambda o, a: (
        o if may_see(a, internal=o.contribution.internal, party_team_id=o.contribution.party.team_id) else None
    ),
    MetricList: lambda o, a: o.seen_by(a),
    ContributionList: lambda o, a: o.seen_by(a),
    ScorecardView: lambda o, a: o.seen_by(a),
    BalanceSetting: _same,
    DigestSetting: _same,
    ExportReady: _same,  # built for the asker's own organisation and sent only to their private messages
    ImbalanceWarning: _same,  # shared metrics only: both leads get the same facts
    SponsorDigest: lambda o, a: replace(o, card=o.card.seen_by(a)),
    ReviewPrompt: lambda o, a: replace(o, card=o.card.seen_by(a)),
    # the pulse: averages of counts and its own statements, never an item; open answers only to their own party
    PulseShown: _same,
    PulseSetting: _same,
    PulseQuestionsView: _same,
    PulseAsk: _same,
    PulseOpened: _same,
    PulseResults: _same,
    PulseOffer: _same,
    PulseRemarks: lambda o, a: o if a.team_id is not None and a.team_id == o.party.team_id else None,
}


def redact(content: _T, audience: Audience) -> _T | None:
    """`content` as `audience` may read it: without the other party's internal items; None when nothing of it may
    be said to them. An unknown kind of content is an error, never passed through."""
    redactor = REDACTORS.get(type(content))
    if redactor is None:
        raise TypeError(f"no trust-boundary rule for {type(content).__name__}")
    result: _T | None = redactor(content, audience)
    return result


class To(StrEnum):
    HERE = "here"  # where the command was given: a thread or the channel (shared, or a party's linked channel)
    CALLER = "caller"  # the caller alone: an ephemeral message, or their DM with the bot
    PARTY = "party"  # the caller's party's linked private channel


@dataclass(frozen=True)
class Send:
    to: To
    outcome: Any


# Summaries asked for in a shared place are answered there once, with what both organisations may read; the
# asker's own organisation's full view is one private question away (the slash command), not a second copy.
ANSWERED_ONCE = (MetricList, ContributionList, ScorecardView)


def route(outcome: Any, *, here: Audience, viewer: Audience, public: bool) -> list[Send]:
    """Where the answer to a command goes. `public`: the front end would show it where it was asked (a mention's
    thread, a change announced in the channel); otherwise it answers the caller alone.

    What `here` may not read goes to the caller privately and, when it changed something, to their party's linked
    channel too; what it may read is still said here, so the other organisation sees its part of a change.
    """
    mine = redact(outcome, viewer)
    if isinstance(outcome, Linked):
        # Said in the linked channel itself; to the caller as well when they linked it from elsewhere.
        if mine is None:
            return []
        return [Send(To.PARTY, mine)] if here == viewer else [Send(To.PARTY, mine), Send(To.CALLER, mine)]
    if not public:
        return [Send(To.CALLER, mine)] if mine is not None else []
    shown = redact(outcome, here)
    sends = [Send(To.HERE, shown)] if shown is not None else []
    if isinstance(outcome, ANSWERED_ONCE):
        return sends
    if shown != outcome and mine is not None:
        sends.append(Send(To.CALLER, mine))
        if announced(outcome) and here != viewer:
            sends.append(Send(To.PARTY, mine))
    return sends
