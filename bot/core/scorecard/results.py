"""What scorecard commands answer and what the sweep sends about it.

Views carry each item's party and `internal` flag; `seen_by` drops what an audience may not see
(bot.core.visibility), and every renderer works from what `seen_by` returned."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.core.pulse.results import Headline
from bot.core.scorecard.commands import Amount, Frequency, Kind, Verdict
from bot.core.visibility import Audience, may_see


@dataclass(frozen=True)
class Side:
    """One party as the scorecard names it."""

    team_id: str
    name: str


@dataclass(frozen=True)
class Reading:
    value: float
    at: datetime
    by: str


@dataclass(frozen=True)
class MetricView:
    name: str
    party: Side
    unit: str
    baseline: float | None
    target: float
    due_at: datetime | None
    internal: bool
    readings: list[Reading] = field(default_factory=list)  # oldest first

    @property
    def start(self) -> float:
        """Where counting starts: the baseline, or zero without one."""
        return self.baseline if self.baseline is not None else 0.0

    @property
    def latest(self) -> float | None:
        return self.readings[-1].value if self.readings else None

    @property
    def progress(self) -> float:
        """The share of the way from start to target covered by the latest reading (0 without one; may pass
        1, or fall below 0 when it moved away). A target below the start counts a fall as progress."""
        latest = self.latest
        if latest is None or self.target == self.start:
            return 1.0 if latest is not None and latest == self.target else 0.0
        return (latest - self.start) / (self.target - self.start)


@dataclass(frozen=True)
class ContributionView:
    party: Side
    what: str
    amount: Amount | None
    kind: Kind
    period: str | None
    internal: bool
    by: str
    at: datetime


@dataclass(frozen=True)
class Punctuality:
    """How a party keeps its word: commitments done on or before their date, done late, and slips."""

    done_on_time: int = 0
    done_late: int = 0
    slips: int = 0
    open_overdue: int = 0

    @property
    def on_time_rate(self) -> float | None:
        done = self.done_on_time + self.done_late
        return self.done_on_time / done if done else None


@dataclass(frozen=True)
class Responses:
    """Check-in questions a party's people were sent, and how many they answered."""

    asked: int = 0
    answered: int = 0

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


@dataclass(frozen=True)
class Goal:
    """A goal of the charter (owned by the charter; read here through bot.core.scorecard.charter_terms)."""

    key: str
    title: str
    target_date: datetime | None
    team_ids: list[str] = field(default_factory=list)  # the parties it benefits


@dataclass(frozen=True)
class SideCard:
    party: Side
    metrics: list[MetricView]
    contributions: list[ContributionView]
    delivery: Punctuality  # every commitment of the party
    responses: Responses
    goals: list[Goal] = field(default_factory=list)
    delivery_shared: Punctuality = Punctuality()  # its shared commitments only: what the other party may see
    responses_shared: Responses = Responses()  # questions about its shared commitments only: likewise

    @property
    def progress(self) -> float | None:
        """The mean progress of the party's metrics (each counted between 0 and 1), None without metrics."""
        if not self.metrics:
            return None
        return sum(min(max(m.progress, 0.0), 1.0) for m in self.metrics) / len(self.metrics)


@dataclass(frozen=True)
class Balance:
    """Whether both parties gain: the gap in progress between them, against the alliance's threshold."""

    threshold: int  # percentage points
    progress: dict[str, float]  # team id -> mean progress of its shared metrics
    ahead: str | None = None  # the team id that gains while the other does not; None when balanced

    @property
    def gap(self) -> float | None:
        if len(self.progress) < 2:
            return None
        values = sorted(self.progress.values())
        return values[-1] - values[0]


@dataclass(frozen=True)
class ScorecardView:
    alliance: str
    sides: list[SideCard]
    balance: Balance
    at: datetime
    goals: list[Goal] = field(default_factory=list)
    viewer_team_id: str = ""  # the organisation of whoever asked (a private answer is theirs to see)
    pulse: Headline | None = None  # the latest health pulse's headline: averages only, both organisations may read

    def seen_by(self, audience: Audience) -> ScorecardView:
        return replace(self, sides=[_side_seen_by(s, audience) for s in self.sides])


