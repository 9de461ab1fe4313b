"""Every sentence the bot says, in one place so it can be reviewed and translated.

Written once in Slack's mrkdwn (`*bold*`, `<@ID>` mentions, `<!date^…|fallback>` dates); each front end
translates the little markup it cannot show (the console prints names and the fallback date).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import texts_scorecard
from bot.core.alliance import Role
from bot.core.calendar import zone
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
    NudgeKind,
    Reported,
    Snoozed,
)
from bot.core.commitments.commands import ListFilter
from bot.core.commitments.results import Changed, Details, FormRequested, Listing, OwnedBy, Owners, Recorded
from bot.core.dates import DateProblem, MissingDate, PastDate, UnknownDate
from bot.core.errors import (
    AlreadyClosed,
    CharterError,
    CommandError,
    DepartedPerson,
    DueProblem,
    GrammarError,
    NoSuchCommitment,
    NotAllowed,
    NotAPerson,
    SameDue,
    ScorecardError,
    UnknownName,
    UnknownPerson,
)
from bot.core.grammar import USAGE
from bot.core.outcomes import Outcome, Usage
from bot.core.people.results import (
    HandedOver,
    HolidaysSet,
    LeadWanted,
    Linked,
    Orphaned,
    Presence,
    RoleNamed,
    RosterView,
    Welcome,
)
from bot.core.scorecard.results import SCORECARD_DISPATCH, SCORECARD_OUTCOMES
from bot.core.views import AllianceView, CommitmentView, HistoryLine

BOT = "@Alliance Bot"

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
    ("decide we co-sell in DACH first consulted @pia @paul", "record a decision, who decided, who was consulted"),
    ("decisions", "the decisions on record"),
    ("dispute pricing of the joint SKU", "open a dispute: it follows the charter's steps, with deadlines"),
    ("disputes  /  resolve dispute 1 <outcome>", "open disputes; record how one was settled"),
    ("commit --internal @bob Prepare pricing floor by Friday", "a commitment only your organisation sees"),
    ("link #acme-internal", "your organisation's private channel for this alliance (leads and sponsors)"),
    *texts_scorecard.EXAMPLES,
]

DATE_HELP = (
    "Dates I understand: `2026-12-04`, `Dec 4`, `tomorrow`, `in 2 weeks`, `next Friday`, "
    "`end of month` (`EOM`), `end of Q1` (`EOQ`), `end of year`, `mid-January`."
)


def when(at: datetime, tz_name: str) -> str:
    """A deadline shown in each reader's own time zone by Slack, with the owner's local time as fallback."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{_local(at.astimezone(zone(tz_name)))}>"


def _local(at: datetime) -> str:
    """An instant as the clock on the wall shows it in `at`'s own zone: Fri 27 Nov 2026, 18:00 CET."""
    return at.strftime("%a %d %b %Y, %H:%M ") + (at.tzname() or "")


def ref(number: int) -> str:
    return f"#{number}"


def person(user_id: str) -> str:
    return f"<@{user_id}>"


def intro(alliance: AllianceView) -> str:
    parties = " and ".join(f"*{p.name}*" for p in alliance.parties) or "this channel"
    return (
        f":handshake: Hello! This channel is now the alliance between {parties}, starting today. "
        "I keep track of who promised what, by when, so nobody has to chase anybody.\n"
        f"• Each party names its lead: `{BOT} lead @name` (and its executive sponsor: `{BOT} sponsor @name`).\n"
        f"• Record a promise: `{BOT} commit @name what by when`. Ask `{BOT} help` for everything else.\n"
        "People from either organisation can talk to me by mentioning me; `/alliance` works for the host's people."
    )


def commitment_line(item: CommitmentView) -> str:
    flags = []
    if item.milestone:
        flags.append(":triangular_flag_on_post: milestone")
    if item.overdue:
        flags.append(":warning: *overdue*")
    if item.slips:
        flags.append(f"slipped {item.slips}×")
    if item.status == "done" and item.closed_at:
        flags.append(f"done {when(item.closed_at, item.owner_tz)}")
    if item.status == "dropped":
        flags.append("dropped")
    if item.internal:
        flags.append(f":lock: internal to {item.party.name}")
    tail = f" · {' · '.join(flags)}" if flags else ""
    return (
        f"`{ref(item.ref)}` *{item.title}* · {person(item.owner_id)} ({item.party.name}) · "
        f"due {when(item.due_at, item.owner_tz)}{tail}"
    )


