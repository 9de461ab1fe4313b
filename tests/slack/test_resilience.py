"""When Slack pushes back (rate limits, not a member) and when the bot itself fails."""

from __future__ import annotations

import json
from typing import NoReturn

import pytest

from bot.core.service import AllianceService
from bot.texts import base as base_texts
from storage.models import Commitment
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ALICE, CHANNEL, PAUL
from tests.slack.transcript import INTRO, Said, Whispered, everything_said, said, whispered


def _start_alliance(bot: Bot) -> None:
    bot.post(payloads.slash_command("list"))
    bot.fake.wait_for("chat.postEphemeral")
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    bot.fake.clear()


def test_a_rate_limited_confirmation_is_retried_and_delivered_once(bot: Bot) -> None:
    _start_alliance(bot)
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=0)

    assert bot.post(payloads.slash_command("commit Kick-off deck by tomorrow")) == (200, "")
    first, second = bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    assert len(bot.fake.calls_to("chat.postMessage")) == 2
    assert first.args == second.args  # the same message, sent again after Retry-After
    assert second.args["text"].startswith(":white_check_mark: Commitment `#1` recorded: *Kick-off deck*")
    assert whispered(bot.fake) == []
    assert len(bot.rows(Commitment)) == 1


def test_a_channel_the_bot_is_not_in_gets_a_private_answer_with_how_to_fix_it(bot: Bot) -> None:
    _start_alliance(bot)
    bot.fake.fail_next("chat.postMessage", status=200, error="not_in_channel")

    bot.post(payloads.slash_command("commit Kick-off deck by tomorrow"))
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    [reply] = whispered(bot.fake)
    assert (reply.channel, reply.user) == (CHANNEL, ALICE)
    assert reply.text.startswith(":white_check_mark: Commitment `#1` recorded: *Kick-off deck*")
    assert reply.text.endswith(f"_{base_texts.NOT_IN_CHANNEL}_")


def _explode(self: AllianceService, *args: object) -> NoReturn:
    raise RuntimeError("Traceback (most recent call last): secret internals at /srv/bot/core/service.py")


def test_an_unexpected_error_in_a_command_gets_one_calm_private_line(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AllianceService, "handle_text", _explode)

    status, body = bot.post(payloads.slash_command("commit Kick-off deck by tomorrow"))
    assert (status, body) == (200, "")
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    assert whispered(bot.fake) == [Whispered(CHANNEL, ALICE, None, base_texts.INTERNAL_ERROR)]
    assert said(bot.fake) == []
    assert "Traceback" not in everything_said(bot.fake)
    assert "secret internals" not in everything_said(bot.fake)
    # The error handler itself must not fail: Bolt asserts when a handler answers a request already acked.
    assert bot.listener_crashes() == []


def test_an_unexpected_error_in_a_mention_gets_one_calm_private_line_in_its_thread(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AllianceService, "handle_message", _explode)
    mention = payloads.app_mention("list", user=PAUL)

    assert bot.post(mention) == (200, "")
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    ts = mention.decoded()["event"]["ts"]
    assert whispered(bot.fake) == [Whispered(CHANNEL, PAUL, ts, base_texts.INTERNAL_ERROR)]
    assert said(bot.fake) == []
    assert "Traceback" not in everything_said(bot.fake)
    assert bot.listener_crashes() == []


def test_an_unexpected_error_in_the_form_keeps_it_open_with_a_calm_line(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A view_submission carries no channel, so a private message cannot be the answer: the modal must say it,
    or the person sees it close as if the commitment had been recorded."""
    monkeypatch.setattr(AllianceService, "submit_form", _explode)
    values = {
        "title": {"value": payloads.plain_text_input("Joint launch plan")},
        "owner": {"value": payloads.users_select(PAUL)},
        "due": {"value": payloads.datepicker("2026-12-04")},
        "milestone": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    form = payloads.view_submission("commitment_form", values, private_metadata=json.dumps({"channel": CHANNEL}))

    status, body = bot.post(form)
    bot.quiet(for_seconds=0.2)
    assert status == 200
    assert body, "an empty answer closes the modal as if the commitment had been recorded"
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    [message] = answer["errors"].values()
    assert "Something went wrong on my side and nothing was changed" in message
    assert "Traceback" not in body and "secret internals" not in body
    assert "Traceback" not in everything_said(bot.fake)
    assert bot.rows(Commitment) == []


def test_the_bot_keeps_working_after_an_unexpected_error(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(AllianceService, "handle_text", _explode)
        bot.post(payloads.slash_command("list"))
        bot.fake.wait_for("chat.postEphemeral")
        bot.quiet()
    bot.fake.clear()

    bot.post(payloads.slash_command("commit Kick-off deck by tomorrow"))
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    assert [s.text.startswith(INTRO) for s in said(bot.fake)] == [True, False]


# --- the alliance's introduction -------------------------------------------------------------------------


def _intros(bot: Bot) -> list[Said]:
    return [s for s in said(bot.fake) if s.text.startswith(INTRO)]


@pytest.mark.parametrize(
    "first",
    [
        pytest.param("done #999", id="no-such-commitment"),
        pytest.param("commit <@U0BOT0001> Do it by tomorrow", id="bot-owner"),
        pytest.param("commit Draft spec by last Monday", id="past-date"),
    ],
)
def test_the_alliance_is_introduced_even_when_its_first_command_fails(bot: Bot, first: str) -> None:
    """The first command creates the alliance before it runs; when that command fails, the introduction is
    still posted once (and later commands, finding the alliance, do not repeat it)."""
    bot.post(payloads.slash_command(first))
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()

    bot.post(payloads.slash_command("commit Kick-off deck by tomorrow"))
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: "Kick-off deck" in str(c.args.get("text")))
    bot.quiet()
    assert len(_intros(bot)) == 1, "the channel was never told it is now an alliance"


def test_the_alliance_is_introduced_when_it_starts_from_the_message_shortcut(bot: Bot) -> None:
    """The shortcut creates the alliance before the form is submitted, so the shortcut introduces it."""
    bot.post(payloads.message_shortcut("track_as_commitment", message_text="Paul to send the pricing sheet"))
    [opened] = bot.fake.wait_for("views.open")
    metadata = opened.args["view"]["private_metadata"]
    values = {
        "title": {"value": payloads.plain_text_input("Send the pricing sheet")},
        "owner": {"value": payloads.users_select(PAUL)},
        "due": {"value": payloads.datepicker("2026-12-04")},
        "milestone": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    assert bot.post(payloads.view_submission("commitment_form", values, private_metadata=metadata)) == (200, "")
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: "Send the pricing sheet" in str(c.args.get("text")))
    bot.quiet()
    assert json.loads(metadata)["channel"] == CHANNEL
    assert len(_intros(bot)) == 1, "the channel was never told it is now an alliance"
