"""Channel membership per alliance (who left, when and why) and the daily reconciliation's mark.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("joined_at", AwareDateTime(), nullable=False),
        sa.Column("left_at", AwareDateTime(), nullable=True),
        sa.Column("left_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "user_id", name="uq_member"),
    )
    op.create_index("ix_member_alliance_id", "member", ["alliance_id"])
    with op.batch_alter_table("alliance") as batch:
        batch.add_column(sa.Column("reconciled_at", AwareDateTime(), nullable=True))
        batch.create_index("ix_alliance_reconciled_at", ["reconciled_at"])


def downgrade() -> None:
    with op.batch_alter_table("alliance") as batch:
        batch.drop_index("ix_alliance_reconciled_at")
        batch.drop_column("reconciled_at")
    op.drop_index("ix_member_alliance_id", table_name="member")
    op.drop_table("member")
