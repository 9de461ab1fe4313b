"""The shared conversations (tests/scenarios.py) in a Slack Connect channel."""

from __future__ import annotations

import re
import time

import pytest

from tests.scenarios import SCENARIOS, Scenario, missing, plain_slack
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ALICE, BOB, ERIN, GUS, PAUL, PIA
from tests.slack.transcript import INTRO, said_besides_intro, whispered

IDS = {"alice": ALICE, "bob": BOB, "erin": ERIN, "paul": PAUL, "pia": PIA, "gus": GUS}
NAMES = {user_id: key for key, user_id in IDS.items()}


def _mentions(text: str) -> str:
    return re.sub(r"@([a-z]+)\b", lambda m: f"<@{IDS[m.group(1)]}>" if m.group(1) in IDS else m.group(0), text)


def _answers(bot: Bot, thread: str, timeout: float = 10.0) -> list[str]:
    """The bot's answers to one mention: Bolt answers after its ack, so wait for the first, then for quiet."""
    deadline = time.monotonic() + timeout

    def collect() -> list[str]:
        found = [s.text for s in said_besides_intro(bot.fake) if s.thread_ts == thread]
        return found + [w.text for w in whispered(bot.fake) if not w.text.startswith(INTRO)]

    while not collect() and time.monotonic() < deadline:
        time.sleep(0.02)
    bot.quiet()
    return collect()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_in_slack(bot: Bot, scenario: Scenario) -> None:
    for step in scenario.steps:
        bot.fake.clear()
        mention = payloads.app_mention(f"<@U0BOT0001> {_mentions(step.text)}", user=IDS[step.speaker])
        thread = mention.decoded()["event"]["ts"]
        assert bot.post(mention) == (200, "")
        answers = _answers(bot, thread)
        assert len(answers) == 1, (step, answers)  # one answer: in the thread, or privately for a refusal
        answer = plain_slack(answers[0], NAMES)
        assert missing(step.expect, answer) == [], f"{step.speaker}: {step.text}\n{answer}"
