"""How often an alliance checks in: often early, less later, tighter while things slip."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum

from bot.core.calendar import WorkingTime

__all__ = [
    "CHECKIN_HOUR",
    "Cadence",
    "first_checkin",
    "interval",
    "next_checkin",
    "parse_cadence",
]

CHECKIN_HOUR = time(10, 0)

WEEK = timedelta(days=7)
FORTNIGHT = timedelta(days=14)
# Four weeks rather than a calendar month: check-ins stay on the same weekday.
MONTH = timedelta(days=28)

# Under DEFAULT: weekly while an alliance is finding its feet, fortnightly until half a year, then monthly.
_WEEKLY_UNTIL_DAYS = 8 * 7
_FORTNIGHTLY_UNTIL_DAYS = 26 * 7
# From this many overdue commitments on, check-ins go back to weekly whatever the setting.
_SLIPPING = 2


class Cadence(StrEnum):
    DEFAULT = "default"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


_PHRASES: dict[str, Cadence] = {
    "default": Cadence.DEFAULT,
    "auto": Cadence.DEFAULT,
    "weekly": Cadence.WEEKLY,
    "every week": Cadence.WEEKLY,
    "fortnightly": Cadence.FORTNIGHTLY,
    "biweekly": Cadence.FORTNIGHTLY,
    "bi-weekly": Cadence.FORTNIGHTLY,
    "every 2 weeks": Cadence.FORTNIGHTLY,
    "every two weeks": Cadence.FORTNIGHTLY,
    "every fortnight": Cadence.FORTNIGHTLY,
    "monthly": Cadence.MONTHLY,
    "every month": Cadence.MONTHLY,
}

_FIXED: dict[Cadence, timedelta] = {
    Cadence.WEEKLY: WEEK,
    Cadence.FORTNIGHTLY: FORTNIGHT,
    Cadence.MONTHLY: MONTH,
}


def parse_cadence(text: str) -> Cadence:
    """The cadence ``text`` names ("weekly", "every 2 weeks", "monthly", "auto", ...), case and spacing ignored."""
    found = _PHRASES.get(" ".join(text.lower().split()))
    if found is None:
        raise ValueError(f"unknown cadence {text!r}")
    return found


def interval(cadence: Cadence, *, started_at: datetime, now: datetime, overdue: int) -> timedelta:
    """How long until the next check-in, for an alliance started at ``started_at`` with ``overdue`` commitments late.

    The age under DEFAULT is counted in calendar days in ``now``'s zone, so a DST change between the start and
    ``now`` does not move the switch by an hour.
    """
    if now.tzinfo is None or started_at.tzinfo is None:
        raise ValueError("started_at and now must be timezone-aware")
    if overdue < 0:
        raise ValueError("overdue must not be negative")
    if overdue >= _SLIPPING:
        return WEEK
    if cadence is not Cadence.DEFAULT:
        return _FIXED[cadence]
    age_days = (now.date() - started_at.astimezone(now.tzinfo).date()).days
    if age_days < _WEEKLY_UNTIL_DAYS:
        return WEEK
    if age_days < _FORTNIGHTLY_UNTIL_DAYS:
        return FORTNIGHT
    return MONTH


def next_checkin(*, after: datetime, every: timedelta, working: WorkingTime, hour: time = CHECKIN_HOUR) -> datetime:
    """The check-in ``every`` after ``after``: ``hour`` local on the local date of ``after + every``, or on the first
    working day after it if that date is not one.

    Only the date counts, so a check-in that ran a little late does not push the next one a day further. The result
    is always later than ``after`` (a sub-day ``every`` would otherwise land before it).
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if every <= timedelta(0):
        raise ValueError("every must be positive")
    # Added in local wall time so that seven days are seven calendar days across a DST change.
    day = working.working_day_on_or_after((after.astimezone(working.tz) + every).date())
    slot = working.at_local(day, hour)
    if slot <= after:
        slot = working.at_local(working.working_day_on_or_after(day + timedelta(days=1)), hour)
    return slot


def first_checkin(*, started_at: datetime, working: WorkingTime, hour: time = CHECKIN_HOUR) -> datetime:
    """``hour`` local on the first working day after the local date of ``started_at`` (never the same day)."""
    if started_at.tzinfo is None:
        raise ValueError("started_at must be timezone-aware")
    start_day = started_at.astimezone(working.tz).date()
    return working.at_local(working.working_day_on_or_after(start_day + timedelta(days=1)), hour)
