"""Figures from the counts: per statement, each party's average and the combined one, the group, the trend, and
the headline the scorecard and the sponsor digest carry."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlmodel import Session

from bot.core.pulse.classification import classify
from bot.core.pulse.results import MIN_ANSWERS, Figures, Headline, PulseSummary, Trend
from bot.core.views import PartyView
from storage import pulse as store
from storage import repository as repo
from storage.models import PulseRound, PulseTally


def _average(rows: Sequence[PulseTally]) -> float | None:
    n = sum(r.count for r in rows)
    return round(sum(r.rating * r.count for r in rows) / n, 2) if n else None


def summarise(session: Session, rounds: Sequence[PulseRound]) -> list[PulseSummary]:
    """Each round's figures, in the order given."""
    if not rounds:
        return []
    ids = [r.id for r in rounds if r.id is not None]
    tallies = store.tallies(session=session, round_ids=ids)
    counts = store.answers_by_team(session=session, round_ids=ids)
    parties = repo.list_parties(session=session, alliance_id=rounds[0].alliance_id)
    sides = tuple(PartyView(p.team_id, p.name) for p in parties)
    found = []
    for r in rounds:
        assert r.id is not None
        answers = tuple(counts[r.id].get(s.team_id, 0) for s in sides)
        split = len(sides) == 2 and all(n >= MIN_ANSWERS for n in answers)
        enough = sum(answers) >= MIN_ANSWERS
        figures = []
        for number, statement in enumerate(json.loads(r.questions), start=1):
            rows = [t for t in tallies[r.id] if t.question == number]
            by_party = tuple(_average([t for t in rows if t.team_id == s.team_id]) for s in sides) if split else ()
            group = classify(*by_party) if split else classify(None, None)
            figures.append(Figures(number, statement, _average(rows) if enough else None, by_party, group))
        found.append(PulseSummary(r.seq, r.closed_at, sides, answers, split, tuple(figures)))
    return found


def trends(summaries: Sequence[PulseSummary]) -> tuple[Trend, ...]:
    """Each statement's combined average across pulses, by number (a reworded statement keeps its theme)."""
    if not summaries:
        return ()
    latest = summaries[-1]
    return tuple(Trend(f.number, f.statement, tuple(_of(s, f.number) for s in summaries)) for f in latest.figures)


def _of(summary: PulseSummary, number: int) -> float | None:
    return next((f.combined for f in summary.figures if f.number == number), None)


def headline(summaries: Sequence[PulseSummary]) -> Headline | None:
    """The latest pulse's headline: its widest gap and how it moved, or its lowest combined statement."""
    if not summaries:
        return None
    latest, before = summaries[-1], (summaries[-2] if len(summaries) > 1 else None)
    gaps = [f for f in latest.figures if f.gap is not None]
    if gaps:
        widest = max(gaps, key=lambda f: (f.gap or 0.0, -f.number))
        a, b = widest.by_party
        higher = latest.sides[0].name if (a or 0) > (b or 0) else latest.sides[1].name if (b or 0) > (a or 0) else ""
        previous = next((f.gap for f in before.figures if f.number == widest.number), None) if before else None
        return Headline(latest.seq, widest.statement, gap=widest.gap, higher=higher, previous_gap=previous)
    rated = [f for f in latest.figures if f.combined is not None]
    if not rated:
        return None
    lowest = min(rated, key=lambda f: (f.combined or 0.0, f.number))
    previous_combined = _of(before, lowest.number) if before else None
    return Headline(latest.seq, lowest.statement, combined=lowest.combined, previous_combined=previous_combined)


def latest_headline(session: Session, alliance_id: int) -> Headline | None:
    """The headline of the alliance's latest closed pulse (and the one before, for the direction)."""
    closed = store.rounds(session=session, alliance_id=alliance_id)
    return headline(summarise(session, closed[-2:]))
