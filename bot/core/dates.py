"""Due-date phrases: what people type after 'by', turned into an aware instant.

``parse_due`` reads a phrase in the owner's time zone and returns when the thing is due. A phrase
without a time of day means the end of the working day (18:00 local) on that date. Results in the
past are refused (``PastDate``) rather than silently moved, so the user can see what was understood.

Phrases our own code reads (dateparser does not know them), case-insensitive, an optional leading
"the" and trailing punctuation ignored, each optionally followed by a time ("friday 3pm",
"EOM at 17:00"):

- ``2026-12-04``: an ISO date, read strictly (an impossible date is refused, not guessed at).
- ``EOD``, ``end of day``, ``end of today``: today.
- ``EOM``, ``end of month``, ``end of the month``: the last day of the current month.
  ``end of next month``: the last day of next month.
- ``EOQ``, ``end of quarter``: the last day of the current calendar quarter.
  ``end of next quarter``: the last day of the next one.
- ``Q1``..``Q4``, ``end of Q1``..``end of Q4``: the last day of that quarter, the next one that is
  not in the past; with a year (``Q1 2027``) that year's, even if it is past.
- ``EOY``, ``end of year``, ``year end``: Dec 31 of the current year. ``end of next year``: of next year.
- ``mid-January``, ``mid Jan``: the 15th; ``end of January``, ``end of Jan``: the last day of the
  month. Both the next occurrence that is not in the past, or that of the year given (``mid-Jan 2027``).
- ``the 15th``: the next 15th that is not in the past (months without a 31st are skipped for "31st").
- Weekdays (``friday``, ``fri``, ``this friday``, ``next friday``), only as the whole phrase:
  a bare weekday or "this <weekday>" is the next occurrence counting today (so "tuesday" said on a
  Tuesday means today, and is ``PastDate`` once 18:00 has passed there); "next <weekday>" is the
  first occurrence strictly after today (said on a Tuesday, "next friday" is in three days and
  "next tuesday" is in seven).
- ``end of week``, ``EOW``: this week's Friday, by the bare-weekday rule above.

Everything else goes to dateparser (English only, dates from the future preferred, relative to
``now`` in the owner's zone): ``Dec 4``, ``4 December``, ``4 Dec 2026``, ``tomorrow``, ``today``,
``in 2 weeks``, ``next week`` (seven days on), ``next month`` (same day next month), ``tomorrow 3pm``,
``Dec 4 at 14:30``. "next month" keeps the day of the month (said on Dec 2, Jan 2; the confirmation says
so; ``end of next month`` is the last day). Numeric dates (``03/04``, ``3.4.``, ``03/04/2027``) are read
day first, except in the zones of the US and Canada (``MONTH_FIRST_ZONES``), where the month comes first;
a number over 12 settles it either way, and when both readings are real dates ``Due.reading`` says which
was taken so the confirmation can show it. A time zone named in the phrase ("3pm UTC", "Friday EST") is
honoured: the phrase is read in that zone and the result converted to the owner's.
Refused as ``FarDate``: a date more than HORIZON_YEARS (5) years ahead ("9999-12-31"). Nobody plans an alliance
commitment that far out, and the schedule (working days, the escalation ladder) must never be asked about a date
near the end of the calendar: a typo or a prank must not stop every reminder.
Refused as ``UnknownDate``: a month on its own ("Dec", "December 2026": which day?), an hour after
"at" without am/pm or minutes ("tomorrow at 9": morning or evening?), phrases with no date-like word
at all (dateparser reads "2" or "a" as months), and anything over 100 characters.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

import dateparser
from dateparser.timezone_parser import pop_tz_offset_from_string

from bot.core.calendar import zone
from bot.core.errors import DateProblem, FarDate, MissingDate, PastDate, UnknownDate

__all__ = [
    "END_OF_WORKING_DAY",
    "HORIZON_YEARS",
    "DateProblem",
    "Due",
    "FarDate",
    "MissingDate",
    "PastDate",
    "UnknownDate",
    "horizon",
    "parse_due",
    "split_due",
    "warm_up",
]

END_OF_WORKING_DAY = time(18, 0)

# How far ahead a date may be: a partnership plans in quarters and years, and nothing further is taken.
HORIZON_YEARS = 5

# Longer than any real due-date phrase; the cap keeps hostile input away from dateparser's regexes.
MAX_PHRASE = 100


@dataclass(frozen=True)
class Due:
    """When something is due: ``at`` is aware, in the owner's zone; ``phrase`` is as typed, stripped.

    ``reading`` names a choice the confirmation should say out loud: ``day_first`` / ``month_first`` for a
    numeric date that reads both ways (03/04), ``same_day_next_month`` for "next month"."""

    at: datetime
    phrase: str
    has_time: bool
    reading: str | None = None


# Zones whose people write numeric dates month first (03/04 is March 4th): the United States and its
# territories, and English-speaking Canada's usual zones. Everywhere else the day comes first (3 April).
# Slack does not tell us a person's locale without asking for it on every look-up; their zone is the next
# best witness, and the confirmation says which reading was taken.
MONTH_FIRST_ZONES = frozenset(
    {
        "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix",
        "America/Anchorage", "America/Adak", "America/Boise", "America/Detroit", "America/Juneau",
        "America/Indiana/Indianapolis", "America/Kentucky/Louisville", "America/Toronto", "America/Vancouver",
        "America/Edmonton", "America/Winnipeg", "America/Halifax", "America/St_Johns", "America/Puerto_Rico",
        "Pacific/Honolulu", "Pacific/Guam", "US/Eastern", "US/Central", "US/Mountain", "US/Pacific",
    }
)  # fmt: skip


def month_first(tz: tzinfo) -> bool:
    return str(tz) in MONTH_FIRST_ZONES


_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?")
_NEXT_MONTH = re.compile(r"next month")


_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("monday", "mon"),
        ("tuesday", "tue", "tues"),
        ("wednesday", "wed"),
        ("thursday", "thu", "thur", "thurs"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    )
):
    for _name in _names:
        _WEEKDAYS[_name] = _number

# Longest first so that "sept" is not read as "sep" followed by garbage.
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_WEEKDAY = "(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + ")"
_YEAR = r"(?:19|20)\d\d"
_CLOCK = r"\d{1,2}(?::\d{2})?\s*[ap]m|\d{1,2}:\d{2}|noon"
_CLOCK_WORD = re.compile(rf"(?<![\d:])(?:{_CLOCK})\b")

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_EOD = re.compile(r"eod|end of (?:the )?day|end of today")
_EOW = re.compile(r"eow|end of (?:the |this )?week")
_EOM = re.compile(r"eom|end of (?:the |this )?month")
_EOQ = re.compile(r"eoq|end of (?:the |this )?quarter")
_EOY = re.compile(r"eoy|end of (?:the |this )?year|year[- ]end")
_END_OF_NEXT = re.compile(r"end of next (month|quarter|year)")
_QUARTER = re.compile(rf"(?:end of )?q([1-4])(?: ({_YEAR}))?")
_MID_MONTH = re.compile(rf"mid[- ]?({_MONTH})(?: ({_YEAR}))?")
_END_OF_MONTH = re.compile(rf"end of ({_MONTH})(?: ({_YEAR}))?")
_DAY_OF_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)")
_WEEKDAY_PHRASE = re.compile(rf"(?:(this|next) )?({_WEEKDAY})")
_MONTH_ONLY = re.compile(rf"{_MONTH}(?: {_YEAR})?")
_WITH_CLOCK = re.compile(rf"(?P<date>.+?),? (?:at |@ ?)?(?P<clock>{_CLOCK})")

# dateparser turns almost anything into a date ("2", "a", "one" become months), so a phrase
# reaches it only if it holds something a person would use to name a date.
_DATE_WORD = re.compile(
    rf"\b(?:{_MONTH}|{_WEEKDAY}|today|tonight|tomorrow|yesterday"
    r"|(?:day|week|fortnight|month|year|hour|hr|minute|min)s?)\b"
    rf"|\d{{1,4}}[/.-]\d{{1,2}}|(?<!\d)(?:{_CLOCK}|midnight)"
)
_NAMES_TIME = re.compile(
    r"(?<!\d)\d{1,2}(?::\d{2})?\s*[ap]m\b|(?<!\d)\d{1,2}:\d{2}|\bnoon\b|\bmidnight\b"
    r"|\b(?:hour|hr|minute|min)s?\b"
)
# "at 9" is nine in the morning or in the evening; dateparser drops it without a word.
_BARE_HOUR = re.compile(r"\bat \d{1,2}\b(?!\s*(?::|[ap]m))")
_YEAR_WORD = re.compile(rf"\b{_YEAR}\b")


def _clean(phrase: str) -> str:
    text = re.sub(r"\s+", " ", phrase.strip().lower())
    text = text.rstrip(".,;:!?").strip()
    return re.sub(r"^the ", "", text)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _quarter_end(year: int, quarter: int) -> date:
    return _last_day(year, quarter * 3)


def _clock_time(text: str, phrase: str) -> time:
    if text == "noon":
        return time(12, 0)
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*([ap]m)?", text)
    if match is None:
        raise UnknownDate(phrase)
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half is not None:
        if not 1 <= hour <= 12:
            raise UnknownDate(phrase)
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise UnknownDate(phrase)
    return time(hour, minute)


def _own_date(text: str, today: date, fits: Callable[[date], bool], phrase: str) -> date | None:
    """The date for a phrase dateparser does not know, or None to let dateparser try.

    ``fits(day)`` says whether a due date on that day would not be in the past; rolling rules
    ("Q1", "mid-Jan", "the 15th") use it to pick the next occurrence.
    """
    if match := _ISO.fullmatch(text):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise UnknownDate(phrase) from None
    if _EOD.fullmatch(text):
        return today
    if _EOM.fullmatch(text):
        return _last_day(today.year, today.month)
    if _EOQ.fullmatch(text):
        return _quarter_end(today.year, (today.month - 1) // 3 + 1)
    if _EOY.fullmatch(text):
        return date(today.year, 12, 31)
    if match := _END_OF_NEXT.fullmatch(text):
        unit = match[1]
        if unit == "month":
            return _last_day(*_add_months(today.year, today.month, 1))
        if unit == "quarter":
            return _last_day(*_add_months(today.year, (today.month - 1) // 3 * 3 + 3, 3))
        return date(today.year + 1, 12, 31)
    if match := _QUARTER.fullmatch(text):
        quarter = int(match[1])
        if match[2]:
            return _quarter_end(int(match[2]), quarter)
        return _next_fitting([_quarter_end(today.year + n, quarter) for n in range(2)], fits)
    if match := _MID_MONTH.fullmatch(text):
        month = _MONTHS[match[1]]
        if match[2]:
            return date(int(match[2]), month, 15)
        return _next_fitting([date(today.year + n, month, 15) for n in range(2)], fits)
    if match := _END_OF_MONTH.fullmatch(text):
        month = _MONTHS[match[1]]
        if match[2]:
            return _last_day(int(match[2]), month)
        return _next_fitting([_last_day(today.year + n, month) for n in range(2)], fits)
    if match := _DAY_OF_MONTH.fullmatch(text):
        return _next_day_of_month(int(match[1]), today, fits, phrase)
    if match := _WEEKDAY_PHRASE.fullmatch(text):
        return _weekday(_WEEKDAYS[match[2]], today, strictly_after=match[1] == "next")
    if _EOW.fullmatch(text):
        return _weekday(4, today, strictly_after=False)
    return None


def _next_fitting(candidates: list[date], fits: Callable[[date], bool]) -> date:
    for candidate in candidates:
        if fits(candidate):
            return candidate
    # Next year's date always fits; returning it rather than raising keeps the callers total.
    return candidates[-1]


def _next_day_of_month(day: int, today: date, fits: Callable[[date], bool], phrase: str) -> date:
    if not 1 <= day <= 31:
        raise UnknownDate(phrase)
    for months in range(13):
        year, month = _add_months(today.year, today.month, months)
        if day <= calendar.monthrange(year, month)[1] and fits(date(year, month, day)):
            return date(year, month, day)
    raise UnknownDate(phrase)


def _weekday(weekday: int, today: date, *, strictly_after: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and strictly_after:
        ahead = 7
    return today + timedelta(days=ahead)


def _dateparser(phrase: str, text: str, now: datetime, tz: ZoneInfo, *, order: str | None = None) -> datetime:
    """The date and wall time dateparser reads in ``text``, tagged with the zone it was read in."""
    try:
        rest, named = pop_tz_offset_from_string(text)
    except Exception:  # dateparser's failure modes are not documented; none of them may reach the user
        raise UnknownDate(phrase) from None
    # dateparser applies "prefer the future" before converting zones, which lands a day off when the
    # named zone and the owner's are far apart; reading the phrase in the named zone avoids that.
    frame: tzinfo = tz
    if isinstance(named, tzinfo):
        offset = named.utcoffset(None)
        if offset is None:
            raise UnknownDate(phrase)
        frame, text = timezone(offset), rest.strip()
    if _MONTH_ONLY.fullmatch(text) or _BARE_HOUR.search(text) or not _DATE_WORD.search(text):
        raise UnknownDate(phrase)
    for clock in _CLOCK_WORD.findall(text):
        _clock_time(clock, phrase)
    settings: dict[str, object] = {
        "RELATIVE_BASE": now.astimezone(frame).replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    if order is not None:
        settings["DATE_ORDER"] = order
    try:
        parsed = dateparser.parse(text, languages=["en"], settings=settings)
    except Exception:  # as above
        raise UnknownDate(phrase) from None
    if parsed is None or parsed.tzinfo is not None:
        raise UnknownDate(phrase)
    _check_named_parts(text, parsed, phrase)
    return parsed.replace(tzinfo=frame)


def _check_named_parts(text: str, parsed: datetime, phrase: str) -> None:
    """Refuse a dateparser answer that contradicts a weekday, month or year the phrase names.

    dateparser fills what it cannot read from the relative base: "monday at 9" came back as
    September 24th. A named part that does not survive means the phrase was misread.
    """
    words = re.findall(r"[a-z]+", text)
    weekdays = {_WEEKDAYS[word] for word in words if word in _WEEKDAYS}
    months = {_MONTHS[word] for word in words if word in _MONTHS}
    years = {int(year) for year in _YEAR_WORD.findall(text)}
    if len(weekdays) == 1 and parsed.weekday() not in weekdays:
        raise UnknownDate(phrase)
    if len(months) == 1 and parsed.month not in months:
        raise UnknownDate(phrase)
    if len(years) == 1 and parsed.year not in years:
        raise UnknownDate(phrase)


def _local(day: date, clock: time, tz: tzinfo) -> datetime:
    # Through UTC and back so a wall time that does not exist (skipped by a DST change) comes out as
    # the real instant with its real wall time, instead of a datetime that prints a time never shown.
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC).astimezone(tz)


def horizon(now: datetime) -> datetime:
    """The last instant a date may name: HORIZON_YEARS after ``now`` (Feb 29 becomes Feb 28)."""
    try:
        return now.replace(year=now.year + HORIZON_YEARS)
    except ValueError:
        return now.replace(year=now.year + HORIZON_YEARS, day=28)


def parse_due(phrase: str, *, now: datetime, tz: ZoneInfo, end_of_day: time = END_OF_WORKING_DAY) -> Due:
    """The instant ``phrase`` names, read in ``tz``; see the module docstring for the phrases.

    Raises MissingDate for a blank phrase, UnknownDate for one that cannot be read, PastDate
    (with what was understood) for one that lands strictly before ``now``, and FarDate for one
    beyond the horizon.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    try:
        due = _parse_due(phrase, now=now, tz=tz, end_of_day=end_of_day)
    except OverflowError:
        # A date at the very end of the calendar (9999-12-31 read west of UTC) cannot even become an instant.
        raise FarDate(phrase.strip(), horizon(now).astimezone(tz)) from None
    if due.at > horizon(now):
        raise FarDate(due.phrase, horizon(now).astimezone(tz))
    return due


