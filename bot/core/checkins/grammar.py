"""How check-in commands are typed: `status #12 at risk`, `cadence monthly`, `checkin now`, `snooze #12 3d`."""

from __future__ import annotations

import re

from bot.core.checkins.commands import Answer, CheckinNow, Escalation, Report, SetCadence, ShowCadence, Snooze
from bot.core.errors import GrammarError
from bot.core.parsing import ref_number

Command = Report | ShowCadence | SetCadence | CheckinNow | Snooze | Escalation


USAGE = {
    "status": "status #12 on track | at risk | need help <note>",
    "cadence": "cadence [weekly | every 2 weeks | monthly | default]",
    "checkin": "checkin now",
    "snooze": "snooze #12 3d",
    "escalation": "escalation <lead after N working days> <sponsor after M>, e.g. escalation 2 5",
}

VERBS = {
    "status": "status",
    "report": "status",
    "cadence": "cadence",
    "checkin": "checkin",
    "check-in": "checkin",
    "snooze": "snooze",
    "escalation": "escalation",
    "escalate": "escalation",
}


def parse(verb: str, rest: str) -> Command:
    """A check-in command, its verb already read."""
    match verb:
        case "status":
            return report(rest)
        case "cadence":
            return ShowCadence() if not rest else SetCadence(cadence(rest))
        case "checkin":
            if rest.lower().strip(" !.") not in ("now", ""):
                raise GrammarError("I only know “checkin now”.", USAGE["checkin"], rest)
            return CheckinNow()
        case "snooze":
            return snooze(rest)
        case "escalation":
            return escalation(rest)
    raise AssertionError(f"not a check-in verb: {verb}")


ANSWERS = {
    "on track": Answer.ON_TRACK,
    "ontrack": Answer.ON_TRACK,
    "ok": Answer.ON_TRACK,
    "fine": Answer.ON_TRACK,
    "at risk": Answer.AT_RISK,
    "risk": Answer.AT_RISK,
    "late": Answer.AT_RISK,
    "need help": Answer.NEED_HELP,
    "help": Answer.NEED_HELP,
    "blocked": Answer.NEED_HELP,
}


CADENCES = {
    "weekly": "weekly",
    "every week": "weekly",
    "every 1 week": "weekly",
    "fortnightly": "fortnightly",
    "biweekly": "fortnightly",
    "every 2 weeks": "fortnightly",
    "every two weeks": "fortnightly",
    "monthly": "monthly",
    "every month": "monthly",
    "default": "default",
    "auto": "default",
}


def report(rest: str) -> Report:
    ref_word, _, tail = rest.partition(" ")
    ref = ref_number(ref_word, USAGE["status"])
    words = tail.strip().lower()
    for phrase in sorted(ANSWERS, key=len, reverse=True):
        if words == phrase or words.startswith(phrase + " ") or words.startswith(phrase + ":"):
            note = tail.strip()[len(phrase) :].strip(" :,-")
            return Report(ref, ANSWERS[phrase], note[:500])
    raise GrammarError("Say how it stands: on track, at risk or need help.", USAGE["status"], rest)


def cadence(rest: str) -> str:
    key = " ".join(rest.lower().replace("-", " ").split())
    if key not in CADENCES:
        raise GrammarError(f"I can check in weekly, every 2 weeks or monthly, not “{rest[:40]}”.", USAGE["cadence"])
    return CADENCES[key]


def snooze(rest: str) -> Snooze:
    ref_word, _, span = rest.partition(" ")
    ref = ref_number(ref_word, USAGE["snooze"])
    match = re.fullmatch(r"(?:for\s+)?(\d{1,2})\s*(d|day|days|w|week|weeks)", span.strip().lower())
    if not match:
        raise GrammarError("Say for how long, like 3d or 1w.", USAGE["snooze"], rest)
    days = int(match.group(1)) * (7 if match.group(2).startswith("w") else 1)
    if not 1 <= days <= 60:
        raise GrammarError("Snooze for 1 to 60 days.", USAGE["snooze"], rest)
    return Snooze(ref, days)


def escalation(rest: str) -> Escalation:
    if not rest:
        return Escalation()
    numbers = re.findall(r"\d+", rest)
    if len(numbers) != 2 or re.sub(r"[\d\s,;]|lead|sponsor|after|days?|and|then", "", rest.lower()).strip():
        raise GrammarError(
            "Give two numbers of working days: the lead's, then the sponsor's.", USAGE["escalation"], rest
        )
    lead, sponsor = int(numbers[0]), int(numbers[1])
    problem = (
        f"The lead hears at least 1 working day after the deadline, not {lead}."
        if lead < 1
        else f"The sponsor hears after the lead, so the second number must be larger than the first: you gave {lead} "
        f"and {sponsor}."
        if sponsor <= lead
        else f"The sponsor hears within 30 working days; {sponsor} is longer than an escalation should wait."
        if sponsor > 30
        else ""
    )
    if problem:
        example = f"escalation {max(lead, 1)} {min(max(lead, 1) + 3, 30)}" if max(lead, 1) < 30 else "escalation 2 5"
        raise GrammarError(f"{problem} For example `{example}`.", USAGE["escalation"], rest)
    return Escalation(lead, sponsor)
