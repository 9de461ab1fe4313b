"""The shared conversations (tests/scenarios.py) on the console, typed the way its `--tour` types them.

Each scenario is one script on stdin for `alliance-bot console` (which, like the tour, goes through
`Console.run` and echoes every line as `speaker> line`): before each step `:as SPEAKER`, then
`@Alliance Bot TEXT`, the mention a console user types. The transcript is cut at the echoed lines; a step's
answer is what the bot printed after that step's line and where it said it was shown.

As on Slack, each step must get exactly one answer, in the thread or privately ("only you see this") for a
refusal. Two things the console prints that are not answers are left out, as the Slack and Teams versions
leave them out: the introduction when the first mention opens the alliance ("in the channel"), and what the
schedule sends (the console runs the scheduled work after every answer; its messages carry their clock time).

Every step of every scenario is played; none needed to be left out or changed for the console.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli import main
from tests.scenarios import SCENARIOS, Scenario, missing, plain_console

START = "2026-11-24T10:00:00Z"  # a Tuesday, as on Slack and Teams
INTRO = "🤝 Hello! This channel is now the alliance between *Acme* and *Globex*"
ECHO = re.compile(r"^([a-z]+)> (.*)$")
SAID = re.compile(r"^Alliance Bot \((.*)\):$")
SCHEDULED = re.compile(r", \w{3} \d{2} \w{3} \d{2}:\d{2} UTC$")  # "in the channel, Wed 25 Nov 15:00 UTC"
ANSWERED_WHERE = {"in the thread", "only you see this"}


@dataclass
class Turn:
    """One typed line and everything the console printed after it."""

    speaker: str
    line: str
    notes: list[str] = field(default_factory=list)  # the console's own remarks, "(you are now pia of ...)"
    said: list[tuple[str, str]] = field(default_factory=list)  # (where, text) for each thing the bot said


def turns(out: str) -> list[Turn]:
    found: list[Turn] = []
    for line in out.split("\n"):
        if echo := ECHO.match(line):
            found.append(Turn(echo.group(1), echo.group(2)))
        elif not found or not line:
            continue  # the greeting before the first line typed; the final newline
        elif said := SAID.match(line):
            found[-1].said.append((said.group(1), ""))
        elif line.startswith("  ") and found[-1].said:
            where, text = found[-1].said[-1]
            found[-1].said[-1] = (where, f"{text}\n{line[2:]}" if text else line[2:])
        else:
            found[-1].notes.append(line)
    return found


def play(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    script = "".join(f":as {step.speaker}\n@Alliance Bot {step.text}\n" for step in scenario.steps)
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    monkeypatch.chdir(tmp_path)
    assert main(["console", "--db", str(tmp_path / "c.db"), "--start", START]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_on_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], scenario: Scenario
) -> None:
    played = turns(play(scenario, tmp_path, monkeypatch, capsys))
    assert len(played) == 2 * len(scenario.steps), played
    for step, (switch, mention) in zip(scenario.steps, zip(played[::2], played[1::2], strict=True), strict=True):
        assert switch.line == f":as {step.speaker}"
        assert switch.said == []
        assert len(switch.notes) == 1 and switch.notes[0].startswith(f"(you are now {step.speaker} of "), switch
        assert (mention.speaker, mention.line) == (step.speaker, f"@Alliance Bot {step.text}")
        assert mention.notes == [], step
        answers = [
            (where, text)
            for where, text in mention.said
            if not SCHEDULED.search(where) and not (where == "in the channel" and text.startswith(INTRO))
        ]
        assert len(answers) == 1, (step, mention.said)  # one answer: in the thread, or privately for a refusal
        where, text = answers[0]
        assert where in ANSWERED_WHERE, (step, where)
        answer = plain_console(text)
        assert missing(step.expect, answer) == [], f"{step.speaker}: {step.text}\n{answer}"
