"""One schedule for both platforms: a sweep hands each message to its alliance's platform."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.console.world import PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.checkins.results import Nudge
from bot.core.errors import SendFailed
from bot.core.ports import ByPlatform, Outgoing
from bot.core.schedule import Pacer, Scheduler
from bot.core.service import AllianceService
from tests.teams import activities
from tests.teams.conftest import TeamsBot
from tests.teams.fakes.connector import PAUL, PIA


class SlackRecorder:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> str | None:
        self.sent.append(message)
        return "1795000000.000100"


def test_one_sweep_sends_slack_messages_to_slack_and_teams_messages_to_teams(teams: TeamsBot) -> None:
    slack = AllianceService(db=teams.db, directory=ConsoleDirectory(list(PEOPLE)), clock=teams.clock)
    slack.handle_text("commit <@UPIA> Slack pricing sheet by tomorrow", Caller(channel_id="C1", user_id="UPAUL"))
    teams.post(activities.message(teams.url, "commit @pia Teams pricing sheet by tomorrow", sender=PAUL))
    teams.fake.clear()
    recorder = SlackRecorder()
    teams.clock.advance(timedelta(hours=1))  # Pia's working hours, in Berlin and in UTC

    report = Scheduler(teams.db, ByPlatform({"slack": recorder, "teams": teams.parts.courier}), pacer=Pacer(0)).sweep(
        teams.clock.now()
    )

    assert report.sent == 2
    [slack_nudge] = recorder.sent
    assert (slack_nudge.platform, slack_nudge.channel_id, slack_nudge.recipient_id) == ("slack", "C1", "UPIA")
    assert isinstance(slack_nudge.content, Nudge) and slack_nudge.content.commitment.title == "Slack pricing sheet"
    [teams_nudge] = teams.fake.sends()
    assert teams_nudge.conversation_id == activities.personal_conversation(PIA)
    assert teams_nudge.card is not None and "Teams pricing sheet" in teams_nudge.card["body"][0]["text"]


def test_a_platform_this_process_does_not_serve_is_given_up_at_once() -> None:
    message = Outgoing(channel_id="C1", recipient_id=None, thread_ts=None, content=None, platform="teams")

    with pytest.raises(SendFailed) as refused:
        ByPlatform({"slack": SlackRecorder()}).send(message)

    assert (refused.value.permanent, refused.value.reason) == (True, "teams is not configured in this process")
