"""Teams: conversation references for proactive messages, and the Teams users the bot has met.

Revision ID: 0004
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0004"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teamsconversation",
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("channel_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service_url", sa.String(length=300), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("bot_id", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    with op.batch_alter_table("teamsconversation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teamsconversation_channel_key"), ["channel_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_teamsconversation_user_id"), ["user_id"], unique=False)
    op.create_table(
        "teamsmember",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("teams_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("guest", sa.Boolean(), nullable=False),
        sa.Column("departed", sa.Boolean(), nullable=False),
        sa.Column("seen_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("teamsmember")
    with op.batch_alter_table("teamsconversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teamsconversation_user_id"))
        batch_op.drop_index(batch_op.f("ix_teamsconversation_channel_key"))
    op.drop_table("teamsconversation")
