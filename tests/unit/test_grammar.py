"""The command grammar: the same words work after /alliance, after a mention, and in the console."""

from __future__ import annotations

import pytest

from bot.core.alliance import Role
from bot.core.checkins.commands import Answer, CheckinNow, Escalation, Report, SetCadence, ShowCadence, Snooze
from bot.core.commitments.commands import (
    Commit,
    Complete,
    Drop,
    ListCommitments,
    ListFilter,
    MoveDue,
    OpenForm,
    OwnedBy,
    Reassign,
    Show,
    WhoOwns,
)
from bot.core.errors import GrammarError, UnknownName
from bot.core.grammar import Help, parse
from bot.core.people.commands import Away, Back, Handover, NameRole, Roster, SetHolidays


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "commit <@U0PAUL001|paul> Draft joint API spec by next Friday",
            Commit("Draft joint API spec", "next Friday", "U0PAUL001"),
        ),
        ("commit <@U0PIA0001> pricing sheet by end of month", Commit("pricing sheet", "end of month", "U0PIA0001")),
        ("commit Pricing sheet by EOM", Commit("Pricing sheet", "EOM", None)),
        ("commit milestone <@U0PAUL001> Launch plan by Q1", Commit("Launch plan", "Q1", "U0PAUL001", milestone=True)),
        ("commit --milestone Launch plan by Q1", Commit("Launch plan", "Q1", None, milestone=True)),
        ("commit <@U0PAUL001> to send the deck by tomorrow", Commit("send the deck", "tomorrow", "U0PAUL001")),
        ("commit Draft spec", Commit("Draft spec", None, None)),
        ("commit Draft spec by someday", Commit("Draft spec", "someday", None)),
        ("COMMIT Book the room where we sat by Dec 4", Commit("Book the room where we sat", "Dec 4", None)),
        ("commit", OpenForm()),
        ("commit    ", OpenForm()),
        ("who API spec", WhoOwns("API spec")),
        ("who owns the API spec?", WhoOwns("API spec")),
        ("Who is responsible for the pricing sheet", WhoOwns("pricing sheet")),
        ("who <@U0PAUL001>", OwnedBy("U0PAUL001")),
        ("what does <@U0PAUL001> own?", OwnedBy("U0PAUL001")),
        ("list", ListCommitments(ListFilter.OPEN)),
        ("list mine", ListCommitments(ListFilter.MINE)),
        ("list overdue", ListCommitments(ListFilter.OVERDUE)),
        ("overdue", ListCommitments(ListFilter.OVERDUE)),
        ("list done", ListCommitments(ListFilter.DONE)),
        ("list <@U0PIA0001|pia>", ListCommitments(ListFilter.PERSON, "U0PIA0001")),
        ("done #12", Complete(12)),
        ("done 12", Complete(12)),
        ("please done #12.", Complete(12)),
        ("due #12 next Tuesday", MoveDue(12, "next Tuesday")),
        ("move #12 to end of month", MoveDue(12, "end of month")),
        ("reassign #12 <@U0PIA0001>", Reassign(12, "U0PIA0001")),
        ("reassign #12 to <@U0PIA0001>", Reassign(12, "U0PIA0001")),
        ("drop #12 no longer needed", Drop(12, "no longer needed")),
        ("drop #12 because: the partner builds it", Drop(12, "the partner builds it")),
        ("show #12", Show(12)),
        ("#12", Show(12)),
        ("lead <@U0PIA0001>", NameRole(Role.LEAD, "U0PIA0001")),
        ("sponsor <@U0ERIN001>", NameRole(Role.SPONSOR, "U0ERIN001")),
        ("help", Help()),
        ("", Help()),
        ("   ", Help()),
        ("frobnicate the thing", Help(unknown="frobnicate")),
        ("🚀🚀🚀", Help(unknown="🚀🚀🚀")),
        ("'; DROP TABLE commitment;--", Help(unknown="';")),
    ],
)
def test_parse(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_sql_in_a_title_is_just_text() -> None:
    assert parse("commit '; DROP TABLE commitment;-- by tomorrow") == Commit(
        "'; DROP TABLE commitment", "tomorrow", None
    )


def test_emoji_titles_survive() -> None:
    assert parse("commit 🚀 launch party 🎉 by Dec 4") == Commit("🚀 launch party 🎉", "Dec 4", None)


def test_slack_escapes_are_undone() -> None:
    assert parse("commit R&amp;D review by Dec 4") == Commit("R&D review", "Dec 4", None)


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("done", "done #12"),
        ("done twelve", "done #12"),
        ("due #12", "due #12 <new date>"),
        ("reassign #12", "reassign #12 @person"),
        ("drop #12", "drop #12 <reason>"),
        ("list everything-ever", "list [mine | overdue | done | @person]"),
        ("who", "who <words from the title>  or  who @person"),
        ("commit by tomorrow", "commit @person <what> by <when>"),
        ("lead", "lead @person"),
    ],
)
def test_incomplete_commands_name_the_right_form(text: str, usage: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse(text)
    assert caught.value.usage == usage


def test_five_thousand_characters_are_refused_politely() -> None:
    with pytest.raises(GrammarError) as caught:
        parse("commit " + "x" * 5000 + " by tomorrow")
    assert "5,019 characters" in caught.value.problem


def test_overlong_title_is_refused() -> None:
    with pytest.raises(GrammarError) as caught:
        parse("commit " + "word " * 60 + "by tomorrow")
    assert "keep it under 200" in caught.value.problem


@pytest.mark.parametrize("text", ["commit @paul Draft spec by Friday", "reassign #3 @pia", "who @paul"])
def test_plain_at_names_are_unknown_people(text: str) -> None:
    with pytest.raises(UnknownName):
        parse(text)


def test_a_mention_of_a_bot_is_parsed_as_an_owner_and_judged_by_the_core() -> None:
    assert parse("commit <@U0BOT0001> Do it by tomorrow") == Commit("Do it", "tomorrow", "U0BOT0001")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status #3 on track", Report(3, Answer.ON_TRACK)),
        ("status #3 at risk: vendor is late", Report(3, Answer.AT_RISK, "vendor is late")),
        ("status 3 need help legal has not replied", Report(3, Answer.NEED_HELP, "legal has not replied")),
        ("cadence", ShowCadence()),
        ("cadence every 2 weeks", SetCadence("fortnightly")),
        ("cadence Monthly", SetCadence("monthly")),
        ("cadence default", SetCadence("default")),
        ("checkin now", CheckinNow()),
        ("check-in now", CheckinNow()),
        ("snooze #12 3d", Snooze(12, 3)),
        ("snooze #12 1w", Snooze(12, 7)),
        ("snooze #12 for 2 days", Snooze(12, 2)),
        ("away until Jan 6", Away("Jan 6")),
        ("ooo till next Friday", Away("next Friday")),
        ("back", Back()),
        ("holidays de", SetHolidays("DE")),
    ],
)
def test_checkin_commands(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("status #3 splendid", "status #12 on track | at risk | need help <note>"),
        ("cadence hourly", "cadence [weekly | every 2 weeks | monthly | default]"),
        ("checkin tomorrow", "checkin now"),
        ("snooze #3 forever", "snooze #12 3d"),
        ("snooze #3 90d", "snooze #12 3d"),
        ("away", "away until Jan 6"),
        ("holidays Germany", "holidays DE"),
    ],
)
def test_checkin_commands_that_do_not_parse(text: str, usage: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse(text)
    assert caught.value.usage == usage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("escalation", Escalation()),
        ("escalation 2 5", Escalation(2, 5)),
        ("escalate lead after 3 days, sponsor after 7", Escalation(3, 7)),
    ],
)
def test_escalation(text: str, expected: Escalation) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["escalation 5 2", "escalation 2", "escalation soon please", "escalation 1 99"])
def test_escalation_that_does_not_parse(text: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse(text)
    assert caught.value.usage.startswith("escalation <lead after N working days>")


def test_roster_and_handover() -> None:
    assert parse("roster") == Roster()
    assert parse("handover <@U0BOB0001> to <@U0ALICE01|alice>") == Handover("U0BOB0001", "U0ALICE01")
    for bad in ("handover <@U0BOB0001>", "handover <@U0BOB0001> to <@U0BOB0001>"):
        with pytest.raises(GrammarError):
            parse(bad)
