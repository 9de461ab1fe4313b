"""Due-date phrases: every phrase in three zones, DST changes, refusals, and splitting a commitment."""

from __future__ import annotations

import dataclasses
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser
import pytest

from bot.core.dates import END_OF_WORKING_DAY, Due, looks_like_date, parse_due, split_due, warm_up
from bot.core.errors import DateProblem, MissingDate, PastDate, UnknownDate

# A Tuesday: 11:00 in Berlin, 02:00 in Los Angeles, 19:00 in Tokyo (past the end of the working day).
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ZONES = ["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo"]
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def at(zone: str, year: int, month: int, day: int, hour: int = 18, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def test_end_of_working_day_is_six_in_the_evening() -> None:
    assert (END_OF_WORKING_DAY.hour, END_OF_WORKING_DAY.minute) == (18, 0)


# Phrases without a time of day: due at 18:00 local on this date, the same date in all three zones.
DATE_ONLY = [
    ("2026-12-04", date(2026, 12, 4)),
    ("Dec 4", date(2026, 12, 4)),
    ("December 4", date(2026, 12, 4)),
    ("4 December", date(2026, 12, 4)),
    ("4 Dec 2026", date(2026, 12, 4)),
    ("tomorrow", date(2026, 11, 25)),
    ("Tomorrow.", date(2026, 11, 25)),
    ("in 2 weeks", date(2026, 12, 8)),
    ("in 3 days", date(2026, 11, 27)),
    ("next week", date(2026, 12, 1)),
    ("next month", date(2026, 12, 24)),
    ("end of month", date(2026, 11, 30)),
    ("end of the month", date(2026, 11, 30)),
    ("The end of the month!", date(2026, 11, 30)),
    ("EOM", date(2026, 11, 30)),
    ("eom", date(2026, 11, 30)),
    ("end of quarter", date(2026, 12, 31)),
    ("EOQ", date(2026, 12, 31)),
    ("Q1", date(2027, 3, 31)),
    ("Q2", date(2027, 6, 30)),
    ("Q3", date(2027, 9, 30)),
    ("Q4", date(2026, 12, 31)),
    ("end of Q1", date(2027, 3, 31)),
    ("end of Q4", date(2026, 12, 31)),
    ("Q1 2027", date(2027, 3, 31)),
    ("end of Q2 2027", date(2027, 6, 30)),
    ("end of year", date(2026, 12, 31)),
    ("end of the year", date(2026, 12, 31)),
    ("EOY", date(2026, 12, 31)),
    ("year end", date(2026, 12, 31)),
    ("end of next month", date(2026, 12, 31)),
    ("end of next quarter", date(2027, 3, 31)),
    ("end of next year", date(2027, 12, 31)),
    ("mid-January", date(2027, 1, 15)),
    ("mid January", date(2027, 1, 15)),
    ("mid-Jan", date(2027, 1, 15)),
    ("mid-December", date(2026, 12, 15)),
    ("mid-November", date(2027, 11, 15)),
    ("end of January", date(2027, 1, 31)),
    ("end of Jan", date(2027, 1, 31)),
    ("end of November", date(2026, 11, 30)),
    ("end of Feb 2028", date(2028, 2, 29)),
    ("friday", date(2026, 11, 27)),
    ("Friday", date(2026, 11, 27)),
    ("this friday", date(2026, 11, 27)),
    ("next friday", date(2026, 11, 27)),
    ("next Friday", date(2026, 11, 27)),
    ("fri", date(2026, 11, 27)),
    ("monday", date(2026, 11, 30)),
    ("next tuesday", date(2026, 12, 1)),
    ("end of week", date(2026, 11, 27)),
    ("EOW", date(2026, 11, 27)),
    ("the 15th", date(2026, 12, 15)),
    ("31st", date(2026, 12, 31)),
]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("phrase", "day"), DATE_ONLY)
def test_a_date_alone_is_due_at_the_end_of_the_working_day(zone: str, phrase: str, day: date) -> None:
    tz = ZoneInfo(zone)
    due = parse_due(phrase, now=NOW, tz=tz)
    assert (due.at, due.at.tzinfo, due.has_time, due.phrase) == (
        at(zone, day.year, day.month, day.day),
        tz,
        False,
        phrase,
    )


