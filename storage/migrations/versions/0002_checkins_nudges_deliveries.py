"""Check-ins, nudges and the deliveries that carry them, each sent once; cadence and escalation settings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sweepstate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("opened_at", AwareDateTime(), nullable=False),
        sa.Column("closes_at", AwareDateTime(), nullable=False),
        sa.Column("closed_at", AwareDateTime(), nullable=True),
        sa.Column("thread_ts", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "seq", name="uq_checkin_seq"),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("commitment_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.String(length=4000), nullable=False),
        sa.Column("not_before", AwareDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", AwareDateTime(), nullable=True),
        sa.Column("sent_at", AwareDateTime(), nullable=True),
        sa.Column("message_ts", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_due", ["status", "not_before"], unique=False)

    op.create_table(
        "checkinanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkin.id"],
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkinanswer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkinanswer_checkin_id"), ["checkin_id"], unique=False)

    with op.batch_alter_table("alliance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_tz", sa.String(length=64), nullable=False, server_default="UTC"))
        batch_op.add_column(sa.Column("cadence", sa.String(length=16), nullable=False, server_default="default"))
        batch_op.add_column(sa.Column("next_checkin_at", AwareDateTime(), nullable=True))
        batch_op.add_column(sa.Column("checkins_held", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("lead_after_days", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("sponsor_after_days", sa.Integer(), nullable=False, server_default="5"))
        batch_op.create_index(batch_op.f("ix_alliance_next_checkin_at"), ["next_checkin_at"], unique=False)

    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_nudge_at", AwareDateTime(), nullable=True))
        batch_op.add_column(sa.Column("nudge_stage", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("snoozed_until", AwareDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reported", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("reported_note", sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f("ix_commitment_next_nudge_at"), ["next_nudge_at"], unique=False)

    # Commitments that were open before this revision join the escalation ladder at the next sweep.
    op.execute("UPDATE commitment SET next_nudge_at = created_at WHERE status = 'open'")

    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=8), nullable=True))

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("away_until", AwareDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("away_until")

    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_column("country")

    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_next_nudge_at"))
        batch_op.drop_column("reported_note")
        batch_op.drop_column("reported")
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("nudge_stage")
        batch_op.drop_column("next_nudge_at")

    with op.batch_alter_table("alliance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alliance_next_checkin_at"))
        batch_op.drop_column("sponsor_after_days")
        batch_op.drop_column("lead_after_days")
        batch_op.drop_column("checkins_held")
        batch_op.drop_column("next_checkin_at")
        batch_op.drop_column("cadence")
        batch_op.drop_column("home_tz")

    with op.batch_alter_table("checkinanswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkinanswer_checkin_id"))

    op.drop_table("checkinanswer")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_due")

    op.drop_table("delivery")
    op.drop_table("checkin")
    op.drop_table("sweepstate")
