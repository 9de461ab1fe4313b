"""The health pulse: its settings per alliance, its rounds, and answers kept as counts and unsigned remarks, with
who has answered in a table of its own.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pulse_settings",
        sa.Column("alliance_id", sa.Integer(), sa.ForeignKey("alliance.id"), primary_key=True),
        sa.Column("every_months", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("off", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("next_at", AwareDateTime(), nullable=True),
        sa.Column("questions", sa.Text(), nullable=False, server_default="{}"),
    )
    op.create_index("ix_pulse_settings_next_at", "pulse_settings", ["next_at"])
    op.create_table(
        "pulse_round",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alliance_id", sa.Integer(), sa.ForeignKey("alliance.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("opened_at", AwareDateTime(), nullable=False),
        sa.Column("closes_at", AwareDateTime(), nullable=False),
        sa.Column("closed_at", AwareDateTime(), nullable=True),
        sa.UniqueConstraint("alliance_id", "seq", name="uq_pulse_round_seq"),
    )
    op.create_index("ix_pulse_round_alliance_id", "pulse_round", ["alliance_id"])
    op.create_index("ix_pulse_round_closes_at", "pulse_round", ["closes_at"])
    op.create_table(
        "pulse_tally",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("pulse_round.id"), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("round_id", "team_id", "question", "rating", name="uq_pulse_tally"),
    )
    op.create_index("ix_pulse_tally_round_id", "pulse_tally", ["round_id"])
    op.create_table(
        "pulse_remark",
        sa.Column("key", sa.String(length=32), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("pulse_round.id"), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_pulse_remark_round_id", "pulse_remark", ["round_id"])
    op.create_table(
        "pulse_answered",
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("pulse_round.id"), primary_key=True),
        sa.Column("user_id", sa.String(length=64), primary_key=True),
        sa.Column("team_id", sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    for table in ("pulse_answered", "pulse_remark", "pulse_tally", "pulse_round", "pulse_settings"):
        op.drop_table(table)
