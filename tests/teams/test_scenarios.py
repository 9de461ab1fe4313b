"""The shared conversations (tests/scenarios.py) in a Teams channel."""

from __future__ import annotations

import pytest

from tests.scenarios import SCENARIOS, Scenario, missing, plain_teams
from tests.teams import activities
from tests.teams.conftest import TeamsBot
from tests.teams.fakes.connector import PEOPLE

NAMES = {p.name: key for key, p in PEOPLE.items()}
INTRO = "🤝 Hello!"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_in_teams(teams: TeamsBot, scenario: Scenario) -> None:
    for step in scenario.steps:
        teams.fake.clear()
        post = activities.message(teams.url, step.text, sender=PEOPLE[step.speaker])
        assert teams.post(post) == (200, "")
        answers = [c for c in teams.fake.sends() if not c.text.startswith(INTRO)]
        assert [a.reply_to for a in answers] == [post["id"]], step  # one answer, in the message's thread
        answer = plain_teams(answers[0].text, NAMES)
        assert missing(step.expect, answer) == [], f"{step.speaker}: {step.text}\n{answer}"