def recorded(outcome: Recorded) -> str:
    item = outcome.commitment
    kind = "Milestone" if item.milestone else "Commitment"
    by = "" if outcome.actor_id == item.owner_id else f" (recorded by {person(outcome.actor_id)})"
    return (
        f":white_check_mark: {kind} `{ref(item.ref)}` recorded: *{item.title}*\n"
        f"Owner: {person(item.owner_id)} for *{item.party.name}*{by} · Due {when(item.due_at, item.owner_tz)}"
        + (f"\n{internal_note(item)}" if item.internal else "")
    )


def owners(outcome: Owners) -> str:
    if not outcome.matches:
        return f"Nothing open matches “{outcome.query}”. Try `{BOT} list` to see every open commitment, or fewer words."
    if len(outcome.matches) == 1:
        item = outcome.matches[0]
        status = "overdue" if item.overdue else item.status
        return (
            f"{person(item.owner_id)} ({item.party.name}) owns `{ref(item.ref)}` *{item.title}*, "
            f"due {when(item.due_at, item.owner_tz)} ({status})."
        )
    lines = "\n".join(f"• {commitment_line(item)}" for item in outcome.matches)
    return f"Several open commitments match “{outcome.query}”:\n{lines}"


def owned_by(outcome: OwnedBy) -> str:
    if not outcome.commitments:
        return f"{person(outcome.user_id)} owns no open commitments in this alliance."
    lines = "\n".join(f"• {commitment_line(item)}" for item in outcome.commitments)
    return f"{person(outcome.user_id)} owns {_count(len(outcome.commitments), 'open commitment')}:\n{lines}"


LIST_TITLES = {
    ListFilter.OPEN: "Open commitments",
    ListFilter.MINE: "Your open commitments",
    ListFilter.OVERDUE: "Overdue commitments",
    ListFilter.DONE: "Delivered commitments",
    ListFilter.PERSON: "Open commitments of {who}",
}

LIST_EMPTY = {
    ListFilter.OPEN: "Nothing is open in this alliance. Record the first promise: `{bot} commit @name what by when`.",
    ListFilter.MINE: "You own no open commitments here.",
    ListFilter.OVERDUE: "Nothing is overdue. :tada:",
    ListFilter.DONE: "Nothing has been marked done yet.",
    ListFilter.PERSON: "{who} owns no open commitments here.",
}


def listing(outcome: Listing) -> str:
    who = person(outcome.user_id) if outcome.user_id else ""
    if not outcome.groups:
        return LIST_EMPTY[outcome.filter].format(who=who, bot=BOT)
    parts = [f"*{LIST_TITLES[outcome.filter].format(who=who)}*"]
    for party, items in outcome.groups:
        parts.append(f"*{party.name}* ({len(items)})")
        parts.extend(f"• {commitment_line(item)}" for item in items)
    if outcome.hidden:
        parts.append(f"…and {outcome.hidden} more. Narrow it down: `list overdue`, `list @person`.")
    return "\n".join(parts)


def changed(outcome: Changed) -> str:
    item = outcome.commitment
    actor = person(outcome.actor_id)
    match outcome.kind:
        case "done":
            return f":white_check_mark: `{ref(item.ref)}` *{item.title}* is done, marked by {actor}."
        case "due_moved":
            assert outcome.previous_due is not None
            slip = " That counts as a slip." if item.due_at > outcome.previous_due else ""
            return (
                f":calendar: `{ref(item.ref)}` *{item.title}* now due {when(item.due_at, item.owner_tz)} "
                f"(was {when(outcome.previous_due, item.owner_tz)}), moved by {actor}.{slip}"
            )
        case "reassigned":
            before = person(outcome.previous_owner_id) if outcome.previous_owner_id else "nobody"
            return (
                f":arrows_counterclockwise: `{ref(item.ref)}` *{item.title}* now belongs to "
                f"{person(item.owner_id)} ({item.party.name}), was {before}; reassigned by {actor}."
            )
        case "dropped":
            return f":wastebasket: `{ref(item.ref)}` *{item.title}* was dropped by {actor}: {item.drop_reason}"
    return f"`{ref(item.ref)}` changed."


