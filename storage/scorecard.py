"""Repository functions of the scorecard: metrics and readings, contributions, settings, review answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import exc, text, union
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import (
    Alliance,
    Checkin,
    CheckinAnswer,
    Commitment,
    Contribution,
    Delivery,
    Metric,
    MetricReading,
    Person,
    ReviewAnswer,
    ScorecardSettings,
)


def metrics(*, session: Session, alliance_id: int) -> Sequence[Metric]:
    return session.exec(select(Metric).where(Metric.alliance_id == alliance_id).order_by(col(Metric.id))).all()


def readings(*, session: Session, metric_ids: Iterable[int]) -> dict[int, list[MetricReading]]:
    """metric id -> its readings, oldest first."""
    ids = sorted(set(metric_ids))
    found: dict[int, list[MetricReading]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.exec(
        select(MetricReading)
        .where(col(MetricReading.metric_id).in_(ids))
        .order_by(col(MetricReading.at), col(MetricReading.id))
    ).all()
    for row in rows:
        found[row.metric_id].append(row)
    return found


def add_metric(
    *,
    session: Session,
    alliance_id: int,
    party_team_id: str,
    name: str,
    unit: str,
    baseline: float | None,
    target: float,
    due_at: datetime | None,
    internal: bool,
    created_by: str,
    at: datetime,
) -> Metric | None:
    """A new metric; None when the party already has one of that name."""
    try:
        with session.begin_nested():
            metric = Metric(
                alliance_id=alliance_id,
                party_team_id=party_team_id,
                name=name,
                unit=unit,
                baseline=baseline,
                target=target,
                due_at=due_at,
                internal=internal,
                created_by=created_by,
                created_at=at,
            )
            session.add(metric)
            session.flush()
        return metric
    except exc.IntegrityError:
        return None


def add_reading(*, session: Session, metric_id: int, value: float, recorded_by: str, at: datetime) -> MetricReading:
    reading = MetricReading(metric_id=metric_id, value=value, recorded_by=recorded_by, at=at)
    session.add(reading)
    session.flush()
    return reading


def contributions(*, session: Session, alliance_id: int) -> Sequence[Contribution]:
    return session.exec(
        select(Contribution).where(Contribution.alliance_id == alliance_id).order_by(col(Contribution.id))
    ).all()


def add_contribution(*, session: Session, contribution: Contribution) -> Contribution:
    session.add(contribution)
    session.flush()
    return contribution


def settings(*, session: Session, alliance_id: int) -> ScorecardSettings | None:
    return session.get(ScorecardSettings, alliance_id)


def add_settings(*, session: Session, alliance_id: int, next_digest_at: datetime | None) -> ScorecardSettings:
    """The alliance's scorecard settings with their defaults; the existing row if another writer was first."""
    try:
        with session.begin_nested():
            row = ScorecardSettings(alliance_id=alliance_id, next_digest_at=next_digest_at)
            session.add(row)
            session.flush()
        return row
    except exc.IntegrityError:
        existing = session.get(ScorecardSettings, alliance_id)
        if existing is None:
            raise
        return existing


def needing_attention(*, session: Session, now: datetime, reviews_before: datetime, limit: int) -> list[int]:
    """Ids of the alliances the sweep has scorecard work for, as plain rows: not planned for yet (the partial index
    of those), metrics changed since the imbalance rule looked, a digest due, or review dates not looked at for a
    while. Alliances not planned for come first; the scorecard sets `scorecard_planned` once it has.

    Each condition is asked on its own, in one statement (a UNION), so that each reads its own index: as one OR,
    and in order of id, SQLite read every alliance's settings, every minute. Which `limit` of many are returned is
    the database's choice; they are handed back in order of id, and the rest come in the next sweeps."""
    s = ScorecardSettings
    new = sa_select(col(Alliance.id)).where(text("NOT alliance.scorecard_planned")).order_by(col(Alliance.id))
    due = union(
        sa_select(col(s.alliance_id)).where(text("scorecardsettings.balance_dirty")),  # as its partial index says it
        sa_select(col(s.alliance_id)).where(col(s.digest) != "off", col(s.next_digest_at) <= now),
        sa_select(col(s.alliance_id)).where(col(s.reviews_checked_at).is_(None)),
        sa_select(col(s.alliance_id)).where(col(s.reviews_checked_at) < reviews_before),
    ).limit(limit)
    connection = session.connection()
    found = [int(row[0]) for row in connection.execute(new.limit(limit))]
    if len(found) < limit:
        seen = set(found)
        found += sorted(int(i) for (i,) in connection.execute(due) if i not in seen)[: limit - len(found)]
    return found