def _side_seen_by(side: SideCard, audience: Audience) -> SideCard:
    own = may_see(audience, internal=True, party_team_id=side.party.team_id)
    return replace(
        side,
        delivery=side.delivery if own else side.delivery_shared,
        responses=side.responses if own else side.responses_shared,
        metrics=[m for m in side.metrics if may_see(audience, internal=m.internal, party_team_id=m.party.team_id)],
        contributions=[
            c for c in side.contributions if may_see(audience, internal=c.internal, party_team_id=c.party.team_id)
        ],
    )


@dataclass(frozen=True)
class MetricAdded:
    metric: MetricView
    actor_id: str


@dataclass(frozen=True)
class ReadingRecorded:
    metric: MetricView
    previous: float | None
    actor_id: str


@dataclass(frozen=True)
class MetricList:
    parties: list[Side]
    metrics: list[MetricView]
    viewer_team_id: str = ""

    def seen_by(self, audience: Audience) -> MetricList:
        shown = [m for m in self.metrics if may_see(audience, internal=m.internal, party_team_id=m.party.team_id)]
        return replace(self, metrics=shown)


@dataclass(frozen=True)
class ContributionAdded:
    contribution: ContributionView
    actor_id: str


@dataclass(frozen=True)
class ContributionList:
    parties: list[Side]
    items: list[ContributionView]
    viewer_team_id: str = ""

    def seen_by(self, audience: Audience) -> ContributionList:
        shown = [c for c in self.items if may_see(audience, internal=c.internal, party_team_id=c.party.team_id)]
        return replace(self, items=shown)


@dataclass(frozen=True)
class BalanceSetting:
    threshold: int
    changed: bool


@dataclass(frozen=True)
class DigestSetting:
    frequency: Frequency
    changed: bool
    next_at: datetime | None


@dataclass(frozen=True)
class ExportReady:
    """A CSV for one person, already limited to what their organisation may see."""

    user_id: str
    filename: str
    csv: str
    rows: int


ScorecardOutcome = (
    MetricAdded
    | ReadingRecorded
    | MetricList
    | ContributionAdded
    | ContributionList
    | ScorecardView
    | BalanceSetting
    | DigestSetting
    | ExportReady
)


SCORECARD_OUTCOMES = (
    MetricAdded,
    ReadingRecorded,
    MetricList,
    ContributionAdded,
    ContributionList,
    ScorecardView,
    BalanceSetting,
    DigestSetting,
    ExportReady,
)


@dataclass(frozen=True)
class ImbalanceWarning:
    """To each lead, once per episode: one party's metrics move toward target and the other's do not."""

    alliance: str
    balance: Balance
    sides: list[SideCard]  # shared metrics only: both leads get the same facts
    recipient_id: str


@dataclass(frozen=True)
class SponsorDigest:
    """The periodic private summary for a sponsor, seen as their own organisation may see it."""

    alliance: str
    period: str  # "November 2026", "week of 30 Nov 2026"
    card: ScorecardView
    open_disputes: list[str]
    recipient_id: str


@dataclass(frozen=True)
class ReviewPrompt:
    """To each lead at the end of the agreed timeframe or at a goal's target date: continue, adjust, wind down."""

    channel_id: str
    review_key: str
    about: str  # the goal's title, or "" for the agreed timeframe
    card: ScorecardView
    recipient_id: str


ScorecardDispatch = ImbalanceWarning | SponsorDigest | ReviewPrompt


SCORECARD_DISPATCH = (ImbalanceWarning, SponsorDigest, ReviewPrompt)


@dataclass(frozen=True)
class ReviewAnswered:
    """A lead's answer to a review prompt, announced to the alliance."""

    review_key: str
    about: str
    verdict: Verdict
    user_id: str
    party: Side | None
