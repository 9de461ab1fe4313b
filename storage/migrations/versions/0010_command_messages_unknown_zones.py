"""Messages carried out as commands (an edited mention amends what it made), and zones the platform did not tell.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commandmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("message_ts", sa.String(length=64), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "channel_id", "message_ts", name="uq_command_message"),
    )
    with op.batch_alter_table("commandmessage") as batch_op:
        batch_op.create_index(batch_op.f("ix_commandmessage_alliance_id"), ["alliance_id"], unique=False)
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("tz_known", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("tz_known")
    with op.batch_alter_table("commandmessage") as batch_op:
        batch_op.drop_index(batch_op.f("ix_commandmessage_alliance_id"))
    op.drop_table("commandmessage")
