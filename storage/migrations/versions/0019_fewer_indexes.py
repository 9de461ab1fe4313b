"""Two indexes that only cost writes: commitment (status, due_at) and delivery (status, not_before). Every query on a
commitment's status also names its alliance (ix_commitment_alliance_status_due serves it), and every query on a
delivery's status names its alliance, its check-in or its id, or reads the deliveries still to send
(ix_delivery_unsent). Each sweep that sends rewrites a thousand rows of both tables.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_commitment_status_due", table_name="commitment")
    op.drop_index("ix_delivery_due", table_name="delivery")


def downgrade() -> None:
    op.create_index("ix_delivery_due", "delivery", ["status", "not_before"], unique=False)
    op.create_index("ix_commitment_status_due", "commitment", ["status", "due_at"], unique=False)