# The same wall time must be a different instant in each zone, including summer time in March.
@pytest.mark.parametrize(
    ("zone", "phrase", "instant"),
    [
        ("Europe/Berlin", "Dec 4", datetime(2026, 12, 4, 17, 0, tzinfo=UTC)),
        ("America/Los_Angeles", "Dec 4", datetime(2026, 12, 5, 2, 0, tzinfo=UTC)),
        ("Asia/Tokyo", "Dec 4", datetime(2026, 12, 4, 9, 0, tzinfo=UTC)),
        ("Europe/Berlin", "end of Q1", datetime(2027, 3, 31, 16, 0, tzinfo=UTC)),
        ("America/Los_Angeles", "end of Q1", datetime(2027, 4, 1, 1, 0, tzinfo=UTC)),
        ("Asia/Tokyo", "end of Q1", datetime(2027, 3, 31, 9, 0, tzinfo=UTC)),
    ],
)
def test_the_wall_time_becomes_the_right_instant(zone: str, phrase: str, instant: datetime) -> None:
    assert parse_due(phrase, now=NOW, tz=ZoneInfo(zone)).at == instant


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/Los_Angeles"])
@pytest.mark.parametrize("phrase", ["today", "tuesday", "this tuesday", "Tue", "EOD", "end of day", "24th"])
def test_today_before_the_end_of_the_working_day_is_fine(zone: str, phrase: str) -> None:
    due = parse_due(phrase, now=NOW, tz=ZoneInfo(zone))
    assert (due.at, due.has_time) == (at(zone, 2026, 11, 24), False)


@pytest.mark.parametrize("phrase", ["today", "tuesday", "this tuesday", "Tue", "EOD", "end of day"])
def test_today_after_the_end_of_the_working_day_is_past(phrase: str) -> None:
    with pytest.raises(PastDate) as caught:
        parse_due(phrase, now=NOW, tz=TOKYO)
    assert (caught.value.phrase, caught.value.understood) == (phrase, at("Asia/Tokyo", 2026, 11, 24))
    assert caught.value.understood == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_a_day_of_the_month_already_over_today_means_next_month() -> None:
    assert parse_due("24th", now=NOW, tz=TOKYO).at == at("Asia/Tokyo", 2026, 12, 24)


TIMED = [
    ("tomorrow 3pm", (2026, 11, 25, 15, 0)),
    ("tomorrow at 3 pm", (2026, 11, 25, 15, 0)),
    ("tomorrow at noon", (2026, 11, 25, 12, 0)),
    ("Dec 4 at 14:30", (2026, 12, 4, 14, 30)),
    ("4 Dec 2026 9am", (2026, 12, 4, 9, 0)),
    ("2026-12-04 14:30", (2026, 12, 4, 14, 30)),
    ("friday 3pm", (2026, 11, 27, 15, 0)),
    ("next friday at 9:15am", (2026, 11, 27, 9, 15)),
    ("EOM at 17:00", (2026, 11, 30, 17, 0)),
    ("end of Q1 12pm", (2027, 3, 31, 12, 0)),
    ("tomorrow midnight", (2026, 11, 25, 0, 0)),
]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("phrase", "wall"), TIMED)
def test_a_named_time_of_day_is_kept(zone: str, phrase: str, wall: tuple[int, int, int, int, int]) -> None:
    due = parse_due(phrase, now=NOW, tz=ZoneInfo(zone))
    assert (due.at, due.has_time) == (at(zone, *wall), True)


@pytest.mark.parametrize("zone", ZONES)
def test_hours_from_now_are_an_instant_not_a_day(zone: str) -> None:
    due = parse_due("in 2 hours", now=NOW, tz=ZoneInfo(zone))
    assert (due.at, due.has_time) == (NOW + timedelta(hours=2), True)


@pytest.mark.parametrize(
    ("zone", "phrase", "instant"),
    [
        ("Europe/Berlin", "3pm UTC", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)),
        ("America/Los_Angeles", "3pm UTC", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)),
        # 15:00 UTC is still ahead at 19:00 in Tokyo: it must not slip a day because Tokyo is past 15:00.
        ("Asia/Tokyo", "3pm UTC", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)),
        ("Europe/Berlin", "tomorrow 3pm PST", datetime(2026, 11, 25, 23, 0, tzinfo=UTC)),
        ("Asia/Tokyo", "friday EST", datetime(2026, 11, 27, 23, 0, tzinfo=UTC)),
    ],
)
def test_a_zone_named_in_the_phrase_is_honoured(zone: str, phrase: str, instant: datetime) -> None:
    due = parse_due(phrase, now=NOW, tz=ZoneInfo(zone))
    assert (due.at, due.at.tzinfo) == (instant, ZoneInfo(zone))