HISTORY_VERBS = {
    "snoozed": "snoozed its reminders",
    "created": "recorded it",
    "done": "marked it done",
    "dropped": "dropped it",
}


def history_line(line: HistoryLine, tz_name: str) -> str:
    stamp = when(line.at, tz_name)
    actor = person(line.actor_id)
    match line.kind:
        case "due_moved":
            before = datetime.fromisoformat(line.data["from"])
            after = datetime.fromisoformat(line.data["to"])
            what = f"moved the due date from {when(before, tz_name)} to {when(after, tz_name)}"
        case "reassigned":
            what = f"reassigned it from {person(line.data['from'])} to {person(line.data['to'])}"
        case "dropped":
            what = f"dropped it: {line.data.get('reason', '')}"
        case kind:
            what = HISTORY_VERBS.get(kind, kind)
    return f"{stamp}: {actor} {what}"


def details(outcome: Details) -> str:
    item = outcome.commitment
    state = {"open": "open", "done": "done", "dropped": "dropped"}.get(item.status, item.status)
    if item.overdue:
        state = "open, overdue"
    head = [
        f"*`{ref(item.ref)}` {item.title}*" + (" (milestone)" if item.milestone else ""),
        f"Owner: {person(item.owner_id)} for *{item.party.name}*",
        f"Due: {when(item.due_at, item.owner_tz)} · Status: {state} · Slips: {item.slips}",
    ]
    lines = [f"• {history_line(line, item.owner_tz)}" for line in outcome.history]
    return "\n".join([*head, "*History*", *lines])


def role_named(outcome: RoleNamed) -> str:
    role = "lead" if outcome.role is Role.LEAD else "executive sponsor"
    was = f" (was {person(outcome.previous_id)})" if outcome.previous_id else ""
    return f":bust_in_silhouette: {person(outcome.user_id)} is now the {role} of *{outcome.party.name}*{was}."


def usage(outcome: Usage) -> str:
    head = (
        f"I don't know “{outcome.unknown}”. Here is what I do:"
        if outcome.unknown
        else "Here is what I do. Type `/alliance …` or mention me with the same words:"
    )
    lines = [f"• `{example}`: {meaning}" for example, meaning in EXAMPLES]
    tail = f"{DATE_HELP}\nPeople from the partner organisation: mention me, e.g. `{BOT} list overdue`."
    return "\n".join([head, *lines, tail])


def form_requested(outcome: FormRequested) -> str:
    return "Opening the commitment form." if not outcome.prefill else f"Opening the form for “{outcome.prefill}”."


def date_problem(problem: DateProblem, title: str | None, owner_id: str) -> str:
    understood = f"I understood *{title}* for {person(owner_id)}" if title else "I understood the rest"
    example = f"`commit {person(owner_id)} {title or 'Draft joint API spec'} by next Friday`"
    match problem:
        case MissingDate():
            return f"{understood}, but no due date. Add one after “by”, e.g. {example}.\n{DATE_HELP}"
        case PastDate(understood=past):
            return (
                f"{understood}, due “{problem.phrase}”, which I read as {_local(past)}: "
                f"that has already passed. Pick a date ahead, e.g. {example}.\n{DATE_HELP}"
            )
        case UnknownDate():
            return f"{understood}, but I can't read “{problem.phrase[:60]}” as a date.\n{DATE_HELP}"
    return f"{understood}, but not the date.\n{DATE_HELP}"


