"""The health pulse in words: the questions, the results with each organisation's view side by side, the trend,
and the headline the scorecard and the sponsor digest carry."""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import PulseError
from bot.core.pulse.classification import Group
from bot.core.pulse.results import (
    MIN_ANSWERS,
    Figures,
    Headline,
    PulseAsk,
    PulseDispatch,
    PulseOffer,
    PulseOpened,
    PulseOutcome,
    PulseQuestionsView,
    PulseRemarks,
    PulseResults,
    PulseSetting,
    PulseShown,
    PulseSummary,
    PulseThanks,
)
from bot.texts.base import GENERIC_REFUSAL, count, when

SCALE = "1 = strongly disagree, 5 = strongly agree"
WHY = (
    "The same short, anonymous questions go to both organisations; what matters is where the two see the "
    "alliance differently."
)
GROUP_TITLES = {
    Group.BLIND_SPOT: ":eyes: *Blind spots* (one side rates it high, the other low)",
    Group.WEAKNESS: ":warning: *Agreed weaknesses*",
    Group.STRENGTH: ":muscle: *Agreed strengths*",
    Group.REST: "*The rest*",
}
ORDER = (Group.BLIND_SPOT, Group.WEAKNESS, Group.STRENGTH, Group.REST)
RATINGS = {
    1: "1 · strongly disagree",
    2: "2 · disagree",
    3: "3 · neither",
    4: "4 · agree",
    5: "5 · strongly agree",
}
OPEN_LABEL = "What would most improve this alliance? (read by your own organisation's lead only, unsigned)"
REASONS = {"dispute": "a dispute was opened", "imbalance": "the scorecard's imbalance warning fired"}


def figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def spark(values: tuple[float | None, ...]) -> str:
    """A trend as figures: 3.2 → 3.6 → 4.1."""
    return " → ".join(figure(v) for v in values)


def ask(m: PulseAsk) -> str:
    head = ":stethoscope: *Reminder:* the alliance pulse" if m.reminder else ":stethoscope: The alliance pulse"
    lines = [
        f"{head} for *{m.alliance}* (pulse {m.seq}). {WHY}",
        f"Rate each statement ({SCALE}); it takes two minutes and nobody sees your own answers, "
        "only each organisation's averages.",
        *(f"{i}. {s}" for i, s in enumerate(m.statements, start=1)),
        f"And: _{m.open_question}_ (only your own organisation's lead reads these, unsigned).",
        f"Open until {when(m.closes_at, 'UTC')}.",
    ]
    return "\n".join(lines)


def opened(m: PulseOpened) -> str:
    asked = f"{m.asked} {'person' if m.asked == 1 else 'people'}"
    return (
        f":stethoscope: Pulse {m.seq} is open: I've asked {asked} of both organisations privately "
        f"(eight statements and one open question, anonymous). Results here when it closes, {when(m.closes_at, 'UTC')}."
    )


def line(f: Figures, summary: PulseSummary) -> str:
    if summary.split:
        a, b = f.by_party
        return (
            f"{f.number}. {f.statement} {summary.sides[0].name} *{figure(a)}* · {summary.sides[1].name} "
            f"*{figure(b)}* · gap {figure(f.gap)}"
        )
    return f"{f.number}. {f.statement} *{figure(f.combined)}* (both together)"


def results(m: PulseResults) -> str:
    s = m.summary
    counts = ", ".join(f"{side.name} {n}" for side, n in zip(s.sides, s.answers, strict=True))
    lines = [f":stethoscope: *Pulse {s.seq} results* for *{m.alliance}* ({count(s.total, 'answer')}: {counts})."]
    if s.total < MIN_ANSWERS:
        lines.append(f"Fewer than {MIN_ANSWERS} answers in all, so no figures: nobody can be singled out.")
        return "\n".join(lines)
    if not s.split:
        lines.append(
            f"A party with fewer than {MIN_ANSWERS} answers is shown only in the combined figures, so no one can "
            "be singled out."
        )
        lines += [line(f, s) for f in s.figures]
        return "\n".join(lines)
    for group in ORDER:
        found = s.group(group)
        if found:
            lines.append(GROUP_TITLES[group])
            lines += [line(f, s) for f in found]
    if s.group(Group.BLIND_SPOT) or s.group(Group.WEAKNESS):
        lines.append("Leads: turn a blind spot or weakness into a commitment, so it gets an owner and a date.")
    return "\n".join(lines)


def remarks(m: PulseRemarks) -> str:
    head = (
        f":stethoscope: What {m.party.name}'s people wrote in pulse {m.seq}, unsigned and shuffled, for you as "
        f"{m.party.name}'s lead only: the other organisation never sees these."
    )
    return "\n".join([head, *(f"> {r}" for r in m.remarks)])


def offer(m: PulseOffer) -> str:
    why = REASONS.get(m.reason, "something changed")
    return (
        f":stethoscope: In *{m.alliance}*, {why}. A health pulse now would show where the two organisations see the "
        f"alliance differently. Type `pulse now` in <#{m.channel_id}> to run one."
    )


