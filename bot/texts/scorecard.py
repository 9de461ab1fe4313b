"""Sentences of the scorecard: metrics, contributions, balance, digest, review prompts, export.

Every function takes a view already limited to its reader (`seen_by`); none decides what may be shown.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import (
    AmbiguousMetric,
    BadMetricDate,
    InternalToOwnParty,
    MetricExists,
    NoSuchMetric,
    NotALead,
    ScorecardError,
    UnitMismatch,
    UnknownParty,
)
from bot.core.pulse.results import Headline
from bot.core.scorecard.commands import Frequency, Kind, Verdict
from bot.core.scorecard.results import (
    BalanceSetting,
    ContributionAdded,
    ContributionList,
    ContributionView,
    DigestSetting,
    ExportReady,
    ImbalanceWarning,
    MetricAdded,
    MetricList,
    MetricView,
    ReadingRecorded,
    ReviewAnswered,
    ReviewPrompt,
    ScorecardDispatch,
    ScorecardOutcome,
    ScorecardView,
    Side,
    SideCard,
    SponsorDigest,
)
from bot.core.visibility import private_to
from bot.texts import pulse as pulse_texts
from bot.texts.base import GENERIC_REFUSAL, person

EXAMPLES = [
    (
        'metric add "pipeline influenced" for Globex target 2M by end of Q2',
        "a metric of one party (--internal: theirs only)",
    ),
    ('metric record "pipeline influenced" 1.2M  /  metrics', "a new reading; all metrics with their progress"),
    ("contribute Globex 2 engineers for Q1  /  contributions", "what each party brings: time, money, people"),
    ("scorecard", "both parties side by side, with a chart"),
    ("balance 25%  /  digest monthly", "when both leads hear of an imbalance; the sponsors' digest (weekly, off)"),
    ("export", "the alliance's record as CSV, by direct message"),
]

KIND_WORDS = {
    Kind.TIME: "time",
    Kind.MONEY: "money",
    Kind.PEOPLE: "people",
    Kind.OTHER: "other",
}
# A counted total's noun, singular and plural: "1 person", "2 people", "40 times".
TOTAL_NOUNS = {
    Kind.TIME: ("time", "times"),
    Kind.MONEY: ("money", "money"),
    Kind.PEOPLE: ("person", "people"),
    Kind.OTHER: ("other", "other"),
}


def total_noun(kind: Kind, value: float) -> str:
    singular, plural = TOTAL_NOUNS[kind]
    return singular if value == 1 else plural


VERDICT_WORDS = {
    Verdict.CONTINUE: "continue",
    Verdict.ADJUST: "adjust",
    Verdict.WIND_DOWN: "wind down",
}
FREQUENCY_WORDS = {Frequency.WEEKLY: "weekly", Frequency.MONTHLY: "monthly", Frequency.OFF: "off"}


def day(at: datetime) -> str:
    """A date the way a scorecard reads: Tue 30 Jun 2026 (the reader's zone shows it in Slack)."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}}|{at:%a %d %b %Y}>"


def number(value: float) -> str:
    """2000000 -> 2M, 1500 -> 1.5K, 0.25 -> 0.25."""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= limit:
            return _trim(value / limit) + suffix
    return _trim(value)


def _trim(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def amount(value: float, unit: str) -> str:
    if unit == "%":
        return f"{_trim(value)}%"
    return f"{unit}{number(value)}"


def percent(share: float | None) -> str:
    return "n/a" if share is None else f"{round(share * 100)}%"


def internal_mark(internal: bool, party: Side) -> str:
    return f" · _internal to {party.name}_" if internal else ""


# ---- metrics ---------------------------------------------------------------------------------------------


def metric_line(m: MetricView) -> str:
    """pipeline influenced: 0.4M → 1.2M → target 2M (50% of the way), by Tue 30 Jun 2026"""
    latest = amount(m.latest, m.unit) if m.latest is not None else "no reading yet"
    path = f"{amount(m.start, m.unit)} → {latest} → target {amount(m.target, m.unit)}"
    progress = f" ({percent(m.progress)} of the way)" if m.latest is not None else ""
    due = f", by {day(m.due_at)}" if m.due_at else ""
    return f"*{m.name}*: {path}{progress}{due}{internal_mark(m.internal, m.party)}"


def metric_added(o: MetricAdded) -> str:
    m = o.metric
    baseline = f" from a baseline of {amount(m.baseline, m.unit)}" if m.baseline is not None else ""
    due = f" by {day(m.due_at)}" if m.due_at else ""
    hint = f'\nRecord a reading with `metric record "{m.name}" <value>`.'
    return (
        f"📈 Metric added for *{m.party.name}*: *{m.name}*, target {amount(m.target, m.unit)}{baseline}{due} "
        f"(added by {person(o.actor_id)}){internal_mark(m.internal, m.party)}.{hint}"
    )


def reading_recorded(o: ReadingRecorded) -> str:
    m = o.metric
    was = f" (was {amount(o.previous, m.unit)})" if o.previous is not None else ""
    return (
        f"📈 *{m.name}* ({m.party.name}) is now {amount(m.latest or 0.0, m.unit)}{was}: "
        f"{percent(m.progress)} of the way from {amount(m.start, m.unit)} to {amount(m.target, m.unit)}. "
        f"Recorded by {person(o.actor_id)}{internal_mark(m.internal, m.party)}."
    )


def metric_list(o: MetricList) -> str:
    if not o.metrics:
        return 'No metrics yet. Add one: `metric add "pipeline influenced" for Globex target 2M by end of Q2`.'
    lines = ["*Metrics*"]
    for side in o.parties:
        mine = [m for m in o.metrics if m.party.team_id == side.team_id]
        if mine:
            lines.append(f"*{side.name}*")
            lines += [f"• {metric_line(m)}" for m in mine]
    return "\n".join(lines)


# ---- contributions ---------------------------------------------------------------------------------------


def contribution_line(c: ContributionView) -> str:
    how_much = f"{amount(c.amount.value, c.amount.unit)} " if c.amount is not None else ""
    period = f" for {c.period}" if c.period else ""
    return f"{how_much}{c.what}{period} ({KIND_WORDS[c.kind]}){internal_mark(c.internal, c.party)}"


def contribution_added(o: ContributionAdded) -> str:
    c = o.contribution
    return f"🤝 *{c.party.name}* contributes {contribution_line(c)}. Recorded by {person(o.actor_id)}."


def contribution_list(o: ContributionList) -> str:
    if not o.items:
        return "No contributions recorded yet. Record one: `contribute Globex 2 engineers for Q1`."
    lines = ["*What each party brings*"]
    for side in o.parties:
        mine = [c for c in o.items if c.party.team_id == side.team_id]
        lines.append(f"*{side.name}*" + ("" if mine else ": nothing recorded yet"))
        lines += [f"• {contribution_line(c)}" for c in mine]
    return "\n".join(lines)


def contribution_totals(items: list[ContributionView]) -> str:
    """2 people · $50K money · 200 time: the counted amounts per kind (items without an amount are counted)."""
    totals: dict[tuple[Kind, str], float] = {}
    uncounted = 0
    for c in items:
        if c.amount is None:
            uncounted += 1
            continue
        key = (c.kind, c.amount.unit)
        totals[key] = totals.get(key, 0.0) + c.amount.value
    parts = [f"{amount(v, unit)} {total_noun(kind, v)}" for (kind, unit), v in totals.items()]
    if uncounted:
        parts.append(f"{uncounted} other item{'s' if uncounted != 1 else ''}")
    return " · ".join(parts) or "nothing recorded yet"


# ---- the scorecard ---------------------------------------------------------------------------------------


def goals_text(side: SideCard) -> str:
    if not side.goals:
        return "none in the charter yet"
    return "\n".join(f"• {g.title}" + (f" (by {day(g.target_date)})" if g.target_date else "") for g in side.goals)


def metrics_text(side: SideCard) -> str:
    if not side.metrics:
        return "no metrics yet"
    head = f"{percent(side.progress)} of the way on average"
    return head + "\n" + "\n".join(f"• {metric_line(m)}" for m in side.metrics)


def delivery_text(side: SideCard) -> str:
    d = side.delivery
    done = d.done_on_time + d.done_late
    if not done and not d.slips and not d.open_overdue:
        return "nothing delivered yet"
    rate = f"{d.done_on_time}/{done} on time ({percent(d.on_time_rate)})" if done else "nothing delivered yet"
    return f"{rate} · {d.slips} slip{'s' if d.slips != 1 else ''} · {d.open_overdue} overdue"


def responses_text(side: SideCard) -> str:
    r = side.responses
    if not r.asked:
        return "not asked yet"
    return f"{r.answered}/{r.asked} check-in questions answered ({percent(r.rate)})"


def balance_text(card: ScorecardView) -> str:
    b = card.balance
    names = {s.party.team_id: s.party.name for s in card.sides}
    if b.gap is None:
        return (
            f"⚖️ Balance: needs a shared metric with a reading on each side to compare "
            f"(warning threshold {b.threshold} points)."
        )
    progress = " vs ".join(f"{names.get(t, t)} {percent(p)}" for t, p in b.progress.items())
    if b.ahead is None:
        return f"⚖️ Balanced: {progress} (warning from a gap of {b.threshold} points)."
    return (
        f"⚠️ Unbalanced: {progress}. Only *{names.get(b.ahead, b.ahead)}* is moving toward its targets "
        f"(gap of {round((b.gap or 0) * 100)} points, threshold {b.threshold})."
    )


TOPICS = [
    ("Goals", goals_text),
    ("Metrics", metrics_text),
    ("On-time delivery", delivery_text),
    ("Check-in responses", responses_text),
    ("Contributions", lambda s: contribution_totals(s.contributions)),
]


def scorecard(card: ScorecardView) -> str:
    lines = [f"📊 *Scorecard: {card.alliance}*"]
    for side in card.sides:
        lines.append(f"\n*{side.party.name}*")
        lines += [f"_{title}_: {render(side)}" for title, render in TOPICS]
    lines.append("\n" + balance_text(card))
    if card.pulse is not None:
        lines.append(pulse_line(card.pulse))
    return "\n".join(lines)


def pulse_line(headline: Headline) -> str:
    return f"_Health pulse_: {pulse_texts.headline(headline)}"


def chart_title(card: ScorecardView) -> str:
    return f"Scorecard: {card.alliance}"


def chart_comment(card: ScorecardView) -> str:
    return f"📊 The scorecard of *{card.alliance}* at a glance (shared metrics only: both organisations see this)."


# ---- settings and export ---------------------------------------------------------------------------------


def balance_setting(o: BalanceSetting) -> str:
    if o.changed:
        return (
            f"⚖️ Both leads will be warned when one party's shared metrics are {o.threshold} percentage points "
            "further toward their targets than the other's."
        )
    return (
        f"⚖️ The imbalance warning goes to both leads at a gap of {o.threshold} percentage points of progress. "
        "Change it with `balance 30%`."
    )


def digest_setting(o: DigestSetting) -> str:
    if o.frequency is Frequency.OFF:
        return "📬 The sponsor digest is off." + ("" if o.changed else " Turn it on with `digest monthly`.")
    when = f" The next one goes out {day(o.next_at)}." if o.next_at else ""
    verb = "now goes out" if o.changed else "goes out"
    return f"📬 The sponsor digest {verb} {FREQUENCY_WORDS[o.frequency]}.{when}"


def export_ready(o: ExportReady) -> str:
    return (
        f"📎 I've sent you the export by direct message: `{o.filename}`, {o.rows} rows (commitments with their "
        "history, metrics with their readings, contributions, decisions), as your organisation may see them."
    )


def export_comment(o: ExportReady) -> str:
    return f"📎 The alliance's record as CSV, {o.rows} rows, as your organisation may see it."


EXPORT_FAILED = "I couldn't send you the export by direct message. Nothing was changed; please try again."


# ---- what the sweep sends --------------------------------------------------------------------------------


def imbalance_warning(m: ImbalanceWarning) -> str:
    names = {s.party.team_id: s.party.name for s in m.sides}
    ahead = names.get(m.balance.ahead or "", "One party")
    behind = ", ".join(n for t, n in names.items() if t != m.balance.ahead) or "the other party"
    progress = " vs ".join(f"{names.get(t, t)} {percent(p)}" for t, p in m.balance.progress.items())
    return (
        f"⚠️ *{m.alliance}* is benefiting only one side: *{ahead}*'s metrics are moving toward their targets and "
        f"*{behind}*'s are not ({progress} of the way; the warning threshold is {m.balance.threshold} points).\n"
        "An alliance that benefits only one side does not last: worth a talk between the leads. "
        "`scorecard` shows the detail."
    )


def sponsor_digest(m: SponsorDigest) -> str:
    lines = [f"📬 *{m.alliance}*: your digest for {m.period}"]
    for side in m.card.sides:
        lines.append(f"\n*{side.party.name}*")
        lines += [
            f"_Goals_: {goals_text(side)}",
            f"_Metrics_: {metrics_text(side)}",
            f"_Delivery_: {delivery_text(side)}",
        ]
    disputes = "\n".join(f"• {d}" for d in m.open_disputes) if m.open_disputes else "none"
    lines.append(f"\n_Open disputes_: {disputes}")
    lines.append(balance_text(m.card))
    if m.card.pulse is not None:
        lines.append(pulse_line(m.card.pulse))
    return "\n".join(lines)


def review_prompt(m: ReviewPrompt) -> str:
    about = f"the goal *{m.about}* has reached its target date" if m.about else "the agreed timeframe has ended"
    lines = [f"🧭 Time for a review: {about}. Here is where things stand."]
    for side in m.card.sides:
        lines.append(f"*{side.party.name}*: {metrics_text(side)}\n{delivery_text(side)}")
    lines.append(balance_text(m.card))
    lines.append("Should the alliance *continue*, *adjust*, or *wind down*?")
    return "\n".join(lines)


def review_answered(o: ReviewAnswered) -> str:
    about = f"the goal *{o.about}*" if o.about else "the agreed timeframe"
    party = f" ({o.party.name}'s lead)" if o.party else ""
    return f"🧭 Review of {about}: {person(o.user_id)}{party} says *{VERDICT_WORDS[o.verdict]}*."


def review_noted(o: ReviewAnswered) -> str:
    return f"Noted: *{VERDICT_WORDS[o.verdict]}*. I've told the alliance channel."


def dispatch(message: ScorecardDispatch) -> str:
    match message:
        case ImbalanceWarning():
            return imbalance_warning(message)
        case SponsorDigest():
            return sponsor_digest(message)
        case ReviewPrompt():
            return review_prompt(message)


def outcome(result: ScorecardOutcome) -> str:
    """The text of a scorecard outcome. Lists and the scorecard are limited to what the asker's organisation may
    see (a private answer); a front end answering where both read passes `seen_by(SHARED)` of them first."""
    if isinstance(result, MetricList | ContributionList | ScorecardView):
        result = result.seen_by(private_to(result.viewer_team_id))
    match result:
        case MetricAdded():
            return metric_added(result)
        case ReadingRecorded():
            return reading_recorded(result)
        case MetricList():
            return metric_list(result)
        case ContributionAdded():
            return contribution_added(result)
        case ContributionList():
            return contribution_list(result)
        case ScorecardView():
            return scorecard(result)
        case BalanceSetting():
            return balance_setting(result)
        case DigestSetting():
            return digest_setting(result)
        case ExportReady():
            return export_ready(result)


def error(exc: ScorecardError) -> str:
    match exc:
        case UnknownParty():
            known = " or ".join(f"*{n}*" for n in exc.known) or "none yet"
            return f"I don't know a party called “{exc.typed[:40]}” in this alliance (the parties: {known})."
        case NoSuchMetric():
            return f"I can't find a metric called “{exc.name[:60]}”. `metrics` lists them."
        case AmbiguousMetric():
            parties = " and ".join(exc.parties)
            return (
                f"Both {parties} have a metric called “{exc.name[:60]}”; say whose, like "
                f'`metric record "{exc.name[:60]}" for {exc.parties[0]} 1.2M`.'
            )
        case MetricExists():
            return f"*{exc.party}* already has a metric called “{exc.name[:60]}”; record a reading instead."
        case InternalToOwnParty():
            return (
                f"Only {exc.party}'s own people can keep something internal to {exc.party}: it is hidden from the "
                "other organisation. Nothing was recorded."
            )
        case UnitMismatch():
            return f"*{exc.name}* is counted in “{exc.unit or 'plain numbers'}”, not “{exc.given}”. Nothing recorded."
        case BadMetricDate():
            return (
                f"I can't use “{exc.problem.phrase[:60]}” as the metric's date; try `by end of Q2` or `by Dec 31`."
                if hasattr(exc.problem, "phrase")
                else "I can't read that date; try `by end of Q2` or `by Dec 31`."
            )
        case NotALead():
            return "Only a party's lead answers a review. Nothing was recorded."
    return GENERIC_REFUSAL


CHART_FAILED = (
    "I couldn't upload the scorecard chart here (Slack did not take the file, or the bot is not in this channel); "
    "the numbers above stand. Ask for the `scorecard` again for the chart."
)
