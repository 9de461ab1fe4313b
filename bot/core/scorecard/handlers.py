"""Carrying out the scorecard's commands: metrics and readings, contributions, the card, balance, digest, export."""

from __future__ import annotations

from dataclasses import replace

from bot.core.alliance import Caller, Work
from bot.core.calendar import zone
from bot.core.dates import parse_due
from bot.core.errors import BadMetricDate, DateProblem, InternalToOwnParty, MetricExists, UnitMismatch
from bot.core.scorecard.card import build_card, contribution_view, match_party, metric_views, pick_metric, sides_of
from bot.core.scorecard.commands import (
    AddMetric,
    Contribute,
    Export,
    Frequency,
    ListContributions,
    ListMetrics,
    RecordReading,
    ScorecardCommand,
    SetBalance,
    SetDigest,
    ShowScorecard,
)
from bot.core.scorecard.digest import next_digest
from bot.core.scorecard.export import export_for
from bot.core.scorecard.results import (
    BalanceSetting,
    ContributionAdded,
    ContributionList,
    DigestSetting,
    MetricAdded,
    MetricList,
    ReadingRecorded,
    ScorecardOutcome,
    ScorecardView,
    Side,
)
from bot.core.visibility import may_see, private_to
from storage import scorecard as scorecard_store
from storage.models import (
    Alliance,
    Contribution,
    ScorecardSettings,
)


def run(work: Work, command: ScorecardCommand, caller: Caller, alliance: Alliance) -> ScorecardOutcome:
    assert alliance.id is not None
    match command:
        case AddMetric():
            return add_metric(work, command, caller, alliance)
        case RecordReading():
            return record(work, command, caller, alliance)
        case ListMetrics():
            return metrics(work, caller, alliance)
        case Contribute():
            return contribute(work, command, caller, alliance)
        case ListContributions():
            return contributions(work, caller, alliance)
        case ShowScorecard():
            return scorecard(work, caller, alliance)
        case SetBalance(threshold=threshold):
            return balance(work, alliance, threshold)
        case SetDigest(frequency=frequency):
            return digest(work, alliance, frequency)
        case Export():
            return export_for(work, caller, alliance)
    raise AssertionError(f"unhandled scorecard command {command!r}")


def party_of(work: Work, alliance: Alliance, typed: str) -> Side:
    session = work.session
    sides = list(sides_of(session, alliance).values())
    return match_party(typed, sides)


