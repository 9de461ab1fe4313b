"""The scorecard's command language: metrics, readings, contributions, balance, digest and export.

The switchboard grammar hands over the verb and the rest of the line; this module reads it, with the amounts people
write (2M, $1.5K, 25%, €300K, 50K EUR).
"""

from __future__ import annotations

import re

from bot.core.dates import looks_like_date
from bot.core.errors import GrammarError
from bot.core.parsing import MAX_TITLE
from bot.core.scorecard.commands import (
    AddMetric,
    Amount,
    Contribute,
    Export,
    Frequency,
    Kind,
    ListContributions,
    ListMetrics,
    RecordReading,
    ScorecardCommand,
    SetBalance,
    SetDigest,
    ShowScorecard,
)

USAGE = {
    "metric": 'metric add "pipeline influenced" for Globex target 2M [baseline 0.4M] by end of Q2 [--internal]',
    "metric record": 'metric record "pipeline influenced" 1.2M',
    "metrics": "metrics",
    "contribute": "contribute Globex 2 engineers for Q1 [--internal]",
    "contributions": "contributions",
    "scorecard": "scorecard",
    "balance": "balance 25%",
    "digest": "digest weekly | monthly | off",
    "export": "export",
}


VERBS = {
    "metric": "metric",
    "metrics": "metrics",
    "kpi": "metric",
    "kpis": "metrics",
    "contribute": "contribute",
    "contribution": "contribute",
    "contributions": "contributions",
    "scorecard": "scorecard",
    "score": "scorecard",
    "balance": "balance",
    "digest": "digest",
    "export": "export",
    "csv": "export",
}


AMOUNT = re.compile(
    r"^(?P<cur>[$€£])?(?P<num>\d+(?:[.,]\d+)*)(?P<suf>k|m|mn|b|bn|%)?(?P<code>eur|usd|gbp)?$", re.IGNORECASE
)
CODES = {"eur": "€", "usd": "$", "gbp": "£"}
SCALE = {"k": 1e3, "m": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}
QUOTED = re.compile(r'^\s*["“”\'‘’](?P<name>[^"“”\'‘’]+)["“”\'‘’]\s*(?P<rest>.*)$')
# Slack may turn "--" into a dash as it is typed.
INTERNAL_FLAG = re.compile(r"(?:^|\s)(?:--?|—|–)internal\b", re.IGNORECASE)
PERIOD = re.compile(
    r"^(?:q[1-4](?:\s+\d{4})?|h[12](?:\s+\d{4})?|\d{4}|(?:this|next|the)\s+(?:quarter|year|month|half)|"
    r"\d+\s+(?:days?|weeks?|months?|quarters?|years?)|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*"
    r"(?:\s+\d{4})?|the\s+pilot|the\s+alliance)$",
    re.IGNORECASE,
)
PEOPLE_WORDS = re.compile(
    r"\b(?:engineers?|developers?|devs?|people|persons?|fte|ftes|staff|headcount|heads?|consultants?|designers?|"
    r"architects?|reps?|specialists?|analysts?|managers?|team members?|experts?)\b",
    re.IGNORECASE,
)
MONEY_WORDS = re.compile(
    r"[$€£]|\b(?:eur|euros?|usd|dollars?|gbp|pounds?|budget|funding|fund|cash|investment|spend)\b", re.IGNORECASE
)
TIME_WORDS = re.compile(r"\b(?:hours?|hrs?|days?|weeks?|person-days?|man-days?|sprints?)\b", re.IGNORECASE)


def parse(verb: str, rest: str) -> ScorecardCommand:
    """One scorecard command from its verb (a value of VERBS) and the words after it."""
    match verb:
        case "metric":
            return _metric(rest)
        case "metrics":
            return ListMetrics()
        case "contribute":
            return _contribute(rest)
        case "contributions":
            return ListContributions()
        case "scorecard":
            return ShowScorecard()
        case "balance":
            return _balance(rest)
        case "digest":
            return _digest(rest)
        case "export":
            return Export()
    raise GrammarError("I don't know that scorecard command.", "help")


