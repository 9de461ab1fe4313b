"""What every sentence builds on: mentions, references, dates, a commitment's line, refusals common to all.

It names no feature, so every feature module can import it.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.calendar import zone
from bot.core.errors import (
    CommandError,
    DepartedPerson,
    DirectoryUnavailable,
    GrammarError,
    NotAPerson,
    UnknownName,
    UnknownPerson,
)
from bot.core.grammar import USAGE
from bot.core.views import CommitmentView

BOT = "@Alliance Bot"

DATE_HELP = (
    "Dates I understand: `2026-12-04`, `Dec 4`, `tomorrow`, `in 2 weeks`, `next Friday`, "
    "`end of month` (`EOM`), `end of Q1` (`EOQ`), `end of year`, `mid-January`."
)


def when(at: datetime, tz_name: str) -> str:
    """A deadline shown in each reader's own time zone by Slack, with the owner's local time as fallback."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{wall_clock(at.astimezone(zone(tz_name)))}>"


def wall_clock(at: datetime) -> str:
    """An instant as the clock on the wall shows it in `at`'s own zone: Fri 27 Nov 2026, 18:00 CET."""
    return at.strftime("%a %d %b %Y, %H:%M ") + (at.tzname() or "")


def ref(number: int) -> str:
    return f"#{number}"


def person(user_id: str) -> str:
    return f"<@{user_id}>"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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


INTERNAL_ERROR = (
    ":warning: Something went wrong on my side and nothing was changed. Please try again in a minute; "
    "if it keeps happening, tell whoever runs me."
)

# A change saved, whose announcement Slack would not take (bot.core.announcements): say so, lest it be typed again.
ANNOUNCEMENT_PENDING = (
    "Saved. Slack did not take the channel's announcement just now; I'll post it there as soon as Slack answers. "
    "No need to type the command again."
)
ANNOUNCEMENT_FAILED = "Saved, but Slack did not take the channel's announcement. No need to type the command again."
NOT_IN_CHANNEL = "I'm not a member of this channel yet, so only you see this. Add me with /invite @Alliance Bot."

GENERIC_REFUSAL = "I couldn't do that. Nothing was changed. `help` shows what I understand."


def refusal(exc: CommandError) -> str | None:
    """The answer to a refusal any command can meet (words not understood, a person who cannot be named), or None
    when `exc` is a feature's own."""
    match exc:
        case DirectoryUnavailable():
            return (
                "Slack did not answer when I looked this channel up (who is in it, which organisations share it). "
                "Nothing was changed, and a channel's alliance is not set up from half an answer; "
                "please try the same command again in a minute."
            )
        case GrammarError():
            return f"{exc.problem} Write it like this: `{exc.usage}`" if exc.usage in USAGE.values() else exc.problem
        case UnknownName():
            return (
                f"I don't know who “@{exc.name}” is. Pick the person from the list Slack offers as you type "
                "@, so the name turns into a real mention."
            )
        case UnknownPerson():
            return f"I can't find {person(exc.user_id)} in this workspace, so I can't make them an owner."
        case NotAPerson():
            return f"{person(exc.user_id)} is a bot; only a person can be accountable for a commitment."
        case DepartedPerson(left_channel=True):
            return f"{person(exc.user_id)} has left this alliance's channel; pick someone who is still here."
        case DepartedPerson():
            return f"{person(exc.user_id)} has left (their account is deactivated); pick someone who is still here."
    return None
