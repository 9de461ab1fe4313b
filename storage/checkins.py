"""The check-ins' rows: answers given, who was asked, and what changed since the last one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import Alliance, Checkin, CheckinAnswer, Delivery, Party
from storage.sql import among
from storage.types import AwareDateTime


class CadenceRow(NamedTuple):
    """What moving an alliance's next check-in needs: its schedule, home zone and holidays, and its last one."""

    id: int
    next_checkin_at: datetime | None
    started_at: datetime
    home_tz: str
    host_country: str | None
    last_opened_at: datetime | None


def cadence_rows(*, session: Session, alliance_ids: Iterable[int]) -> list[CadenceRow]:
    """Many alliances' cadence rows in one query: the host party joined, the last check-in as a subquery (the
    unique (alliance, seq) index answers it)."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return []
    last = (
        sa_select(col(Checkin.opened_at))
        .where(col(Checkin.alliance_id) == col(Alliance.id))
        .order_by(col(Checkin.seq).desc())
        .limit(1)
        .correlate(Alliance)
        .scalar_subquery()
    )
    host = and_(col(Party.alliance_id) == col(Alliance.id), col(Party.team_id) == col(Alliance.host_team_id))
    query = (
        sa_select(
            col(Alliance.id),
            col(Alliance.next_checkin_at),
            col(Alliance.started_at),
            col(Alliance.home_tz),
            col(Party.country),
            last,
        )
        .select_from(Alliance)
        .join(Party, host, isouter=True)
        .where(among(session, col(Alliance.id), ids))
        .order_by(col(Alliance.id))
    )
    return [CadenceRow(*row) for row in session.connection().execute(query).all()]


def bring_forward(*, session: Session, checkins: Sequence[tuple[int, datetime]]) -> None:
    """Move alliances' next check-ins to earlier moments, one statement for all; never later than planned."""
    if not checkins:
        return
    statement = (
        update(Alliance)
        .where(
            col(Alliance.id) == bindparam("b_id"),
            col(Alliance.next_checkin_at) > bindparam("b_at", type_=AwareDateTime()),
        )
        .values(next_checkin_at=bindparam("b_at", type_=AwareDateTime()))
    )
    session.connection().execute(statement, [{"b_id": i, "b_at": at} for i, at in checkins])


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


def set_threads(*, session: Session, threads: Sequence[tuple[int, str]]) -> None:
    """Record the thread of each check-in whose opening message went out (its answers are replies there), in one
    statement for the batch."""
    if not threads:
        return
    statement = update(Checkin).where(col(Checkin.id) == bindparam("b_id")).values(thread_ts=bindparam("b_ts"))
    session.connection().execute(statement, [{"b_id": i, "b_ts": ts} for i, ts in threads])
