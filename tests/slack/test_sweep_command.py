"""`alliance-bot sweep --now T`: one pass of the scheduled work through the real CLI, against the fake Slack."""

from __future__ import annotations

import pytest

from bot.cli import main
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import CHANNEL


def env(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99fff85a5ab1")
    monkeypatch.setenv("SLACK_API_URL", bot.fake.url)
    monkeypatch.setenv("DATABASE_URL", bot.db_url)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)


def test_one_sweep_opens_the_due_checkin_once(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bot.post(payloads.slash_command("commit <@U0PAUL001|paul> Draft joint API spec by next Friday"))
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: "Draft joint API spec" in str(c.args.get("text")))
    bot.quiet()
    bot.fake.clear()
    env(bot, monkeypatch)
    monkeypatch.chdir(bot.db_url.removeprefix("sqlite:///").rsplit("/", 1)[0])

    assert main(["sweep", "--now", "2026-11-25T16:00:00Z"]) == 0
    first = capsys.readouterr().out
    channel_posts = [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == CHANNEL]
    assert [("Check-in #1" in str(c.args["text"])) for c in channel_posts] == [True]
    assert first.startswith("sweep at 2026-11-25T16:00:00+00:00: 1 check-ins opened")

    before = len(bot.fake.calls)
    assert main(["sweep", "--now", "2026-11-25T16:00:00Z"]) == 0
    assert len(bot.fake.calls) == before  # the same sweep again sends nothing
    assert ": 0 check-ins opened, 0 nudges planned, 0 sent" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("instant", "said"),
    [
        ("tomorrow", "'tomorrow' is not an ISO-8601 instant"),
        ("2026-11-25T16:00:00", "'2026-11-25T16:00:00' has no offset; add Z or +01:00"),
    ],
)
def test_the_instant_must_be_iso_with_an_offset(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], instant: str, said: str
) -> None:
    env(bot, monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        main(["sweep", "--now", instant])
    assert stopped.value.code == 2
    assert said in capsys.readouterr().err
