"""The sentences of a person's own page (Slack's Home tab, `mine` in a Teams personal chat, the console)."""

from __future__ import annotations

from bot.core.home.board import AllianceHealth, Home, HomeItem, Waiting
from bot.texts.base import count, person, ref, when

TITLE = "Your alliances at a glance"
MINE = "*What you owe*"
SLIPPED = "*Slipped in what you lead or sponsor*"
WAITING = "*Check-in questions waiting for you*"
ALLIANCES = "*Your alliances*"
NOTHING = (
    "Nothing here yet: you owe no commitment and are in no alliance I know of. Mention me in a channel shared with "
    "your partner, e.g. `@Alliance Bot commit @you Draft the joint plan by Friday`."
)
NOTHING_OWED = "You owe nothing right now."
SUMMARY = "Here is what is yours across your alliances."


def item_line(entry: HomeItem, tz: str, *, owner: bool = False) -> str:
    """One commitment: its number, title, due date in the reader's zone, and the alliance it belongs to."""
    item = entry.item
    flags = []
    if item.overdue:
        flags.append(":warning: *overdue*")
    if item.slips:
        flags.append(f"slipped {item.slips}×")
    if item.milestone:
        flags.append(":triangular_flag_on_post: milestone")
    if item.internal:
        flags.append(f":lock: internal to {item.party.name}")
    whose = f" · {person(item.owner_id)}" if owner else ""
    tail = f" · {' · '.join(flags)}" if flags else ""
    return f"`{ref(item.ref)}` *{item.title}*{whose} · due {when(item.due_at, tz)} · _{entry.alliance}_{tail}"


def more(n: int) -> str:
    return f"…and {n} more: `list mine` in the alliance's channel shows them all." if n else ""


def waiting_line(waiting: Waiting, tz: str) -> str:
    refs = ", ".join(f"`{ref(r)}`" for r in waiting.refs)
    verb = "is" if len(waiting.refs) == 1 else "are"
    return f"_{waiting.alliance}_: how {verb} {refs} going? · answer by {when(waiting.closes_at, tz)}"


def health_line(health: AllianceHealth, tz: str) -> str:
    parts = [f"*{health.name}*"]
    parts.append(
        f"next check-in {when(health.next_checkin_at, tz)}" if health.next_checkin_at else "no check-in planned"
    )
    parts.append(f"{round(health.on_time * 100)}% on time" if health.on_time is not None else "nothing finished yet")
    if health.overdue:
        parts.append(f"{health.overdue} overdue")
    parts.append(count(health.open_disputes, "open dispute") if health.open_disputes else "no open dispute")
    return " · ".join(parts)


def page(home: Home) -> str:
    """The whole page as one text: the console, a Teams message's text, a Slack notification's fallback."""
    if home.empty:
        return NOTHING
    lines = [f"*{TITLE}*", MINE]
    lines += [item_line(h, home.tz) for h in home.mine] or [NOTHING_OWED]
    lines += [m for m in [more(home.more_mine)] if m]
    if home.slipped:
        lines += [SLIPPED, *(item_line(h, home.tz, owner=True) for h in home.slipped)]
        lines += [m for m in [more(home.more_slipped)] if m]
    if home.waiting:
        lines += [WAITING, *(waiting_line(w, home.tz) for w in home.waiting)]
    if home.alliances:
        lines += [ALLIANCES, *(health_line(a, home.tz) for a in home.alliances)]
    return "\n".join(lines)
