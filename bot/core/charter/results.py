"""The charter's content as everyone reads it, what its commands answer, and what the schedule sends about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Goal:
    text: str
    target: date
    benefits: tuple[str, ...]  # party names


@dataclass(frozen=True)
class DisputeStep:
    who: str  # leads, sponsors, mediator
    days: int  # working days this step has; the last step keeps it until resolved


DEFAULT_STEPS = (DisputeStep("leads", 5), DisputeStep("sponsors", 5), DisputeStep("mediator", 10))


@dataclass(frozen=True)
class CharterParty:
    team_id: str
    name: str
    lead_id: str | None = None
    sponsor_id: str | None = None


@dataclass(frozen=True)
class CharterView:
    """One version of the charter as everyone reads it, with who has signed it."""

    channel_id: str
    version: int  # 0: nothing written yet
    name: str
    parties: list[CharterParty]
    goals: list[Goal] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    decision_makers: list[str] = field(default_factory=list)
    cadence: str = "default"
    formality: str = ""
    communication: str = ""
    steps: list[DisputeStep] = field(default_factory=lambda: list(DEFAULT_STEPS))
    mediator: str = ""
    mediator_id: str | None = None
    shared: str = ""
    held_back: str = ""
    edited_by: str | None = None
    edited_at: datetime | None = None
    signed_by: list[str] = field(default_factory=list)  # user ids of the leads who signed this version
    signed_at: datetime | None = None
    missing: list[str] = field(default_factory=list)  # labels of what is still to be filled in


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class CharterShown:
    charter: CharterView
    viewer_id: str


@dataclass(frozen=True)
class CharterEditRequested:
    channel_id: str


@dataclass(frozen=True)
class CharterSaved:
    """A new version: the first, or a change (after sign-off the signatures are cleared and asked for again)."""

    charter: CharterView
    changes: list[FieldChange]
    actor_id: str
    was_signed: bool  # the version it replaces had been signed by both leads
    first: bool = False  # the charter's first version

    @property
    def announced(self) -> bool:
        return self.first or bool(self.changes)


@dataclass(frozen=True)
class CharterSigned:
    charter: CharterView
    signer_id: str
    complete: bool  # this signature was the last one: post and pin the signed charter


@dataclass(frozen=True)
class DecisionView:
    ref: int
    text: str
    decided_by: str
    consulted: list[str]
    recorded_by: str
    at: datetime


@dataclass(frozen=True)
class DecisionRecorded:
    decision: DecisionView


@dataclass(frozen=True)
class DecisionList:
    decisions: list[DecisionView]
    hidden: int = 0


@dataclass(frozen=True)
class DisputeView:
    ref: int
    topic: str
    opened_by: str
    opened_at: datetime
    step: int
    steps: list[DisputeStep]
    deadline: datetime | None  # of the current step; None at the last step
    home_tz: str
    people: list[str]  # who the current step's people are
    stand_in: bool = False  # nobody is named (or still here) for this step: the leads carry it
    mediator: str = ""
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    outcome: str | None = None

    @property
    def who(self) -> str:
        return self.steps[self.step].who if self.step < len(self.steps) else "mediator"


@dataclass(frozen=True)
class DisputeOpened:
    dispute: DisputeView
    channel_id: str = ""  # the alliance's, for the Resolved button


@dataclass(frozen=True)
class DisputeList:
    disputes: list[DisputeView]


@dataclass(frozen=True)
class DisputeResolved:
    dispute: DisputeView


CHARTER_OUTCOMES = (
    CharterShown,
    CharterEditRequested,
    CharterSaved,
    CharterSigned,
    DecisionRecorded,
    DecisionList,
    DisputeOpened,
    DisputeList,
    DisputeResolved,
)


ANNOUNCED_CHARTER = (CharterSaved, CharterSigned, DecisionRecorded, DisputeOpened, DisputeResolved)


@dataclass(frozen=True)
class CharterReminder:
    """A gentle word to a lead at a check-in: the charter is unwritten, incomplete, or waiting for signatures."""

    charter: CharterView
    recipient_id: str


@dataclass(frozen=True)
class DisputeNudge:
    """To one person of a dispute's current step, privately: it is theirs to settle, by the deadline."""

    dispute: DisputeView
    recipient_id: str


@dataclass(frozen=True)
class DisputeMoved:
    """In the channel: a step's deadline passed unresolved and the dispute moved on."""

    dispute: DisputeView


CHARTER_DISPATCH = (CharterReminder, DisputeNudge, DisputeMoved)
