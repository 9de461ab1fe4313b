"""What a first-time user of the console trips over (issue 12, items 8, 10, 11, 15): each a console conversation."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.cli import main

START = "2026-12-02T12:00:00Z"  # a Wednesday


def console(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    script: str,
    *extra: str,
    start: str | None = START,
) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    monkeypatch.chdir(tmp_path)
    when = ["--start", start] if start else []
    assert main(["console", "--db", str(tmp_path / "c.db"), *when, *extra]) == 0
    return capsys.readouterr().out


# ---- item 8: the clock lives with the data -------------------------------------------------------------------


def test_reopening_a_database_never_sends_the_clock_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = console(
        tmp_path, monkeypatch, capsys, "/alliance commit @paul Draft joint API spec by Dec 30\n:advance 5d\n:now\n"
    )
    assert "(the clock says Mon 07 Dec 2026, 12:00 UTC)" in first
    # The same database again with an earlier start (real time, or --start, is the same thing): the clock resumes.
    again = console(tmp_path, monkeypatch, capsys, ":now\n/alliance commit @pia pricing sheet by Dec 9\n")
    assert "(this database's clock is at Mon 07 Dec 2026, 12:00 UTC; it never goes back)" in again
    assert "(the clock says Mon 07 Dec 2026, 12:00 UTC)" in again
    assert "Due Wed 09 Dec 2026" in again
    assert "verdue" not in again
    # A later start moves it forward; it still never goes back afterwards.
    later = console(tmp_path, monkeypatch, capsys, ":now\n", start="2026-12-20T09:00:00Z")
    assert "(the clock says Sun 20 Dec 2026, 09:00 UTC)" in later
    back = console(tmp_path, monkeypatch, capsys, ":now\n", start=None)
    assert "(the clock says Sun 20 Dec 2026, 09:00 UTC)" in back
    # --fresh starts a new database, and with it a new clock.
    fresh = console(tmp_path, monkeypatch, capsys, ":now\n", "--fresh")
    assert "(the clock says Wed 02 Dec 2026, 12:00 UTC)" in fresh


# ---- item 10: each refusal's example is of the command that was typed ------------------------------------------


def test_a_refused_date_shows_an_example_of_the_command_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance commit @bob Security review by Dec 9\n"
        "/alliance due #1 yesterday\n"
        "/alliance due #1 someday soonish\n"
        ":as bob\n"
        "/alliance away until yesterday\n"
        "/alliance commit Security review by yesterday\n",
    )
    due, unreadable, away, commit = (re.split(r"\n[a-z]+> ", part)[0] for part in out.split("only you see this):")[-4:])
    assert "`due #1 next Friday`" in due and "commit" not in due
    assert "#1 *Security review*" in due
    assert "`due #1 next Friday`" in unreadable and "commit" not in unreadable
    assert "`away until next Friday`" in away and "commit" not in away
    assert "I understood you are away until “yesterday”" in away
    assert "`commit @bob Security review by next Friday`" in commit
    assert out.count("Commitment `#1` recorded") == 1
    assert "#2" not in out


# ---- item 11: parsing and answers ------------------------------------------------------------------------------


def test_one_owner_per_commitment_and_titles_kept_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(
        tmp_path,
        monkeypatch,
        capsys,
        "@Alliance Bot commit @paul @pia Joint thing by Friday\n"
        "@Alliance Bot commit @paul and @pia Joint thing by Friday\n"
        "@Alliance Bot commit @bob -5% discount approval by Friday\n"
        "@Alliance Bot commit @bob - reseller contract by Friday\n"
        "@Alliance Bot list\n",
    )
    assert out.count("A commitment has exactly one owner, who answers for it.") == 2
    assert "Commitment `#1` recorded: *-5% discount approval*" in out
    assert "Commitment `#2` recorded: *reseller contract*" in out
    assert "Joint thing" not in out.split("list\n")[-1]
    assert "#3" not in out


def test_who_owns_a_numbered_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(
        tmp_path,
        monkeypatch,
        capsys,
        "@Alliance Bot commit @paul Draft joint API spec by Dec 30\n"
        "@Alliance Bot who owns #1\n"
        "@Alliance Bot who owns #1?\n"
        "@Alliance Bot who owns #7\n",
    )
    assert out.count("@paul (Globex) owns `#1` *Draft joint API spec*, due") == 2
    assert "Nothing open matches" not in out
    assert "There is no commitment #7 in this alliance." in out


def test_a_clear_best_match_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(
        tmp_path,
        monkeypatch,
        capsys,
        "@Alliance Bot commit @pia EMEA pricing sheet by Dec 30\n"
        "@Alliance Bot commit @paul APAC pricing sheet by Dec 30\n"
        "@Alliance Bot who owns the EMEA pricing\n"
        "@Alliance Bot who owns the pricing sheet\n",
    )
    emea, both = out.split("who owns the ")[1:]
    assert "@pia (Globex) owns `#1` *EMEA pricing sheet*" in emea and "APAC" not in emea.split("\n", 1)[1]
    assert "EMEA pricing sheet" in both and "APAC pricing sheet" in both  # a real tie is still listed


def test_typos_suggest_the_nearest_command_and_help_explains_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance lsit\n/alliance comit @paul Draft the spec by Friday\n/alliance help commit\n/alliance help\n",
    )
    lsit, comit, help_commit, everything = (
        re.split(r"\n[a-z]+> ", part)[0] for part in out.split("only you see this):")[-4:]
    )
    assert "I don't know “lsit”. Did you mean `list`?" in lsit
    assert "`list [mine | overdue | done | @person]`" in lsit
    assert "Did you mean `commit @paul Draft the spec by Friday`?" in comit
    assert "Recorded" not in comit and "recorded" not in comit  # a suggestion, nothing done
    for short in (lsit, comit, help_commit):
        assert len(short.strip().split("\n")) < 10
        assert "`help` lists every command." in short
    assert "`commit @person <what> by <when>`" in help_commit
    assert "• `commit @paul Draft joint API spec by next Friday`" in help_commit
    assert "Dates I understand" in help_commit
    assert "Here is what I do" in everything and len(everything.strip().split("\n")) > 25


# ---- item 15: the charter is written by text, and its reminder stops once it is signed ---------------------------


def test_the_charter_is_written_and_signed_by_text_and_the_reminder_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance lead @alice\n"
        "/alliance sponsor @bob\n"
        ":as paul\n"
        "@Alliance Bot lead @paul\n"
        "@Alliance Bot sponsor @gus\n"
        ":advance 8d\n"
        ":as alice\n"
        "/alliance charter edit\n"
        "/alliance charter goal Joint launch in DACH by 2027-03-31\n"
        "/alliance charter goal Partner portal live | 2027-01-31 | Globex\n"
        "/alliance charter goal more pipeline\n"
        "/alliance charter timeframe 2026-12-01 to 2027-11-30\n"
        "/alliance charter timeframe 2027-12-01 to 2027-11-30\n"
        "/alliance charter deciders @alice @paul\n"
        "/alliance charter deciders paul\n"
        "/alliance charter mediator @erin\n"
        "/alliance charter held back: our pricing floor\n"
        "/alliance charter sign\n"
        ":as paul\n"
        "@Alliance Bot charter sign\n"
        ":advance 8d\n"
        "@Alliance Bot charter\n",
    )
    before, after = out.split("@Alliance Bot charter sign\n")
    assert "A gentle reminder with today's check-in: the charter of *Acme & Globex* has not been written yet" in before
    assert "Here, write it one line at a time: `charter goal Joint launch in DACH by 2027-03-31`" in before
    assert "@alice wrote the charter." in before
    assert "“more pipeline” needs a target date: `charter goal Joint launch in DACH by 2027-03-31`" in before
    assert "• *Timeframe:* 2026-12-01 to 2027-11-30" in before
    assert "The end comes before the start (2027-12-01)" in before
    assert "• *Decision makers:* @alice, @paul" in before
    assert "Mention the people, like @alice @paul." in before
    assert "• *What we hold back:* our pricing floor" in before
    assert "Both leads have signed version 6" in after
    assert "gentle reminder" not in after  # the next check-in came, and the signed charter needs none
    assert "📋 *Check-in #" in after
    shown = after.split("@Alliance Bot charter\n")[1]
    assert "• Joint launch in DACH · by 2027-03-31 · for Acme, Globex" in shown
    assert "• Partner portal live · by 2027-01-31 · for Globex" in shown
    assert "signed by @alice and @paul" in shown or "signed by @paul and @alice" in shown


def test_the_tour_ends_as_alice_and_shows_the_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(tmp_path, monkeypatch, capsys, ":as\n/alliance list mine\n", "--tour", "--fresh", start=START)
    tour, turn = out.split("--- your turn ---")
    assert "You are alice." in tour
    assert tour.rstrip().split("\n")[-1].startswith("  (chart saved as ")
    chart = tmp_path / "c-scorecard.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "📊 The scorecard of *Acme & Globex* at a glance" in tour
    assert "@alice wrote the charter." in tour
    assert "alice> /alliance list mine" in turn  # your turn starts as alice, as the README says


# ---- item 11: how typed dates are read, said in the confirmation -------------------------------------------------


def test_typed_dates_are_read_as_people_expect_and_the_confirmation_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(
        tmp_path,
        monkeypatch,
        capsys,
        "@Alliance Bot commit @pia Send the redlines by tomorrow 3pm\n"
        "@Alliance Bot commit @bob Pricing floor by 03/04\n"
        "@Alliance Bot commit @bob Renewal terms by 25/03\n"
        ":as paul\n"
        "@Alliance Bot commit @pia Partner deck by 03/04\n"
        "@Alliance Bot commit @pia Portal review by next month\n"
        "@Alliance Bot due #4 tomorrow 9:30am\n",
    )
    said = [re.split(r"\n[a-z]+> ", part)[0] for part in out.split("(in the thread):")[1:]]
    redlines, floor, renewal, deck, portal, moved = said
    # alice (New York) typed 3pm: 3pm her time, 21:00 for pia in Berlin; both are said.
    assert "Due Thu 03 Dec 2026, 21:00 CET" in redlines
    assert "read in your zone (America/New_York): Thu 03 Dec 2026, 15:00 EST for @alice" in redlines
    # A numeric date that reads both ways follows the owner's zone, and the confirmation says which way.
    assert "Due Thu 04 Mar 2027, 18:00 CST" in floor
    assert "I read “03/04” month first, as usual in America/Chicago: 4 March 2027. For 3 April write `Apr 3`." in floor
    assert "Due Sat 03 Apr 2027, 18:00 CEST" in deck
    assert "I read “03/04” day first, as usual in Europe/Berlin: 3 April 2027. For 4 March write `Mar 4`." in deck
    assert "Due Thu 25 Mar 2027" in renewal and "ℹ️" not in renewal  # only one reading: nothing to say
    assert "Due Sat 02 Jan 2027, 18:00 CET" in portal
    assert "“next month” is the same day next month; `end of next month` is its last day." in portal
    # paul and pia share a zone: a typed time needs no word.
    assert "now due Thu 03 Dec 2026, 09:30 CET" in moved and "your zone" not in moved


def test_a_date_only_deadline_stays_the_end_of_that_day_for_a_new_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = console(
        tmp_path,
        monkeypatch,
        capsys,
        ":as paul\n"
        "@Alliance Bot commit @paul Reseller deal by Jan 8\n"
        "@Alliance Bot commit @paul Kick-off call by Jan 8 10:00\n"
        "@Alliance Bot reassign #1 @gus\n"
        "@Alliance Bot reassign #2 @gus\n"
        "@Alliance Bot commit @pia Training plan by Jan 8\n"
        "@Alliance Bot reassign all @pia to @gus\n"
        "@Alliance Bot list @gus\n",
    )
    listed = out.split("list @gus\n")[1]
    assert "`#1` *Reseller deal* · @gus (Globex) · due Fri 08 Jan 2027, 18:00 JST" in listed
    assert "`#3` *Training plan* · @gus (Globex) · due Fri 08 Jan 2027, 18:00 JST" in listed
    assert "`#2` *Kick-off call* · @gus (Globex) · due Fri 08 Jan 2027, 18:00 JST" in listed  # 10:00 CET, kept
    assert "02:00 JST" not in out
