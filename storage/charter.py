"""The charter's rows: versions, signatures, decisions and disputes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import (
    CharterSignature,
    Dispute,
)
from storage.sql import insert_ignoring, locking


def add_charter_signature(
    *, session: Session, alliance_id: int, version: int, team_id: str, user_id: str, at: datetime
) -> bool:
    """One party's signature under one version; False when that party has already signed it."""
    row = {"alliance_id": alliance_id, "version": version, "team_id": team_id, "user_id": user_id, "signed_at": at}
    return insert_ignoring(session, CharterSignature, [row], conflict=["alliance_id", "version", "team_id"]) == 1


def due_disputes(*, session: Session, now: datetime, limit: int) -> Sequence[Dispute]:
    """Unresolved disputes whose step has run out (or just started), locked for this sweeper on PostgreSQL."""
    query = (
        select(Dispute)
        .where(col(Dispute.next_at) <= now, col(Dispute.resolved_at).is_(None))
        .order_by(col(Dispute.next_at))
        .limit(limit)
    )
    return session.exec(locking(session, query)).all()
