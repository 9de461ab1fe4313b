"""The pulse's commands, as the grammar reads them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowPulse:
    """`pulse`: the last pulse and each statement's trend."""


@dataclass(frozen=True)
class PulseNow:
    """`pulse now`: open a pulse at once (leads and sponsors)."""


@dataclass(frozen=True)
class PulseRhythm:
    """`pulse every 2 months` (months set) or `pulse off` (months None)."""

    months: int | None


@dataclass(frozen=True)
class PulseQuestions:
    """`pulse questions` (show), `pulse questions set 3 <text>`, `pulse questions reset`."""

    number: int | None = None
    text: str | None = None
    reset: bool = False


PulseCommand = ShowPulse | PulseNow | PulseRhythm | PulseQuestions
PULSE_COMMANDS = (ShowPulse, PulseNow, PulseRhythm, PulseQuestions)
