"""Whether a commitment's deadline was a date without a time of day, so a reassignment keeps it the end of that day.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows keep their exact instant when reassigned (false): what they were typed as is not known.
    with op.batch_alter_table("commitment") as batch:
        batch.add_column(sa.Column("due_date_only", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("commitment") as batch:
        batch.drop_column("due_date_only")
