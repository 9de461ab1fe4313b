"""Bolt's OAuth flow keeps each workspace's installation, its bot, and the install links' one-time states in these
tables, through slack_sdk's SQLAlchemy stores (bot.slack.installations), whose shape they are: the stores read and
write them by these names and columns (tests/slack/test_install_flow.py compares the two). Their times are naive
UTC, as the stores write them. They live in SQLModel's metadata beside our own tables, so the migrations own them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, func
from sqlmodel import SQLModel


def _slack_columns(*, installation: bool) -> list[Column[Any]]:
    common: list[Column[Any]] = [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]
    if installation:
        common.append(Column("enterprise_url", String(200)))
    common += [
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]
    if installation:
        common += [
            Column("user_id", String(32), nullable=False),
            Column("user_token", String(200)),
            Column("user_scopes", String(1000)),
            Column("user_refresh_token", String(200)),
            Column("user_token_expires_at", DateTime),
            Column("incoming_webhook_url", String(200)),
            Column("incoming_webhook_channel", String(200)),
            Column("incoming_webhook_channel_id", String(200)),
            Column("incoming_webhook_configuration_url", String(200)),
        ]
    common.append(Column("is_enterprise_install", Boolean, default=False, nullable=False))
    if installation:
        common.append(Column("token_type", String(32)))
    common.append(Column("installed_at", DateTime, nullable=False, default=func.now()))
    return common


SLACK_INSTALLATIONS = Table(
    "slack_installations",
    SQLModel.metadata,
    *_slack_columns(installation=True),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)
SLACK_BOTS = Table(
    "slack_bots",
    SQLModel.metadata,
    *_slack_columns(installation=False),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
SLACK_OAUTH_STATES = Table(
    "slack_oauth_states",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
