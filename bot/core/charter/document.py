"""The charter as a document: its fields, reading and writing its versions and drafts, what is missing, what changed."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.core.charter.results import DEFAULT_STEPS, CharterParty, CharterView, DisputeStep, FieldChange, Goal
from bot.core.errors import CharterError
from storage import charter as charter_store
from storage import repository as repo
from storage.models import Alliance, CharterDraft, CharterVersion, Party

CADENCES = ("default", "weekly", "fortnightly", "monthly")


STEP_WHO = ("leads", "sponsors", "mediator")


MAX_GOALS = 20


GOALS_TEXT = 3000  # the most a Slack text box holds


MAX_TEXT = 1000


FORM_STEPS = 3


# What a charter must say before it can be signed; the rest (formality, lines of communication, what is shared and
# what is held back) is welcome but optional.
REQUIRED = ("goals", "timeframe", "leads", "sponsors", "decision_makers", "mediator")


# The fields in the order they are read, compared and shown.
FIELDS = (
    "name",
    "goals",
    "timeframe",
    "leads",
    "sponsors",
    "decision_makers",
    "cadence",
    "formality",
    "communication",
    "steps",
    "mediator",
    "shared",
    "held_back",
)


GOAL_LINE = re.compile(r"^\s*(?:[-*•]\s*)?(.+?)\s*\|\s*(\S+)\s*(?:\|\s*(.*?))?\s*$")


def parse_goals(text: str, parties: list[CharterParty]) -> list[Goal]:
    """One goal per line: `text | YYYY-MM-DD | Acme, Globex`; the parties it benefits may be left out (both)."""
    names = {p.name.lower(): p.name for p in parties}
    goals = []
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_GOALS:
        raise CharterError("too_many_goals", field="goals", detail=str(MAX_GOALS))
    for number, line in enumerate(lines, start=1):
        match = GOAL_LINE.match(line)
        if match is None:
            raise CharterError("bad_goal", field="goals", detail=f"{number}:{line.strip()[:60]}")
        what, when, who = match.group(1), match.group(2), match.group(3) or ""
        try:
            target = date.fromisoformat(when)
        except ValueError:
            raise CharterError("bad_goal_date", field="goals", detail=f"{number}:{when[:20]}") from None
        benefits = []
        for word in (w.strip() for w in re.split(r"[,;&]|\band\b", who) if w.strip()):
            if word.lower() in ("both", "all", "everyone"):
                benefits = [p.name for p in parties]
                continue
            if word.lower() not in names:
                raise CharterError("bad_goal_party", field="goals", detail=f"{number}:{word[:40]}")
            benefits.append(names[word.lower()])
        goals.append(Goal(what[:200], target, tuple(dict.fromkeys(benefits or [p.name for p in parties]))))
    if len("\n".join(goal_line(x) for x in goals)) > GOALS_TEXT:
        # Written out in full (both parties named) they must still fit the form's box, to be edited again.
        raise CharterError("goals_too_long", field="goals", detail=str(GOALS_TEXT))
    return goals


def goal_line(goal: Goal) -> str:
    """A goal as the form's one line per goal, so that what is shown can be edited back."""
    return f"{goal.text} | {goal.target.isoformat()} | {', '.join(goal.benefits)}"


def charter_view(session: Session, alliance: Alliance, *, content: dict[str, Any] | None = None) -> CharterView:
    """The charter in force (or `content`, not yet saved), with the alliance's parties and their roles."""
    assert alliance.id is not None
    row = current_version(session, alliance.id)
    data = content if content is not None else (json.loads(row.content) if row is not None else {})
    parties = [
        CharterParty(team_id=p.team_id, name=p.name, lead_id=p.lead_id, sponsor_id=p.sponsor_id)
        for p in party_rows(session, alliance)
    ]
    if content is not None:
        leads, sponsors = data.get("leads") or {}, data.get("sponsors") or {}
        parties = [
            replace(p, lead_id=leads.get(p.team_id) or p.lead_id, sponsor_id=sponsors.get(p.team_id) or p.sponsor_id)
            for p in parties
        ]
    fresh = session.get(Alliance, alliance.id) or alliance
    signed_by: list[str] = []
    if row is not None and content is None:
        signed_by = [
            s.user_id for s in charter_store.signers(session=session, alliance_id=alliance.id, version=row.version)
        ]
    view = CharterView(
        channel_id=alliance.channel_id,
        version=row.version if row is not None and content is None else 0,
        name=str(data.get("name") or alliance.name),
        parties=parties,
        goals=[
            Goal(str(x["text"]), date.fromisoformat(x["target"]), tuple(x.get("benefits") or ()))
            for x in data.get("goals") or []
        ],
        start=date.fromisoformat(data["start"]) if data.get("start") else None,
        end=date.fromisoformat(data["end"]) if data.get("end") else None,
        decision_makers=list(data.get("decision_makers") or []),
        cadence=fresh.cadence if content is None else str(data.get("cadence") or fresh.cadence),
        formality=str(data.get("formality") or ""),
        communication=str(data.get("communication") or ""),
        steps=[DisputeStep(str(s["who"]), int(s["days"])) for s in data.get("steps") or []] or list(DEFAULT_STEPS),
        mediator=str(data.get("mediator") or ""),
        mediator_id=data.get("mediator_id") or None,
        shared=str(data.get("shared") or ""),
        held_back=str(data.get("held_back") or ""),
        edited_by=row.edited_by if row is not None and content is None else None,
        edited_at=row.edited_at if row is not None and content is None else None,
        signed_by=signed_by,
        signed_at=row.signed_at if row is not None and content is None else None,
    )
    return replace(view, missing=missing(view))


