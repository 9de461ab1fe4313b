"""/api/messages as a door: JSON in Teams' shapes only, the Bot Framework's token checked, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.config import TeamsSettings
from bot.core.clock import ManualClock
from bot.runtime import healthy, teams_parts
from bot.teams.app import TeamsServer, build_app, service_url_matches
from bot.teams.auth import inbound_auth
from storage.db import Database
from storage.models import Alliance, ProcessedEvent, TeamsConversation
from tests.teams import activities
from tests.teams.conftest import START, TeamsBot
from tests.teams.fakes.connector import PAUL, TOKEN


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(json.dumps({"type": "message", "text": "list"}).encode(), id="no-conversation"),
        pytest.param(json.dumps({"type": 7}).encode(), id="type-not-a-string"),
    ],
)
def test_a_malformed_activity_is_refused_with_400_and_changes_nothing(teams: TeamsBot, body: bytes) -> None:
    status, _ = teams.request("POST", "/api/messages", body, {"Content-Type": "application/json"})

    assert status == 400
    assert teams.fake.calls == []
    assert teams.rows(Alliance) == teams.rows(TeamsConversation) == teams.rows(ProcessedEvent) == []


def test_a_message_without_its_sender_is_refused_with_400(teams: TeamsBot) -> None:
    activity = activities.message(teams.url, "list", sender=PAUL)
    del activity["from"]

    assert teams.post(activity)[0] == 400
    assert teams.fake.calls == []


def test_activities_the_bot_has_no_use_for_are_acknowledged(teams: TeamsBot) -> None:
    typing = {**activities.message(teams.url, "", sender=PAUL), "type": "typing"}

    assert teams.post(typing) == (200, "")
    assert teams.fake.calls == []


def test_an_unexpected_error_is_one_calm_line_in_the_thread_never_a_500(
    teams: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(teams.parts.front.service, "handle_text", broken)
    post = activities.message(teams.url, "list", sender=PAUL)

    assert teams.post(post) == (200, "")

    [answer] = teams.fake.sends()
    assert answer.reply_to == post["id"]
    assert answer.text.startswith("⚠️ Something went wrong on my side and nothing was changed.")
    assert "RuntimeError" not in answer.text and "database fell over" not in answer.text


def test_health_is_served_beside_the_messages(teams: TeamsBot) -> None:
    assert teams.request("GET", "/healthz") == (200, "ok\n")
    assert teams.request("GET", "/api/messages")[0] == 405


@pytest.fixture
def guarded(db: Database) -> Iterator[TeamsServer]:
    """The app as `serve` builds it: the Agents SDK checks the Bot Framework's token on /api/messages."""
    settings = TeamsSettings(
        app_id="0b0b0b0b-1111-4111-8111-111111111111",
        app_password="secret",
        tenant_id="a1a1a1a1-0000-4000-8000-00000000ac3e",
    )
    parts = teams_parts(db, ManualClock(START), lambda: TOKEN)
    server = TeamsServer(
        build_app(parts.front, auth=inbound_auth(settings), health=lambda: healthy(db)), host="127.0.0.1", port=0
    )
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"Authorization": "Bearer not-a-jwt"}, id="garbage-token"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="not-bearer"),
    ],
)
def test_without_a_valid_bot_framework_token_nothing_is_done(
    guarded: TeamsServer, db: Database, headers: dict[str, str]
) -> None:
    import http.client

    body = json.dumps(activities.message("http://127.0.0.1:9/", "list", sender=PAUL)).encode()
    connection = http.client.HTTPConnection("127.0.0.1", guarded.port, timeout=10)
    connection.request("POST", "/api/messages", body=body, headers={"Content-Type": "application/json", **headers})
    status = connection.getresponse().status
    connection.close()

    assert status == 401
    with db.session() as session:
        assert session.exec(select(TeamsConversation)).all() == []
    # Health needs no token.
    connection = http.client.HTTPConnection("127.0.0.1", guarded.port, timeout=10)
    connection.request("GET", "/healthz")
    assert connection.getresponse().status == 200
    connection.close()


def test_answers_go_only_to_the_https_service_the_token_names() -> None:
    from microsoft_agents.hosting.core import ClaimsIdentity

    teams = "https://smba.trafficmanager.net/emea/"
    signed = ClaimsIdentity({"serviceurl": teams})

    assert service_url_matches(signed, teams)
    assert service_url_matches(signed, "https://SMBA.trafficmanager.net/amer/")
    assert not service_url_matches(signed, "https://attacker.example/")
    assert not service_url_matches(signed, "http://smba.trafficmanager.net/emea/")
    assert service_url_matches(ClaimsIdentity({}), teams)  # a token without the claim: the host is not checked