def _parse_due(phrase: str, *, now: datetime, tz: ZoneInfo, end_of_day: time) -> Due:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    typed = phrase.strip()
    if not typed:
        raise MissingDate()
    if len(typed) > MAX_PHRASE:
        raise UnknownDate(typed)
    text = _clean(typed)
    if not text:
        raise UnknownDate(typed)
    local_now = now.astimezone(tz)
    today = local_now.date()

    date_text, clock = text, None
    if (with_clock := _WITH_CLOCK.fullmatch(text)) is not None:
        date_text, clock = with_clock["date"], with_clock["clock"]
    at_time = _clock_time(clock, typed) if clock is not None else end_of_day

    def fits(day: date) -> bool:
        return _local(day, at_time, tz) >= now

    # A phrase our code does not know goes to dateparser whole, time of day included.
    own = _own_date(date_text, today, fits, typed)
    reading = None
    if own is not None:
        at, has_time = _local(own, at_time, tz), clock is not None
    else:
        order = None
        numeric = _NUMERIC_DATE.fullmatch(date_text)
        if numeric is not None:
            # 03/04 is 3 April in most of the world and March 4th in the US: read it as the owner's zone
            # suggests, and say so when both readings are real dates (an unambiguous 25/12 needs no word).
            order = "MDY" if month_first(tz) else "DMY"
            first, second = int(numeric.group(1)), int(numeric.group(2))
            if first != second and first <= 12 and second <= 12:
                reading = "month_first" if order == "MDY" else "day_first"
            elif first > 12 or second > 12:
                order = "DMY" if first > 12 else "MDY"
        elif _NEXT_MONTH.fullmatch(date_text):
            reading = "same_day_next_month"
        parsed = _dateparser(typed, text, now, tz, order=order)
        has_time = _NAMES_TIME.search(text) is not None
        clock_time = parsed.time().replace(microsecond=0) if has_time else end_of_day
        at = _local(parsed.date(), clock_time, parsed.tzinfo or tz).astimezone(tz)
    if at < now:
        raise PastDate(typed, at)
    return Due(at=at, phrase=typed, has_time=has_time, reading=reading)


