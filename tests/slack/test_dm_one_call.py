"""A DM from the sweep is one Web API call: chat.postMessage to the person's user id (Slack opens the DM)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.schedule import Pacer, Scheduler
from bot.slack.app import web_client
from bot.slack.courier import SlackCourier
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import CHANNEL, PAUL


def test_a_dm_ask_is_one_post_to_the_user_id(bot: Bot) -> None:
    bot.post(payloads.slash_command("commit <@U0PAUL001> Draft joint API spec by 2026-11-27"))
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    bot.fake.clear()
    Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0)).sweep(
        datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    )  # check-in #1: a post in the channel, and Paul's question by DM
    calls = [(c.method, c.args.get("channel") or c.args.get("users")) for c in bot.fake.calls]
    assert calls == [("chat.postMessage", CHANNEL), ("chat.postMessage", PAUL)]