def amount(text: str) -> Amount | None:
    """An amount as written (2M, $1.5K, 25%, 1,200, 50KEUR), or None when the text is not one."""
    match = AMOUNT.match(text.strip())
    if not match:
        return None
    digits = match.group("num")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
        digits = digits.replace(",", "")
    elif digits.count(",") == 1 and "." not in digits:
        digits = digits.replace(",", ".")  # 1,5 is one and a half
    try:
        value = float(digits)
    except ValueError:
        return None
    suffix = (match.group("suf") or "").lower()
    unit = match.group("cur") or CODES.get((match.group("code") or "").lower(), "")
    if suffix == "%":
        return Amount(value, "%")
    return Amount(value * SCALE.get(suffix, 1.0), unit)


def kind_of(what: str, unit: str) -> Kind:
    """Time, money, people or other, from the words: engineers and FTE are people, $ and EUR money, hours time."""
    if unit in ("$", "€", "£") or MONEY_WORDS.search(what):
        return Kind.MONEY
    if PEOPLE_WORDS.search(what):
        return Kind.PEOPLE
    if TIME_WORDS.search(what):
        return Kind.TIME
    return Kind.OTHER


def _flag(rest: str) -> tuple[str, bool]:
    internal = bool(INTERNAL_FLAG.search(rest))
    return " ".join(INTERNAL_FLAG.sub(" ", rest).split()), internal


def _name(text: str, verb: str) -> tuple[str, str]:
    """A metric's name (quoted, or up to the first " for "), and what follows it."""
    quoted = QUOTED.match(text)
    if quoted:
        name, rest = quoted.group("name"), quoted.group("rest")
    else:
        parts = re.split(r"\s+for\s+", text, maxsplit=1, flags=re.IGNORECASE)
        if len(parts) < 2:
            raise GrammarError("Name the metric and the party it is for.", USAGE[verb], text)
        name, rest = parts[0], "for " + parts[1]
    name = " ".join(name.split()).strip(" ,;:")
    if not name:
        raise GrammarError("The metric needs a name.", USAGE[verb], text)
    if len(name) > MAX_TITLE:
        raise GrammarError(f"Keep a metric's name under {MAX_TITLE} characters.", USAGE[verb], name[:60])
    return name, rest.strip()


ADD_TAIL = re.compile(
    r"^for\s+(?P<party>.+?)\s+target(?:s|ing)?\s*:?\s+(?P<target>\S+)"
    r"(?:\s+(?:from\s+)?baseline\s*:?\s+(?P<baseline>\S+))?"
    r"(?:\s+(?:by|due|until)\s+(?P<due>.+?))?"
    r"(?:\s+(?:from\s+)?baseline\s*:?\s+(?P<baseline_after>\S+))?$",
    re.IGNORECASE,
)


def _metric(rest: str) -> ScorecardCommand:
    sub, _, tail = rest.partition(" ")
    match sub.lower():
        case "" | "list" | "ls":
            return ListMetrics()
        case "add" | "new" | "set":
            return _add_metric(tail)
        case "record" | "reading" | "update" | "log":
            return _record(tail)
    raise GrammarError(f"I can add or record a metric, not “{sub[:30]}”.", USAGE["metric"], rest)


def _add_metric(text: str) -> AddMetric:
    text, internal = _flag(text)
    name, tail = _name(text, "metric")
    match = ADD_TAIL.match(tail)
    if not match:
        raise GrammarError("Say whose metric it is and its target, like “for Globex target 2M”.", USAGE["metric"])
    target = amount(match.group("target"))
    if target is None:
        raise GrammarError(
            f"I can't read “{match.group('target')[:20]}” as a target; write it like 2M, 150K, $1.5M or 25%.",
            USAGE["metric"],
        )
    baseline_text = match.group("baseline") or match.group("baseline_after")
    baseline = amount(baseline_text) if baseline_text else None
    if baseline_text and baseline is None:
        raise GrammarError(f"I can't read “{baseline_text[:20]}” as a baseline; write it like 0.4M.", USAGE["metric"])
    units = {baseline.unit, target.unit} if baseline is not None else set()
    if len(units) == 2 and ("%" in units or "" not in units):  # 25% from 2M, or $ from €; $2M from 0.4M is fine
        raise GrammarError("The baseline and the target need the same unit.", USAGE["metric"])
    party = match.group("party").strip(" ,;:")
    return AddMetric(
        name=name, party=party, target=target, baseline=baseline, due_phrase=match.group("due"), internal=internal
    )


