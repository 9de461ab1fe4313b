"""The charter's rows: versions, signatures, decisions and disputes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import CharterDraft, CharterSignature, CharterVersion, Decision, Dispute
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


def latest_version(*, session: Session, alliance_id: int) -> CharterVersion | None:
    """The charter in force: its newest version, signed or not."""
    return session.exec(
        select(CharterVersion)
        .where(CharterVersion.alliance_id == alliance_id)
        .order_by(col(CharterVersion.version).desc())
        .limit(1)
    ).first()


def get_version(*, session: Session, alliance_id: int, version: int) -> CharterVersion | None:
    return session.exec(
        select(CharterVersion).where(CharterVersion.alliance_id == alliance_id, CharterVersion.version == version)
    ).first()


def mark_signed(*, session: Session, version_id: int, at: datetime) -> bool:
    """Record that a version is signed by every party; True only for the call that did it (two leads signing at
    once cannot both complete it)."""
    result = session.connection().execute(
        update(CharterVersion)
        .where(col(CharterVersion.id) == version_id, col(CharterVersion.signed_at).is_(None))
        .values(signed_at=at)
    )
    return result.rowcount == 1


def signers(*, session: Session, alliance_id: int, version: int) -> list[CharterSignature]:
    """Who signed a version, in the order they signed."""
    return list(
        session.exec(
            select(CharterSignature)
            .where(CharterSignature.alliance_id == alliance_id, CharterSignature.version == version)
            .order_by(col(CharterSignature.id))
        ).all()
    )


def get_draft(*, session: Session, alliance_id: int, user_id: str) -> CharterDraft | None:
    """What one person has entered in the charter form's steps so far."""
    return session.exec(
        select(CharterDraft).where(CharterDraft.alliance_id == alliance_id, CharterDraft.user_id == user_id)
    ).first()


def decisions(*, session: Session, alliance_id: int) -> Sequence[Decision]:
    """The alliance's decisions, oldest first."""
    return session.exec(select(Decision).where(Decision.alliance_id == alliance_id).order_by(col(Decision.ref))).all()


def open_disputes(*, session: Session, alliance_id: int) -> Sequence[Dispute]:
    """The alliance's unresolved disputes, oldest first."""
    return session.exec(
        select(Dispute)
        .where(Dispute.alliance_id == alliance_id, col(Dispute.resolved_at).is_(None))
        .order_by(col(Dispute.ref))
    ).all()


def get_dispute(*, session: Session, alliance_id: int, ref: int) -> Dispute | None:
    return session.exec(select(Dispute).where(Dispute.alliance_id == alliance_id, Dispute.ref == ref)).first()


def next_ref(*, session: Session, model: type[Decision] | type[Dispute], alliance_id: int) -> int:
    """The number the alliance's next decision (or dispute) gets."""
    top = session.exec(select(func.max(model.ref)).where(model.alliance_id == alliance_id)).one()
    return int(top or 0) + 1
