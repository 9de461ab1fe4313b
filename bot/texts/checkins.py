"""Sentences about check-ins and reminders: the cadence, the questions and answers, nudges, escalation and snoozing."""

from __future__ import annotations

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
    NudgeKind,
    Reported,
    Snoozed,
)
from bot.core.views import CommitmentView
from bot.texts.base import BOT, commitment_line, count, person, ref, when

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
    told = f" ({person(result.helper_id)} is told)" if result.helper_id else ""
    return (
        f"{person(result.actor_id)} on `{ref(item.ref)}` *{item.title}*: {ANSWER_WORDS[result.answer.value]}"
        f"{note}{told}"
    )


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


def escalation(result: EscalationView) -> str:
    head = ":ladder: Escalation set" if result.changed else ":ladder: Escalation"
    return (
        f"{head}: the owner hears of an overdue item at their next working hour; still open "
        f"{result.lead_after} working days later, their party's lead; after {result.sponsor_after}, the sponsor "
        "and this channel."
    )


# ---- what the scheduled work sends -----------------------------------------------------------------------


NUDGE_HEADS = {
    NudgeKind.DUE_SOON: ":hourglass_flowing_sand: Due soon",
    NudgeKind.OVERDUE: ":warning: Overdue",
    NudgeKind.LEAD: ":arrow_up: Escalation to you as lead",
    NudgeKind.SPONSOR: ":rotating_light: Escalation to you as sponsor",
    NudgeKind.HELP: ":sos: Help asked",
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
        case NudgeKind.HELP:
            said = f": “{message.note}”" if message.note else "."
            ask = (
                f"{person(message.asked_by or item.owner_id)} needs help with it{said} You are told as "
                f"*{item.party.name}*'s lead (or sponsor): can you unblock it, reassign it or agree a new date?"
            )
        case _:
            ask = (
                f"{person(item.owner_id)} of *{item.party.name}* has not closed or moved it. "
                "Could you help unblock it, reassign it or agree a new date?"
            )
    return f"*{head}*\n{line}\n{ask}"


# One message lists this many reminders; the rest are counted ("and 3 more").
NUDGE_GROUP_SHOWN = 10


def nudge_group_head(message: NudgeGroup) -> str:
    return f"*:bell: {count(len(message.nudges), 'reminder')} for you*"


def nudge_group_item(message: Nudge) -> str:
    """One reminder in a list: its kind and the commitment, plus who asked for help (the rest is in its buttons)."""
    item = message.commitment
    line = f"*{NUDGE_HEADS[message.kind]}*  {commitment_line(item)}"
    if message.kind == NudgeKind.HELP:
        said = f": “{message.note}”" if message.note else ""
        line += f"\n{person(message.asked_by or item.owner_id)} needs help with it{said}"
    elif message.owner_away_until is not None:
        line += f"\n{person(item.owner_id)} is away until {when(message.owner_away_until, item.owner_tz)}"
    return line


def nudge_group_more(message: NudgeGroup) -> str | None:
    hidden = len(message.nudges) - NUDGE_GROUP_SHOWN
    if hidden <= 0:
        return None
    return f"…and {count(hidden, 'more')}: `{BOT} list` in the alliance's channel shows them all."


NUDGE_GROUP_ASK = "Done? A new date? Someone else? Say so with the buttons under each."


def nudge_group(message: NudgeGroup) -> str:
    lines = [nudge_group_head(message), *(nudge_group_item(n) for n in message.nudges[:NUDGE_GROUP_SHOWN])]
    more = nudge_group_more(message)
    return "\n".join([*lines, *([more] if more else []), NUDGE_GROUP_ASK])


def escalation_line(message: EscalationLine) -> str:
    item = message.commitment
    sponsor = ""
    if message.sponsor_id and message.sponsor_told_at is not None:
        # Their message waits for their working hours: say when, not that it is done.
        sponsor = (
            f"; {person(message.sponsor_id)} (sponsor) will be told {when(message.sponsor_told_at, message.sponsor_tz)}"
        )
    elif message.sponsor_id:
        sponsor = f", and {person(message.sponsor_id)} (sponsor) has been told"
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
    "edited": "edited",
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
