"""The HTTP front door: signatures, replays, the health check and the one endpoint's methods."""

from __future__ import annotations

import time

import pytest

from storage.models import Alliance, ProcessedEvent
from tests.slack import payloads
from tests.slack.conftest import Bot

WRONG_SECRET = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "signed",
    [
        pytest.param(
            payloads.slash_command("commit Draft spec by tomorrow", signing_secret=WRONG_SECRET), id="command"
        ),
        pytest.param(payloads.app_mention("list", signing_secret=WRONG_SECRET, event_id="Ev0FORGED01"), id="mention"),
        pytest.param(payloads.block_action("commitment_done", "1", signing_secret=WRONG_SECRET), id="button"),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_happens(bot: Bot, signed: payloads.SignedRequest) -> None:
    status, _ = bot.post(signed)
    assert status == 401
    bot.quiet(for_seconds=0.2)
    assert bot.fake.calls == []
    assert bot.rows(Alliance) == []
    assert bot.rows(ProcessedEvent) == []  # a forged event id must not block the real one later


def test_a_tampered_body_is_refused(bot: Bot) -> None:
    signed = payloads.slash_command("list")
    tampered = payloads.SignedRequest(body=signed.body.replace(b"text=list", b"text=done+%231"), headers=signed.headers)
    assert bot.post(tampered)[0] == 401
    bot.quiet(for_seconds=0.2)
    assert bot.fake.calls == []


@pytest.mark.parametrize("kind", ["command", "mention"])
def test_a_ten_minute_old_request_is_refused_as_a_replay(bot: Bot, kind: str) -> None:
    ten_minutes_ago = int(time.time()) - 600
    if kind == "command":
        signed = payloads.slash_command("commit Draft spec by tomorrow", timestamp=ten_minutes_ago)
    else:
        signed = payloads.app_mention("list", timestamp=ten_minutes_ago, event_id="Ev0REPLAY01")
    status, _ = bot.post(signed)
    assert status == 401
    bot.quiet(for_seconds=0.2)
    assert bot.fake.calls == []
    assert bot.rows(Alliance) == []
    assert bot.rows(ProcessedEvent) == []


def test_a_fresh_correctly_signed_request_is_accepted(bot: Bot) -> None:
    """The counterpart of the refusals above: the same request, correctly signed and current, gets in."""
    assert bot.post(payloads.slash_command("list")) == (200, "")
    bot.fake.wait_for("chat.postEphemeral")


def test_health_check(bot: Bot) -> None:
    assert bot.get("/healthz") == (200, "ok\n")


def test_the_events_endpoint_only_takes_post(bot: Bot) -> None:
    status, body = bot.get("/slack/events")
    assert status == 405
    assert body == "POST only\n"


def test_url_verification_handshake(bot: Bot) -> None:
    status, body = bot.post(payloads.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))
    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in body