def error(exc: CommandError) -> str:
    """The private answer to a command that could not be carried out. Nothing was changed."""
    if isinstance(exc, CharterError):
        from bot import texts_charter

        return texts_charter.error(exc)
    if isinstance(exc, ScorecardError):
        return texts_scorecard.error(exc)
    match exc:
        case DueProblem():
            return date_problem(exc.problem, exc.title, exc.owner_id)
        case GrammarError():
            return f"{exc.problem} Write it like this: `{exc.usage}`" if exc.usage in USAGE.values() else exc.problem
        case UnknownName():
            return (
                f"I don't know who “@{exc.name}” is. Pick the person from the list Slack offers as you type "
                "@, so the name turns into a real mention."
            )
        case NoSuchCommitment():
            return f"There is no commitment {ref(exc.ref)} in this alliance. `list` shows the open ones."
        case AlreadyClosed():
            return f"{ref(exc.ref)} is already {exc.status}; nothing to change. `show {ref(exc.ref)}` has its history."
        case UnknownPerson():
            return f"I can't find {person(exc.user_id)} in this workspace, so I can't make them an owner."
        case NotAPerson():
            return f"{person(exc.user_id)} is a bot; only a person can be accountable for a commitment."
        case DepartedPerson(left_channel=True):
            return f"{person(exc.user_id)} has left this alliance's channel; pick someone who is still here."
        case DepartedPerson():
            return f"{person(exc.user_id)} has left (their account is deactivated); pick someone who is still here."
        case SameDue():
            return f"{ref(exc.ref)} is already due then; nothing changed."
        case NotAllowed(reason="already_owner"):
            return f"{person(exc.holder_id or '')} already owns that commitment; nothing changed."
        case NotAllowed(reason="role_across_parties"):
            return (
                f"{person(exc.holder_id or '')} holds a role of their own organisation, which only someone of that "
                "organisation can take over. Nothing changed; name the new lead or sponsor with `lead @name`."
            )
        case NotAllowed(reason="wrong_party"):
            return (
                f"{person(exc.holder_id or '')} belongs to the other organisation; a party's lead must be one of its "
                "own people. Nothing changed."
            )
        case NotAllowed(reason="nothing_open"):
            return f"{person(exc.holder_id or '')} has no open commitments in this alliance; nothing to move."
        case NotAllowed() if exc.reason in TRUST_REFUSALS:
            return trust_refusal(exc)
        case NotAllowed(reason="not_lead_or_sponsor"):
            return (
                "Only that party's lead or sponsor can change its roles"
                + (f" (ask {person(exc.holder_id)})" if exc.holder_id else "")
                + ". Nothing changed."
            )
    return "I couldn't do that. Nothing was changed. `help` shows what I understand."


def field_error(exc: CommandError) -> str:
    """A refusal as one short plain-text line beside a modal's field (Slack shows no markup there)."""
    if isinstance(exc, DueProblem) and isinstance(exc.problem, PastDate):
        return f"{_local(exc.problem.understood)} has already passed. Pick a date ahead."
    return error(exc).split("\n")[0].replace("*", "").replace("`", "")[:150]


INTERNAL_ERROR = (
    ":warning: Something went wrong on my side and nothing was changed. Please try again in a minute; "
    "if it keeps happening, tell whoever runs me."
)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


NOT_IN_CHANNEL = "I'm not a member of this channel yet, so only you see this. Add me with /invite @Alliance Bot."

FORM_BUTTON_HINT = (
    "Open the form to record a commitment, or write it in one line: `@Alliance Bot commit @name what by when`."
)


ANSWER_WORDS = {
    "on_track": ":large_green_circle: on track",
    "at_risk": ":large_orange_circle: at risk",
    "need_help": ":sos: needs help",
    "done": ":white_check_mark: done",
    "new_date": ":calendar: new date",
}

CADENCE_WORDS = {
    "default": "weekly for the first 8 weeks, every 2 weeks until week 26, then monthly",
    "weekly": "weekly",
    "fortnightly": "every 2 weeks",
    "monthly": "monthly",
}


def reported(result: Reported) -> str:
    item = result.commitment
    note = f": “{result.note}”" if result.note else ""
    return f"{person(result.actor_id)} on `{ref(item.ref)}` *{item.title}*: {ANSWER_WORDS[result.answer.value]}{note}"


def item_noted(result: Outcome, channel_id: str, *, in_thread: bool) -> str:
    """The word back in the private message where a check-in or reminder button was clicked."""
    place = f"the check-in thread in <#{channel_id}>" if in_thread else f"<#{channel_id}>"
    return f":ok_hand: Noted, and posted in {place}: {outcome(result)}"