def test_the_end_of_the_day_can_be_moved() -> None:
    tomorrow = parse_due("tomorrow", now=NOW, tz=BERLIN, end_of_day=time(17, 30))
    today = parse_due("today", now=NOW, tz=TOKYO, end_of_day=time(23, 0))
    assert (tomorrow.at, today.at) == (
        at("Europe/Berlin", 2026, 11, 25, 17, 30),
        at("Asia/Tokyo", 2026, 11, 24, 23),
    )


def test_the_phrase_is_kept_as_typed_without_surrounding_space() -> None:
    assert parse_due("  End of Month  ", now=NOW, tz=BERLIN) == Due(
        at=at("Europe/Berlin", 2026, 11, 30), phrase="End of Month", has_time=False
    )


def test_due_is_immutable() -> None:
    due = parse_due("tomorrow", now=NOW, tz=BERLIN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        due.phrase = "later"  # type: ignore[misc]


# Weekdays: a bare weekday or "this <weekday>" counts today; "next <weekday>" starts tomorrow.
FRIDAY_MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
FRIDAY_EVENING = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)  # 19:30 in Berlin
SATURDAY = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "phrase", "day"),
    [
        (FRIDAY_MORNING, "friday", date(2026, 11, 27)),
        (FRIDAY_MORNING, "this friday", date(2026, 11, 27)),
        (FRIDAY_MORNING, "fri", date(2026, 11, 27)),
        (FRIDAY_MORNING, "next friday", date(2026, 12, 4)),
        (FRIDAY_MORNING, "saturday", date(2026, 11, 28)),
        (FRIDAY_MORNING, "next saturday", date(2026, 11, 28)),
        (FRIDAY_MORNING, "thursday", date(2026, 12, 3)),
        (FRIDAY_MORNING, "end of week", date(2026, 11, 27)),
        (FRIDAY_EVENING, "next friday", date(2026, 12, 4)),
        (SATURDAY, "friday", date(2026, 12, 4)),
        (SATURDAY, "end of week", date(2026, 12, 4)),
    ],
)
def test_weekdays(now: datetime, phrase: str, day: date) -> None:
    assert parse_due(phrase, now=now, tz=BERLIN).at == at("Europe/Berlin", day.year, day.month, day.day)


def test_a_bare_weekday_on_that_day_after_hours_is_past_not_next_week() -> None:
    with pytest.raises(PastDate) as caught:
        parse_due("friday", now=FRIDAY_EVENING, tz=BERLIN)
    assert caught.value.understood == at("Europe/Berlin", 2026, 11, 27)


@pytest.mark.parametrize(
    ("now", "phrase", "day"),
    [
        # On the quarter's last day the current quarter still counts until the end of the working day.
        (datetime(2026, 12, 31, 9, 0, tzinfo=UTC), "Q4", date(2026, 12, 31)),
        (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), "Q4", date(2027, 12, 31)),
        (datetime(2027, 1, 20, 9, 0, tzinfo=UTC), "mid-January", date(2028, 1, 15)),
        (datetime(2027, 1, 20, 9, 0, tzinfo=UTC), "end of Jan", date(2027, 1, 31)),
        (datetime(2027, 2, 5, 9, 0, tzinfo=UTC), "the 30th", date(2027, 3, 30)),
        (datetime(2027, 2, 5, 9, 0, tzinfo=UTC), "end of month", date(2027, 2, 28)),
        (datetime(2027, 2, 5, 9, 0, tzinfo=UTC), "end of quarter", date(2027, 3, 31)),
        (datetime(2027, 11, 5, 9, 0, tzinfo=UTC), "end of next quarter", date(2028, 3, 31)),
        (datetime(2027, 12, 5, 9, 0, tzinfo=UTC), "end of next month", date(2028, 1, 31)),
    ],
)
def test_rolling_phrases_take_the_next_one_not_past(now: datetime, phrase: str, day: date) -> None:
    assert parse_due(phrase, now=now, tz=BERLIN).at == at("Europe/Berlin", day.year, day.month, day.day)


def test_end_of_month_on_its_last_evening_is_past() -> None:
    with pytest.raises(PastDate) as caught:
        parse_due("EOM", now=datetime(2026, 11, 30, 20, 0, tzinfo=UTC), tz=BERLIN)
    assert caught.value.understood == at("Europe/Berlin", 2026, 11, 30)


