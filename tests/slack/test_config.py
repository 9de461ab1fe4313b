"""Settings from the environment: each problem is refused with a sentence naming the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot import cli
from bot.config import ConfigError, Settings, TeamsSettings
from storage.db import Database, alembic_config

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdefghijkl",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99fff85a5ab1",
}


def test_good_settings_are_read(tmp_path: Path) -> None:
    settings = Settings.from_env({**GOOD, "SLACK_APP_TOKEN": "xapp-1-A0-1-abc"}, cwd=tmp_path)
    assert settings == Settings(
        bot_token=GOOD["SLACK_BOT_TOKEN"],
        signing_secret=GOOD["SLACK_SIGNING_SECRET"],
        app_token="xapp-1-A0-1-abc",
        database_url=f"sqlite:///{tmp_path / 'alliance.db'}",
        api_url=None,
    )
    assert settings.socket_mode


@pytest.mark.parametrize(
    ("change", "named"),
    [
        pytest.param({"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN is not set", id="missing-bot-token"),
        pytest.param({"SLACK_BOT_TOKEN": "   "}, "SLACK_BOT_TOKEN is not set", id="blank-bot-token"),
        pytest.param({"SLACK_BOT_TOKEN": "abc"}, "SLACK_BOT_TOKEN is malformed", id="malformed-bot-token"),
        pytest.param({"SLACK_BOT_TOKEN": "xapp-1-A0-1-abc"}, "SLACK_BOT_TOKEN is malformed", id="app-token-as-bot"),
        pytest.param({"SLACK_SIGNING_SECRET": None}, "SLACK_SIGNING_SECRET is not set", id="missing-secret"),
        pytest.param(
            {"SLACK_SIGNING_SECRET": "not-hex-at-all!!"}, "SLACK_SIGNING_SECRET is malformed", id="bad-secret"
        ),
        pytest.param({"SLACK_SIGNING_SECRET": "abc123"}, "SLACK_SIGNING_SECRET is malformed", id="short-secret"),
        pytest.param({"SLACK_APP_TOKEN": "xoxb-1234"}, "SLACK_APP_TOKEN is malformed", id="app-token"),
        pytest.param({"DATABASE_URL": "not a url"}, "DATABASE_URL is malformed", id="malformed-database-url"),
        pytest.param({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL names 'mysql'", id="unsupported-database"),
        pytest.param({"SLACK_API_URL": "slack.example"}, "SLACK_API_URL is malformed", id="api-url"),
        pytest.param({"SWEEP_SECONDS": "0"}, "SWEEP_SECONDS is malformed", id="sweep-zero"),
        pytest.param({"SWEEP_SECONDS": "1m"}, "SWEEP_SECONDS is malformed", id="sweep-not-a-number"),
        pytest.param(
            {"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "abcdef"},
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set",
            id="oauth-credentials-and-bot-token",
        ),
        pytest.param(
            {"SLACK_BOT_TOKEN": None, "SLACK_CLIENT_ID": "123.456"},
            "SLACK_CLIENT_SECRET is not set",
            id="oauth-client-id-alone",
        ),
        pytest.param(
            {"SLACK_BOT_TOKEN": None, "SLACK_CLIENT_ID": "abc", "SLACK_CLIENT_SECRET": "abcdef"},
            "SLACK_CLIENT_ID is malformed",
            id="oauth-client-id",
        ),
        pytest.param(
            {
                "SLACK_BOT_TOKEN": None,
                "SLACK_CLIENT_ID": "1.2",
                "SLACK_CLIENT_SECRET": "s",
                "SLACK_APP_TOKEN": "xapp-1",
            },
            "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID",
            id="oauth-socket-mode",
        ),
        pytest.param(
            {"SLACK_BOT_TOKEN": None, "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_REDIRECT_URI": "x"},
            "SLACK_REDIRECT_URI is malformed",
            id="oauth-redirect-uri",
        ),
    ],
)
def test_a_bad_setting_is_refused_with_its_name(tmp_path: Path, change: dict[str, str | None], named: str) -> None:
    env = {**GOOD, **{k: v for k, v in change.items() if v is not None}}
    for key in [k for k, v in change.items() if v is None]:
        env.pop(key)

    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env, cwd=tmp_path)

    message = str(refused.value)
    assert message.startswith(named)
    assert "\n" not in message


def test_one_oauth_variable_beside_a_bot_token_is_tolerated(tmp_path: Path) -> None:
    settings = Settings.from_env({**GOOD, "SLACK_CLIENT_ID": "123.456"}, cwd=tmp_path)
    assert settings.bot_token == GOOD["SLACK_BOT_TOKEN"] and settings.oauth is None


def test_the_client_id_and_secret_switch_to_many_workspaces(tmp_path: Path) -> None:
    env = {k: v for k, v in GOOD.items() if k != "SLACK_BOT_TOKEN"}
    env.update(
        SLACK_CLIENT_ID="1234567890.987654321",
        SLACK_CLIENT_SECRET="c0ffee",
        SLACK_REDIRECT_URI="https://bot.example.com/oauth/back",
        SLACK_TOKEN_ROTATION="off",
    )
    settings = Settings.from_env(env, cwd=tmp_path)
    assert settings.bot_token is None and settings.slack
    assert settings.oauth is not None
    assert (settings.oauth.client_id, settings.oauth.client_secret) == ("1234567890.987654321", "c0ffee")
    assert settings.oauth.redirect_path == "/oauth/back" and settings.oauth.install_path == "/slack/install"
    assert settings.oauth.token_rotation is False


def test_serve_with_an_empty_environment_exits_2_naming_the_bot_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in list(os.environ):
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no .env here

    assert cli.main(["serve"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("alliance-bot: SLACK_BOT_TOKEN is not set")
    assert not (tmp_path / "alliance.db").exists()  # refused before touching anything


TEAMS = {
    "TEAMS_APP_ID": "0b0b0b0b-1111-4111-8111-111111111111",
    "TEAMS_APP_PASSWORD": "a-client-secret",
    "TEAMS_TENANT_ID": "a1a1a1a1-0000-4000-8000-00000000ac3e",
}


def test_teams_alone_is_enough_and_slack_stays_unset(tmp_path: Path) -> None:
    settings = Settings.from_env(TEAMS, cwd=tmp_path)

    assert (settings.slack, settings.bot_token, settings.signing_secret) == (False, None, None)
    assert settings.teams == TeamsSettings(
        app_id=TEAMS["TEAMS_APP_ID"], app_password="a-client-secret", tenant_id=TEAMS["TEAMS_TENANT_ID"], port=3978
    )


def test_slack_and_teams_together(tmp_path: Path) -> None:
    settings = Settings.from_env({**GOOD, **TEAMS, "TEAMS_PORT": "8080"}, cwd=tmp_path)

    assert settings.slack
    assert settings.teams is not None and settings.teams.port == 8080


def test_the_client_secret_may_go_by_its_azure_name(tmp_path: Path) -> None:
    env = {**TEAMS, "TEAMS_CLIENT_SECRET": "from-azure"}
    del env["TEAMS_APP_PASSWORD"]

    teams = Settings.from_env(env, cwd=tmp_path).teams

    assert teams is not None and teams.app_password == "from-azure"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        pytest.param({"TEAMS_APP_ID": None}, "TEAMS_APP_ID is not set", id="missing-app-id"),
        pytest.param({"TEAMS_APP_ID": "alliance-bot"}, "TEAMS_APP_ID is malformed", id="app-id-not-a-guid"),
        pytest.param({"TEAMS_APP_PASSWORD": None}, "TEAMS_APP_PASSWORD is not set", id="missing-secret"),
        pytest.param({"TEAMS_TENANT_ID": None}, "TEAMS_TENANT_ID is not set", id="missing-tenant"),
        pytest.param({"TEAMS_TENANT_ID": "contoso.com"}, "TEAMS_TENANT_ID is malformed", id="tenant-not-a-guid"),
        pytest.param({"TEAMS_PORT": "http"}, "TEAMS_PORT is malformed", id="port"),
    ],
)
def test_a_bad_teams_setting_is_refused_with_its_name(
    tmp_path: Path, change: dict[str, str | None], named: str
) -> None:
    env = {**TEAMS, **{k: v for k, v in change.items() if v is not None}}
    for key in [k for k, v in change.items() if v is None]:
        env.pop(key)

    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env, cwd=tmp_path)

    assert str(refused.value).startswith(named)
    assert "\n" not in str(refused.value)


def test_neither_slack_nor_teams_is_one_sentence_naming_both(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({}, cwd=tmp_path)

    message = str(refused.value)
    assert "SLACK_BOT_TOKEN" in message and "TEAMS_APP_ID" in message
    assert "\n" not in message


def test_sweep_with_teams_alone_runs_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in list(os.environ):
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    for key, value in {**TEAMS, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}.items():
        monkeypatch.setenv(key, value)

    assert cli.main(["sweep", "--now", "2026-12-01T09:00Z"]) == 0

    assert capsys.readouterr().out.startswith("sweep at 2026-12-01T09:00:00+00:00: 0 check-ins opened")


def test_the_sweep_interval_is_a_minute_unless_sweep_seconds_says(tmp_path: Path) -> None:
    assert Settings.from_env(GOOD, cwd=tmp_path).sweep_seconds == 60
    assert Settings.from_env({**GOOD, "SWEEP_SECONDS": "5"}, cwd=tmp_path).sweep_seconds == 5
    assert Settings.from_env({**TEAMS, "SWEEP_SECONDS": "30"}, cwd=tmp_path).sweep_seconds == 30


def test_migrate_needs_only_the_database_and_brings_it_to_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in list(os.environ):
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)

    assert cli.main(["migrate"]) == 0
    assert cli.main(["migrate"]) == 0  # again: nothing to do

    assert capsys.readouterr().out.count("the database is at the newest revision") == 2
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        db.dispose()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
