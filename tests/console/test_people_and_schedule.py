"""Console conversations a first-time user had (issue 12, items 7, 9, 13, 16): what the schedule says, and when."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main


def run_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], script: str, start: str
) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    monkeypatch.chdir(tmp_path)
    code = main(["console", "--db", str(tmp_path / "c.db"), "--start", start])
    assert code == 0
    return capsys.readouterr().out


def messages(out: str) -> list[tuple[str, str]]:
    """(heading, text) of every message the bot wrote, e.g. ("private message to @alice, Thu 10 Dec 16:00 UTC", ...)."""
    found = []
    for block in re.split(r"\n(?=Alliance Bot \()", out):
        head = re.match(r"Alliance Bot \(([^)]*)\):\n", block)
        if head:
            found.append((head[1], block[head.end() :].split("\n(")[0].split("\nalice>")[0]))
    return found


def test_away_stops_a_nudge_already_planned_and_the_lead_hears_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """12.7 exactly as reported: the overdue nudge was planned (for 09:00 in Chicago) before bob said `away`."""
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance lead @alice\n"
        "/alliance commit @bob Security review by Dec 9\n"
        ":advance 8d\n"
        ":as bob\n"
        "@Alliance Bot away until Dec 21\n"
        ":advance 1d\n",
        "2026-12-02T12:00:00Z",
    )
    assert "your lead sees your overdue items instead" in out
    after = out.split("away until Dec 21", 1)[1]
    said_after = messages(after)
    assert not [h for h, text in said_after if h.startswith("private message to @bob") and "Overdue" in text]
    to_alice = [(h, text) for h, text in said_after if h.startswith("private message to @alice")]
    overdue = [(h, text) for h, text in to_alice if "Overdue" in text]
    assert len(overdue) == 1
    head, text = overdue[0]
    assert "Thu 10 Dec" in head
    assert "`#1` *Security review*" in text and "@bob is away until Mon 21 Dec 2026" in text


def test_a_reactivated_owner_is_welcomed_back_and_the_channel_hears_their_items_are_theirs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """12.13: the channel was told gus's item was orphaned; after `:reactivate gus` it hears he is back, and gus
    gets the README's welcome back, in his working hours (Monday morning in Tokyo)."""
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance commit @gus Tokyo item by Dec 18\n:deactivate gus\n:advance 1h\n:reactivate gus\n:advance 3d\n",
        "2026-11-27T17:00:00Z",
    )
    assert "Pick a new owner below, or write `@Alliance Bot reassign #1 @name`." in out  # 12.16: the real number
    back = messages(out.split(":reactivate gus", 1)[1])
    channel = [text for h, text in back if h.startswith("in the channel")]
    assert any("@gus of *Globex* is back" in t and "`#1` *Tokyo item*" in t and "theirs again" in t for t in channel)
    welcome = [(h, t) for h, t in back if h.startswith("private message to @gus") and "Welcome back" in t]
    assert len(welcome) == 1
    assert "Mon 30 Nov 00:00 UTC" in welcome[0][0]  # 09:00 in Tokyo
    assert "You still own 1 open commitment:" in welcome[0][1]


def test_the_channel_says_when_a_sponsor_will_be_told_not_that_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """12.13: the item reaches the sponsor stage on Friday 17:00 UTC, 02:00 on Saturday in Tokyo: gus hears on
    Monday morning, and the channel says so."""
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        ":as paul\n"
        "@Alliance Bot lead @paul\n"
        "@Alliance Bot sponsor @gus\n"
        "@Alliance Bot commit @paul Joint deck by Nov 24\n"
        "@Alliance Bot escalation 1 3\n"
        ":advance 7d\n",
        "2026-11-23T12:00:00Z",
    )
    [(head, line)] = [(h, t) for h, t in messages(out) if "is well past its deadline" in t]
    assert head == "in the channel, Fri 27 Nov 17:00 UTC"
    assert "@gus (sponsor) will be told Mon 30 Nov 2026, 09:00 JST" in line
    assert "has been told" not in line
    to_gus = [h for h, t in messages(out) if h.startswith("private message to @gus") and "Joint deck" in t]
    assert to_gus == ["private message to @gus, Mon 30 Nov 00:00 UTC"]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("1 1", "the second number must be larger than the first: you gave 1 and 1. For example `escalation 1 4`"),
        ("0 3", "The lead hears at least 1 working day after the deadline, not 0."),
        ("2 40", "The sponsor hears within 30 working days; 40 is longer"),
    ],
)
def test_an_escalation_refusal_says_what_is_wrong_with_the_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typed: str, said: str
) -> None:
    """12.16: `escalation 1 1` gets a specific refusal, not a vague one."""
    out = run_console(tmp_path, monkeypatch, capsys, f"/alliance escalation {typed}\n", "2026-11-24T10:00:00Z")
    assert said in out


def test_every_non_responder_is_reminded_in_their_own_working_hours_before_each_checkin_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """12.9: check-ins close at 15:00 UTC, bob's (Chicago) first working hour. Over several weekly check-ins bob
    is reminded like alice (New York) and paul (Berlin): each time, in his working hours, before the close."""
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance commit @bob Bob item by Mar 26\n"
        "/alliance commit @alice Alice item by Mar 26\n"
        "/alliance commit @paul Paul item by Mar 26\n"
        "/alliance cadence weekly\n"
        ":advance 35d\n",
        "2026-11-24T10:00:00Z",
    )
    said = messages(out)
    closes = re.findall(r"answers gather in this thread until (\w{3} \d\d \w{3} \d{4}, \d\d:\d\d) UTC", out)
    closed = [h for h, t in said if "closed.*" in t]
    assert len(closed) >= 4
    zones = {"bob": "America/Chicago", "alice": "America/New_York", "paul": "Europe/Berlin"}
    for name, zone in zones.items():
        reminders = [h for h, t in said if h.startswith(f"private message to @{name},") and "🔔 Reminder" in t]
        assert len(reminders) >= len(closed), (name, reminders)
        for heading, close in zip(reminders, closes, strict=False):
            at = datetime.strptime(heading.split(", ", 1)[1] + " 2026 +0000", "%a %d %b %H:%M UTC %Y %z")
            if at.month < 11:
                at = at.replace(year=2027)
            local = at.astimezone(ZoneInfo(zone))
            assert local.weekday() < 5 and 9 <= local.hour < 18, (name, heading)
            assert at < datetime.strptime(close + " +0000", "%a %d %b %Y, %H:%M %z"), (name, heading, close)
