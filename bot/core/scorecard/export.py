"""`export`: the alliance's record as one CSV (commitments with their history, metrics with their readings,
contributions, decisions), for one person and limited to what their organisation may see."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

from sqlmodel import Session

from bot.core.alliance import Caller, Work
from bot.core.parsing import MENTION
from bot.core.pulse.summary import summarise
from bot.core.scorecard.card import decisions, internal
from bot.core.scorecard.results import ExportReady
from bot.core.visibility import may_see, private_to
from storage import pulse as pulse_store
from storage import repository as repo
from storage import scorecard as scorecard_store
from storage.models import Alliance, Status

COLUMNS = [
    "section",
    "item",
    "party",
    "internal",
    "title",
    "owner",
    "status",
    "due",
    "baseline",
    "target",
    "value",
    "unit",
    "at",
    "by",
    "detail",
]


def export_for(work: Work, caller: Caller, alliance: Alliance) -> ExportReady:
    assert alliance.id is not None
    person = work.person(caller.user_id)
    audience = private_to(person.team_id if person else "")
    now = work.now()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    rows = 0

    def write(**fields: object) -> None:
        nonlocal rows
        writer.writerow({k: _cell(v) for k, v in fields.items()})
        rows += 1

    session = work.session
    names = {p.team_id: p.name for p in repo.list_parties(session=session, alliance_id=alliance.id)}
    people = _People(session)
    statuses = (Status.OPEN, Status.DONE, Status.DROPPED)
    commitments = [
        c
        for c in repo.find_commitments(session=session, alliance_id=alliance.id, statuses=statuses)
        if may_see(audience, internal=internal(c), party_team_id=c.party_team_id)
    ]
    events = repo.events_of(session=session, commitment_ids=[c.id for c in commitments])
    for c in sorted(commitments, key=lambda c: c.ref):
        write(
            section="commitment",
            item=f"#{c.ref}",
            party=names.get(c.party_team_id, c.party_team_id),
            internal=internal(c),
            title=people.text(c.title),
            owner=people.name(c.owner_id),
            status=c.status,
            due=c.due_at,
            at=c.created_at,
            by=people.name(c.created_by),
            detail=f"slips: {c.slips}" + (f"; dropped: {people.text(c.drop_reason)}" if c.drop_reason else ""),
        )
        for e in (e for e in events if e.commitment_id == c.id):
            write(
                section="commitment_history",
                item=f"#{c.ref}",
                party=names.get(c.party_team_id, c.party_team_id),
                internal=internal(c),
                title=people.text(c.title),
                status=e.kind,
                at=e.at,
                by=people.name(e.actor_id),
                detail=_detail(e.detail, people),
            )
    metrics = [
        m
        for m in scorecard_store.metrics(session=session, alliance_id=alliance.id)
        if may_see(audience, internal=m.internal, party_team_id=m.party_team_id)
    ]
    found = scorecard_store.readings(session=session, metric_ids=[m.id for m in metrics if m.id is not None])
    for m in metrics:
        party = names.get(m.party_team_id, m.party_team_id)
        write(
            section="metric",
            item=m.name,
            party=party,
            internal=m.internal,
            title=m.name,
            due=m.due_at,
            baseline=m.baseline,
            target=m.target,
            unit=m.unit,
            at=m.created_at,
            by=people.name(m.created_by),
        )
        for r in found.get(m.id or 0, []):
            write(
                section="metric_reading",
                item=m.name,
                party=party,
                internal=m.internal,
                title=m.name,
                value=r.value,
                unit=m.unit,
                at=r.at,
                by=people.name(r.recorded_by),
            )
    for given in scorecard_store.contributions(session=session, alliance_id=alliance.id):
        if not may_see(audience, internal=given.internal, party_team_id=given.party_team_id):
            continue
        write(
            section="contribution",
            item=given.kind,
            party=names.get(given.party_team_id, given.party_team_id),
            internal=given.internal,
            title=given.what,
            value=given.amount,
            unit=given.unit,
            at=given.at,
            by=people.name(given.recorded_by),
            detail=given.period or "",
        )
    for decision in decisions(session, alliance.id):
        write(
            section="decision",
            title=people.text(decision.text),
            at=decision.at,
            by=people.name(decision.decided_by),
            detail="consulted: " + ", ".join(people.name(u) for u in decision.consulted) if decision.consulted else "",
        )
    # The health pulse: averages only (each party's when both had three answers), never a single answer.
    for summary in summarise(session, pulse_store.rounds(session=session, alliance_id=alliance.id)):
        for f in summary.figures:
            shown = [("both", f.combined, summary.total)]
            if summary.split:
                shown += [(s.name, v, n) for s, v, n in zip(summary.sides, f.by_party, summary.answers, strict=True)]
            for party, average, answers in shown:
                write(
                    section="pulse",
                    item=f"pulse {summary.seq} #{f.number}",
                    party=party,
                    title=f.statement,
                    value=average,
                    at=summary.closed_at,
                    detail=f"{answers} answers" + (f"; {f.group.value}" if summary.split and party == "both" else ""),
                )
    slug = re.sub(r"[^a-z0-9]+", "-", alliance.name.lower()).strip("-") or "alliance"
    return ExportReady(user_id=caller.user_id, filename=f"{slug}-{now:%Y-%m-%d}.csv", csv=out.getvalue(), rows=rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float):
        return format(value, ".15g")
    text = str(value)
    # A cell a spreadsheet would run as a formula is written as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class _People:
    """People by name, as a spreadsheet's reader knows them: the name the bot knows, else the id."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[str, str] = {}

    def name(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        if user_id not in self.known:
            found = repo.get_people(session=self.session, user_ids=[user_id]).get(user_id)
            self.known[user_id] = found.name if found is not None and found.name else user_id
        return self.known[user_id]

    def text(self, text: str) -> str:
        """Typed text with its mentions (`<@U…>`) as @names."""
        return MENTION.sub(lambda m: f"@{self.name(m.group(1))}", text)


def _detail(raw: str, people: _People) -> str:
    if not raw:
        return ""
    try:
        data = json.loads(raw)
    except ValueError:
        return people.text(raw)
    if isinstance(data, dict):
        return "; ".join(f"{k}: {_person_or_value(k, v, people)}" for k, v in data.items())
    return people.text(raw)


def _person_or_value(key: str, value: object, people: _People) -> str:
    """A history detail's value: a person (who it moved from or to) by name, typed text with names."""
    if key in ("from", "to") and isinstance(value, str) and MENTION.fullmatch(f"<@{value}>"):
        return people.name(value)
    return people.text(str(value))