def _record(text: str) -> RecordReading:
    words = text.split()
    at = next((i for i in range(len(words) - 1, -1, -1) if amount(words[i]) is not None), None)
    if at is None:
        raise GrammarError("Give the new value, like 1.2M or 18%.", USAGE["metric record"], text)
    value = amount(words[at])
    assert value is not None
    before, after = " ".join(words[:at]), " ".join(words[at + 1 :])
    party: str | None = None
    trailing = re.match(r"^for\s+(.+)$", after, re.IGNORECASE)
    if trailing:
        party = trailing.group(1)
    elif after:
        raise GrammarError('Put the value last, like `metric record "pipeline" 1.2M`.', USAGE["metric record"])
    before = re.sub(r"\s*(?:=|:|at|to|is)$", "", before, flags=re.IGNORECASE)
    quoted = QUOTED.match(before)
    if quoted:
        name, rest = quoted.group("name"), quoted.group("rest")
        named_party = re.match(r"^for\s+(.+)$", rest.strip(), re.IGNORECASE)
        if named_party:
            party = named_party.group(1)
        elif rest.strip():
            raise GrammarError("Put the value right after the metric's name.", USAGE["metric record"], text)
    else:
        parts = re.split(r"\s+for\s+", before, maxsplit=1, flags=re.IGNORECASE)
        name = parts[0]
        if len(parts) == 2:
            party = parts[1]
    name = " ".join(name.split()).strip(" ,;:")
    if not name:
        raise GrammarError("Which metric? Give its name.", USAGE["metric record"], text)
    return RecordReading(name=name, value=value, party=party.strip(" ,;:") if party else None)


CONTRIBUTION = re.compile(r"^(?P<party>\S+|[\"“][^\"”]+[\"”])\s+(?P<what>.+)$")


def _contribute(rest: str) -> Contribute:
    text, internal = _flag(rest)
    words = text.split()
    if len(words) < 2:
        raise GrammarError("Say which party brings what.", USAGE["contribute"], rest)
    # The party is everything before the first amount, or the first word when there is none.
    at = next((i for i, w in enumerate(words) if amount(w) is not None), None)
    quoted = QUOTED.match(text)
    if quoted:
        party, body = quoted.group("name"), quoted.group("rest")
    elif at is not None and at > 0:
        party, body = " ".join(words[:at]), " ".join(words[at:])
    else:
        party, body = words[0], " ".join(words[1:])
    body_words = body.split()
    value = amount(body_words[0]) if body_words else None
    what_words = body_words[1:] if value is not None else body_words
    unit = value.unit if value else ""
    if value is not None and what_words and what_words[0].lower() in CODES:
        unit = CODES[what_words[0].lower()]
        value = Amount(value.value, unit)
        what_words = what_words[1:]
    what = " ".join(what_words)
    period: str | None = None
    split = re.match(r"^(?P<what>.*?)\s*\b(?:for|in|during|over|through|per)\s+(?P<period>[^,;]+)$", what, re.I)
    if split and (PERIOD.match(split.group("period").strip()) or looks_like_date(split.group("period"))):
        what, period = split.group("what"), split.group("period").strip()
    what = what.strip(" ,;:") or (value and unit and "funding") or ""
    if not what:
        raise GrammarError("Say what is contributed, like “2 engineers” or “$50K budget”.", USAGE["contribute"], rest)
    if len(what) > MAX_TITLE:
        raise GrammarError(f"Keep it under {MAX_TITLE} characters.", USAGE["contribute"], what[:60])
    return Contribute(
        party=party.strip(" ,;:"),
        what=what,
        amount=value,
        kind=kind_of(f"{unit} {what}", unit),
        period=period,
        internal=internal,
    )


def _balance(rest: str) -> SetBalance:
    word = rest.strip().lower().removeprefix("threshold").strip()
    if not word:
        return SetBalance()
    match = re.fullmatch(r"(\d{1,3})\s*(?:%|percent|points?|pp)?", word)
    if not match or not 1 <= int(match.group(1)) <= 100:
        raise GrammarError("Give the threshold as a percentage from 1 to 100, like 25%.", USAGE["balance"], rest)
    return SetBalance(int(match.group(1)))


def _digest(rest: str) -> SetDigest:
    word = rest.strip().lower().strip(" .!")
    if not word:
        return SetDigest()
    choices = {"weekly": "weekly", "monthly": "monthly", "off": "off", "none": "off", "never": "off", "stop": "off"}
    if word not in choices:
        raise GrammarError(f"The digest can be weekly, monthly or off, not “{rest[:30]}”.", USAGE["digest"], rest)
    return SetDigest(Frequency(choices[word]))
