"""The check-in commands, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Answer(StrEnum):
    """What an owner says about a commitment at a check-in (Done and New date are their own commands)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NEED_HELP = "need_help"


@dataclass(frozen=True)
class Report:
    ref: int
    answer: Answer
    note: str = ""


@dataclass(frozen=True)
class ShowCadence:
    pass


@dataclass(frozen=True)
class SetCadence:
    cadence: str  # a Cadence value


@dataclass(frozen=True)
class CheckinNow:
    pass


@dataclass(frozen=True)
class Snooze:
    ref: int
    days: int


@dataclass(frozen=True)
class Escalation:
    """`escalation` shows the ladder; `escalation 2 5` sets lead and sponsor after that many working days."""

    lead_after: int | None = None
    sponsor_after: int | None = None
