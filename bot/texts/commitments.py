"""Sentences about commitments: recording, ownership, lists, changes, history and refused changes."""

from __future__ import annotations

from datetime import date, datetime

from bot.core.calendar import zone
from bot.core.commitments.commands import ListFilter
from bot.core.commitments.results import Changed, Details, DueReading, FormRequested, Listing, OwnedBy, Owners, Recorded
from bot.core.dates import HORIZON_YEARS
from bot.core.errors import (
    AlreadyCarriedOut,
    AlreadyClosed,
    CommandError,
    DueProblem,
    FarDate,
    MissingDate,
    NoSuchCommitment,
    NotAllowed,
    NothingToAmend,
    PastDate,
    SameDue,
    UnknownDate,
)
from bot.core.views import CommitmentView, HistoryLine
from bot.texts.base import BOT, DATE_HELP, commitment_line, count, person, ref, wall_clock, when


def recorded(outcome: Recorded) -> str:
    item = outcome.commitment
    kind = "Milestone" if item.milestone else "Commitment"
    by = "" if outcome.actor_id == item.owner_id else f" (recorded by {person(outcome.actor_id)})"
    return (
        f":white_check_mark: {kind} `{ref(item.ref)}` recorded: *{item.title}*\n"
        f"Owner: {person(item.owner_id)} for *{item.party.name}*{by} · Due {when(item.due_at, item.owner_tz)}"
        + (f"\n{internal_note(item)}" if item.internal else "")
        + reading_note(outcome.due_reading, item, outcome.actor_id)
    )


def reading_note(reading: DueReading | None, item: CommitmentView, actor_id: str) -> str:
    """What the confirmation says about how a typed date was read, when the phrase left a choice open."""
    if reading is None:
        return ""
    notes = []
    if reading.typed_zone is not None:
        notes.append(
            f"The time you typed is read in your zone ({reading.typed_zone}): "
            f"{wall_clock(item.due_at.astimezone(zone(reading.typed_zone)))} for {person(actor_id)}, "
            f"{wall_clock(item.due_at.astimezone(zone(item.owner_tz)))} for {person(item.owner_id)}."
        )
    day = item.due_at.astimezone(zone(item.owner_tz)).date()
    match reading.reading:
        case "day_first" | "month_first":
            order = "day first" if reading.reading == "day_first" else "month first"
            other = _swapped(day)
            alternative = f" For {other:%-d %B} write `{other:%b %-d}`." if other else ""
            notes.append(
                f"I read “{reading.phrase}” {order}, as usual in {item.owner_tz}: {day:%-d %B %Y}.{alternative}"
            )
        case "same_day_next_month":
            notes.append("“next month” is the same day next month; `end of next month` is its last day.")
    return "".join(f"\n:information_source: {note}" for note in notes)


def _swapped(day: date) -> date | None:
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


def internal_note(item: CommitmentView) -> str:
    return f":lock: Internal to *{item.party.name}*: only its people see it, privately or in its own linked channel."


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
    return f"{person(outcome.user_id)} owns {count(len(outcome.commitments), 'open commitment')}:\n{lines}"


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
            ) + reading_note(outcome.due_reading, item, outcome.actor_id)
        case "reassigned":
            before = person(outcome.previous_owner_id) if outcome.previous_owner_id else "nobody"
            return (
                f":arrows_counterclockwise: `{ref(item.ref)}` *{item.title}* now belongs to "
                f"{person(item.owner_id)} ({item.party.name}), was {before}; reassigned by {actor}."
            )
        case "dropped":
            return f":wastebasket: `{ref(item.ref)}` *{item.title}* was dropped by {actor}: {item.drop_reason}"
        case "edited":
            return edited(outcome)
    return f"`{ref(item.ref)}` changed."


def edited(outcome: Changed) -> str:
    """The message that created a commitment was edited, and the commitment follows it."""
    item = outcome.commitment
    parts = []
    if outcome.previous_title is not None:
        parts.append(f"title *{item.title}* (was _{outcome.previous_title}_)")
    if outcome.previous_due is not None:
        parts.append(f"due {when(item.due_at, item.owner_tz)} (was {when(outcome.previous_due, item.owner_tz)})")
    if outcome.previous_owner_id is not None:
        parts.append(f"owner {person(item.owner_id)} ({item.party.name}, was {person(outcome.previous_owner_id)})")
    what = "; ".join(parts) or ("now a milestone" if item.milestone else "no longer a milestone")
    return (
        f":pencil2: Updated `{ref(item.ref)}` *{item.title}* from its edited message: {what}. "
        f"Edited by {person(outcome.actor_id)}; still one commitment."
    )


