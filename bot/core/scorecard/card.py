"""Reading the scorecard: metrics, contributions and punctuality per party, the charter's goals, the balance."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from bot.core import views
from bot.core.calendar import zone
from bot.core.charter.document import charter_view
from bot.core.dates import END_OF_WORKING_DAY
from bot.core.errors import AmbiguousMetric, NoSuchMetric, UnknownParty
from bot.core.pulse.summary import latest_headline
from bot.core.scorecard.commands import Amount, Kind
from bot.core.scorecard.results import (
    Balance,
    ContributionView,
    MetricView,
    Punctuality,
    Reading,
    Responses,
    ScorecardView,
    Side,
    SideCard,
)
from bot.core.scorecard.results import Goal as GoalProgress
from storage import charter as charter_store
from storage import repository as repo
from storage import scorecard as scorecard_store
from storage.models import (
    Alliance,
    Commitment,
    Contribution,
    Metric,
    MetricReading,
    Status,
)

DEFAULT_THRESHOLD = 25  # percentage points of progress between the parties
PARTY_MATCH = 80  # rapidfuzz score from which a typed party name counts as that party
METRIC_MATCH = 85


@dataclass(frozen=True)
class CharterTerms:
    """The agreed timeframe and the goals, as the charter states them."""

    timeframe_end: datetime | None = None
    goals: list[GoalProgress] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionRow:
    at: datetime
    text: str
    decided_by: str
    consulted: list[str] = field(default_factory=list)


def charter_terms(session: Session, alliance_id: int) -> CharterTerms:
    """The alliance's goals and agreed timeframe, as the charter in force states them (signed or not yet)."""
    alliance = session.get(Alliance, alliance_id)
    if alliance is None:
        return CharterTerms()
    view = charter_view(session, alliance)
    if view.version == 0:
        return CharterTerms()
    tz = zone(alliance.home_tz)
    team_of = {p.name.lower(): p.team_id for p in view.parties}

    def at(day: date) -> datetime:
        return datetime.combine(day, END_OF_WORKING_DAY, tzinfo=tz)

    goals = [
        GoalProgress(
            key=f"goal:{goal.target.isoformat()}:{goal.text[:120]}",
            title=goal.text,
            target_date=at(goal.target),
            team_ids=[team_of[name.lower()] for name in goal.benefits if name.lower() in team_of]
            or [p.team_id for p in view.parties],
        )
        for goal in view.goals
    ]
    return CharterTerms(timeframe_end=at(view.end) if view.end else None, goals=goals)


def open_disputes(session: Session, alliance_id: int) -> list[str]:
    """Topics of the alliance's open disputes, oldest first."""
    return [f"#{d.ref} {d.topic}" for d in charter_store.open_disputes(session=session, alliance_id=alliance_id)]


def decisions(session: Session, alliance_id: int) -> list[DecisionRow]:
    """The alliance's recorded decisions, oldest first."""
    rows = charter_store.decisions(session=session, alliance_id=alliance_id)
    return [
        DecisionRow(at=d.at, text=d.text, decided_by=d.decided_by, consulted=list(json.loads(d.consulted or "[]")))
        for d in rows
    ]


def internal(row: object) -> bool:
    """Whether a row is internal to its party. Commitments gain the flag with the trust boundaries; until then a
    row without it is shared."""
    return bool(getattr(row, "internal", False))


def metric_views(session: Session, alliance: Alliance, rows: Sequence[Metric]) -> list[MetricView]:
    sides = sides_of(session, alliance)
    found = scorecard_store.readings(session=session, metric_ids=[m.id for m in rows if m.id is not None])
    return [_metric_view(m, sides, found.get(m.id or 0, [])) for m in rows]


def _metric_view(m: Metric, sides: dict[str, Side], readings: list[MetricReading]) -> MetricView:
    return MetricView(
        name=m.name,
        party=sides.get(m.party_team_id, Side(m.party_team_id, m.party_team_id)),
        unit=m.unit,
        baseline=m.baseline,
        target=m.target,
        due_at=m.due_at,
        internal=m.internal,
        readings=[Reading(value=r.value, at=r.at, by=r.recorded_by) for r in readings],
    )


def contribution_view(c: Contribution, sides: dict[str, Side]) -> ContributionView:
    return ContributionView(
        party=sides.get(c.party_team_id, Side(c.party_team_id, c.party_team_id)),
        what=c.what,
        amount=Amount(c.amount, c.unit) if c.amount is not None else None,
        kind=Kind(c.kind) if c.kind in Kind.__members__.values() else Kind.OTHER,
        period=c.period,
        internal=c.internal,
        by=c.recorded_by,
        at=c.at,
    )


def sides_of(session: Session, alliance: Alliance) -> dict[str, Side]:
    return {p.team_id: Side(p.team_id, p.name) for p in views.parties(session, alliance)}


def punctuality(rows: Sequence[Commitment], now: datetime) -> Punctuality:
    """Done on or before the due date, done after it, slips (each move of a due date), and open past due."""
    on_time = late = slips = overdue = 0
    for c in rows:
        slips += c.slips
        if c.status == Status.DONE.value and c.closed_at is not None:
            if c.closed_at <= c.due_at:
                on_time += 1
            else:
                late += 1
        elif c.status == Status.OPEN.value and c.due_at < now:
            overdue += 1
    return Punctuality(done_on_time=on_time, done_late=late, slips=slips, open_overdue=overdue)


