"""What listing a workspace's people costs (users.list pages), for the daily member reconciliation to choose it
only where it is cheaper than looking people up one by one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspace_listing",
        sa.Column("platform", sa.String(length=16), primary_key=True),
        sa.Column("team_id", sa.String(length=64), primary_key=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("listed_at", AwareDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workspace_listing")
