"""The Slack test double behaves like Slack as far as slack_sdk and Bolt can tell."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.slack import payloads
from tests.slack.fakes.web_api import (
    ACME,
    ALICE,
    BOB,
    BOT,
    BOT_ID,
    CHANNEL,
    ERIN,
    GLOBEX,
    GONE,
    GUS,
    PAUL,
    PIA,
    FakeSlack,
)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def test_users_info_returns_slack_user_with_timezone(client: WebClient, fake: FakeSlack) -> None:
    user = client.users_info(user=ALICE)["user"]

    assert user["id"] == ALICE
    assert user["team_id"] == ACME
    assert user["tz"] == "America/New_York"
    assert user["tz_label"] in {"Eastern Standard Time", "Eastern Daylight Time"}
    assert user["tz_offset"] in {-5 * 3600, -4 * 3600}
    assert user["profile"]["display_name"] == "alice"
    assert user["is_bot"] is False and user["deleted"] is False
    assert client.users_info(user=PAUL)["user"]["team_id"] == GLOBEX
    assert client.users_info(user=GONE)["user"]["deleted"] is True
    bot = client.users_info(user=BOT)["user"]
    assert bot["is_bot"] is True and bot["profile"]["bot_id"] == BOT_ID
    [call, *_] = fake.calls_to("users.info")
    assert call.args == {"user": ALICE}
    assert call.headers["authorization"] == "Bearer xoxb-test"


def test_unknown_user_raises_slack_api_error(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U0NOBODY1")

    assert excinfo.value.response.status_code == 200
    assert excinfo.value.response["error"] == "user_not_found"


def test_conversations_members_paginates_to_full_list(client: WebClient, fake: FakeSlack) -> None:
    members = [m for page in client.conversations_members(channel=CHANNEL, limit=2) for m in page["members"]]

    assert members == [ALICE, BOB, ERIN, PAUL, PIA, GUS, BOT]
    calls = fake.calls_to("conversations.members")
    assert len(calls) == 4
    assert "cursor" not in calls[0].args and all(c.args["cursor"] for c in calls[1:])


def test_conversations_info_describes_slack_connect_channel(client: WebClient) -> None:
    channel = client.conversations_info(channel=CHANNEL)["channel"]

    assert channel["is_ext_shared"] is True
    assert channel["shared_team_ids"] == [ACME, GLOBEX]
    assert channel["conversation_host_id"] == ACME
    assert channel["context_team_id"] == ACME
    assert "members" not in channel
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_info(channel="C0NOWHERE")


def test_auth_test_and_team_info(client: WebClient) -> None:
    auth = client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"], auth["team"]) == (BOT, BOT_ID, ACME, "Acme")
    assert auth["url"] == "https://acme.slack.com/"
    assert client.team_info(team=GLOBEX)["team"]["name"] == "Globex"


def test_post_message_records_decoded_blocks_and_increasing_ts(client: WebClient, fake: FakeSlack) -> None:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hi*"}}]

    first = client.chat_postMessage(channel=CHANNEL, text="Hi", blocks=blocks)
    # Form-encoded, as some callers send it: blocks arrive as a JSON string and are decoded too.
    second = client.api_call(
        "chat.postMessage", params={"channel": CHANNEL, "text": "Hi", "blocks": json.dumps(blocks)}
    )

    assert first["channel"] == CHANNEL and first["message"]["blocks"] == blocks
    assert first["message"]["bot_id"] == BOT_ID
    assert float(second["ts"]) > float(first["ts"])
    assert [c.args["blocks"] for c in fake.calls_to("chat.postMessage")] == [blocks, blocks]


def test_ephemeral_views_dm_and_reactions(client: WebClient, fake: FakeSlack) -> None:
    assert client.chat_postEphemeral(channel=CHANNEL, user=PAUL, text="psst")["message_ts"]
    modal = {"type": "modal", "callback_id": "x", "blocks": []}
    view = client.views_open(trigger_id="123.456.abc", view=modal)
    assert view["view"]["id"].startswith("V") and view["view"]["callback_id"] == "x"
    assert fake.calls_to("views.open")[0].args["view"]["callback_id"] == "x"
    dm = client.conversations_open(users=PAUL)["channel"]["id"]
    assert dm.startswith("D")
    ts = client.chat_postMessage(channel=dm, text="hello")["ts"]
    client.reactions_add(channel=dm, timestamp=ts, name="eyes")
    with pytest.raises(SlackApiError, match="already_reacted"):
        client.reactions_add(channel=dm, timestamp=ts, name="eyes")


def test_rate_limit_is_retried_by_slack_sdk(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    client = WebClient(
        token="xoxb-test",
        base_url=fake.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )

    response = client.chat_postMessage(channel=CHANNEL, text="eventually")

    assert response["ok"] is True
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_rate_limit_without_retry_handler_surfaces_429(client: WebClient, fake: FakeSlack) -> None:
    fake.fail_next("users.info", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user=ALICE)

    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["retry-after"] in ("7", ["7"])
    assert client.users_info(user=ALICE)["ok"] is True


def test_answer_next_unknown_method_and_not_authed(client: WebClient, fake: FakeSlack) -> None:
    fake.answer_next("users.info", {"ok": False, "error": "account_inactive"})
    with pytest.raises(SlackApiError, match="account_inactive"):
        client.users_info(user=ALICE)
    with pytest.raises(SlackApiError, match="unknown_method"):
        client.api_call("admin.nonsense")
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=fake.url).auth_test()
    assert [c.method for c in fake.calls] == ["users.info", "admin.nonsense", "auth.test"]


def test_response_url_is_recorded(fake: FakeSlack) -> None:
    WebhookClient(fake.response_url("cmd-1")).send(text="done", response_type="ephemeral")

    [call] = fake.wait_for("response_url")
    assert call.args == {"text": "done", "response_type": "ephemeral"}
    assert call.path == "/response/cmd-1"


def test_wait_for_times_out_with_calls_seen(client: WebClient, fake: FakeSlack) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.1)


def test_sign_verifies_with_slack_sdk() -> None:
    now = int(time.time())
    body = b"token=x&text=hello"
    verifier = SignatureVerifier(payloads.SIGNING_SECRET)

    assert verifier.is_valid_request(body, payloads.sign(body, payloads.SIGNING_SECRET, now))
    assert not verifier.is_valid_request(body, payloads.sign(body, "wrong-secret", now))
    assert not verifier.is_valid_request(body, payloads.sign(body, payloads.SIGNING_SECRET, now - 600))
    request = payloads.app_mention("status?")
    assert verifier.is_valid_request(request.body, request.headers)


def test_app_mention_from_other_org_has_slack_connect_fields() -> None:
    request = payloads.app_mention("status?", retry_num=1, event_id="Ev0RETRY01")
    envelope = request.decoded()

    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Slack-Retry-Num"] == "1"
    assert envelope["type"] == "event_callback" and envelope["team_id"] == ACME
    assert envelope["event_id"] == "Ev0RETRY01"
    assert envelope["is_ext_shared_channel"] is True
    assert envelope["authorizations"][0]["user_id"] == BOT
    event = envelope["event"]
    assert event["text"] == f"<@{BOT}> status?"
    assert (event["user"], event["user_team"], event["source_team"]) == (PAUL, GLOBEX, GLOBEX)


def _bolt_request(request: payloads.SignedRequest) -> BoltRequest:
    headers: dict[str, str | Sequence[str]] = {**request.headers}
    return BoltRequest(body=request.body.decode(), headers=headers)


def _bolt_app(fake: FakeSlack) -> App:
    return App(
        client=WebClient(token="xoxb-test", base_url=fake.url),
        signing_secret=payloads.SIGNING_SECRET,
        process_before_response=True,
    )


def test_bolt_accepts_payloads(fake: FakeSlack) -> None:
    app = _bolt_app(fake)
    seen: dict[str, Any] = {}

    @app.command("/alliance")
    def on_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        seen["command"] = command
        respond("ok")

    @app.action("done")
    def on_action(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen["action"] = body["actions"][0]["value"]

    @app.view("commitment")
    def on_view(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        seen["view"] = view["state"]["values"]

    @app.shortcut("track")
    def on_shortcut(ack: Ack, shortcut: dict[str, Any]) -> None:
        ack()
        seen["shortcut"] = shortcut["message"]["text"]

    def dispatch(request: payloads.SignedRequest) -> int:
        response = app.dispatch(_bolt_request(request))
        return response.status

    assert dispatch(payloads.slash_command("list", response_url=fake.response_url("c1"))) == 200
    assert seen["command"]["user_id"] == ALICE and seen["command"]["text"] == "list"
    assert fake.wait_for("response_url")[0].args["text"] == "ok"
    assert dispatch(payloads.block_action("done", "42")) == 200
    assert seen["action"] == "42"
    values = {
        "owner": {"owner_select": payloads.users_select(PAUL)},
        "due": {"due": payloads.datepicker("2025-01-31")},
    }
    assert dispatch(payloads.view_submission("commitment", values)) == 200
    assert seen["view"] == values
    assert dispatch(payloads.message_shortcut("track", message_text="we ship friday")) == 200
    assert seen["shortcut"] == "we ship friday"
    assert dispatch(payloads.slash_command("list", timestamp=int(time.time()) - 3600)) == 401
    verification = payloads.url_verification("abc")
    challenge = app.dispatch(_bolt_request(verification))
    assert (challenge.status, json.loads(challenge.body)) == (200, {"challenge": "abc"})


def test_pins_add_pins_a_posted_message_once(client: WebClient, fake: FakeSlack) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="The signed charter")["ts"]
    assert client.pins_add(channel=CHANNEL, timestamp=ts)["ok"] is True
    assert fake.pins == [(CHANNEL, ts)]
    for channel, stamp, error in (
        (CHANNEL, ts, "already_pinned"),
        (CHANNEL, "1700000000.000001", "message_not_found"),
        ("C0NOWHERE", ts, "channel_not_found"),
    ):
        with pytest.raises(SlackApiError) as refused:
            client.pins_add(channel=channel, timestamp=stamp)
        assert refused.value.response["error"] == error
    assert fake.pins == [(CHANNEL, ts)]


def test_files_upload_v2_goes_through_the_external_upload_flow(client: WebClient, fake: FakeSlack) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    response = client.files_upload_v2(
        channel=CHANNEL, thread_ts="1.000100", file=png, filename="chart.png", title="Chart", initial_comment="Look"
    )
    assert response["ok"] is True
    assert response["files"] == [{"id": "F0FILE00001", "title": "Chart"}]
    assert [c.method for c in fake.calls] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    asked = fake.calls[0].args
    assert (asked["filename"], asked["length"]) == ("chart.png", str(len(png)))
    assert fake.calls[1].path == "/upload/v1/F0FILE00001"
    [shared] = fake.shared_files()
    assert (shared["content"], shared["channel_id"], shared["thread_ts"], shared["initial_comment"]) == (
        png,
        CHANNEL,
        "1.000100",
        "Look",
    )


def test_file_upload_errors_are_slacks(client: WebClient, fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as no_length:
        client.files_getUploadURLExternal(filename="a.csv", length=0)
    assert no_length.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as never_uploaded:
        client.files_getUploadURLExternal(filename="a.csv", length=3)
        client.files_completeUploadExternal(files=[{"id": "F0FILE00001", "title": "a"}], channel_id=CHANNEL)
    assert never_uploaded.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as nowhere:
        client.files_upload_v2(channel="C0NOWHERE", content="a,b\n", filename="a.csv")
    assert nowhere.value.response["error"] == "channel_not_found"
    assert fake.shared_files() == []
