"""The charter (versions, signatures, drafts of the form), decisions and disputes.

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charterversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("edited_by", sa.String(length=64), nullable=False),
        sa.Column("edited_at", AwareDateTime(), nullable=False),
        sa.Column("signed_at", AwareDateTime(), nullable=True),
        sa.Column("message_ts", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "version", name="uq_charter_version"),
    )
    op.create_index("ix_charterversion_alliance_id", "charterversion", ["alliance_id"])
    op.create_table(
        "chartersignature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("signed_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "version", "team_id", name="uq_charter_signature"),
    )
    op.create_index("ix_chartersignature_alliance_id", "chartersignature", ["alliance_id"])
    op.create_table(
        "charterdraft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "user_id", name="uq_charter_draft"),
    )
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("consulted", sa.String(length=1000), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "ref", name="uq_decision_ref"),
    )
    op.create_index("ix_decision_alliance_id", "decision", ["alliance_id"])
    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=500), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", AwareDateTime(), nullable=False),
        sa.Column("steps", sa.String(length=1000), nullable=False),
        sa.Column("mediator", sa.String(length=500), nullable=False),
        sa.Column("mediator_id", sa.String(length=64), nullable=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("planned_step", sa.Integer(), nullable=False),
        sa.Column("step_started_at", AwareDateTime(), nullable=False),
        sa.Column("next_at", AwareDateTime(), nullable=True),
        sa.Column("resolved_at", AwareDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["alliance_id"], ["alliance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "ref", name="uq_dispute_ref"),
    )
    op.create_index("ix_dispute_alliance_id", "dispute", ["alliance_id"])
    op.create_index("ix_dispute_next_at", "dispute", ["next_at"])


def downgrade() -> None:
    op.drop_index("ix_dispute_next_at", table_name="dispute")
    op.drop_index("ix_dispute_alliance_id", table_name="dispute")
    op.drop_table("dispute")
    op.drop_index("ix_decision_alliance_id", table_name="decision")
    op.drop_table("decision")
    op.drop_table("charterdraft")
    op.drop_index("ix_chartersignature_alliance_id", table_name="chartersignature")
    op.drop_table("chartersignature")
    op.drop_index("ix_charterversion_alliance_id", table_name="charterversion")
    op.drop_table("charterversion")