def threshold_of(session: Session, alliance_id: int) -> int:
    row = scorecard_store.settings(session=session, alliance_id=alliance_id)
    return row.balance_threshold if row is not None else DEFAULT_THRESHOLD


def build_card(session: Session, alliance: Alliance, now: datetime) -> ScorecardView:
    """Everything the scorecard shows, internal items included: renderers show `seen_by(audience)` of it."""
    assert alliance.id is not None
    sides = sides_of(session, alliance)
    metrics = metric_views(session, alliance, scorecard_store.metrics(session=session, alliance_id=alliance.id))
    given = [
        contribution_view(c, sides) for c in scorecard_store.contributions(session=session, alliance_id=alliance.id)
    ]
    statuses = (Status.OPEN, Status.DONE, Status.DROPPED)
    commitments = repo.find_commitments(session=session, alliance_id=alliance.id, statuses=statuses)
    responses = scorecard_store.checkin_responses(session=session, alliance_id=alliance.id)
    shared_responses = scorecard_store.shared_checkin_responses(session=session, alliance_id=alliance.id)
    goals = charter_terms(session, alliance.id).goals
    cards = []
    for team_id, side in sides.items():
        mine = [c for c in commitments if c.party_team_id == team_id]
        asked = [answered for team, answered in responses if team == team_id]
        asked_shared = [answered for team, answered in shared_responses if team == team_id]
        cards.append(
            SideCard(
                party=side,
                metrics=[m for m in metrics if m.party.team_id == team_id],
                contributions=[c for c in given if c.party.team_id == team_id],
                delivery=punctuality(mine, now),
                delivery_shared=punctuality([c for c in mine if not internal(c)], now),
                responses=Responses(asked=len(asked), answered=sum(asked)),
                responses_shared=Responses(asked=len(asked_shared), answered=sum(asked_shared)),
                goals=[g for g in goals if not g.team_ids or team_id in g.team_ids],
            )
        )
    return ScorecardView(
        alliance=alliance.name,
        sides=cards,
        balance=balance_of(cards, threshold_of(session, alliance.id)),
        at=now,
        goals=goals,
        pulse=latest_headline(session, alliance.id),
    )


def balance_of(sides: Sequence[SideCard], threshold: int) -> Balance:
    """The imbalance rule. Each party's progress is the mean share of the way its *shared* metrics have come
    from baseline to target (each counted between 0 and 1); internal metrics never count, so both leads can be
    told the same facts. When the gap between the parties is `threshold` percentage points or more, the party
    ahead gains while the other does not. Both parties need a shared metric with a reading for a comparison."""
    progress: dict[str, float] = {}
    for side in sides:
        shared = [m for m in side.metrics if not m.internal]
        if shared and any(m.readings for m in shared):
            progress[side.party.team_id] = sum(min(max(m.progress, 0.0), 1.0) for m in shared) / len(shared)
    ahead = None
    if len(progress) >= 2:
        ranked = sorted(progress.items(), key=lambda kv: kv[1])
        (_, low), (high_team, high) = ranked[0], ranked[-1]
        if round((high - low) * 100, 6) >= threshold:
            ahead = high_team
    return Balance(threshold=threshold, progress=progress, ahead=ahead)


def match_party(typed: str, sides: Sequence[Side]) -> Side:
    """The party a typed name means: exactly (ignoring case), as a prefix, or close enough (rapidfuzz)."""
    wanted = " ".join(typed.lower().split())
    for side in sides:
        if side.name.lower() == wanted:
            return side
    starts = [s for s in sides if s.name.lower().startswith(wanted) or wanted.startswith(s.name.lower())]
    if len(starts) == 1:
        return starts[0]
    from rapidfuzz import fuzz, process  # at the first typo: a lean process until then (bot.core.lookup)

    best = process.extractOne(wanted, {s.team_id: s.name.lower() for s in sides}, scorer=fuzz.WRatio)
    if best is not None and best[1] >= PARTY_MATCH:
        return next(s for s in sides if s.team_id == best[2])
    raise UnknownParty(typed, [s.name for s in sides])


def pick_metric(name: str, rows: Sequence[Metric], own_team: str, sides: dict[str, Side]) -> Metric:
    wanted = " ".join(name.lower().split())
    exact = [m for m in rows if m.name.lower() == wanted]
    if not exact:
        from rapidfuzz import fuzz  # at the first inexact name (bot.core.lookup)

        scored = [(fuzz.WRatio(wanted, m.name.lower()), m) for m in rows]
        top = max((s for s, _ in scored), default=0)
        exact = [m for s, m in scored if s >= METRIC_MATCH and s == top]
    if not exact:
        raise NoSuchMetric(name)
    if len(exact) > 1:
        mine = [m for m in exact if m.party_team_id == own_team]
        if len(mine) == 1:
            return mine[0]
        raise AmbiguousMetric(name, [sides[m.party_team_id].name for m in exact if m.party_team_id in sides])
    return exact[0]
