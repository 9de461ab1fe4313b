"""What the pulse's commands answer and what the sweep sends about pulses.

Nothing here names a person together with an answer: figures are averages of a party's counts, shown per party
only when both parties have at least MIN_ANSWERS answers (else only the combined figure, so that neither side's
figure can be worked out from the other's), and open answers go only to their own party's leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.pulse.classification import Group
from bot.core.views import PartyView

MIN_ANSWERS = 3


@dataclass(frozen=True)
class Figures:
    """One statement in one pulse: the combined average, each party's (in `PulseSummary.sides` order) when shown,
    the gap between them, and its group."""

    number: int
    statement: str
    combined: float | None
    by_party: tuple[float | None, ...] = ()
    group: Group = Group.REST

    @property
    def gap(self) -> float | None:
        if len(self.by_party) != 2 or None in self.by_party:
            return None
        a, b = self.by_party
        assert a is not None and b is not None
        return round(abs(a - b), 2)


@dataclass(frozen=True)
class PulseSummary:
    seq: int
    closed_at: datetime | None
    sides: tuple[PartyView, ...]
    answers: tuple[int, ...]  # how many answered, per side
    split: bool  # per-party figures shown (both parties have MIN_ANSWERS answers)
    figures: tuple[Figures, ...]

    @property
    def total(self) -> int:
        return sum(self.answers)

    def group(self, group: Group) -> list[Figures]:
        return [f for f in self.figures if f.group is group]


@dataclass(frozen=True)
class Headline:
    """The latest pulse in a line: its widest gap (which side rates higher) and how that gap moved since the
    pulse before; without per-party figures, the lowest combined statement."""

    seq: int
    statement: str
    gap: float | None = None
    higher: str = ""  # the party that rates it higher
    previous_gap: float | None = None
    combined: float | None = None
    previous_combined: float | None = None


@dataclass(frozen=True)
class Trend:
    number: int
    statement: str
    combined: tuple[float | None, ...]  # oldest pulse first


# ---- answers to commands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseShown:
    """`pulse`: the last pulse, each statement's trend, what is open and when the next one comes."""

    last: PulseSummary | None
    trends: tuple[Trend, ...]
    open_seq: int | None
    open_closes_at: datetime | None
    next_at: datetime | None
    every_months: int
    off: bool
    home_tz: str = "UTC"


@dataclass(frozen=True)
class PulseSetting:
    """`pulse every N months` / `pulse off` / `pulse now`: the rhythm as it now stands."""

    every_months: int
    off: bool
    next_at: datetime | None
    called: bool = False  # `pulse now`: opened, its questions go out with the next sweep
    home_tz: str = "UTC"
    changed: bool = True


@dataclass(frozen=True)
class PulseQuestionsView:
    statements: tuple[str, ...]
    edited: tuple[int, ...]  # numbers reworded for this alliance
    open_question: str
    changed: bool = False


@dataclass(frozen=True)
class PulseThanks:
    """The word back to someone who answered: counted, anonymously, and when the results come."""

    seq: int
    closes_at: datetime
    channel_id: str


# ---- what the sweep sends ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseAsk:
    """A private message to one member of either party: the statements, with a way to answer."""

    round_id: int
    seq: int
    alliance: str
    channel_id: str
    statements: tuple[str, ...]
    open_question: str
    closes_at: datetime
    recipient_id: str
    reminder: bool = False


@dataclass(frozen=True)
class PulseOpened:
    """A line in the channel: a pulse is open and everyone was asked privately."""

    seq: int
    asked: int
    closes_at: datetime


@dataclass(frozen=True)
class PulseResults:
    """The summary in the channel when a pulse closes; the chart is drawn from it."""

    summary: PulseSummary
    channel_id: str
    alliance: str
    round_id: int = 0


@dataclass(frozen=True)
class PulseRemarks:
    """A party's open answers, to that party's lead only, shuffled and unsigned."""

    seq: int
    party: PartyView
    remarks: tuple[str, ...]
    recipient_id: str


@dataclass(frozen=True)
class PulseOffer:
    """To a lead, after a dispute was opened or the imbalance warning fired: run a pulse now?"""

    alliance: str
    channel_id: str
    reason: str  # dispute, imbalance
    recipient_id: str


PULSE_OUTCOMES = (PulseShown, PulseSetting, PulseQuestionsView)
PULSE_DISPATCH = (PulseAsk, PulseOpened, PulseResults, PulseRemarks, PulseOffer)
PulseOutcome = PulseShown | PulseSetting | PulseQuestionsView
PulseDispatch = PulseAsk | PulseOpened | PulseResults | PulseRemarks | PulseOffer
