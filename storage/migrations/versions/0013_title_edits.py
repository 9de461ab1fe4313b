"""How many times a commitment's title was changed in an alliance, so every process's `who` cache sees an edit.

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alliance") as batch:
        batch.add_column(sa.Column("title_edits", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("alliance") as batch:
        batch.drop_column("title_edits")
