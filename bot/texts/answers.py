"""The switchboard: the text of any outcome, refusal or scheduled message, from the feature that says it.

It also holds the help, which lists every feature's commands. No feature module imports this one.
"""

from __future__ import annotations

from bot.core.announcements import Announcement
from bot.core.charter.results import CHARTER_DISPATCH, CHARTER_OUTCOMES
from bot.core.checkins.results import (
    CadenceView,
    CheckinAsk,
    CheckinCalled,
    CheckinClosed,
    CheckinOpened,
    EscalationLine,
    EscalationView,
    Nudge,
    NudgeGroup,
    Reported,
    Snoozed,
)
from bot.core.commitments.results import Changed, Details, FormRequested, Listing, OwnedBy, Owners, Recorded
from bot.core.errors import CharterError, CommandError, DueProblem, PastDate, PulseError, ScorecardError
from bot.core.outcomes import Outcome, Usage
from bot.core.people.results import (
    HandedOver,
    HolidaysSet,
    LeadWanted,
    Linked,
    Orphaned,
    Presence,
    Returned,
    RoleNamed,
    RosterView,
    Welcome,
)
from bot.core.pulse.results import PULSE_DISPATCH, PULSE_OUTCOMES
from bot.core.scorecard.results import SCORECARD_DISPATCH, SCORECARD_OUTCOMES
from bot.texts import base as base_texts
from bot.texts import charter as charter_texts
from bot.texts import checkins as checkins_texts
from bot.texts import commitments as commitments_texts
from bot.texts import people as people_texts
from bot.texts import pulse as pulse_texts
from bot.texts import scorecard as scorecard_texts
from bot.texts import trust as trust_texts

EXAMPLES = [
    ("commit @paul Draft joint API spec by next Friday", "record a commitment (no @name: it is yours)"),
    ("who owns the API spec?", "who is accountable for something"),
    ("who @paul", "what Paul owns"),
    ("list", "open commitments by party, overdue first (also: mine, overdue, done, @person)"),
    ("done #12", "mark #12 delivered"),
    ("due #12 next Tuesday", "move the deadline (slips are counted)"),
    ("reassign #12 @pia", "give #12 to someone else"),
    ("drop #12 no longer needed", "drop it, with a reason"),
    ("show #12", "details and full history"),
    ("lead @pia  /  sponsor @erin", "name your party's lead or executive sponsor"),
    ("status #12 at risk: vendor is late", "answer a check-in (on track, at risk, need help)"),
    ("cadence  /  cadence every 2 weeks", "how often we check in (weekly, every 2 weeks, monthly, default)"),
    ("checkin now", "run a check-in at once"),
    ("snooze #12 3d", "no reminders about #12 for 3 days"),
    ("away until Jan 6  /  back", "out of office: reminders wait, your lead covers"),
    ("holidays DE", "your organisation's public holidays (no reminders then)"),
    ("roster", "who is in the alliance: roles, time zones, open items"),
    ("handover @bob to @alice", "everything Bob holds, commitments and roles, to Alice"),
    ("reassign all @bob to @alice", "all of Bob's open commitments to Alice (when Bob has left, say)"),
    ("escalation  /  escalation 2 5", "lead after 2 working days overdue, sponsor after 5"),
    ("charter  /  charter edit  /  charter sign", "the alliance's written agreement: show, edit, sign off"),
    ("charter goal Joint launch in DACH by 2027-03-31", "write the charter by text (also: timeframe, deciders, …)"),
    ("decide we co-sell in DACH first consulted @pia @paul", "record a decision, who decided, who was consulted"),
    ("decisions", "the decisions on record"),
    ("dispute pricing of the joint SKU", "open a dispute: it follows the charter's steps, with deadlines"),
    ("disputes  /  resolve dispute 1 <outcome>", "open disputes; record how one was settled"),
    ("commit --internal @bob Prepare pricing floor by Friday", "a commitment only your organisation sees"),
    ("link #acme-internal", "your organisation's private channel for this alliance (leads and sponsors)"),
    *scorecard_texts.EXAMPLES,
    ("pulse  /  pulse now", "the health pulse: both organisations' views side by side; run one now"),
    ("pulse every 2 months  /  pulse off", "how often the pulse asks (quarterly by default)"),
    ("pulse questions set 3 <statement>", "reword a statement (`pulse questions` lists them; `… reset`)"),
]


def usage(outcome: Usage) -> str:
    if outcome.verb is not None:
        return command_usage(outcome)
    head = (
        f"I don't know “{outcome.unknown}”. Here is what I do:"
        if outcome.unknown
        else "Here is what I do. Type `/alliance …` or mention me with the same words:"
    )
    lines = [f"• `{example}`: {meaning}" for example, meaning in EXAMPLES]
    tail = (
        f"{base_texts.DATE_HELP}\n"
        f"People from the partner organisation: mention me, e.g. `{base_texts.BOT} list overdue`."
    )
    return "\n".join([head, *lines, tail])


DATE_VERBS = ("commit", "due", "away")