def cadence(result: CadenceView) -> str:
    head = ":repeat: Check-in cadence set: " if result.changed else ":repeat: Check-ins: "
    every = CADENCE_WORDS.get(result.cadence, result.cadence)
    now = f" (now every {result.every_days} days)" if result.cadence == "default" else ""
    tight = (
        " Two or more commitments are overdue, so we check in weekly until they are resolved."
        if result.tightened
        else ""
    )
    nxt = f" Next check-in: {when(result.next_checkin_at, result.home_tz)}." if result.next_checkin_at else ""
    return f"{head}{every}{now}.{nxt}{tight}"


def checkin_called(result: CheckinCalled) -> str:
    return ":mega: A check-in starts now: watch this channel, owners get a private message."


def snoozed(result: Snoozed) -> str:
    item = result.commitment
    return (
        f":zzz: No reminders about `{ref(item.ref)}` *{item.title}* until {when(result.until, item.owner_tz)}, "
        f"snoozed by {person(result.actor_id)}."
    )


def presence(result: Presence) -> str:
    if result.until is None:
        return "Welcome back: reminders reach you again."
    return (
        f":palm_tree: Noted: you are away until {when(result.until, result.tz)}. Reminders to you wait until then; "
        "your lead sees your overdue items instead. Say `back` when you return early."
    )


ROLE_WORDS = {"lead": "lead", "sponsor": "sponsor", "contact": "contact"}


def roster(result: RosterView) -> str:
    parts = ["*Roster*"]
    for party, entries in result.parties:
        parts.append(f"*{party.name}* ({len(entries)})")
        if party.lead_id is None:
            parts.append(f"• no lead yet: `{BOT} lead @name`")
        elif all(e.user_id != party.lead_id for e in entries):
            parts.append(f"• lead {person(party.lead_id)} has left: name a new one with `{BOT} lead @name`")
        parts.extend(
            f"• {person(e.user_id)}: {ROLE_WORDS[e.role]} · {e.tz} · {_count(e.open_items, 'open item')}"
            for e in entries
        )
    return "\n".join(parts)


def handed_over(result: HandedOver) -> str:
    items = ", ".join(f"`{ref(n)}`" for n in result.refs) or "no open commitments"
    if not result.handover:
        return (
            f":arrows_counterclockwise: {items} of {person(result.from_id)} now "
            f"{'belongs' if len(result.refs) == 1 else 'belong'} to {person(result.to_id)} "
            f"(by {person(result.actor_id)}); each item's history says so."
        )
    roles = f" and the role of {' and '.join(result.roles)}" if result.roles else ""
    return (
        f":handshake: {person(result.from_id)} handed over {items}{roles} to {person(result.to_id)} "
        f"(by {person(result.actor_id)}); each item's history says so."
    )


def escalation(result: EscalationView) -> str:
    head = ":ladder: Escalation set" if result.changed else ":ladder: Escalation"
    return (
        f"{head}: the owner hears of an overdue item at their next working hour; still open "
        f"{result.lead_after} working days later, their party's lead; after {result.sponsor_after}, the sponsor "
        "and this channel."
    )


def holidays_set(result: HolidaysSet) -> str:
    return (
        f":calendar: *{result.party.name}* observes the public holidays of {result.country}: "
        "no reminders to its people on those days."
    )


# ---- what the scheduled work sends -----------------------------------------------------------------------

NUDGE_HEADS = {
    NudgeKind.DUE_SOON: ":hourglass_flowing_sand: Due soon",
    NudgeKind.OVERDUE: ":warning: Overdue",
    NudgeKind.LEAD: ":arrow_up: Escalation to you as lead",
    NudgeKind.SPONSOR: ":rotating_light: Escalation to you as sponsor",
}


