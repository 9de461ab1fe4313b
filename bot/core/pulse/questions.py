"""What the pulse asks: eight statements rated 1 (disagree) to 5 (agree), and one open question.

They cover the four things alliance health checks look at: strategic fit, operational fit, cultural fit and
trust, and value for each side. An alliance may reword any statement (`pulse questions set 3 …`); the numbers
stay, so the trend of a question across pulses is the trend of the same theme.
"""

from __future__ import annotations

import json

DEFAULTS: tuple[str, ...] = (
    "The goals we share with our partner still matter to us.",  # strategic fit
    "Both sides keep the commitments they make.",  # operational fit
    "Decisions in this alliance are made fast enough.",  # operational fit
    "Information is shared openly between us.",  # cultural fit and trust
    "Disagreements are handled well.",  # cultural fit and trust
    "We trust our partner to act in the alliance's interest.",  # cultural fit and trust
    "We get the value we expected from this alliance.",  # value for us
    "Our partner gets the value they expected.",  # value for the partner
)
THEMES: tuple[str, ...] = ("strategy", "operations", "operations", "trust", "trust", "trust", "value", "value")
OPEN_QUESTION = "What would most improve this alliance?"
MAX_STATEMENT = 150
MAX_REMARK = 1000


def current(overrides: str) -> list[str]:
    """The statements as this alliance asks them: the defaults with its own wordings in place."""
    edited = {int(k): v for k, v in json.loads(overrides or "{}").items()}
    return [edited.get(i, text) for i, text in enumerate(DEFAULTS, start=1)]


def edit(overrides: str, number: int, text: str | None) -> str:
    """The overrides with statement `number` reworded (None: back to the default)."""
    edited = json.loads(overrides or "{}")
    if text is None or text == DEFAULTS[number - 1]:
        edited.pop(str(number), None)
    else:
        edited[str(number)] = text
    return json.dumps(edited, sort_keys=True)