def command_usage(outcome: Usage) -> str:
    """One command's help: how it is written and its examples; after a typo, the line as probably meant."""
    lines = []
    if outcome.unknown:
        meant = f"`{outcome.retyped}`" if outcome.retyped else f"`{outcome.verb}`"
        lines.append(f"I don't know “{outcome.unknown}”. Did you mean {meant}?")
    if outcome.form:
        lines.append(f"`{outcome.form}`")
    words = set(outcome.words)
    examples = [(e, m) for e, m in EXAMPLES if e.split(" ")[0].lower() in words]
    lines += [f"• `{example}`: {meaning}" for example, meaning in examples]
    if outcome.verb in DATE_VERBS:
        lines.append(base_texts.DATE_HELP)
    others = sorted(w for w in words if w != outcome.verb)
    if others:
        lines.append("Also written: " + ", ".join(f"`{w}`" for w in others) + ".")
    lines.append("`help` lists every command.")
    return "\n".join(lines)


def error(exc: CommandError) -> str:
    """The private answer to a command that could not be carried out. Nothing was changed."""
    if isinstance(exc, CharterError):
        # A charter naming someone who cannot be named is refused for that person's reason, whatever it is.
        if exc.reason == "person" and exc.cause is not None:
            return error(exc.cause)
        return charter_texts.error(exc)
    if isinstance(exc, ScorecardError):
        return scorecard_texts.error(exc)
    if isinstance(exc, PulseError):
        return pulse_texts.error(exc)
    for refusal in (base_texts.refusal, commitments_texts.refusal, people_texts.refusal, trust_texts.refusal):
        text = refusal(exc)
        if text is not None:
            return text
    return base_texts.GENERIC_REFUSAL


def field_error(exc: CommandError) -> str:
    """A refusal as one short plain-text line beside a modal's field (Slack shows no markup there)."""
    if isinstance(exc, DueProblem) and isinstance(exc.problem, PastDate):
        return f"{base_texts.wall_clock(exc.problem.understood)} has already passed. Pick a date ahead."
    return error(exc).split("\n")[0].replace("*", "").replace("`", "")[:150]


def dispatch(message: object) -> str:
    """The text of anything the scheduled work sends."""
    if isinstance(message, CHARTER_DISPATCH):
        return charter_texts.dispatch(message)
    if isinstance(message, SCORECARD_DISPATCH):
        return scorecard_texts.dispatch(message)
    if isinstance(message, PULSE_DISPATCH):
        return pulse_texts.dispatch(message)
    match message:
        case Announcement():
            return message.text
        case Orphaned():
            return people_texts.orphaned(message)
        case Returned():
            return people_texts.returned(message)
        case LeadWanted():
            return people_texts.lead_wanted(message)
        case Welcome():
            return people_texts.welcome(message)
        case CheckinOpened():
            return checkins_texts.checkin_opened(message)
        case CheckinAsk():
            return checkins_texts.checkin_ask(message)
        case CheckinClosed():
            return checkins_texts.checkin_closed(message)
        case Nudge():
            return checkins_texts.nudge(message)
        case NudgeGroup():
            return checkins_texts.nudge_group(message)
        case EscalationLine():
            return checkins_texts.escalation_line(message)
    raise TypeError(f"nothing to say for {message!r}")


def outcome(result: Outcome) -> str:
    """The text of any outcome."""
    if isinstance(result, CHARTER_OUTCOMES):
        return charter_texts.outcome(result)
    if isinstance(result, SCORECARD_OUTCOMES):
        return scorecard_texts.outcome(result)
    if isinstance(result, PULSE_OUTCOMES):
        return pulse_texts.outcome(result)
    match result:
        case Reported():
            return checkins_texts.reported(result)
        case CadenceView():
            return checkins_texts.cadence(result)
        case CheckinCalled():
            return checkins_texts.checkin_called(result)
        case Snoozed():
            return checkins_texts.snoozed(result)
        case Presence():
            return people_texts.presence(result)
        case HolidaysSet():
            return people_texts.holidays_set(result)
        case EscalationView():
            return checkins_texts.escalation(result)
        case RosterView():
            return people_texts.roster(result)
        case HandedOver():
            return people_texts.handed_over(result)
        case Recorded():
            return commitments_texts.recorded(result)
        case Owners():
            return commitments_texts.owners(result)
        case OwnedBy():
            return commitments_texts.owned_by(result)
        case Listing():
            return commitments_texts.listing(result)
        case Changed():
            return commitments_texts.changed(result)
        case Details():
            return commitments_texts.details(result)
        case RoleNamed():
            return people_texts.role_named(result)
        case Usage():
            return usage(result)
        case FormRequested():
            return commitments_texts.form_requested(result)
        case Linked():
            return trust_texts.linked(result)


def item_noted(result: Outcome, channel_id: str, *, in_thread: bool) -> str:
    """The word back in the private message where a check-in or reminder button was clicked."""
    place = f"the check-in thread in <#{channel_id}>" if in_thread else f"<#{channel_id}>"
    return f":ok_hand: Noted, and posted in {place}: {outcome(result)}"


def item_noted_privately(result: Outcome, party_channel_id: str | None) -> str:
    """The word back in a DM about an internal item, which the shared channel never hears of."""
    where = f" and posted in <#{party_channel_id}>" if party_channel_id else ""
    return f":ok_hand: Noted{where} (internal, so not in the shared channel): {outcome(result)}"
