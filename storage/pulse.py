"""Repository functions of the health pulse: settings, rounds, and answers kept as counts and unsigned remarks.

Recording an answer touches three tables that share no key: `pulse_answered` (who, to remind the others and refuse
a second answer), `pulse_tally` (one more in a count) and `pulse_remark` (words under a random key). Nothing read
back from them can say what one person answered.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, func, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage.models import Alliance, PulseAnswered, PulseRemark, PulseRound, PulseSettings, PulseTally
from storage.sql import insert_ignoring, locking


def settings(*, session: Session, alliance_id: int) -> PulseSettings | None:
    return session.get(PulseSettings, alliance_id)


def unplanned_alliances(*, session: Session, limit: int) -> list[Alliance]:
    """Alliances the pulse has not planned for yet (new since the last sweep), by the partial index of them: each
    gets its first pulse's date, and then `pulse_planned` marks it."""
    query = select(Alliance).where(text("NOT alliance.pulse_planned")).order_by(col(Alliance.id)).limit(limit)
    return list(session.exec(query).all())


def due_settings(*, session: Session, now: datetime, limit: int) -> Sequence[PulseSettings]:
    query = (
        select(PulseSettings)
        .where(
            col(PulseSettings.next_at).is_not(None),
            col(PulseSettings.next_at) <= now,
            col(PulseSettings.off).is_(False),
        )
        .order_by(col(PulseSettings.next_at))
        .limit(limit)
    )
    return session.exec(locking(session, query)).all()


def due_closing(*, session: Session, now: datetime, limit: int) -> Sequence[PulseRound]:
    query = (
        select(PulseRound)
        .where(col(PulseRound.closed_at).is_(None), col(PulseRound.closes_at) <= now)
        .order_by(col(PulseRound.closes_at))
        .limit(limit)
    )
    return session.exec(locking(session, query)).all()


def open_round(*, session: Session, alliance_id: int) -> PulseRound | None:
    query = select(PulseRound).where(PulseRound.alliance_id == alliance_id, col(PulseRound.closed_at).is_(None))
    return session.exec(query).first()


def rounds(*, session: Session, alliance_id: int, closed: bool = True) -> list[PulseRound]:
    """The alliance's pulses, oldest first (only the closed ones unless `closed` is False)."""
    query = select(PulseRound).where(PulseRound.alliance_id == alliance_id)
    if closed:
        query = query.where(col(PulseRound.closed_at).is_not(None))
    return list(session.exec(query.order_by(col(PulseRound.seq))).all())


def add_round(
    *, session: Session, alliance_id: int, reason: str, questions: str, opened_at: datetime, closes_at: datetime
) -> PulseRound:
    last = session.exec(select(func.max(PulseRound.seq)).where(PulseRound.alliance_id == alliance_id)).one()
    row = PulseRound(
        alliance_id=alliance_id,
        seq=(last or 0) + 1,
        reason=reason,
        questions=questions,
        opened_at=opened_at,
        closes_at=closes_at,
    )
    session.add(row)
    session.flush()
    return row


def mark_answered(*, session: Session, round_id: int, user_id: str, team_id: str) -> bool:
    """Note that `user_id` answered; False when they already had (the answer is then not counted again)."""
    table = PulseAnswered.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).on_conflict_do_nothing(index_elements=["round_id", "user_id"])
    row = {"round_id": round_id, "user_id": user_id, "team_id": team_id}
    return len(session.connection().execute(statement.returning(table.c.round_id), [row]).all()) == 1


def count_ratings(*, session: Session, round_id: int, team_id: str, ratings: dict[int, int]) -> None:
    """One more in the count of each (question, rating) given."""
    if not ratings:
        return
    rows = [
        {"round_id": round_id, "team_id": team_id, "question": q, "rating": r, "count": 0} for q, r in ratings.items()
    ]
    insert_ignoring(session, PulseTally, rows, conflict=["round_id", "team_id", "question", "rating"])
    for question, rating in ratings.items():
        session.connection().execute(
            update(PulseTally)
            .where(
                and_(
                    col(PulseTally.round_id) == round_id,
                    col(PulseTally.team_id) == team_id,
                    col(PulseTally.question) == question,
                    col(PulseTally.rating) == rating,
                )
            )
            .values(count=PulseTally.count + 1)
        )


def add_remark(*, session: Session, round_id: int, team_id: str, text: str) -> None:
    session.add(PulseRemark(key=secrets.token_hex(16), round_id=round_id, team_id=team_id, text=text))


def answered(*, session: Session, round_id: int) -> dict[str, str]:
    """user id -> team id of everyone who has answered the round."""
    rows = session.exec(select(PulseAnswered).where(PulseAnswered.round_id == round_id)).all()
    return {r.user_id: r.team_id for r in rows}


def has_answered(*, session: Session, round_id: int, user_id: str) -> bool:
    return session.get(PulseAnswered, (round_id, user_id)) is not None


def answers_by_team(*, session: Session, round_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """round id -> team id -> how many answered."""
    ids = list(round_ids)
    found: dict[int, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return found
    query = (
        select(PulseAnswered.round_id, PulseAnswered.team_id, func.count())
        .where(col(PulseAnswered.round_id).in_(ids))
        .group_by(col(PulseAnswered.round_id), col(PulseAnswered.team_id))
    )
    for round_id, team_id, n in session.exec(query).all():
        found[round_id][team_id] = int(n)
    return found


def tallies(*, session: Session, round_ids: Iterable[int]) -> dict[int, list[PulseTally]]:
    ids = list(round_ids)
    found: dict[int, list[PulseTally]] = {i: [] for i in ids}
    if not ids:
        return found
    for row in session.exec(select(PulseTally).where(col(PulseTally.round_id).in_(ids))).all():
        found[row.round_id].append(row)
    return found


def remarks(*, session: Session, round_id: int, team_id: str) -> list[str]:
    """A party's open answers, in the order of their random keys: not the order they came in."""
    query = (
        select(PulseRemark.text)
        .where(PulseRemark.round_id == round_id, PulseRemark.team_id == team_id)
        .order_by(col(PulseRemark.key))
    )
    return list(session.exec(query).all())
