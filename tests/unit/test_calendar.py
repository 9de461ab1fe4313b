"""Working time: working days with weekends and national holidays, moments and day arithmetic across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.core.calendar import WorkingTime, is_country_code

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

DE = WorkingTime(BERLIN, "DE")
US = WorkingTime(NEW_YORK, "US")
JP_NO_HOLIDAYS = WorkingTime(TOKYO, None)


def assert_local(result: datetime, expected: datetime) -> None:
    """Same instant, same zone and same wall time: equality of aware datetimes alone compares only instants."""
    assert result.astimezone(UTC) == expected.astimezone(UTC)
    assert result.tzinfo is not None and expected.tzinfo is not None
    assert str(result.tzinfo) == str(expected.tzinfo)
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert result.utcoffset() == expected.utcoffset()


# --- construction -------------------------------------------------------------------------------------------------


def test_of_reads_zone_and_upper_cases_country() -> None:
    working = WorkingTime.of("Europe/Berlin", "de")
    assert working.tz == BERLIN
    assert working.country == "DE"
    assert (working.start, working.end, working.weekend) == (time(9), time(18), frozenset({5, 6}))


@pytest.mark.parametrize("name", ["Nowhere/City", "", "Europe", "../etc/passwd", "utc"])
def test_of_unknown_zone_is_utc(name: str) -> None:
    assert WorkingTime.of(name).tz == ZoneInfo("UTC")


@pytest.mark.parametrize("country", ["XX", "", "Germany", "D"])
def test_unknown_country_is_refused(country: str) -> None:
    with pytest.raises(ValueError, match="unknown country code"):
        WorkingTime.of("Europe/Berlin", country)
    with pytest.raises(ValueError, match="unknown country code"):
        WorkingTime(BERLIN, country)


@pytest.mark.parametrize(("code", "known"), [("DE", True), ("de", True), (" us ", True), ("XX", False), ("", False)])
def test_is_country_code(code: str, known: bool) -> None:
    assert is_country_code(code) is known


def test_working_day_must_start_before_it_ends() -> None:
    with pytest.raises(ValueError, match="start before"):
        WorkingTime(BERLIN, start=time(18), end=time(9))


def test_weekend_days_must_be_weekdays() -> None:
    with pytest.raises(ValueError, match="weekend"):
        WorkingTime(BERLIN, weekend=frozenset({7}))


# --- working days -------------------------------------------------------------------------------------------------


def test_package_has_christmas_eve_as_a_working_day_in_germany() -> None:
    # The national calendar has the 25th and 26th, not the 24th; if the package changes its mind, so does the bot.
    german = holidays.country_holidays("DE", years=2026)
    assert date(2026, 12, 24) not in german
    assert date(2026, 12, 25) in german
    assert date(2026, 12, 26) in german


@pytest.mark.parametrize(
    ("working", "day", "expected"),
    [
        (DE, date(2026, 12, 23), True),  # Wednesday
        (DE, date(2026, 12, 24), True),  # Christmas Eve: not a national public holiday
        (DE, date(2026, 12, 25), False),  # Christmas Day, a Friday
        (DE, date(2026, 12, 28), True),  # Monday
        (DE, date(2026, 10, 3), False),  # German Unity Day, a Saturday anyway
        (DE, date(2026, 4, 6), False),  # Easter Monday
        (DE, date(2026, 11, 26), True),  # Thanksgiving means nothing in Germany
        (US, date(2026, 11, 26), False),  # Thanksgiving
        (US, date(2026, 11, 27), True),  # the Friday after is not a federal holiday
        (US, date(2026, 7, 3), False),  # Independence Day falls on a Saturday: observed on the Friday
        (US, date(2026, 12, 25), False),
        (JP_NO_HOLIDAYS, date(2026, 1, 1), True),  # no country, no holidays
        (JP_NO_HOLIDAYS, date(2026, 1, 3), False),  # but still a Saturday
        (WorkingTime(TOKYO, "JP"), date(2026, 1, 1), False),
    ],
)
def test_is_working_day(working: WorkingTime, day: date, expected: bool) -> None:
    assert working.is_working_day(day) is expected


def test_custom_weekend() -> None:
    friday_saturday = WorkingTime(ZoneInfo("Asia/Dubai"), weekend=frozenset({4, 5}))
    assert friday_saturday.is_working_day(date(2026, 6, 7))  # Sunday
    assert not friday_saturday.is_working_day(date(2026, 6, 5))  # Friday


@pytest.mark.parametrize(
    ("working", "at", "expected"),
    [
        (DE, datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN), True),  # start is inside
        (DE, datetime(2026, 6, 3, 17, 59, tzinfo=BERLIN), True),
        (DE, datetime(2026, 6, 3, 18, 0, tzinfo=BERLIN), False),  # end is outside
        (DE, datetime(2026, 6, 3, 8, 59, tzinfo=BERLIN), False),
        (DE, datetime(2026, 6, 3, 7, 30, tzinfo=UTC), True),  # 09:30 in Berlin
        (DE, datetime(2026, 6, 3, 6, 30, tzinfo=UTC), False),  # 08:30 in Berlin
        (DE, datetime(2026, 6, 6, 11, 0, tzinfo=BERLIN), False),  # Saturday
        (DE, datetime(2026, 12, 25, 11, 0, tzinfo=BERLIN), False),  # Christmas Day
        (US, datetime(2026, 11, 26, 11, 0, tzinfo=NEW_YORK), False),  # Thanksgiving
        (US, datetime(2026, 11, 26, 16, 0, tzinfo=UTC), False),  # 11:00 on Thanksgiving in New York
        (US, datetime(2026, 11, 25, 22, 59, tzinfo=UTC), True),  # 17:59 in New York
        (US, datetime(2026, 11, 25, 23, 0, tzinfo=UTC), False),  # 18:00 in New York
        (JP_NO_HOLIDAYS, datetime(2026, 1, 1, 10, 0, tzinfo=TOKYO), True),
        (JP_NO_HOLIDAYS, datetime(2026, 6, 3, 1, 0, tzinfo=UTC), True),  # 10:00 in Tokyo
    ],
)
def test_is_working_time(working: WorkingTime, at: datetime, expected: bool) -> None:
    assert working.is_working_time(at) is expected


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 6, 3, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        DE.is_working_time(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        DE.next_working_moment(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        DE.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        DE.working_day_before(naive)


# --- next working moment ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("working", "at", "expected"),
    [
        # 3 a.m. local on a working day: today's start
        (DE, datetime(2026, 6, 3, 3, 0, tzinfo=BERLIN), datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN)),
        (US, datetime(2026, 6, 3, 3, 0, tzinfo=NEW_YORK), datetime(2026, 6, 3, 9, 0, tzinfo=NEW_YORK)),
        (JP_NO_HOLIDAYS, datetime(2026, 6, 3, 3, 0, tzinfo=TOKYO), datetime(2026, 6, 3, 9, 0, tzinfo=TOKYO)),
        # given in UTC, answered in the zone: 01:00 UTC is 03:00 in Berlin
        (DE, datetime(2026, 6, 3, 1, 0, tzinfo=UTC), datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN)),
        # Friday 18:30: Monday's start
        (DE, datetime(2026, 6, 5, 18, 30, tzinfo=BERLIN), datetime(2026, 6, 8, 9, 0, tzinfo=BERLIN)),
        (US, datetime(2026, 6, 5, 18, 30, tzinfo=NEW_YORK), datetime(2026, 6, 8, 9, 0, tzinfo=NEW_YORK)),
        (JP_NO_HOLIDAYS, datetime(2026, 6, 5, 18, 30, tzinfo=TOKYO), datetime(2026, 6, 8, 9, 0, tzinfo=TOKYO)),
        # Saturday noon: Monday's start
        (DE, datetime(2026, 6, 6, 12, 0, tzinfo=BERLIN), datetime(2026, 6, 8, 9, 0, tzinfo=BERLIN)),
        # Christmas Eve 20:00: past the 25th, 26th (holidays) and the Sunday
        (DE, datetime(2026, 12, 24, 20, 0, tzinfo=BERLIN), datetime(2026, 12, 28, 9, 0, tzinfo=BERLIN)),
        # the evening before Thanksgiving: the Friday after
        (US, datetime(2026, 11, 25, 18, 30, tzinfo=NEW_YORK), datetime(2026, 11, 27, 9, 0, tzinfo=NEW_YORK)),
        # Friday evening before the October DST change (Sunday 25th): Monday 09:00 is now UTC+1
        (DE, datetime(2026, 10, 23, 18, 30, tzinfo=BERLIN), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
        # Friday evening before the March DST change (Sunday 29th): Monday 09:00 is now UTC+2
        (DE, datetime(2026, 3, 27, 19, 0, tzinfo=BERLIN), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        # New York changes on 2026-11-01 and 2026-03-08
        (US, datetime(2026, 10, 30, 18, 0, tzinfo=NEW_YORK), datetime(2026, 11, 2, 14, 0, tzinfo=UTC)),
        (US, datetime(2026, 3, 6, 18, 0, tzinfo=NEW_YORK), datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),
    ],
)
def test_next_working_moment(working: WorkingTime, at: datetime, expected: datetime) -> None:
    assert_local(working.next_working_moment(at), expected.astimezone(working.tz))


@pytest.mark.parametrize(
    "at",
    [datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 3, 15, 45, 12, tzinfo=BERLIN)],
)
def test_next_working_moment_in_working_time_is_now(at: datetime) -> None:
    assert_local(DE.next_working_moment(at), at)
    in_utc = at.astimezone(UTC)
    assert_local(DE.next_working_moment(in_utc), at)  # the same instant, given back in the zone


def test_dst_results_keep_local_wall_time() -> None:
    autumn = DE.next_working_moment(datetime(2026, 10, 23, 18, 30, tzinfo=BERLIN))
    assert (autumn.hour, autumn.minute, autumn.utcoffset()) == (9, 0, timedelta(hours=1))
    spring = DE.next_working_moment(datetime(2026, 3, 27, 19, 0, tzinfo=BERLIN))
    assert (spring.hour, spring.minute, spring.utcoffset()) == (9, 0, timedelta(hours=2))


def test_no_working_day_at_all_is_refused() -> None:
    never = WorkingTime(BERLIN, weekend=frozenset(range(7)))
    at = datetime(2026, 6, 3, 10, 0, tzinfo=BERLIN)
    with pytest.raises(ValueError, match="no working day"):
        never.next_working_moment(at)
    with pytest.raises(ValueError, match="no working day"):
        never.add_working_days(at, 1)
    with pytest.raises(ValueError, match="no working day"):
        never.working_day_before(at)


# --- adding working days ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("working", "at", "days", "expected"),
    [
        # Wednesday + 2: Friday
        (DE, datetime(2026, 6, 3, 11, 15, tzinfo=BERLIN), 2, datetime(2026, 6, 5, 11, 15, tzinfo=BERLIN)),
        # Friday + 1 across the weekend: Monday
        (DE, datetime(2026, 6, 5, 14, 0, tzinfo=BERLIN), 1, datetime(2026, 6, 8, 14, 0, tzinfo=BERLIN)),
        # Thursday + 2 across the weekend: Monday is the 1st, Tuesday the 2nd
        (DE, datetime(2026, 6, 4, 16, 0, tzinfo=BERLIN), 2, datetime(2026, 6, 8, 16, 0, tzinfo=BERLIN)),
        # Wednesday before Christmas + 2: the 24th, then past the holidays and the weekend to Monday
        (DE, datetime(2026, 12, 23, 11, 15, tzinfo=BERLIN), 2, datetime(2026, 12, 28, 11, 15, tzinfo=BERLIN)),
        # from a Saturday, the first working day is Monday
        (DE, datetime(2026, 6, 6, 10, 0, tzinfo=BERLIN), 1, datetime(2026, 6, 8, 10, 0, tzinfo=BERLIN)),
        # Wednesday before Thanksgiving + 1: Friday
        (US, datetime(2026, 11, 25, 10, 0, tzinfo=NEW_YORK), 1, datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK)),
        # Friday before Christmas + 1 in Tokyo without holidays: Monday
        (JP_NO_HOLIDAYS, datetime(2026, 12, 25, 9, 0, tzinfo=TOKYO), 1, datetime(2026, 12, 28, 9, 0, tzinfo=TOKYO)),
        # across the October DST change: same wall time, new offset
        (DE, datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN), 1, datetime(2026, 10, 26, 9, 0, tzinfo=UTC)),
        # across the March DST change
        (DE, datetime(2026, 3, 27, 10, 0, tzinfo=BERLIN), 1, datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),
        # given in UTC: the local date counts (23:30 UTC on Friday is Saturday in Berlin), the local time is kept
        (DE, datetime(2026, 6, 5, 22, 30, tzinfo=UTC), 1, datetime(2026, 6, 8, 0, 30, tzinfo=BERLIN)),
    ],
)
def test_add_working_days(working: WorkingTime, at: datetime, days: int, expected: datetime) -> None:
    assert_local(working.add_working_days(at, days), expected.astimezone(working.tz))


def test_add_zero_working_days_is_the_same_moment() -> None:
    saturday = datetime(2026, 6, 6, 10, 0, tzinfo=BERLIN)
    assert_local(DE.add_working_days(saturday, 0), saturday)


def test_add_negative_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        DE.add_working_days(datetime(2026, 6, 3, 10, 0, tzinfo=BERLIN), -1)


# --- working day before -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("working", "at", "expected"),
    [
        # a Monday: the Friday before, at the start of the day
        (DE, datetime(2026, 6, 8, 18, 0, tzinfo=BERLIN), datetime(2026, 6, 5, 9, 0, tzinfo=BERLIN)),
        (US, datetime(2026, 6, 8, 18, 0, tzinfo=NEW_YORK), datetime(2026, 6, 5, 9, 0, tzinfo=NEW_YORK)),
        # a Wednesday: Tuesday, whatever the time of day
        (DE, datetime(2026, 6, 3, 0, 5, tzinfo=BERLIN), datetime(2026, 6, 2, 9, 0, tzinfo=BERLIN)),
        # due Monday the 28th after Christmas: Thursday the 24th
        (DE, datetime(2026, 12, 28, 18, 0, tzinfo=BERLIN), datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN)),
        # due the Friday after Thanksgiving: Wednesday
        (US, datetime(2026, 11, 27, 18, 0, tzinfo=NEW_YORK), datetime(2026, 11, 25, 9, 0, tzinfo=NEW_YORK)),
        # due on a Sunday: Friday
        (JP_NO_HOLIDAYS, datetime(2026, 6, 7, 18, 0, tzinfo=TOKYO), datetime(2026, 6, 5, 9, 0, tzinfo=TOKYO)),
        # due Monday after the October DST change: Friday, still summer time
        (DE, datetime(2026, 10, 26, 18, 0, tzinfo=BERLIN), datetime(2026, 10, 23, 7, 0, tzinfo=UTC)),
        # the local date counts: 23:30 UTC on Monday is Tuesday in Berlin, so Monday
        (DE, datetime(2026, 6, 8, 22, 30, tzinfo=UTC), datetime(2026, 6, 8, 9, 0, tzinfo=BERLIN)),
    ],
)
def test_working_day_before(working: WorkingTime, at: datetime, expected: datetime) -> None:
    assert_local(working.working_day_before(at), expected.astimezone(working.tz))


# --- local times --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "clock", "expected_utc"),
    [
        (date(2026, 6, 3), time(9, 0), datetime(2026, 6, 3, 7, 0, tzinfo=UTC)),
        (date(2026, 12, 3), time(9, 0), datetime(2026, 12, 3, 8, 0, tzinfo=UTC)),
        # 02:30 does not exist on 2026-03-29 in Berlin: the real instant, shown as 03:30
        (date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # 02:30 happens twice on 2026-10-25: the first one, still summer time
        (date(2026, 10, 25), time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_at_local(day: date, clock: time, expected_utc: datetime) -> None:
    result = DE.at_local(day, clock)
    # Through UTC: Python never finds a wall time in a repeated hour equal to a time in another zone.
    assert result.astimezone(UTC) == expected_utc
    assert result.tzinfo is BERLIN


def test_at_local_in_the_spring_gap_shows_a_real_wall_time() -> None:
    result = DE.at_local(date(2026, 3, 29), time(2, 30))
    assert (result.hour, result.minute, result.utcoffset()) == (3, 30, timedelta(hours=2))


def test_working_day_on_or_after() -> None:
    assert DE.working_day_on_or_after(date(2026, 12, 23)) == date(2026, 12, 23)
    assert DE.working_day_on_or_after(date(2026, 12, 25)) == date(2026, 12, 28)