def add_metric(work: Work, command: AddMetric, caller: Caller, alliance: Alliance) -> MetricAdded:
    assert alliance.id is not None
    person = work.person(caller.user_id)
    team = person.team_id if person else ""
    if team:
        work.ensure_party(alliance, team)
    side = party_of(work, alliance, command.party)
    if command.internal and side.team_id != team:
        raise InternalToOwnParty(side.name)
    due_at = None
    now = work.now()
    if command.due_phrase:
        try:
            due_at = parse_due(command.due_phrase, now=now, tz=zone(person.tz if person else "UTC")).at
        except DateProblem as problem:
            raise BadMetricDate(problem) from problem
    unit = command.target.unit or (command.baseline.unit if command.baseline else "")
    session = work.session
    taken = {
        m.name.lower()
        for m in scorecard_store.metrics(session=session, alliance_id=alliance.id)
        if m.party_team_id == side.team_id
    }
    if command.name.lower() in taken:
        raise MetricExists(command.name, side.name)
    row = scorecard_store.add_metric(
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
    touch(work, alliance)
    view = metric_views(session, alliance, [row])[0]
    return MetricAdded(metric=view, actor_id=caller.user_id)


def record(work: Work, command: RecordReading, caller: Caller, alliance: Alliance) -> ReadingRecorded:
    assert alliance.id is not None
    audience = private_to(caller.team_id)
    now = work.now()
    session = work.session
    rows = [
        m
        for m in scorecard_store.metrics(session=session, alliance_id=alliance.id)
        if may_see(audience, internal=m.internal, party_team_id=m.party_team_id)
    ]
    sides = sides_of(session, alliance)
    if command.party:
        side = match_party(command.party, list(sides.values()))
        rows = [m for m in rows if m.party_team_id == side.team_id]
    metric = pick_metric(command.name, rows, audience.team_id or "", sides)
    if command.value.unit and metric.unit and command.value.unit != metric.unit:
        raise UnitMismatch(metric.name, metric.unit, command.value.unit)
    assert metric.id is not None
    before = scorecard_store.readings(session=session, metric_ids=[metric.id])[metric.id]
    scorecard_store.add_reading(
        session=session, metric_id=metric.id, value=command.value.value, recorded_by=caller.user_id, at=now
    )
    touch(work, alliance)
    view = metric_views(session, alliance, [metric])[0]
    return ReadingRecorded(metric=view, previous=before[-1].value if before else None, actor_id=caller.user_id)


def metrics(work: Work, caller: Caller, alliance: Alliance) -> MetricList:
    assert alliance.id is not None
    session = work.session
    found = metric_views(session, alliance, scorecard_store.metrics(session=session, alliance_id=alliance.id))
    parties = list(sides_of(session, alliance).values())
    return MetricList(parties=parties, metrics=found, viewer_team_id=caller.team_id)


def contribute(work: Work, command: Contribute, caller: Caller, alliance: Alliance) -> ContributionAdded:
    assert alliance.id is not None
    team = caller.team_id
    if team:
        work.ensure_party(alliance, team)
    side = party_of(work, alliance, command.party)
    if command.internal and side.team_id != team:
        raise InternalToOwnParty(side.name)
    session = work.session
    row = scorecard_store.add_contribution(
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
            at=work.now(),
        ),
    )
    view = contribution_view(row, sides_of(session, alliance))
    return ContributionAdded(contribution=view, actor_id=caller.user_id)


def contributions(work: Work, caller: Caller, alliance: Alliance) -> ContributionList:
    assert alliance.id is not None
    session = work.session
    sides = sides_of(session, alliance)
    items = [
        contribution_view(c, sides) for c in scorecard_store.contributions(session=session, alliance_id=alliance.id)
    ]
    return ContributionList(parties=list(sides.values()), items=items, viewer_team_id=caller.team_id)


def scorecard(work: Work, caller: Caller, alliance: Alliance) -> ScorecardView:
    team = caller.team_id
    session = work.session
    card = build_card(session, alliance, work.now())
    return replace(card, viewer_team_id=team)


def balance(work: Work, alliance: Alliance, threshold: int | None) -> BalanceSetting:
    assert alliance.id is not None
    session = work.session
    row = settings_of(work, alliance)
    if threshold is not None:
        row.balance_threshold = threshold
        row.balance_dirty = True
        session.add(row)
    return BalanceSetting(threshold=row.balance_threshold, changed=threshold is not None)


def digest(work: Work, alliance: Alliance, frequency: Frequency | None) -> DigestSetting:
    assert alliance.id is not None
    now = work.now()
    session = work.session
    row = settings_of(work, alliance)
    if frequency is not None:
        row.digest = frequency.value
        row.next_digest_at = next_digest(frequency, alliance.home_tz, now)
        session.add(row)
    return DigestSetting(
        frequency=Frequency(row.digest),
        changed=frequency is not None,
        next_at=row.next_digest_at if row.digest != Frequency.OFF.value else None,
    )


def settings_of(work: Work, alliance: Alliance) -> ScorecardSettings:
    assert alliance.id is not None
    session = work.session
    row = scorecard_store.settings(session=session, alliance_id=alliance.id)
    if row is None:
        first = next_digest(Frequency.MONTHLY, alliance.home_tz, work.now())
        row = scorecard_store.add_settings(session=session, alliance_id=alliance.id, next_digest_at=first)
    return row


def touch(work: Work, alliance: Alliance) -> None:
    """The metrics changed: the sweep's imbalance rule looks at this alliance again."""
    row = settings_of(work, alliance)
    row.balance_dirty = True
    work.session.add(row)