def checkin_responses(*, session: Session, alliance_id: int) -> list[tuple[str, bool]]:
    """(team id of the person asked, whether they answered) for every check-in question sent in the alliance."""
    asked = session.exec(
        select(Delivery.checkin_id, Delivery.recipient_id).where(
            Delivery.alliance_id == alliance_id, Delivery.kind == "checkin_ask", Delivery.status == "sent"
        )
    ).all()
    if not asked:
        return []
    checkin_ids = {c for c, _ in asked if c is not None}
    answered = {
        (a.checkin_id, a.user_id)
        for a in session.exec(
            select(CheckinAnswer)
            .join(Checkin, col(Checkin.id) == col(CheckinAnswer.checkin_id))
            .where(col(CheckinAnswer.checkin_id).in_(sorted(checkin_ids)))
        ).all()
    }
    teams = {
        p.user_id: p.team_id
        for p in session.exec(select(Person).where(col(Person.user_id).in_(sorted({u for _, u in asked})))).all()
    }
    return [(teams.get(user_id, ""), (checkin_id, user_id) in answered) for checkin_id, user_id in asked]


def shared_checkin_responses(*, session: Session, alliance_id: int) -> list[tuple[str, bool]]:
    """As `checkin_responses`, as the other organisation may count them: only questions that asked about a shared
    commitment (one the person owned, open when the check-in opened), answered only by an answer about a shared
    one. Someone asked only about internal items is no question at all here."""
    asked = session.exec(
        select(Delivery.checkin_id, Delivery.recipient_id).where(
            Delivery.alliance_id == alliance_id, Delivery.kind == "checkin_ask", Delivery.status == "sent"
        )
    ).all()
    if not asked:
        return []
    opened = {c.id: c.opened_at for c in session.exec(select(Checkin).where(Checkin.alliance_id == alliance_id)).all()}
    shared = session.exec(
        select(Commitment).where(Commitment.alliance_id == alliance_id, col(Commitment.internal).is_(False))
    ).all()
    shared_ids = {c.id for c in shared}
    answered = {
        (a.checkin_id, a.user_id)
        for a in session.exec(
            select(CheckinAnswer).where(col(CheckinAnswer.checkin_id).in_(sorted(c for c in opened if c is not None)))
        ).all()
        if a.commitment_id in shared_ids
    }
    teams = {
        p.user_id: p.team_id
        for p in session.exec(select(Person).where(col(Person.user_id).in_(sorted({u for _, u in asked})))).all()
    }

    def about_shared(checkin_id: int | None, user_id: str) -> bool:
        at = opened.get(checkin_id)
        return at is not None and any(
            c.owner_id == user_id and c.created_at <= at and (c.closed_at is None or c.closed_at >= at) for c in shared
        )

    return [
        (teams.get(user_id, ""), (checkin_id, user_id) in answered)
        for checkin_id, user_id in asked
        if about_shared(checkin_id, user_id)
    ]


def answer_review(
    *, session: Session, alliance_id: int, review_key: str, user_id: str, verdict: str, at: datetime
) -> ReviewAnswer:
    """A lead's answer to a review; answering again replaces their earlier answer."""
    existing = session.exec(
        select(ReviewAnswer).where(
            ReviewAnswer.alliance_id == alliance_id,
            ReviewAnswer.review_key == review_key,
            ReviewAnswer.user_id == user_id,
        )
    ).first()
    if existing is not None:
        existing.verdict, existing.at = verdict, at
        session.add(existing)
        return existing
    row = ReviewAnswer(alliance_id=alliance_id, review_key=review_key, user_id=user_id, verdict=verdict, at=at)
    session.add(row)
    session.flush()
    return row
