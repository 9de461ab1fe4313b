"""The scorecard: success for both parties. Metrics and their readings, contributions, the two-sided view, and
the imbalance rule that says when one side gains while the other does not.

Goals, the agreed timeframe, open disputes and decisions belong to the charter; they are read here through the
small read-only functions `charter_terms`, `open_disputes` and `decisions`, which answer nothing until the
charter is connected to them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from sqlmodel import Session, col, select

from bot.core import scorecard_types as sc
from bot.core import views
from bot.core.calendar import zone
from bot.core.dates import END_OF_WORKING_DAY, DateProblem, parse_due
from bot.core.errors import CommandError
from bot.core.visibility import may_see, private_to
from storage import repository as repo
from storage import scorecard as store
from storage.models import (
    Alliance,
    Commitment,
    Contribution,
    Decision,
    Dispute,
    Metric,
    MetricReading,
    ScorecardSettings,
    Status,
)

if TYPE_CHECKING:
    from bot.core.service import AllianceService, Caller

DEFAULT_THRESHOLD = 25  # percentage points of progress between the parties
PARTY_MATCH = 80  # rapidfuzz score from which a typed party name counts as that party
METRIC_MATCH = 85


# ---- what the charter will answer (nothing yet) ----------------------------------------------------------


@dataclass(frozen=True)
class CharterTerms:
    """The agreed timeframe and the goals, as the charter states them."""

    timeframe_end: datetime | None = None
    goals: list[sc.Goal] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionRow:
    at: datetime
    text: str
    decided_by: str
    consulted: list[str] = field(default_factory=list)


def charter_terms(session: Session, alliance_id: int) -> CharterTerms:
    """The alliance's goals and agreed timeframe, as the charter in force states them (signed or not yet)."""
    from bot.core import charter  # the charter builds on the service, which builds on this module

    alliance = session.get(Alliance, alliance_id)
    if alliance is None:
        return CharterTerms()
    view = charter.charter_view(session, alliance)
    if view.version == 0:
        return CharterTerms()
    tz = zone(alliance.home_tz)
    team_of = {p.name.lower(): p.team_id for p in view.parties}

    def at(day: date) -> datetime:
        return datetime.combine(day, END_OF_WORKING_DAY, tzinfo=tz)

    goals = [
        sc.Goal(
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
    rows = session.exec(
        select(Dispute)
        .where(Dispute.alliance_id == alliance_id, col(Dispute.resolved_at).is_(None))
        .order_by(col(Dispute.ref))
    ).all()
    return [f"#{d.ref} {d.topic}" for d in rows]


def decisions(session: Session, alliance_id: int) -> list[DecisionRow]:
    """The alliance's recorded decisions, oldest first."""
    rows = session.exec(select(Decision).where(Decision.alliance_id == alliance_id).order_by(col(Decision.ref))).all()
    return [
        DecisionRow(at=d.at, text=d.text, decided_by=d.decided_by, consulted=list(json.loads(d.consulted or "[]")))
        for d in rows
    ]


# ---- errors ----------------------------------------------------------------------------------------------


class ScorecardError(CommandError):
    """A scorecard command that cannot be carried out as typed; nothing was changed."""


class UnknownParty(ScorecardError):
    def __init__(self, typed: str, known: list[str]) -> None:
        super().__init__(typed)
        self.typed = typed
        self.known = known


class NoSuchMetric(ScorecardError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class AmbiguousMetric(ScorecardError):
    def __init__(self, name: str, parties: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.parties = parties


class MetricExists(ScorecardError):
    def __init__(self, name: str, party: str) -> None:
        super().__init__(name)
        self.name = name
        self.party = party


class InternalToOwnParty(ScorecardError):
    """Only a party's own people may keep something internal to it."""

    def __init__(self, party: str) -> None:
        super().__init__(party)
        self.party = party


class UnitMismatch(ScorecardError):
    def __init__(self, name: str, unit: str, given: str) -> None:
        super().__init__(name)
        self.name = name
        self.unit = unit
        self.given = given


class BadMetricDate(ScorecardError):
    def __init__(self, problem: DateProblem) -> None:
        super().__init__(problem)
        self.problem = problem


# ---- reading the scorecard -------------------------------------------------------------------------------


def internal(row: object) -> bool:
    """Whether a row is internal to its party. Commitments gain the flag with the trust boundaries; until then a
    row without it is shared."""
    return bool(getattr(row, "internal", False))


def metric_views(session: Session, alliance: Alliance, rows: Sequence[Metric]) -> list[sc.MetricView]:
    sides = _sides(session, alliance)
    found = store.readings(session=session, metric_ids=[m.id for m in rows if m.id is not None])
    return [_metric_view(m, sides, found.get(m.id or 0, [])) for m in rows]


def _metric_view(m: Metric, sides: dict[str, sc.Side], readings: list[MetricReading]) -> sc.MetricView:
    return sc.MetricView(
        name=m.name,
        party=sides.get(m.party_team_id, sc.Side(m.party_team_id, m.party_team_id)),
        unit=m.unit,
        baseline=m.baseline,
        target=m.target,
        due_at=m.due_at,
        internal=m.internal,
        readings=[sc.Reading(value=r.value, at=r.at, by=r.recorded_by) for r in readings],
    )


def contribution_view(c: Contribution, sides: dict[str, sc.Side]) -> sc.ContributionView:
    return sc.ContributionView(
        party=sides.get(c.party_team_id, sc.Side(c.party_team_id, c.party_team_id)),
        what=c.what,
        amount=sc.Amount(c.amount, c.unit) if c.amount is not None else None,
        kind=sc.Kind(c.kind) if c.kind in sc.Kind.__members__.values() else sc.Kind.OTHER,
        period=c.period,
        internal=c.internal,
        by=c.recorded_by,
        at=c.at,
    )


def _sides(session: Session, alliance: Alliance) -> dict[str, sc.Side]:
    return {p.team_id: sc.Side(p.team_id, p.name) for p in views.parties(session, alliance)}


def punctuality(rows: Sequence[Commitment], now: datetime) -> sc.Punctuality:
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
    return sc.Punctuality(done_on_time=on_time, done_late=late, slips=slips, open_overdue=overdue)


def threshold_of(session: Session, alliance_id: int) -> int:
    row = store.settings(session=session, alliance_id=alliance_id)
    return row.balance_threshold if row is not None else DEFAULT_THRESHOLD


def build_card(session: Session, alliance: Alliance, now: datetime) -> sc.ScorecardView:
    """Everything the scorecard shows, internal items included: renderers show `seen_by(audience)` of it."""
    assert alliance.id is not None
    sides = _sides(session, alliance)
    metrics = metric_views(session, alliance, store.metrics(session=session, alliance_id=alliance.id))
    given = [contribution_view(c, sides) for c in store.contributions(session=session, alliance_id=alliance.id)]
    statuses = (Status.OPEN, Status.DONE, Status.DROPPED)
    commitments = repo.find_commitments(session=session, alliance_id=alliance.id, statuses=statuses)
    responses = store.checkin_responses(session=session, alliance_id=alliance.id)
    goals = charter_terms(session, alliance.id).goals
    cards = []
    for team_id, side in sides.items():
        mine = [c for c in commitments if c.party_team_id == team_id]
        asked = [answered for team, answered in responses if team == team_id]
        cards.append(
            sc.SideCard(
                party=side,
                metrics=[m for m in metrics if m.party.team_id == team_id],
                contributions=[c for c in given if c.party.team_id == team_id],
                delivery=punctuality(mine, now),
                delivery_shared=punctuality([c for c in mine if not internal(c)], now),
                responses=sc.Responses(asked=len(asked), answered=sum(asked)),
                goals=[g for g in goals if not g.team_ids or team_id in g.team_ids],
            )
        )
    return sc.ScorecardView(
        alliance=alliance.name,
        sides=cards,
        balance=balance_of(cards, threshold_of(session, alliance.id)),
        at=now,
        goals=goals,
    )


def balance_of(sides: Sequence[sc.SideCard], threshold: int) -> sc.Balance:
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
    return sc.Balance(threshold=threshold, progress=progress, ahead=ahead)


# ---- carrying out the commands ---------------------------------------------------------------------------


class ScorecardDesk:
    """Carries out the scorecard's commands for the alliance service."""

    def __init__(self, service: AllianceService) -> None:
        self.service = service

    def run(self, command: sc.ScorecardCommand, caller: Caller, alliance: Alliance) -> sc.ScorecardOutcome:
        assert alliance.id is not None
        match command:
            case sc.AddMetric():
                return self._add_metric(command, caller, alliance)
            case sc.RecordReading():
                return self._record(command, caller, alliance)
            case sc.ListMetrics():
                return self._metrics(caller, alliance)
            case sc.Contribute():
                return self._contribute(command, caller, alliance)
            case sc.ListContributions():
                return self._contributions(caller, alliance)
            case sc.ShowScorecard():
                return self._scorecard(caller, alliance)
            case sc.SetBalance(threshold=threshold):
                return self._balance(alliance, threshold)
            case sc.SetDigest(frequency=frequency):
                return self._digest(alliance, frequency)
            case sc.Export():
                from bot.core.export import export_for

                return export_for(self.service, caller, alliance)
        raise AssertionError(f"unhandled scorecard command {command!r}")

    def _team(self, caller: Caller) -> str:
        person = self.service.person(caller.user_id)
        return person.team_id if person is not None else ""

    def _party(self, alliance: Alliance, typed: str) -> sc.Side:
        with self.service.db.session() as session:
            sides = list(_sides(session, alliance).values())
        return match_party(typed, sides)

    def _add_metric(self, command: sc.AddMetric, caller: Caller, alliance: Alliance) -> sc.MetricAdded:
        assert alliance.id is not None
        person = self.service.person(caller.user_id)
        team = person.team_id if person else ""
        if team:
            self.service._ensure_party(alliance, team)
        side = self._party(alliance, command.party)
        if command.internal and side.team_id != team:
            raise InternalToOwnParty(side.name)
        due_at = None
        now = self.service.clock.now()
        if command.due_phrase:
            try:
                due_at = parse_due(command.due_phrase, now=now, tz=zone(person.tz if person else "UTC")).at
            except DateProblem as problem:
                raise BadMetricDate(problem) from problem
        unit = command.target.unit or (command.baseline.unit if command.baseline else "")
        with self.service.db.session() as session:
            taken = {
                m.name.lower()
                for m in store.metrics(session=session, alliance_id=alliance.id)
                if m.party_team_id == side.team_id
            }
            if command.name.lower() in taken:
                raise MetricExists(command.name, side.name)
            row = store.add_metric(
                session=session,
                alliance_id=alliance.id,
                party_team_id=side.team_id,
                name=command.name,
                unit=unit,
                baseline=command.baseline.value if command.baseline else None,
                target=command.target.value,
                due_at=due_at,
                internal=command.internal,
                created_by=caller.user_id,
                at=now,
            )
            if row is None:
                raise MetricExists(command.name, side.name)
            self._touch(session, alliance)
            view = metric_views(session, alliance, [row])[0]
        return sc.MetricAdded(metric=view, actor_id=caller.user_id)

    def _record(self, command: sc.RecordReading, caller: Caller, alliance: Alliance) -> sc.ReadingRecorded:
        assert alliance.id is not None
        audience = private_to(self._team(caller))
        now = self.service.clock.now()
        with self.service.db.session() as session:
            rows = [
                m
                for m in store.metrics(session=session, alliance_id=alliance.id)
                if may_see(audience, internal=m.internal, party_team_id=m.party_team_id)
            ]
            sides = _sides(session, alliance)
            if command.party:
                side = match_party(command.party, list(sides.values()))
                rows = [m for m in rows if m.party_team_id == side.team_id]
            metric = _pick_metric(command.name, rows, audience.team_id or "", sides)
            if command.value.unit and metric.unit and command.value.unit != metric.unit:
                raise UnitMismatch(metric.name, metric.unit, command.value.unit)
            assert metric.id is not None
            before = store.readings(session=session, metric_ids=[metric.id])[metric.id]
            store.add_reading(
                session=session, metric_id=metric.id, value=command.value.value, recorded_by=caller.user_id, at=now
            )
            self._touch(session, alliance)
            view = metric_views(session, alliance, [metric])[0]
        return sc.ReadingRecorded(metric=view, previous=before[-1].value if before else None, actor_id=caller.user_id)

    def _metrics(self, caller: Caller, alliance: Alliance) -> sc.MetricList:
        assert alliance.id is not None
        with self.service.db.session() as session:
            found = metric_views(session, alliance, store.metrics(session=session, alliance_id=alliance.id))
            parties = list(_sides(session, alliance).values())
        return sc.MetricList(parties=parties, metrics=found, viewer_team_id=self._team(caller))

    def _contribute(self, command: sc.Contribute, caller: Caller, alliance: Alliance) -> sc.ContributionAdded:
        assert alliance.id is not None
        team = self._team(caller)
        if team:
            self.service._ensure_party(alliance, team)
        side = self._party(alliance, command.party)
        if command.internal and side.team_id != team:
            raise InternalToOwnParty(side.name)
        with self.service.db.session() as session:
            row = store.add_contribution(
                session=session,
                contribution=Contribution(
                    alliance_id=alliance.id,
                    party_team_id=side.team_id,
                    what=command.what,
                    amount=command.amount.value if command.amount else None,
                    unit=command.amount.unit if command.amount else "",
                    kind=command.kind.value,
                    period=command.period,
                    internal=command.internal,
                    recorded_by=caller.user_id,
                    at=self.service.clock.now(),
                ),
            )
            view = contribution_view(row, _sides(session, alliance))
        return sc.ContributionAdded(contribution=view, actor_id=caller.user_id)

    def _contributions(self, caller: Caller, alliance: Alliance) -> sc.ContributionList:
        assert alliance.id is not None
        with self.service.db.session() as session:
            sides = _sides(session, alliance)
            items = [contribution_view(c, sides) for c in store.contributions(session=session, alliance_id=alliance.id)]
        return sc.ContributionList(parties=list(sides.values()), items=items, viewer_team_id=self._team(caller))

    def _scorecard(self, caller: Caller, alliance: Alliance) -> sc.ScorecardView:
        team = self._team(caller)
        with self.service.db.session() as session:
            card = build_card(session, alliance, self.service.clock.now())
        return replace(card, viewer_team_id=team)

    def _balance(self, alliance: Alliance, threshold: int | None) -> sc.BalanceSetting:
        assert alliance.id is not None
        with self.service.db.session() as session:
            row = self._settings(session, alliance)
            if threshold is not None:
                row.balance_threshold = threshold
                row.balance_dirty = True
                session.add(row)
            return sc.BalanceSetting(threshold=row.balance_threshold, changed=threshold is not None)

    def _digest(self, alliance: Alliance, frequency: sc.Frequency | None) -> sc.DigestSetting:
        from bot.core.digest import next_digest

        assert alliance.id is not None
        now = self.service.clock.now()
        with self.service.db.session() as session:
            row = self._settings(session, alliance)
            if frequency is not None:
                row.digest = frequency.value
                row.next_digest_at = next_digest(frequency, alliance.home_tz, now)
                session.add(row)
            return sc.DigestSetting(
                frequency=sc.Frequency(row.digest),
                changed=frequency is not None,
                next_at=row.next_digest_at if row.digest != sc.Frequency.OFF.value else None,
            )

    def _settings(self, session: Session, alliance: Alliance) -> ScorecardSettings:
        from bot.core.digest import next_digest

        assert alliance.id is not None
        row = store.settings(session=session, alliance_id=alliance.id)
        if row is None:
            first = next_digest(sc.Frequency.MONTHLY, alliance.home_tz, self.service.clock.now())
            row = store.add_settings(session=session, alliance_id=alliance.id, next_digest_at=first)
        return row

    def _touch(self, session: Session, alliance: Alliance) -> None:
        """The metrics changed: the sweep's imbalance rule looks at this alliance again."""
        row = self._settings(session, alliance)
        row.balance_dirty = True
        session.add(row)


def match_party(typed: str, sides: Sequence[sc.Side]) -> sc.Side:
    """The party a typed name means: exactly (ignoring case), as a prefix, or close enough (rapidfuzz)."""
    wanted = " ".join(typed.lower().split())
    for side in sides:
        if side.name.lower() == wanted:
            return side
    starts = [s for s in sides if s.name.lower().startswith(wanted) or wanted.startswith(s.name.lower())]
    if len(starts) == 1:
        return starts[0]
    best = process.extractOne(wanted, {s.team_id: s.name.lower() for s in sides}, scorer=fuzz.WRatio)
    if best is not None and best[1] >= PARTY_MATCH:
        return next(s for s in sides if s.team_id == best[2])
    raise UnknownParty(typed, [s.name for s in sides])


def _pick_metric(name: str, rows: Sequence[Metric], own_team: str, sides: dict[str, sc.Side]) -> Metric:
    wanted = " ".join(name.lower().split())
    exact = [m for m in rows if m.name.lower() == wanted]
    if not exact:
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