# Far enough back that nothing counts as past: looks_like_date asks "is this a date?", not "is it due?".
_FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
_UTC_ZONE = ZoneInfo("UTC")


def looks_like_date(phrase: str) -> bool:
    """Whether ``parse_due`` reads ``phrase`` as a date at all, past or not."""
    try:
        parse_due(phrase, now=_FAR_PAST, tz=_UTC_ZONE)
    except (PastDate, FarDate):
        return True
    except DateProblem:
        return False
    return True


_CONNECTOR = re.compile(r"\b(?:due\s+on|due\s+by|due|by|before|until|till|on)\b", re.IGNORECASE)
# Without a connector only phrases that cannot be ordinary words end a title: "we sat" is not Saturday.
_BARE_DUE = re.compile(
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|today|tomorrow|eo[dwmqy]|q[1-4](?: {_YEAR})?|end of .+"
    rf"|mid[- ]?{_MONTH}(?: {_YEAR})?|next {_WEEKDAY}|in \d{{1,3}} (?:days?|weeks?|months?)"
    rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? {_YEAR})?|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?: {_YEAR})?)"
    rf"(?:,? (?:at |@ ?)?(?:{_CLOCK}))?"
)
# Only the end of a commitment can hold its date; looking further back would cost time on long input.
_TAIL_WORDS = 12
_BARE_DUE_WORDS = 8
_TITLE_TAIL = " \t\r\n,;:-\u2013\u2014"
_PHRASE_TAIL = " \t\r\n.,;:!?"


