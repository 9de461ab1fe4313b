"""Indexes that keep the sweep's cost with the work due, not with the history: the deliveries still to send
(a partial index the claim reads instead of every delivery ever sent), and the event ids by age (each sweep
forgets those older than a day).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSENT = "status IN ('pending', 'claimed')"


def upgrade() -> None:
    op.create_index(
        "ix_delivery_unsent",
        "delivery",
        ["not_before"],
        unique=False,
        sqlite_where=sa.text(UNSENT),
        postgresql_where=sa.text(UNSENT),
    )
    op.create_index("ix_processedevent_received_at", "processedevent", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_processedevent_received_at", table_name="processedevent")
    op.drop_index("ix_delivery_unsent", table_name="delivery")
