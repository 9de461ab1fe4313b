"""The console: the same core in a terminal, scripted from stdin."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main


def run_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], script: str, *extra: str
) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    monkeypatch.chdir(tmp_path)
    code = main(["console", "--db", str(tmp_path / "c.db"), "--start", "2026-11-24T10:00:00Z", *extra])
    assert code == 0
    return capsys.readouterr().out


def test_a_scripted_conversation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance commit @paul Draft joint API spec by next Friday\n"
        ":as paul\n"
        "@Alliance Bot who owns the API spec?\n"
        "just chatting, not for the bot\n"
        ":advance 4d\n"
        "@Alliance Bot list overdue\n"
        ":as nobody\n"
        ":advance soon\n"
        "@Alliance Bot commit @zed thing by tomorrow\n",
    )
    assert "Hello! This channel is now the alliance between *Acme* and *Globex*" in out
    assert "Commitment `#1` recorded: *Draft joint API spec*" in out
    assert "Owner: @paul for *Globex* (recorded by @alice) · Due Fri 27 Nov 2026, 18:00 CET" in out
    assert "@paul (Globex) owns `#1` *Draft joint API spec*, due Fri 27 Nov 2026, 18:00 CET (open)." in out
    assert "(the clock is now Sat 28 Nov 2026, 10:00 UTC)" in out
    assert "⚠️ *overdue*" in out
    assert "(nobody called “nobody” here" in out
    assert "(say how far: :advance 30m" in out
    assert "I don't know who “@zed” is." in out
    assert "not for the bot" in out  # echoed as typed, and the bot stays quiet
    replies = [line for line in out.split("\n") if line.startswith("Alliance Bot (") and line.endswith("see this):")]
    answers = [
        line for line in out.split("\n") if line in ("Alliance Bot (in the channel):", "Alliance Bot (in the thread):")
    ]
    assert (len(answers), len(replies)) == (4, 1)  # intro, recorded, who, overdue; the unknown @zed privately
    # Moving the clock four days runs the schedule: the first check-in opens the next working morning in
    # New York (the host's first member is alice), and Paul hears his commitment is due soon.
    assert "Alliance Bot (in the channel, Wed 25 Nov 15:00 UTC):\n  📋 *Check-in #1*" in out
    assert "Alliance Bot (private message to @paul, Thu 26 Nov 08:00 UTC):\n  *⏳ Due soon*" in out


def test_the_tour_runs_and_state_persists_until_fresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tour = run_console(tmp_path, monkeypatch, capsys, "", "--tour")
    assert "Milestone `#3` recorded" in tour
    assert "That counts as a slip." in tour
    again = run_console(tmp_path, monkeypatch, capsys, "/alliance list\n")
    assert "`#3` *Joint launch plan signed off*" in again
    fresh = run_console(tmp_path, monkeypatch, capsys, "/alliance list\n", "--fresh")
    assert "Nothing is open in this alliance." in fresh


def test_people_leave_return_and_are_deactivated_in_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        ":as pia\n"
        "@Alliance Bot lead @pia\n"
        "@Alliance Bot commit @paul Draft joint API spec by next Friday\n"
        ":leave paul\n"
        "@Alliance Bot commit @paul Security review by next Friday\n"
        ":join paul\n"
        ":deactivate gus\n"
        ":leave nobody\n",
    )
    assert "(paul has left the channel)" in out
    assert "Alliance Bot (private message to @pia, Tue 24 Nov 10:00 UTC):\n  ⚠️ @paul of *Globex* has left" in out
    assert "@paul has left this alliance's channel; pick someone who is still here." in out
    assert "(paul is in the channel)" in out
    assert "Alliance Bot (private message to @paul, Tue 24 Nov 10:00 UTC):\n  👋 Welcome back to the alliance" in out
    assert "You still own 1 open commitment:" in out
    assert "(gus's account is deactivated)" in out
    assert "(nobody called “nobody” here; :people lists who is)" in out


def test_a_scorecard_look_up_in_the_thread_is_answered_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12.12: `metrics`, `contributions` and `scorecard` by mention came back twice, in the thread and
    privately (with the internal items); the thread's answer is the one answer."""
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance metric add NPS for Acme target 40% baseline 20%\n"
        "/alliance metric add secret margin for Acme target 30% --internal\n"
        "/alliance contribute Acme 40 hours of engineering --internal\n"
        "@Alliance Bot metrics\n"
        "@Alliance Bot contributions\n"
        "@Alliance Bot scorecard\n",
    )
    asked = out.split("alice> @Alliance Bot metrics\n", 1)[1]
    # three answers, the scorecard's followed by where its chart was saved (the console's picture of the upload)
    assert asked.count("Alliance Bot (in the thread):") == 4
    assert asked.count("chart saved as") == 1
    assert "Alliance Bot (only you see this):" not in asked
    assert "secret margin" not in asked


def test_a_pulse_is_answered_with_colon_answer_and_closed_by_advance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = "\n".join(
        [
            ":answer 5 4 4 3 4 4 5 4",  # nothing open yet
            "@Alliance Bot lead @alice",
            "@Alliance Bot pulse now",
            ":answer 5 4 4 3 4 4 5 4 One shared roadmap would help",
            ":answer 1 1 1 1 1 1 1 1",  # a second answer is refused
            ":answer 9 lots",  # not eight ratings
            ":as bob",
            ":answer 4 - 5 2 4 4 4 4",
            ":as paul",
            ":answer 2 2 2 2 2 2 2 2 Decisions wait too long",
            ":advance 8d",
            ":as alice",
            "@Alliance Bot pulse",
            ":quit",
        ]
    )
    out = run_console(tmp_path, monkeypatch, capsys, script + "\n", "--fresh")
    assert "(no pulse is open; a lead or sponsor can type `@Alliance Bot pulse now`)" in out
    assert out.count("Thank you: counted, anonymously.") == 3
    assert "You have answered pulse 1 already" in out
    assert "(say 8 ratings 1-5, - to skip one, then your words:" in out
    results = out.split("*Pulse 1 results*")[1]
    assert "(3 answers: Acme 2, Globex 1)" in results.split("\n")[0]
    assert "shown only in the combined figures" in results
    assert "1. The goals we share with our partner still matter to us. *3.7* (both together)" in results
    assert "> One shared roadmap would help" in results  # to Alice, Acme's lead, in a private message
    assert "Decisions wait too long" not in out.split(":advance 8d")[1]  # Globex has no lead to read it
    assert "*Last pulse (1)*: 3 answers (Acme 2, Globex 1)." in out
