"""The check-ins' rows: answers given, who was asked, and what changed since the last one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.models import Checkin, CheckinAnswer, Delivery


def answers(*, session: Session, checkin_id: int) -> Sequence[CheckinAnswer]:
    """Every answer to one check-in, in the order given."""
    return session.exec(
        select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin_id).order_by(col(CheckinAnswer.id))
    ).all()


def has_answered(*, session: Session, checkin_id: int, user_id: str) -> bool:
    query = select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin_id, CheckinAnswer.user_id == user_id)
    return session.exec(query).first() is not None


def asked(*, session: Session, checkin_id: int) -> set[str]:
    """Who was sent the check-in's question (not merely planned to be)."""
    query = select(Delivery.recipient_id).where(
        Delivery.checkin_id == checkin_id, Delivery.kind == "checkin_ask", Delivery.status == "sent"
    )
    return set(session.exec(query).all())


def get_checkin(*, session: Session, alliance_id: int, seq: int) -> Checkin | None:
    return session.exec(select(Checkin).where(Checkin.alliance_id == alliance_id, Checkin.seq == seq)).first()
