"""The scorecard's commands, and the amounts, kinds and frequencies they carry, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Amount:
    """A number as people write it: 2M, $1.5K, 25%, €300K. `unit` is "", "%", or a currency sign."""

    value: float
    unit: str = ""


class Kind(StrEnum):
    """What a party puts in: time, money, people, or anything else."""

    TIME = "time"
    MONEY = "money"
    PEOPLE = "people"
    OTHER = "other"


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    OFF = "off"


class Verdict(StrEnum):
    """A lead's answer to a review prompt."""

    CONTINUE = "continue"
    ADJUST = "adjust"
    WIND_DOWN = "wind_down"


@dataclass(frozen=True)
class AddMetric:
    name: str
    party: str  # a party's name as typed: matched case-insensitively, fuzzily
    target: Amount
    baseline: Amount | None = None
    due_phrase: str | None = None
    internal: bool = False


@dataclass(frozen=True)
class RecordReading:
    name: str
    value: Amount
    party: str | None = None  # "for Globex" when two parties have a metric of that name


@dataclass(frozen=True)
class ListMetrics:
    pass


@dataclass(frozen=True)
class Contribute:
    party: str
    what: str
    amount: Amount | None
    kind: Kind
    period: str | None = None
    internal: bool = False


@dataclass(frozen=True)
class ListContributions:
    pass


@dataclass(frozen=True)
class ShowScorecard:
    pass


@dataclass(frozen=True)
class SetBalance:
    """`balance` shows the imbalance threshold; `balance 25%` sets it (percentage points of progress)."""

    threshold: int | None = None


@dataclass(frozen=True)
class SetDigest:
    frequency: Frequency | None = None


@dataclass(frozen=True)
class Export:
    pass


ScorecardCommand = (
    AddMetric
    | RecordReading
    | ListMetrics
    | Contribute
    | ListContributions
    | ShowScorecard
    | SetBalance
    | SetDigest
    | Export
)


SCORECARD_COMMANDS = (
    AddMetric,
    RecordReading,
    ListMetrics,
    Contribute,
    ListContributions,
    ShowScorecard,
    SetBalance,
    SetDigest,
    Export,
)