# DST: Berlin leaves summer time on 2026-10-25, New York on 2026-11-01.
def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "phrase", "instant"),
    [
        ("Europe/Berlin", utc(2026, 10, 24, 12), "today", utc(2026, 10, 24, 16)),
        ("Europe/Berlin", utc(2026, 10, 24, 12), "tomorrow", utc(2026, 10, 25, 17)),
        ("Europe/Berlin", utc(2026, 10, 24, 12), "sunday", utc(2026, 10, 25, 17)),
        ("Europe/Berlin", utc(2026, 10, 24, 12), "in 3 days", utc(2026, 10, 27, 17)),
        ("America/New_York", utc(2026, 10, 31, 12), "today", utc(2026, 10, 31, 22)),
        ("America/New_York", utc(2026, 10, 31, 12), "tomorrow", utc(2026, 11, 1, 23)),
        ("America/New_York", utc(2026, 10, 31, 12), "in 2 days", utc(2026, 11, 2, 23)),
        ("America/New_York", utc(2026, 10, 28, 12), "next week", utc(2026, 11, 4, 23)),
        ("America/New_York", utc(2026, 10, 28, 12), "2026-11-02", utc(2026, 11, 2, 23)),
        ("America/New_York", utc(2026, 10, 28, 12), "end of month", utc(2026, 10, 31, 22)),
        ("America/New_York", utc(2026, 10, 28, 12), "end of next month", utc(2026, 11, 30, 23)),
    ],
)
def test_dst_keeps_the_local_wall_time(zone: str, now: datetime, phrase: str, instant: datetime) -> None:
    due = parse_due(phrase, now=now, tz=ZoneInfo(zone))
    assert (due.at, due.at.hour) == (instant, 18)


def test_a_wall_time_skipped_by_dst_becomes_the_real_instant() -> None:
    due = parse_due("2026-03-29 02:30", now=datetime(2026, 3, 28, 12, 0, tzinfo=UTC), tz=BERLIN)
    assert (due.at, due.at.hour, due.at.minute) == (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), 3, 30)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    ("phrase", "day"),
    [("yesterday", date(2026, 11, 23)), ("2026-01-01", date(2026, 1, 1)), ("Q1 2026", date(2026, 3, 31))],
)
def test_a_date_in_the_past_is_refused_with_what_was_understood(zone: str, phrase: str, day: date) -> None:
    with pytest.raises(PastDate) as caught:
        parse_due(phrase, now=NOW, tz=ZoneInfo(zone))
    assert (caught.value.phrase, caught.value.understood) == (phrase, at(zone, day.year, day.month, day.day))


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "phrase",
    [
        "someday",
        "asdf",
        "x" * 5000,
        "🚀",
        "'; DROP TABLE commitments;--",
        "Dec",
        "December 2026",
        "2",
        "a",
        "now",
        "tomorrow at 9",
        "monday at 9",
        "13pm tomorrow",
        "tomorrow 25:00",
        "2026-02-30",
        "the 32nd",
        "utc",
        "pricing by end of month",
    ],
)
def test_what_cannot_be_read_is_unknown(zone: str, phrase: str) -> None:
    with pytest.raises(UnknownDate) as caught:
        parse_due(phrase, now=NOW, tz=ZoneInfo(zone))
    assert caught.value.phrase == phrase


@pytest.mark.parametrize("phrase", ["", "   ", "\n\t"])
def test_no_phrase_is_missing(phrase: str) -> None:
    with pytest.raises(MissingDate) as caught:
        parse_due(phrase, now=NOW, tz=BERLIN)
    assert caught.value.phrase == ""


def test_every_problem_is_a_value_error() -> None:
    kinds = (UnknownDate, PastDate, MissingDate)
    assert [issubclass(kind, DateProblem) for kind in kinds] == [True, True, True]
    assert issubclass(DateProblem, ValueError)


def test_long_input_never_reaches_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateparser was called")

    monkeypatch.setattr(dateparser, "parse", fail)
    with pytest.raises(UnknownDate):
        parse_due("tomorrow " * 20, now=NOW, tz=BERLIN)


def test_dateparser_failures_become_unknown_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RecursionError("deep inside dateparser")

    monkeypatch.setattr(dateparser, "parse", explode)
    with pytest.raises(UnknownDate) as caught:
        parse_due("tomorrow", now=NOW, tz=BERLIN)
    assert caught.value.phrase == "tomorrow"