def missing(view: CharterView) -> list[str]:
    """What a charter must still say before it can be signed (keys of REQUIRED)."""
    gaps = {
        "goals": not view.goals,
        "timeframe": view.start is None or view.end is None,
        "leads": any(not p.lead_id for p in view.parties),
        "sponsors": any(not p.sponsor_id for p in view.parties),
        "decision_makers": not view.decision_makers,
        "mediator": not view.mediator and not view.mediator_id,
    }
    return [key for key in REQUIRED if gaps[key]]


def content_of(view: CharterView) -> dict[str, Any]:
    return {
        "name": view.name,
        "goals": [{"text": x.text, "target": x.target.isoformat(), "benefits": list(x.benefits)} for x in view.goals],
        "start": view.start.isoformat() if view.start else None,
        "end": view.end.isoformat() if view.end else None,
        "leads": {p.team_id: p.lead_id for p in view.parties if p.lead_id},
        "sponsors": {p.team_id: p.sponsor_id for p in view.parties if p.sponsor_id},
        "decision_makers": view.decision_makers,
        "cadence": view.cadence,
        "formality": view.formality,
        "communication": view.communication,
        "steps": [{"who": s.who, "days": s.days} for s in view.steps],
        "mediator": view.mediator,
        "mediator_id": view.mediator_id,
        "shared": view.shared,
        "held_back": view.held_back,
    }


def field_value(view: CharterView, key: str) -> str:
    """One field as plain words (people as portable `<@ID>` mentions), for the field-by-field diff."""
    match key:
        case "name":
            return view.name
        case "goals":
            return "\n".join(goal_line(x) for x in view.goals)
        case "timeframe":
            return f"{view.start.isoformat()} to {view.end.isoformat()}" if view.start and view.end else ""
        case "leads" | "sponsors":
            attr = "lead_id" if key == "leads" else "sponsor_id"
            return ", ".join(f"{p.name}: <@{getattr(p, attr)}>" for p in view.parties if getattr(p, attr))
        case "decision_makers":
            return ", ".join(f"<@{u}>" for u in view.decision_makers)
        case "cadence":
            return view.cadence
        case "steps":
            return ", then ".join(f"{s.who} ({s.days} working days)" for s in view.steps)
        case "mediator":
            return ", ".join(x for x in (view.mediator, f"<@{view.mediator_id}>" if view.mediator_id else "") if x)
    return str(getattr(view, key))


def diff(before: CharterView, after: CharterView) -> list[FieldChange]:
    changes = []
    for key in FIELDS:
        old, new = field_value(before, key), field_value(after, key)
        if old != new:
            changes.append(FieldChange(label=key, before=old, after=new))
    return changes


def current_version(session: Session, alliance_id: int) -> CharterVersion | None:
    return charter_store.latest_version(session=session, alliance_id=alliance_id)


def party_rows(session: Session, alliance: Alliance) -> list[Party]:
    assert alliance.id is not None
    rows = repo.list_parties(session=session, alliance_id=alliance.id)
    return sorted(rows, key=lambda p: (p.team_id != alliance.host_team_id, p.id or 0))


def draft_row(session: Session, alliance_id: int, user_id: str) -> CharterDraft | None:
    return charter_store.get_draft(session=session, alliance_id=alliance_id, user_id=user_id)


def draft_view(session: Session, alliance: Alliance, user_id: str) -> CharterView:
    assert alliance.id is not None
    draft = draft_row(session, alliance.id, user_id)
    if draft is None:
        return charter_view(session, alliance)
    return charter_view(session, alliance, content=json.loads(draft.content))


def save_draft(session: Session, alliance_id: int, user_id: str, content: dict[str, Any], now: datetime) -> None:
    row = draft_row(session, alliance_id, user_id)
    if row is None:
        row = CharterDraft(alliance_id=alliance_id, user_id=user_id, content="{}", updated_at=now)
    row.content, row.updated_at = json.dumps(content), now
    session.add(row)


def text_of(value: Any) -> str:
    return str(value or "").strip()[:MAX_TEXT]
