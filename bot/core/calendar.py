"""Working time: when a person can be disturbed, in their zone, on their organisation's working days.

The `holidays` package (about 3 MB resident) is imported when an organisation's country is first asked about,
not when the process starts: public holidays are observed only where a party set its country (`holidays DE`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["MAX_SEARCH_DAYS", "WorkingTime", "is_country_code"]

# A year and a bit: any real calendar has a working day within it, so running out means the settings
# (a weekend covering every day) leave none, and the search stops instead of looping for ever.
MAX_SEARCH_DAYS = 370

_UTC_ZONE = ZoneInfo("UTC")

# Building a country's holidays for a year walks its whole rule set; the answer never changes, so it
# is kept. Two threads building the same entry at once only do the work twice.
_HOLIDAYS: dict[tuple[str, int], frozenset[date]] = {}
_COUNTRIES: frozenset[str] | None = None


def _supported_countries() -> frozenset[str]:
    global _COUNTRIES
    if _COUNTRIES is None:
        import holidays

        _COUNTRIES = frozenset(holidays.list_supported_countries())
    return _COUNTRIES


def zone(name: str) -> ZoneInfo:
    """The time zone called `name`, or UTC when there is no such zone (a profile can carry anything)."""
    try:
        return ZoneInfo(name or "UTC")
    # A bad name fails as not found (KeyError), malformed (ValueError) or a directory such as "Europe" (OSError).
    except (KeyError, ValueError, OSError):
        return _UTC_ZONE


def is_country_code(code: str) -> bool:
    """Whether the ``holidays`` package knows ``code`` (ISO 3166, e.g. "DE", "de", "DEU")."""
    return code.strip().upper() in _supported_countries()


def _public_holidays(country: str, year: int) -> frozenset[date]:
    key = (country, year)
    found = _HOLIDAYS.get(key)
    if found is None:
        import holidays

        found = frozenset(holidays.country_holidays(country, years=year))
        _HOLIDAYS[key] = found
    return found


def _aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the time must be timezone-aware")


@dataclass(frozen=True)
class WorkingTime:
    """Working hours ``[start, end)`` in ``tz`` on days that are neither weekend nor a public holiday of ``country``.

    ``country`` is upper-cased on construction; one the ``holidays`` package does not know is refused.
    Only the national holidays count (no regional ones: an organisation's region is not known).
    """

    tz: ZoneInfo
    country: str | None = None
    start: time = time(9, 0)
    end: time = time(18, 0)
    weekend: frozenset[int] = frozenset({5, 6})  # Monday=0

    def __post_init__(self) -> None:
        if self.country is not None:
            code = self.country.strip().upper()
            if code not in _supported_countries():
                raise ValueError(f"unknown country code {self.country!r}")
            # Frozen: the normalised code has to go in the way dataclasses themselves set fields.
            object.__setattr__(self, "country", code)
        if not self.start < self.end:
            raise ValueError("the working day must start before it ends")
        if not self.weekend <= frozenset(range(7)):
            raise ValueError("weekend days are numbered 0 (Monday) to 6 (Sunday)")

    @classmethod
    def of(cls, tz_name: str, country: str | None = None) -> WorkingTime:
        """Working time in the zone named ``tz_name`` (UTC if unknown) and ``country``'s holidays."""
        return cls(tz=zone(tz_name), country=country)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() in self.weekend:
            return False
        return self.country is None or day not in _public_holidays(self.country, day.year)

    def is_working_time(self, at: datetime) -> bool:
        _aware(at)
        local = at.astimezone(self.tz)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the first working day after it."""
        return self._search(day, timedelta(days=1))

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` (in ``tz``) if it is working time, else the start of the next working period."""
        _aware(at)
        local = at.astimezone(self.tz)
        today = local.date()
        if self.is_working_day(today):
            if local.time() < self.start:
                return self.at_local(today, self.start)
            if local.time() < self.end:
                return local
        return self.at_local(self.working_day_on_or_after(today + timedelta(days=1)), self.start)

    def add_working_days(self, at: datetime, days: int) -> datetime:
        """The same local time of day as ``at`` on the ``days``-th working day after its local date."""
        _aware(at)
        if days < 0:
            raise ValueError("days must not be negative")
        local = at.astimezone(self.tz)
        if days == 0:
            return local
        day = local.date()
        for _ in range(days):
            day = self.working_day_on_or_after(day + timedelta(days=1))
        return self.at_local(day, local.time())

    def working_day_before(self, at: datetime) -> datetime:
        """The start of the last working day strictly before the local date of ``at``."""
        _aware(at)
        day = self._search(at.astimezone(self.tz).date() - timedelta(days=1), timedelta(days=-1))
        return self.at_local(day, self.start)

    def at_local(self, day: date, clock: time) -> datetime:
        """``clock`` on ``day`` in ``tz``; a wall time skipped by a DST change becomes the real instant after it."""
        # Through UTC and back so that a skipped wall time (02:30 on the spring change) comes out with the wall
        # time actually shown then (03:30), not as a datetime that prints a time that never existed there.
        return datetime.combine(day, clock.replace(tzinfo=None), tzinfo=self.tz).astimezone(UTC).astimezone(self.tz)

    def _search(self, first: date, step: timedelta) -> date:
        day = first
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(day):
                return day
            day += step
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days of {first.isoformat()}")


@functools.lru_cache(maxsize=1024)
def working_time_of(tz: str, country: str | None) -> WorkingTime:
    """The working time of a zone and a country's holidays; a country the `holidays` package does not know counts
    as none. Cached (a WorkingTime is frozen): a sweep asks the same few zones and countries for every message."""
    try:
        return WorkingTime.of(tz, country)
    except ValueError:
        return WorkingTime.of(tz, None)