CARRIED_OUT = {
    "Commit": "recorded",
    "Complete": "marked done",
    "MoveDue": "moved",
    "Reassign": "reassigned",
    "Drop": "dropped",
    "ReassignAll": "reassigned",
    "Report": "answered for",
    "Snooze": "snoozed",
}


HISTORY_VERBS = {
    "edited": "edited it (its message was edited)",
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


def form_requested(outcome: FormRequested) -> str:
    return "Opening the commitment form." if not outcome.prefill else f"Opening the form for “{outcome.prefill}”."


FORM_BUTTON_HINT = (
    "Open the form to record a commitment, or write it in one line: `@Alliance Bot commit @name what by when`."
)


def date_problem(exc: DueProblem) -> str:
    """A date that could not be used; the example is of the command that was typed (commit, due or away)."""
    problem, title, owner_id = exc.problem, exc.title, exc.owner_id
    match exc.verb:
        case "due":
            item = f"{ref(exc.ref)} *{title}*" if exc.ref is not None and title else "that commitment"
            understood = f"I understood a new date for {item}"
            example = f"`due {ref(exc.ref) if exc.ref is not None else '#12'} next Friday`"
        case "away":
            understood = "I understood you are away"
            example = "`away until next Friday`"
        case _:
            understood = f"I understood *{title}* for {person(owner_id)}" if title else "I understood the rest"
            example = f"`commit {person(owner_id)} {title or 'Draft joint API spec'} by next Friday`"
    match problem:
        case MissingDate():
            return f"{understood}, but no due date. Add one after “by”, e.g. {example}.\n{DATE_HELP}"
        case PastDate(understood=past):
            read = f"{understood} until" if exc.verb == "away" else f"{understood}, due"
            return (
                f"{read} “{problem.phrase}”, which I read as {wall_clock(past)}: "
                f"that has already passed. Pick a date ahead, e.g. {example}.\n{DATE_HELP}"
            )
        case UnknownDate():
            return f"{understood}, but I can't read “{problem.phrase[:60]}” as a date. Try e.g. {example}.\n{DATE_HELP}"
    return f"{understood}, but not the date.\n{DATE_HELP}"


def far_date(exc: DueProblem) -> str:
    """A date beyond the planning horizon: what was typed, the latest date taken, and nothing changed."""
    assert isinstance(exc.problem, FarDate)
    phrase, latest = exc.problem.phrase[:60], exc.problem.limit
    typed = exc.command or "commit"
    middle = f" {exc.title}" if typed == "commit" and exc.title else ""
    joint = " by " if typed == "commit" else " "
    return (
        f"“{phrase}” is too far ahead: I plan up to {HORIZON_YEARS} years out, until {latest:%a %d %b %Y}. "
        f"Nothing was changed. You typed `{typed}{middle}{joint}{phrase}`; type it again with a nearer date, "
        f"e.g. `{typed}{middle}{joint}{latest:%Y-%m-%d}`."
    )


def refusal(exc: CommandError) -> str | None:
    """The answer to a refused change of a commitment, or None when `exc` is not about one."""
    match exc:
        case DueProblem(problem=FarDate()):
            return far_date(exc)
        case DueProblem():
            return date_problem(exc)
        case NoSuchCommitment():
            return f"There is no commitment {ref(exc.ref)} in this alliance. `list` shows the open ones."
        case AlreadyClosed():
            return f"{ref(exc.ref)} is already {exc.status}; nothing to change. `show {ref(exc.ref)}` has its history."
        case SameDue():
            return f"{ref(exc.ref)} is already due then; nothing changed."
        case NotAllowed(reason="already_owner"):
            return f"{person(exc.holder_id or '')} already owns that commitment; nothing changed."
        case NothingToAmend():
            return f"{ref(exc.ref)} already says what your edited message says; nothing changed."
        case AlreadyCarriedOut():
            about = f" {ref(exc.ref)}" if exc.ref else ""
            done = f"{CARRIED_OUT.get(exc.kind, 'carried out')}{about}"
            return (
                f"I already acted on that message ({done}), so its edit is not carried out again. "
                "To do something new, send it as a new message."
            )
    return None