def nudge(message: Nudge) -> str:
    item = message.commitment
    head = NUDGE_HEADS[message.kind]
    line = commitment_line(item)
    match message.kind:
        case NudgeKind.DUE_SOON:
            ask = "Will it make it? Mark it done, move the date, hand it over, or snooze this reminder."
        case NudgeKind.OVERDUE if message.owner_away_until is not None:
            head = ":warning: Overdue while its owner is away"
            ask = (
                f"{person(item.owner_id)} is away until {when(message.owner_away_until, item.owner_tz)}; "
                "as their lead, can you move it, reassign it, or close it?"
            )
        case NudgeKind.OVERDUE:
            ask = "Its deadline has passed. Done? A new date? Someone else? Say so with a button."
        case _:
            ask = (
                f"{person(item.owner_id)} of *{item.party.name}* has not closed or moved it. "
                "Could you help unblock it, reassign it or agree a new date?"
            )
    return f"*{head}*\n{line}\n{ask}"


def escalation_line(message: EscalationLine) -> str:
    item = message.commitment
    sponsor = f", and {person(message.sponsor_id)} (sponsor) has been told" if message.sponsor_id else ""
    return (
        f":rotating_light: `{ref(item.ref)}` *{item.title}* ({person(item.owner_id)}, *{item.party.name}*) "
        f"is well past its deadline of {when(item.due_at, item.owner_tz)}{sponsor}."
    )


def checkin_opened(message: CheckinOpened) -> str:
    parts = [
        f":clipboard: *Check-in #{message.seq}*: where do our commitments stand? Owners get a private message "
        f"with their items; answers gather in this thread until {when(message.closes_at, 'UTC')}."
    ]
    if not message.groups and not message.orphaned:
        parts.append("Nothing is open. Record the next promise with `commit @name what by when`.")
    for party, items in message.groups:
        parts.append(f"*{party.name}* ({len(items)} open)")
        parts.extend(f"• {commitment_line(item)}" for item in items)
    if message.orphaned:
        parts.append(f":warning: *Orphaned* (the owner has left): please reassign, e.g. `{BOT} reassign #12 @name`")
        parts.extend(f"• {commitment_line(item)}" for item in message.orphaned)
    return "\n".join(parts)


def checkin_ask(message: CheckinAsk) -> str:
    head = (
        f":bell: Reminder: check-in #{message.seq} closes {when(message.closes_at, 'UTC')} and I have no word yet."
        if message.reminder
        else f":clipboard: Check-in #{message.seq}: how do your commitments stand?"
    )
    lines = [f"• {commitment_line(item)}" for item in message.items]
    example = ref(message.items[0].ref) if message.items else "#12"
    answer = f"Answer with the buttons, or write `status {example} on track` (or at risk, need help)."
    return "\n".join([head, *lines, answer])


def checkin_item(item: CommitmentView) -> str:
    return commitment_line(item)


CHANGE_WORDS = {
    "created": "recorded",
    "done": "done",
    "due_moved": "moved",
    "reassigned": "reassigned",
    "dropped": "dropped",
    "snoozed": "snoozed",
}


def checkin_closed(message: CheckinClosed) -> str:
    parts = [f":checkered_flag: *Check-in #{message.seq} closed.*"]
    answered = ", ".join(person(u) for u in message.answered) or "nobody"
    parts.append(f"Answered: {answered}.")
    if message.silent:
        parts.append("No answer from: " + ", ".join(person(u) for u in message.silent) + ".")
    for a in message.answers:
        note = f": “{a.note}”" if a.note else ""
        parts.append(f"• {person(a.user_id)} on `#{a.ref}` {a.title}: {ANSWER_WORDS.get(a.answer, a.answer)}{note}")
    if message.changes:
        parts.append("*Since the last check-in*")
        parts.extend(
            f"• `#{number}` {title}: {CHANGE_WORDS.get(kind, kind)} by {person(actor)}"
            for number, title, kind, actor in message.changes[:30]
        )
    parts.append(f"*Still open*: {len(message.still_open)}")
    parts.extend(f"• {commitment_line(item)}" for item in message.still_open[:30])
    return "\n".join(parts)


LEFT_WORDS = {
    "deactivated": "has left their organisation (account deactivated)",
    "left_channel": "has left this alliance's channel",
    "unshared": "has been disconnected from this channel",
}


