"""How the pulse's commands are typed: `pulse`, `pulse now`, `pulse off`, `pulse every 2 months`,
`pulse questions`, `pulse questions set 3 <statement>`, `pulse questions reset`."""

from __future__ import annotations

import re

from bot.core.errors import GrammarError
from bot.core.pulse.commands import PulseCommand, PulseNow, PulseQuestions, PulseRhythm, ShowPulse
from bot.core.pulse.questions import DEFAULTS, MAX_STATEMENT

Command = PulseCommand

USAGE = {
    "pulse": "pulse [now | off | every 2 months | questions | questions set 3 <statement> | questions reset]",
}
VERBS = {"pulse": "pulse", "health": "pulse"}
EVERY = re.compile(r"(?:every\s+)?(\d{1,2}|one|two|three|four|six)\s*(?:months?|mo)|quarterly|monthly", re.IGNORECASE)
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6}


def parse(verb: str, rest: str) -> Command:
    """A pulse command, its verb already read."""
    words = rest.strip()
    key = words.lower().rstrip("!.").strip()
    if not key or key in ("check", "status", "results", "trend"):
        return ShowPulse()
    if key in ("now", "start", "run"):
        return PulseNow()
    if key in ("off", "stop", "pause"):
        return PulseRhythm(None)
    if key.startswith("question"):
        return questions(words.partition(" ")[2].strip())
    match = EVERY.fullmatch(key)
    if match:
        months = 3 if key == "quarterly" else 1 if key == "monthly" else _number(match.group(1))
        if not 1 <= months <= 12:
            raise GrammarError(f"A pulse every 1 to 12 months, not every {months}.", USAGE["pulse"], rest)
        return PulseRhythm(months)
    raise GrammarError("I know `pulse`, `pulse now`, `pulse off` and `pulse every 2 months`.", USAGE["pulse"], rest)


def _number(word: str) -> int:
    return NUMBERS.get(word.lower()) or int(word)


def questions(rest: str) -> PulseQuestions:
    action, _, tail = rest.partition(" ")
    match action.lower():
        case "":
            return PulseQuestions()
        case "reset" | "default" | "defaults":
            return PulseQuestions(reset=True)
        case "set" | "edit":
            number, _, text = tail.strip().partition(" ")
            if not number.isdigit() or not 1 <= int(number) <= len(DEFAULTS):
                raise GrammarError(f"Say which statement, 1 to {len(DEFAULTS)}.", USAGE["pulse"], rest)
            text = text.strip().strip('"“”')
            if not text:
                raise GrammarError("Give the statement's new wording after its number.", USAGE["pulse"], rest)
            if len(text) > MAX_STATEMENT:
                raise GrammarError(
                    f"A statement is at most {MAX_STATEMENT} characters; that one is {len(text)}.", USAGE["pulse"]
                )
            return PulseQuestions(number=int(number), text=text)
    raise GrammarError(
        "I know `pulse questions`, `pulse questions set 3 …` and `pulse questions reset`.", USAGE["pulse"]
    )
