"""Check-in cadence: phrases, intervals by age and slippage, and check-in slots on working days across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.cadence import Cadence, first_checkin, interval, next_checkin, parse_cadence
from bot.core.calendar import WorkingTime

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

DE = WorkingTime(BERLIN, "DE")
US = WorkingTime(NEW_YORK, "US")
JP_NO_HOLIDAYS = WorkingTime(TOKYO, None)

STARTED = datetime(2026, 1, 5, 10, 0, tzinfo=BERLIN)  # a Monday


def assert_local(result: datetime, expected: datetime) -> None:
    """Same instant, same zone and same wall time: equality of aware datetimes alone compares only instants."""
    assert result.astimezone(UTC) == expected.astimezone(UTC)
    assert str(result.tzinfo) == str(expected.tzinfo)
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert result.utcoffset() == expected.utcoffset()


# --- parsing ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekly", Cadence.WEEKLY),
        ("Weekly", Cadence.WEEKLY),
        ("every week", Cadence.WEEKLY),
        ("  Every   Week ", Cadence.WEEKLY),
        ("every 2 weeks", Cadence.FORTNIGHTLY),
        ("every two weeks", Cadence.FORTNIGHTLY),
        ("EVERY TWO WEEKS", Cadence.FORTNIGHTLY),
        ("biweekly", Cadence.FORTNIGHTLY),
        ("bi-weekly", Cadence.FORTNIGHTLY),
        ("fortnightly", Cadence.FORTNIGHTLY),
        ("every fortnight", Cadence.FORTNIGHTLY),
        ("monthly", Cadence.MONTHLY),
        ("every month", Cadence.MONTHLY),
        ("every\tmonth", Cadence.MONTHLY),
        ("default", Cadence.DEFAULT),
        ("auto", Cadence.DEFAULT),
        ("AUTO", Cadence.DEFAULT),
    ],
)
def test_parse_cadence(text: str, expected: Cadence) -> None:
    assert parse_cadence(text) is expected


@pytest.mark.parametrize("text", ["", "   ", "daily", "every 3 weeks", "yearly", "week", "everyweek", "weekly please"])
def test_parse_cadence_refuses_others(text: str) -> None:
    with pytest.raises(ValueError, match="unknown cadence"):
        parse_cadence(text)


def test_cadence_values_round_trip() -> None:
    for cadence in Cadence:
        assert parse_cadence(str(cadence)) is cadence


# --- intervals ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected_days"),
    [
        (timedelta(0), 7),
        (timedelta(weeks=7, days=6), 7),
        (timedelta(weeks=8), 14),
        (timedelta(weeks=25), 14),
        (timedelta(weeks=25, days=6), 14),
        (timedelta(weeks=26), 28),
        (timedelta(days=365), 28),
        (timedelta(days=-1), 7),  # a clock behind the start: still young
    ],
)
def test_default_interval_by_age(age: timedelta, expected_days: int) -> None:
    got = interval(Cadence.DEFAULT, started_at=STARTED, now=STARTED + age, overdue=0)
    assert got == timedelta(days=expected_days)


@pytest.mark.parametrize(
    ("cadence", "age", "expected_days"),
    [
        (Cadence.WEEKLY, timedelta(0), 7),
        (Cadence.WEEKLY, timedelta(days=365), 7),
        (Cadence.FORTNIGHTLY, timedelta(0), 14),
        (Cadence.FORTNIGHTLY, timedelta(days=365), 14),
        (Cadence.MONTHLY, timedelta(0), 28),
        (Cadence.MONTHLY, timedelta(days=365), 28),
    ],
)
def test_fixed_intervals_ignore_age(cadence: Cadence, age: timedelta, expected_days: int) -> None:
    assert interval(cadence, started_at=STARTED, now=STARTED + age, overdue=1) == timedelta(days=expected_days)


@pytest.mark.parametrize("cadence", list(Cadence))
@pytest.mark.parametrize("overdue", [2, 3, 10])
def test_two_or_more_overdue_tightens_to_weekly(cadence: Cadence, overdue: int) -> None:
    a_year_on = STARTED + timedelta(days=365)
    assert interval(cadence, started_at=STARTED, now=a_year_on, overdue=overdue) == timedelta(days=7)


def test_monthly_with_two_overdue_is_weekly_and_with_one_is_monthly() -> None:
    now = STARTED + timedelta(weeks=30)
    assert interval(Cadence.MONTHLY, started_at=STARTED, now=now, overdue=2) == timedelta(days=7)
    assert interval(Cadence.MONTHLY, started_at=STARTED, now=now, overdue=1) == timedelta(days=28)


def test_default_age_counts_calendar_days_across_dst() -> None:
    # Started in winter, asked eight calendar weeks later in summer: only 8 weeks minus an hour have elapsed,
    # but on the day the alliance turns eight weeks old it is no longer checked weekly.
    started = datetime(2026, 2, 9, 10, 0, tzinfo=BERLIN)
    now = datetime(2026, 4, 6, 10, 0, tzinfo=BERLIN).astimezone(UTC)
    assert now - started < timedelta(weeks=8)
    assert interval(Cadence.DEFAULT, started_at=started, now=now, overdue=0) == timedelta(days=14)
    assert interval(Cadence.DEFAULT, started_at=started, now=now.astimezone(BERLIN), overdue=0) == timedelta(days=14)


def test_interval_refuses_negative_overdue_and_naive_times() -> None:
    with pytest.raises(ValueError, match="overdue"):
        interval(Cadence.DEFAULT, started_at=STARTED, now=STARTED, overdue=-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        interval(Cadence.WEEKLY, started_at=STARTED.replace(tzinfo=None), now=STARTED, overdue=0)


# --- next check-in ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("working", "after", "every", "expected"),
    [
        # Tuesday 10:00 + 7: next Tuesday 10:00
        (DE, datetime(2026, 6, 2, 10, 0, tzinfo=BERLIN), 7, datetime(2026, 6, 9, 10, 0, tzinfo=BERLIN)),
        # a check-in that ran late (10:03) does not push the next one a day on
        (DE, datetime(2026, 6, 2, 10, 3, tzinfo=BERLIN), 7, datetime(2026, 6, 9, 10, 0, tzinfo=BERLIN)),
        # lands on a Saturday: moves forward to Monday
        (DE, datetime(2026, 5, 30, 10, 0, tzinfo=BERLIN), 7, datetime(2026, 6, 8, 10, 0, tzinfo=BERLIN)),
        (US, datetime(2026, 6, 4, 10, 0, tzinfo=NEW_YORK), 2, datetime(2026, 6, 8, 10, 0, tzinfo=NEW_YORK)),
        (JP_NO_HOLIDAYS, datetime(2026, 5, 23, 10, 0, tzinfo=TOKYO), 14, datetime(2026, 6, 8, 10, 0, tzinfo=TOKYO)),
        # lands on Christmas Day (a Friday): past the holidays and the weekend
        (DE, datetime(2026, 12, 18, 10, 0, tzinfo=BERLIN), 7, datetime(2026, 12, 28, 10, 0, tzinfo=BERLIN)),
        # lands on Thanksgiving: the Friday after
        (US, datetime(2026, 11, 19, 10, 0, tzinfo=NEW_YORK), 7, datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK)),
        # across the October DST change: still 10:00 local, now UTC+1
        (DE, datetime(2026, 10, 20, 10, 0, tzinfo=BERLIN), 7, datetime(2026, 10, 27, 9, 0, tzinfo=UTC)),
        # the same, given in UTC
        (DE, datetime(2026, 10, 20, 8, 0, tzinfo=UTC), 7, datetime(2026, 10, 27, 9, 0, tzinfo=UTC)),
        # across the March DST change: still 10:00 local, now UTC+2
        (DE, datetime(2026, 3, 24, 10, 0, tzinfo=BERLIN), 7, datetime(2026, 3, 31, 8, 0, tzinfo=UTC)),
        # New York's November change
        (US, datetime(2026, 10, 27, 10, 0, tzinfo=NEW_YORK), 7, datetime(2026, 11, 3, 15, 0, tzinfo=UTC)),
        # monthly
        (DE, datetime(2026, 6, 2, 10, 0, tzinfo=BERLIN), 28, datetime(2026, 6, 30, 10, 0, tzinfo=BERLIN)),
        # the local date counts: 16:00 UTC on Monday is 01:00 on Tuesday in Tokyo, so next Tuesday
        (JP_NO_HOLIDAYS, datetime(2026, 6, 1, 16, 0, tzinfo=UTC), 7, datetime(2026, 6, 9, 10, 0, tzinfo=TOKYO)),
    ],
)
def test_next_checkin(working: WorkingTime, after: datetime, every: int, expected: datetime) -> None:
    got = next_checkin(after=after, every=timedelta(days=every), working=working)
    assert_local(got, expected.astimezone(working.tz))


def test_next_checkin_keeps_ten_local_across_dst() -> None:
    got = next_checkin(after=datetime(2026, 10, 20, 10, 0, tzinfo=BERLIN), every=timedelta(days=7), working=DE)
    assert (got.hour, got.minute, got.utcoffset()) == (10, 0, timedelta(hours=1))


def test_next_checkin_at_another_hour() -> None:
    got = next_checkin(
        after=datetime(2026, 6, 2, 10, 0, tzinfo=BERLIN), every=timedelta(days=7), working=DE, hour=time(14, 30)
    )
    assert_local(got, datetime(2026, 6, 9, 14, 30, tzinfo=BERLIN))


def test_next_checkin_is_never_at_or_before_after() -> None:
    # An hour on from 10:30 is still Tuesday, whose 10:00 has passed: Wednesday's.
    after = datetime(2026, 6, 2, 10, 30, tzinfo=BERLIN)
    got = next_checkin(after=after, every=timedelta(hours=1), working=DE)
    assert_local(got, datetime(2026, 6, 3, 10, 0, tzinfo=BERLIN))


@pytest.mark.parametrize("every", [timedelta(0), timedelta(days=-7)])
def test_next_checkin_refuses_non_positive_every(every: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        next_checkin(after=datetime(2026, 6, 2, 10, 0, tzinfo=BERLIN), every=every, working=DE)


# --- first check-in -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("working", "started_at", "expected"),
    [
        # Monday morning, before 10:00: not the same day, Tuesday
        (DE, datetime(2026, 6, 1, 8, 0, tzinfo=BERLIN), datetime(2026, 6, 2, 10, 0, tzinfo=BERLIN)),
        (DE, datetime(2026, 6, 1, 15, 0, tzinfo=BERLIN), datetime(2026, 6, 2, 10, 0, tzinfo=BERLIN)),
        # Friday: Monday
        (DE, datetime(2026, 6, 5, 8, 0, tzinfo=BERLIN), datetime(2026, 6, 8, 10, 0, tzinfo=BERLIN)),
        (US, datetime(2026, 6, 5, 16, 0, tzinfo=NEW_YORK), datetime(2026, 6, 8, 10, 0, tzinfo=NEW_YORK)),
        # Saturday: Monday
        (JP_NO_HOLIDAYS, datetime(2026, 6, 6, 12, 0, tzinfo=TOKYO), datetime(2026, 6, 8, 10, 0, tzinfo=TOKYO)),
        # Christmas Eve: past the holidays and the weekend
        (DE, datetime(2026, 12, 24, 11, 0, tzinfo=BERLIN), datetime(2026, 12, 28, 10, 0, tzinfo=BERLIN)),
        # the day before Thanksgiving: the Friday after
        (US, datetime(2026, 11, 25, 11, 0, tzinfo=NEW_YORK), datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK)),
        # Saturday before the October DST change: Monday 10:00 at UTC+1
        (DE, datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN), datetime(2026, 10, 26, 9, 0, tzinfo=UTC)),
        # given in UTC: 23:00 UTC on Sunday is Monday in Berlin, so Tuesday
        (DE, datetime(2026, 6, 7, 23, 0, tzinfo=UTC), datetime(2026, 6, 9, 10, 0, tzinfo=BERLIN)),
    ],
)
def test_first_checkin(working: WorkingTime, started_at: datetime, expected: datetime) -> None:
    assert_local(first_checkin(started_at=started_at, working=working), expected.astimezone(working.tz))


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 6, 2, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        next_checkin(after=naive, every=timedelta(days=7), working=DE)
    with pytest.raises(ValueError, match="timezone-aware"):
        first_checkin(started_at=naive, working=DE)