def orphaned(message: Orphaned) -> str:
    party = message.party
    if message.reason == "unshared":
        head = f":warning: *{party.name}* has disconnected from this channel."
    else:
        who = person(message.departed_ids[0])
        role = " (lead of *" + party.name + "*)" if message.lead_left else f" of *{party.name}*"
        head = f":warning: {who}{role} {LEFT_WORDS.get(message.reason, 'has left')}."
    parts = [head]
    if message.items:
        parts.append(
            f"Their {_count(len(message.items), 'open commitment')} "
            f"{'is' if len(message.items) == 1 else 'are'} orphaned until someone takes "
            f"{'it' if len(message.items) == 1 else 'them'} on:"
        )
        parts.extend(f"• {commitment_line(item)}" for item in message.items)
        if message.recipient_id is not None:
            parts.append("As the one accountable for them now, please pick a new owner for each, or for all at once.")
        else:
            parts.append(f"Pick a new owner below, or write `{BOT} reassign #12 @name`.")
    if message.lead_left and message.reason != "unshared":
        parts.append(f"*{party.name}* needs a new lead: `{BOT} lead @name`.")
    return "\n".join(parts)


def lead_wanted(message: LeadWanted) -> str:
    return (
        f":bust_in_silhouette: {person(message.departed_id)}, lead of *{message.party.name}*, has left. "
        f"Every alliance needs a lead on each side: who takes over for *{message.party.name}*? "
        f"Pick them below, or write `{BOT} lead @name` in the alliance channel."
    )


def welcome(message: Welcome) -> str:
    alliance = message.alliance
    hello = ":wave: Welcome back to" if message.returning else ":wave: Welcome to"
    parts = [f"{hello} the alliance *{alliance.name}* in <#{alliance.channel_id}>."]
    parties = " and ".join(f"*{p.name}*" for p in alliance.parties)
    if parties:
        parts.append(f"It is a partnership between {parties}; I keep track of who promised what, by when.")
    for p in alliance.parties:
        if p.lead_id in message.gone:
            lead = "its lead has left; a new one is being named"
        else:
            lead = f"led by {person(p.lead_id)}" if p.lead_id else "no lead named yet"
        sponsor = f", sponsor {person(p.sponsor_id)}" if p.sponsor_id and p.sponsor_id not in message.gone else ""
        parts.append(f"• *{p.name}*: {lead}{sponsor}")
    host = alliance.parties[0].team_id if alliance.parties else ""
    if message.recipient_team_id and message.recipient_team_id != host:
        parts.append(
            f"Talk to me by mentioning me in the channel: `{BOT} help`, `{BOT} who owns the API spec?`, "
            f"`{BOT} commit @name what by when`. (Slash commands are not shared across organisations.)"
        )
    else:
        parts.append(
            f"Talk to me with `/alliance help`, or by mentioning me in the channel: `{BOT} who owns the API spec?`."
        )
    if message.open_items:
        parts.append(f"You still own {_count(len(message.open_items), 'open commitment')}:")
        parts.extend(f"• {commitment_line(item)}" for item in message.open_items)
    return "\n".join(parts)


def dispatch(message: object) -> str:
    """The text of anything the scheduled work sends."""
    if isinstance(message, CHARTER_DISPATCH):
        from bot import texts_charter

        return texts_charter.dispatch(message)
    if isinstance(message, SCORECARD_DISPATCH):
        return texts_scorecard.dispatch(message)
    match message:
        case Orphaned():
            return orphaned(message)
        case LeadWanted():
            return lead_wanted(message)
        case Welcome():
            return welcome(message)
        case CheckinOpened():
            return checkin_opened(message)
        case CheckinAsk():
            return checkin_ask(message)
        case CheckinClosed():
            return checkin_closed(message)
        case Nudge():
            return nudge(message)
        case EscalationLine():
            return escalation_line(message)
    raise TypeError(f"nothing to say for {message!r}")