def split_due(text: str) -> tuple[str, str | None]:
    """Split a commitment into its title and its due-date phrase, if it ends with one.

    The last connector ("by", "due", "due on", "due by", "before", "until", "till", "on") followed
    by a readable date wins; failing that, a trailing phrase that cannot be an ordinary word
    ("tomorrow", "EOM", "Dec 4", "in 2 weeks"; never a lone "sat" or "may"). The title may come
    back empty ("by Friday"); telling the user is the caller's job.
    """
    stripped = text.strip()
    words = [match.start() for match in re.finditer(r"\S+", stripped)]
    if not words:
        return "", None
    tail_start = words[max(0, len(words) - _TAIL_WORDS)]

    for connector in reversed(list(_CONNECTOR.finditer(stripped, tail_start))):
        phrase = stripped[connector.end() :].strip().rstrip(_PHRASE_TAIL)
        if phrase and looks_like_date(phrase):
            return stripped[: connector.start()].rstrip(_TITLE_TAIL), phrase

    for start in words[max(0, len(words) - _BARE_DUE_WORDS) :]:
        phrase = stripped[start:].rstrip(_PHRASE_TAIL)
        if _BARE_DUE.fullmatch(_clean(phrase)) and looks_like_date(phrase):
            return stripped[:start].rstrip(_TITLE_TAIL), phrase
    return stripped, None


def warm_up() -> None:
    """Parse one phrase through dateparser so its lazy loading happens now, not for the first user."""
    parse_due("in 2 days at 3pm", now=datetime.now(UTC), tz=_UTC_ZONE)


def follow_owner(item: _DueKept, old_tz: str | None, new_tz: str, now: datetime) -> datetime:
    """A deadline when its commitment changes hands. A date-only deadline ("by Friday") is the end of that
    working day wherever its owner is, so it becomes the end of the same date in the new owner's zone; one with
    a time of day keeps its instant. If the new owner's end of that day has already passed, the instant stays."""
    if not item.due_date_only or old_tz is None:
        return item.due_at
    old, new = zone(old_tz), zone(new_tz)
    day = item.due_at.astimezone(old).date()
    moved = _local(day, END_OF_WORKING_DAY, new)
    return moved if moved >= now else item.due_at


class _DueKept(Protocol):
    due_at: datetime
    due_date_only: bool
