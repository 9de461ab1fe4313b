"""The edge of the app: nothing unverified reaches Bolt or Slack, malformed bodies get a 4xx, replays do nothing.

Issue 11, items 1 and 5: a request whose signature cannot be checked (a timestamp that is not a number) was
handed to Bolt, whose error handler then messaged the user the unverified body named; the same signed slash
command sent three times within the five-minute window made three commitments.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest

from storage.models import Alliance, Commitment, InboxEntry
from tests.slack import payloads
from tests.slack.conftest import Bot

SLASH = urlencode(
    {
        "command": "/alliance",
        "text": "commit Draft spec by tomorrow",
        "channel_id": payloads.CHANNEL,
        "user_id": payloads.ALICE,
        "team_id": payloads.ACME,
        "trigger_id": "1.2.abc",
    }
).encode()
EVENT = json.dumps(
    {
        "type": "event_callback",
        "event_id": "Ev0BADTS001",
        "team_id": payloads.ACME,
        "event": {"type": "app_mention", "user": payloads.PAUL, "channel": payloads.CHANNEL, "text": "<@U0> list"},
    }
).encode()
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def unsigned(body: bytes, content_type: str, **headers: str) -> payloads.SignedRequest:
    return payloads.SignedRequest(body=body, headers={"Content-Type": content_type, **headers})


def signed(body: bytes, content_type: str) -> payloads.SignedRequest:
    headers = {"Content-Type": content_type, **payloads.sign(body, payloads.SIGNING_SECRET, int(time.time()))}
    return payloads.SignedRequest(body=body, headers=headers)


def assert_nothing_happened(bot: Bot) -> None:
    bot.quiet(for_seconds=0.2)
    assert bot.fake.calls == []
    assert bot.rows(Alliance) == []
    assert bot.rows(InboxEntry) == []
    assert bot.listener_crashes() == []


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(
            unsigned(SLASH, FORM, **{"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
            id="command-ts-abc",
        ),
        pytest.param(
            unsigned(EVENT, JSON, **{"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
            id="event-ts-abc",
        ),
        pytest.param(
            unsigned(SLASH, FORM, **{"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""}), id="empty-headers"
        ),
        pytest.param(unsigned(SLASH, FORM), id="no-headers"),
        pytest.param(
            unsigned(SLASH, FORM, **{"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=00"}), id="ts-float"
        ),
        pytest.param(
            unsigned(SLASH, FORM, **{"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": "v0=00"}), id="ts-negative"
        ),
        pytest.param(
            unsigned(SLASH, FORM, **{"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=00"}),
            id="ts-huge",
        ),
        pytest.param(
            unsigned(SLASH, FORM, **{"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=zz"}),
            id="sig-not-hex",
        ),
        pytest.param(unsigned(b'{"a":', JSON, **{"X-Slack-Request-Timestamp": "abc"}), id="unsigned-truncated-json"),
        pytest.param(unsigned(b"\xff\xfe\x00", JSON), id="unsigned-not-utf8"),
    ],
)
def test_an_unverifiable_request_gets_401_and_no_one_is_messaged(bot: Bot, request_: payloads.SignedRequest) -> None:
    status, body = bot.post(request_)
    assert status == 401
    assert "Traceback" not in body
    assert_nothing_happened(bot)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b'{"a":', JSON, id="truncated-json"),
        pytest.param(b"null", JSON, id="json-null"),
        pytest.param(b"[1, 2]", JSON, id="json-array"),
        pytest.param(b'"text"', JSON, id="json-string"),
        pytest.param(b"\xff\xfe\x00{}", JSON, id="json-not-utf8"),
        pytest.param(b"command=%2Falliance&text=\xff\xfe", FORM, id="form-not-utf8"),
        pytest.param(b"payload=null", FORM, id="payload-null"),
        pytest.param(b"payload=%7B%22a%22%3A", FORM, id="payload-truncated"),
        pytest.param(b"payload=%5B%5D", FORM, id="payload-array"),
        pytest.param(b"{not json", FORM, id="brace-in-form"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, JSON, id="json-nested-too-deep"),
    ],
)
def test_a_signed_but_malformed_body_gets_400_never_500(bot: Bot, body: bytes, content_type: str) -> None:
    status, answer = bot.post(signed(body, content_type))
    assert status == 400
    assert "Traceback" not in answer
    assert_nothing_happened(bot)


def test_a_request_that_reaches_bolt_unverified_makes_no_web_api_call(bot: Bot) -> None:
    """Behind the edge, the error handler too answers only requests whose signature it can check itself."""
    app = bot._server.app
    headers = {"content-type": FORM, "x-slack-request-timestamp": "abc", "x-slack-signature": "v0=00"}
    response = app.dispatch(BoltRequest(body=SLASH.decode(), headers=headers))
    assert response.status in (400, 401)
    assert_nothing_happened(bot)


def test_the_same_signed_command_sent_three_times_commits_once(bot: Bot) -> None:
    command = payloads.slash_command(f"commit <@{payloads.PAUL}|paul> Draft spec by next Friday")
    answers = [bot.post(command) for _ in range(3)]
    assert answers == [(200, "")] * 3
    bot.quiet()
    assert [c.title for c in bot.rows(Commitment)] == ["Draft spec"]
    # One answer to one command: the replays are acknowledged and dropped without a word.
    assert len(bot.fake.calls_to("chat.postEphemeral")) + len(bot.fake.calls_to("chat.postMessage")) >= 1
    calls = len(bot.fake.calls)
    bot.post(command)
    bot.quiet(for_seconds=0.3)
    assert len(bot.fake.calls) == calls


def test_a_replayed_command_is_still_refused_after_a_restart(bot: Bot) -> None:
    command = payloads.slash_command(f"commit <@{payloads.PAUL}|paul> Draft spec by next Friday")
    assert bot.post(command) == (200, "")
    bot.quiet()
    bot.restart()
    assert bot.post(command) == (200, "")
    bot.quiet(for_seconds=0.3)
    assert bot.fake.calls == []
    assert len(bot.rows(Commitment)) == 1


def test_a_replayed_button_click_acts_once(bot: Bot) -> None:
    bot.post(payloads.slash_command(f"commit <@{payloads.ALICE}|alice> Draft spec by next Friday"))
    bot.quiet()
    assert len(bot.rows(Commitment)) == 1
    click = payloads.block_action("commitment_done", "1")
    assert bot.post(click)[0] == 200
    bot.quiet()
    (item,) = bot.rows(Commitment)
    assert item.status == "done"
    calls = len(bot.fake.calls)
    for _ in range(2):
        assert bot.post(click)[0] == 200
    bot.quiet(for_seconds=0.3)
    assert len(bot.fake.calls) == calls


def test_every_verified_request_is_in_the_inbox_and_done(bot: Bot) -> None:
    bot.post(payloads.slash_command("list"))
    bot.quiet()
    (entry,) = bot.rows(InboxEntry)
    assert entry.kind == "slash_command"
    assert entry.done_at is not None
    assert entry.outcome == "done"
    stored: dict[str, Any] = json.loads(entry.headers)
    assert "x-slack-signature" not in stored  # the replay is re-signed; the old signature is of no use


def test_a_request_no_listener_takes_is_closed_as_unhandled(bot: Bot) -> None:
    status, _ = bot.post(payloads.slash_command("list", command="/not-ours"))
    assert status == 404
    (entry,) = bot.rows(InboxEntry)
    assert (entry.outcome, entry.done_at is not None) == ("unhandled", True)
    assert bot.fake.calls == []


def test_a_command_that_says_payload_is_carried_out(bot: Bot) -> None:
    """Bolt alone reads a form body containing the word "payload" as an empty interactivity payload (404)."""
    status, _ = bot.post(
        payloads.slash_command(f"commit <@{payloads.PAUL}|paul> Review the payload schema by next Friday")
    )
    assert status == 200
    bot.quiet()
    assert [c.title for c in bot.rows(Commitment)] == ["Review the payload schema"]