def outcome(result: Outcome) -> str:
    """The text of any outcome."""
    if isinstance(result, CHARTER_OUTCOMES):
        from bot import texts_charter

        return texts_charter.outcome(result)
    if isinstance(result, SCORECARD_OUTCOMES):
        return texts_scorecard.outcome(result)
    match result:
        case Reported():
            return reported(result)
        case CadenceView():
            return cadence(result)
        case CheckinCalled():
            return checkin_called(result)
        case Snoozed():
            return snoozed(result)
        case Presence():
            return presence(result)
        case HolidaysSet():
            return holidays_set(result)
        case EscalationView():
            return escalation(result)
        case RosterView():
            return roster(result)
        case HandedOver():
            return handed_over(result)
        case Recorded():
            return recorded(result)
        case Owners():
            return owners(result)
        case OwnedBy():
            return owned_by(result)
        case Listing():
            return listing(result)
        case Changed():
            return changed(result)
        case Details():
            return details(result)
        case RoleNamed():
            return role_named(result)
        case Usage():
            return usage(result)
        case FormRequested():
            return form_requested(result)
        case Linked():
            return linked(result)


# ---- trust boundaries: internal items, linked private channels, who may change what ---------------------


def internal_note(item: CommitmentView) -> str:
    return f":lock: Internal to *{item.party.name}*: only its people see it, privately or in its own linked channel."


def linked(result: Linked) -> str:
    was = f" (instead of <#{result.previous_id}>)" if result.previous_id else ""
    return (
        f":lock: <#{result.channel_id}> is now *{result.party.name}*'s private channel{was} for the alliance in "
        f"<#{result.alliance_channel_id}>, linked by {person(result.actor_id)}. Commands typed here act on the "
        f"alliance, and answers here may show {result.party.name}'s internal items; changes to them are posted here."
    )


def _not_owner_or_lead(exc: NotAllowed) -> str:
    item = f"`{ref(exc.ref)}`" if exc.ref is not None else "these commitments"
    owner = f"its owner {person(exc.holder_id)}" if exc.holder_id and exc.ref is not None else "their owner"
    return (
        f"Only {owner} or a lead of either party can close, move, drop or reassign {item}. Nothing changed; "
        "ask them, or a lead."
    )


TRUST_REFUSALS: dict[str, Callable[[NotAllowed], str]] = {
    "not_owner_or_lead": _not_owner_or_lead,
    "internal_other_party": lambda exc: (
        f"{person(exc.holder_id or '')} belongs to the other organisation: only their own organisation can keep an "
        "internal commitment for them. Record it without `--internal`, or ask them. Nothing changed."
    ),
    "internal_across_parties": lambda exc: (
        f"That commitment is internal to its organisation, so it can only go to one of its people; "
        f"{person(exc.holder_id or '')} belongs to the other one. Nothing changed."
    ),
    "not_your_channel": lambda exc: (
        "This is another organisation's private channel for the alliance, so I only answer its own people here. "
        "Talk to me in the shared channel."
    ),
    "link_shared_channel": lambda exc: (
        "That is an alliance's shared channel. Link your organisation's own private channel instead."
    ),
    "link_taken": lambda exc: "That channel is already linked to another alliance or organisation. Nothing changed.",
    "link_not_member": lambda exc: (
        "I can't see that channel: invite me to it first (`/invite @Alliance Bot` in the channel), then link it again."
    ),
    "link_not_private": lambda exc: (
        "That channel is not private to your organisation (it is public, or shared with another organisation), "
        "so I won't show internal items there. Link a private channel of your own people."
    ),
    "link_not_lead": lambda exc: (
        "Only your party's lead or sponsor can link its private channel"
        + (f" (ask {person(exc.holder_id)})" if exc.holder_id else "")
        + ". Nothing changed."
    ),
    "link_where": lambda exc: "Which alliance? Type `link #your-private-channel` in the alliance's shared channel.",
    "link_which": lambda exc: (
        "You lead more than one alliance. Say which: `link #your-private-channel to #the-alliance-channel`."
    ),
    "link_no_alliance": lambda exc: "That channel is not an alliance channel yet. Nothing changed.",
}


def trust_refusal(exc: NotAllowed) -> str:
    return TRUST_REFUSALS[exc.reason](exc)


def item_noted_privately(result: Outcome, party_channel_id: str | None) -> str:
    """The word back in a DM about an internal item, which the shared channel never hears of."""
    where = f" and posted in <#{party_channel_id}>" if party_channel_id else ""
    return f":ok_hand: Noted{where} (internal, so not in the shared channel): {outcome(result)}"
