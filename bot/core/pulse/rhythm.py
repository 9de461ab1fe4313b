"""When a pulse opens: at the end of an alliance's first 100 days, then every three months (or as set), on a
working morning in the alliance's home zone; and how long it stays open."""

from __future__ import annotations

import calendar
from datetime import datetime, time, timedelta

from bot.core.calendar import WorkingTime

FIRST_AFTER = timedelta(days=100)
EVERY_MONTHS = 3
OPEN_WORKING_DAYS = 5
REMIND_AFTER_WORKING_DAYS = 3
MORNING = time(10, 0)


def add_months(at: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = at.month - 1 + months
    year, month = at.year + month // 12, month % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def on_a_working_morning(at: datetime, working: WorkingTime) -> datetime:
    """The morning of the first working day on or after `at`'s local day: a pulse opens at the start of a day,
    and the rhythm keeps its day of the month rather than drifting by the hour it last opened at."""
    return working.at_local(working.working_day_on_or_after(at.astimezone(working.tz).date()), MORNING)


def first_pulse(started_at: datetime, working: WorkingTime) -> datetime:
    """The first pulse: the first working morning from the alliance's 100th day."""
    return on_a_working_morning(started_at + FIRST_AFTER, working)


def next_pulse(last_opened: datetime | None, started_at: datetime, months: int, working: WorkingTime) -> datetime:
    """The pulse after the one opened at `last_opened` (the first one when there was none)."""
    if last_opened is None:
        return first_pulse(started_at, working)
    return on_a_working_morning(add_months(last_opened, months), working)


def closes(opened_at: datetime, working: WorkingTime) -> datetime:
    """A pulse is open for five working days."""
    return working.add_working_days(opened_at, OPEN_WORKING_DAYS)


def reminder(opened_at: datetime, working: WorkingTime) -> datetime:
    """The one reminder, to those who have not answered, some working days in."""
    return working.add_working_days(opened_at, REMIND_AFTER_WORKING_DAYS)