def thanks(m: PulseThanks) -> str:
    return (
        f":ok_hand: Thank you: counted, anonymously. Pulse {m.seq}'s results go to <#{m.channel_id}> when it "
        f"closes, {when(m.closes_at, 'UTC')}."
    )


def headline(h: Headline | None) -> str:
    """The latest pulse in one line, for the scorecard and the sponsor digest ("" when there has been none)."""
    if h is None:
        return ""
    if h.gap is not None:
        who = f"{h.higher} rates it higher" if h.higher else "both alike"
        moved = (
            ""
            if h.previous_gap is None
            else " (unchanged since last time)"
            if h.previous_gap == h.gap
            else f" ({'narrowed' if h.gap < h.previous_gap else 'widened'} from {figure(h.previous_gap)})"
        )
        return f"Pulse {h.seq}: widest gap on “{h.statement}”: {figure(h.gap)} points, {who}{moved}."
    moved = (
        ""
        if h.previous_combined is None or h.combined is None
        else f" ({'up' if h.combined > h.previous_combined else 'down' if h.combined < h.previous_combined else 'same'}"
        f" from {figure(h.previous_combined)})"
    )
    return f"Pulse {h.seq}: lowest rated “{h.statement}”: {figure(h.combined)}{moved}."


def shown(m: PulseShown) -> str:
    lines = []
    if m.open_seq is not None and m.open_closes_at is not None:
        lines.append(f":stethoscope: Pulse {m.open_seq} is open until {when(m.open_closes_at, m.home_tz)}.")
    if m.last is None:
        lines.append("No pulse has closed yet. " + WHY)
    else:
        s = m.last
        counts = ", ".join(f"{side.name} {n}" for side, n in zip(s.sides, s.answers, strict=True))
        lines.append(f"*Last pulse ({s.seq})*: {count(s.total, 'answer')} ({counts}).")
        lines += [f"{line(f, s)} [{f.group.value}]" if s.split else line(f, s) for f in s.figures]
        if m.trends and len(m.trends[0].combined) > 1:
            lines.append("*Trend* (both together, oldest first)")
            lines += [f"{t.number}. {t.statement} {spark(t.combined)}" for t in m.trends]
    lines.append(rhythm_line(m.off, m.every_months, m.next_at, m.home_tz))
    return "\n".join(lines)


def rhythm_line(off: bool, every: int, next_at: datetime | None, tz: str) -> str:
    if off:
        return "The pulse is off; `pulse every 3 months` turns it back on."
    nxt = f" Next: {when(next_at, tz)}." if next_at is not None else ""
    return f"A pulse every {count(every, 'month')}.{nxt}"


def setting(m: PulseSetting) -> str:
    if m.called:
        return (
            ":stethoscope: A pulse is open: everyone of both organisations is asked privately, in their working "
            "hours, over the next minutes."
        )
    return rhythm_line(m.off, m.every_months, m.next_at, m.home_tz)


def questions_view(m: PulseQuestionsView) -> str:
    head = "The pulse's statements are now:" if m.changed else f"The pulse asks ({SCALE}):"
    lines = [head]
    lines += [
        f"{i}. {s}" + (" _(reworded for this alliance)_" if i in m.edited else "")
        for i, s in enumerate(m.statements, start=1)
    ]
    lines.append(f"And the open question: _{m.open_question}_")
    return "\n".join(lines)


def dispatch(message: PulseDispatch) -> str:
    match message:
        case PulseAsk():
            return ask(message)
        case PulseOpened():
            return opened(message)
        case PulseResults():
            return results(message)
        case PulseRemarks():
            return remarks(message)
        case PulseOffer():
            return offer(message)


def outcome(result: PulseOutcome) -> str:
    match result:
        case PulseShown():
            return shown(result)
        case PulseSetting():
            return setting(result)
        case PulseQuestionsView():
            return questions_view(result)


def error(exc: PulseError) -> str:
    pulse = f"Pulse {exc.seq}" if exc.seq else "That pulse"
    match exc.reason:
        case "not_steering":
            return "Only a party's lead or sponsor runs the pulse or changes it. Nothing was changed."
        case "open":
            return f"{pulse} is still open; its results come when it closes."
        case "closed":
            return f"{pulse} has closed, so answers are no longer counted. Thank you all the same."
        case "answered":
            return f"You have answered {pulse.lower()} already; each person counts once, anonymously."
        case "not_lead":
            return "Only a party's lead turns a pulse result into a commitment. Nothing was changed."
        case "no_statement":
            return f"{pulse} has no such statement."
        case "not_party":
            return "Only people of the alliance's two organisations answer its pulse."
    return GENERIC_REFUSAL


def chart_title(m: PulseResults) -> str:
    names = " and ".join(side.name for side in m.summary.sides)
    return f"Pulse {m.summary.seq} of {m.alliance}: how {names} see the alliance"