def test_a_naive_now_is_a_programming_error_not_a_date_problem() -> None:
    with pytest.raises(ValueError, match="aware") as caught:
        parse_due("tomorrow", now=datetime(2026, 11, 24, 10, 0), tz=BERLIN)  # noqa: DTZ001
    assert not isinstance(caught.value, DateProblem)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("yesterday", True),
        ("2001-01-01", True),
        ("next Friday", True),
        ("pricing", False),
        ("we sat", False),
        ("", False),
    ],
)
def test_looks_like_date_counts_past_dates(phrase: str, expected: bool) -> None:
    assert looks_like_date(phrase) == expected


LONG_TITLE = ("Negotiate the joint go-to-market terms " * 130)[:5000]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Draft joint API spec by next Friday", ("Draft joint API spec", "next Friday")),
        ("Sign off on pricing by end of month", ("Sign off on pricing", "end of month")),
        ("pricing sheet by EOM", ("pricing sheet", "EOM")),
        ("Report due Friday", ("Report", "Friday")),
        ("Report due on Friday", ("Report", "Friday")),
        ("Report due by 2026-12-04", ("Report", "2026-12-04")),
        ("Freeze scope before Q1 2027", ("Freeze scope", "Q1 2027")),
        ("Hold the price until end of quarter", ("Hold the price", "end of quarter")),
        ("Keep the pilot running till mid-March", ("Keep the pilot running", "mid-March")),
        ("Meet on sat", ("Meet", "sat")),
        ("Send deck, by tomorrow.", ("Send deck", "tomorrow")),
        ("Launch on 4 December 2026 at 3pm", ("Launch", "4 December 2026 at 3pm")),
        ("Cut costs by 10% by Q4", ("Cut costs by 10%", "Q4")),
        ("Get it done by 2026-01-01", ("Get it done", "2026-01-01")),
        ("by Friday", ("", "Friday")),
        ("Ship it in 2 weeks", ("Ship it", "in 2 weeks")),
        ("Decide on the venue in 3 days", ("Decide on the venue", "in 3 days")),
        ("Launch Dec 4", ("Launch", "Dec 4")),
        ("Launch 4 December 2026", ("Launch", "4 December 2026")),
        ("Call Ann tomorrow 3pm", ("Call Ann", "tomorrow 3pm")),
        ("Send notes - 2026-12-01", ("Send notes", "2026-12-01")),
        ("Send it mid-Jan", ("Send it", "mid-Jan")),
        ("Ship the thing next friday", ("Ship the thing", "next friday")),
        ("Close the books EOY", ("Close the books", "EOY")),
        ("Review the contract end of next quarter", ("Review the contract", "end of next quarter")),
        ("Book the room where we sat", ("Book the room where we sat", None)),
        ("Decide what we do", ("Decide what we do", None)),
        ("Ask if we can meet", ("Ask if we can meet", None)),
        ("Plan the sun campaign", ("Plan the sun campaign", None)),
        ("Report on what we sat through", ("Report on what we sat through", None)),
        ("Agree on the plan", ("Agree on the plan", None)),
        ("Pay on time", ("Pay on time", None)),
        ("Meet on the 3rd floor", ("Meet on the 3rd floor", None)),
        ("Talk it over on may", ("Talk it over on may", None)),
        ("Ship the thing friday", ("Ship the thing friday", None)),
        ("Review the end of the partnership", ("Review the end of the partnership", None)),
        ("Talk to Sam about the Q4 numbers", ("Talk to Sam about the Q4 numbers", None)),
        ("Finish by Friday before the demo", ("Finish by Friday before the demo", None)),
        ("  Draft the memo  ", ("Draft the memo", None)),
        ("", ("", None)),
        (LONG_TITLE + " by EOM", (LONG_TITLE.rstrip(), "EOM")),
        (LONG_TITLE, (LONG_TITLE.strip(), None)),
    ],
)
def test_split_due(text: str, expected: tuple[str, str | None]) -> None:
    assert split_due(text) == expected


@pytest.mark.parametrize("tail", ["", " by EOM", " by Friday 3pm", " by on till before until due on by"])
def test_split_due_is_fast_on_long_input(tail: str) -> None:
    warm_up()
    text = ("by 2026-12-04 and on " * 300)[:5000] + tail
    started = clock.perf_counter()
    split_due(text)
    assert clock.perf_counter() - started < 0.1
