"""Trust boundaries: commitments internal to one party, and each party's linked private channel.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commitment") as batch:
        batch.add_column(sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "partychannel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("linked_by", sa.String(length=64), nullable=False),
        sa.Column("linked_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "channel_id", name="uq_party_channel"),
        sa.UniqueConstraint("alliance_id", "team_id", name="uq_party_channel_team"),
    )
    op.create_index("ix_partychannel_alliance_id", "partychannel", ["alliance_id"])


def downgrade() -> None:
    op.drop_index("ix_partychannel_alliance_id", table_name="partychannel")
    op.drop_table("partychannel")
    with op.batch_alter_table("commitment") as batch:
        batch.drop_column("internal")
