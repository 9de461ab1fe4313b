"""The charter: the alliance's written agreement, edited in steps, signed off by both leads, kept in versions.

Every save is a new version. A change to a signed version clears the signatures (the new version has none) and
says field by field what changed. Leads and sponsors named in the charter are named as by `lead @x` (the same
rule decides who may), and the consultation cadence it sets is the alliance's check-in cadence. While the charter
is unwritten, incomplete or unsigned, each lead who has not signed gets a gentle reminder at every check-in.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core import grammar as g
from bot.core.calendar import working_time_of
from bot.core.charter_types import (
    DEFAULT_STEPS,
    CharterEditRequested,
    CharterError,
    CharterParty,
    CharterReminder,
    CharterSaved,
    CharterShown,
    CharterSigned,
    CharterView,
    DisputeStep,
    EditCharter,
    FieldChange,
    Goal,
    ShowCharter,
    SignCharter,
)
from bot.core.errors import CommandError
from storage import repository as repo
from storage.models import Alliance, CharterDraft, CharterSignature, CharterVersion, Delivery, Party

if TYPE_CHECKING:
    from bot.core.outcomes import Outcome, Reply
    from bot.core.service import AllianceService, Caller

REMINDER_KIND = "charter_reminder"
KINDS = (REMINDER_KIND,)
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


class Charters:
    """The charter's commands and form, for one service (its database, clock and people)."""

    def __init__(self, service: AllianceService) -> None:
        self.service = service
        self.db = service.db

    def handle(self, command: g.Command, caller: Caller, alliance: Alliance) -> Outcome:
        match command:
            case ShowCharter():
                return CharterShown(charter=self.view(alliance), viewer_id=caller.user_id)
            case EditCharter():
                return CharterEditRequested(channel_id=alliance.channel_id)
            case SignCharter(version=version):
                return self._sign(alliance, caller, version)
        raise AssertionError(f"not a charter command: {command!r}")

    # ---- reading ----------------------------------------------------------------------------------------------

    def view(self, alliance: Alliance) -> CharterView:
        with self.db.session() as session:
            return charter_view(session, alliance)

    def alliance(self, channel_id: str) -> Alliance:
        alliance, _ = self.service.ensure_alliance(channel_id)
        return alliance

    # ---- the form, in steps -----------------------------------------------------------------------------------

    def start_form(self, channel_id: str, user_id: str) -> CharterView:
        """What the form opens with: the charter in force (a draft left from before is dropped)."""
        alliance = self.alliance(channel_id)
        assert alliance.id is not None
        with self.db.session() as session:
            view = charter_view(session, alliance)
            _save_draft(session, alliance.id, user_id, _content(view), self.service.clock.now())
        return view

    def draft(self, channel_id: str, user_id: str) -> CharterView:
        """The charter as the form's steps have filled it in so far."""
        alliance = self.alliance(channel_id)
        with self.db.session() as session:
            return _draft_view(session, alliance, user_id)

    def submit_step(self, step: int, fields: dict[str, Any], caller: Caller) -> Reply | None:
        """One step of the form: checked and kept in the draft; the last step saves the charter. A problem raises
        CharterError naming the field, and nothing is kept from this step."""
        alliance = self.alliance(caller.channel_id)
        assert alliance.id is not None
        with self.db.session() as session:
            view = _draft_view(session, alliance, caller.user_id)
        match step:
            case 1:
                view = self._step_alliance(view, fields)
            case 2:
                view = self._step_people(view, fields, caller, alliance)
            case 3:
                view = self._step_working(view, fields)
            case _:
                raise CharterError("bad_step")
        if step < FORM_STEPS:
            with self.db.session() as session:
                _save_draft(session, alliance.id, caller.user_id, _content(view), self.service.clock.now())
            return None
        return self._save(alliance, view, caller)

    def _step_alliance(self, view: CharterView, fields: dict[str, Any]) -> CharterView:
        name = " ".join(str(fields.get("name") or "").split())[:200] or view.name
        goals = parse_goals(str(fields.get("goals") or ""), view.parties)
        start, end = fields.get("start"), fields.get("end")
        if start is not None and end is not None and end < start:
            raise CharterError("end_before_start", field="end", detail=start.isoformat())
        if (start is None) != (end is None):
            raise CharterError("half_timeframe", field="end" if end is None else "start")
        return replace(view, name=name, goals=goals, start=start, end=end)

    def _step_people(
        self, view: CharterView, fields: dict[str, Any], caller: Caller, alliance: Alliance
    ) -> CharterView:
        parties = []
        for party in view.parties:
            lead = fields.get(f"lead:{party.team_id}") or party.lead_id
            sponsor = fields.get(f"sponsor:{party.team_id}") or party.sponsor_id
            parties.append(replace(party, lead_id=lead, sponsor_id=sponsor))
        deciders = [str(u) for u in fields.get("decision_makers") or []]
        for user_id in deciders:
            try:
                self.service._owner(user_id, alliance)
            except CommandError as e:
                raise CharterError("person", field="decision_makers", cause=e) from e
        new = replace(view, parties=parties, decision_makers=list(dict.fromkeys(deciders)))
        self._check_roles(alliance, new, caller)
        return new

    def _step_working(self, view: CharterView, fields: dict[str, Any]) -> CharterView:
        cadence = str(fields.get("cadence") or view.cadence)
        if cadence not in CADENCES:
            raise CharterError("bad_cadence", field="cadence", detail=cadence)
        steps = []
        for who in STEP_WHO:
            raw = str(fields.get(f"days:{who}") or "").strip()
            default = next(s.days for s in DEFAULT_STEPS if s.who == who)
            if not raw:
                days = default
            elif raw.isdigit() and 1 <= int(raw) <= 30:
                days = int(raw)
            else:
                raise CharterError("bad_days", field=f"days:{who}", detail=raw[:20])
            steps.append(DisputeStep(who, days))
        mediator_id = fields.get("mediator_id") or None
        return replace(
            view,
            cadence=cadence,
            formality=_text(fields.get("formality")),
            communication=_text(fields.get("communication")),
            steps=steps,
            mediator=_text(fields.get("mediator"))[:500],
            mediator_id=str(mediator_id) if mediator_id else None,
            shared=_text(fields.get("shared")),
            held_back=_text(fields.get("held_back")),
        )

    def _check_roles(self, alliance: Alliance, view: CharterView, caller: Caller) -> None:
        """Leads and sponsors named in the charter, checked as `lead @x` would check them: people of that party,
        still here, and named by someone who may."""
        assert alliance.id is not None
        with self.db.session() as session:
            rows = {p.team_id: p for p in repo.list_parties(session=session, alliance_id=alliance.id)}
        for party in view.parties:
            row = rows.get(party.team_id)
            if row is None:
                continue
            for role, user_id, holder in (
                (g.Role.LEAD, party.lead_id, row.lead_id),
                (g.Role.SPONSOR, party.sponsor_id, row.sponsor_id),
            ):
                if not user_id or user_id == holder:
                    continue
                field = f"{role.value}:{party.team_id}"
                try:
                    person = self.service._owner(user_id, alliance)
                    if person.team_id != party.team_id:
                        raise CharterError("wrong_party", field=field, user_id=user_id, detail=party.name)
                    with self.db.session() as session:
                        self.service._may_name(session, alliance, row, caller, role)
                except CharterError:
                    raise
                except CommandError as e:
                    raise CharterError("person", field=field, user_id=user_id, cause=e) from e

    def _save(self, alliance: Alliance, view: CharterView, caller: Caller) -> Reply:
        from bot.core.outcomes import Reply

        assert alliance.id is not None
        self._check_roles(alliance, view, caller)
        now = self.service.clock.now()
        with self.db.session() as session:
            before = charter_view(session, alliance)
        # Roles and cadence live on the alliance itself; the charter names them and the alliance follows. Each
        # party's roles were checked against who held them before this save, so a party without any may be given
        # both its lead and its sponsor at once, as it may one at a time by `lead @x` and `sponsor @y`.
        named = {p.team_id: p for p in view.parties}
        tz_of = {u: self.service._owner(u, alliance).tz for p in view.parties for u in (p.lead_id, p.sponsor_id) if u}
        with self.db.session() as session:
            for row in repo.list_parties(session=session, alliance_id=alliance.id):
                party = named.get(row.team_id)
                if party is None:
                    continue
                if party.lead_id and party.lead_id != row.lead_id:
                    row.lead_id = party.lead_id
                    if row.team_id == alliance.host_team_id:
                        home = session.get(Alliance, alliance.id)
                        if home is not None:
                            home.home_tz = tz_of[party.lead_id]  # check-ins follow the host lead's working day
                if party.sponsor_id and party.sponsor_id != row.sponsor_id:
                    row.sponsor_id = party.sponsor_id
                session.add(row)
        if view.cadence != before.cadence:
            self.service.handle(g.SetCadence(view.cadence), caller)
        with self.db.session() as session:
            current = _current(session, alliance.id)
            draft = _draft_row(session, alliance.id, caller.user_id)
            if draft is not None:
                session.delete(draft)
            after = charter_view(session, alliance, content=_content(view))
            changes = diff(before, after) if current is not None else []
            if current is not None and not changes:
                return Reply(
                    outcome=CharterSaved(charter=before, changes=[], actor_id=caller.user_id, was_signed=False)
                )
            version = (current.version if current else 0) + 1
            session.add(
                CharterVersion(
                    alliance_id=alliance.id,
                    version=version,
                    content=json.dumps(_content(after)),
                    edited_by=caller.user_id,
                    edited_at=now,
                )
            )
            session.flush()
            saved = charter_view(session, alliance)
            was_signed = current is not None and current.signed_at is not None
        saved_outcome = CharterSaved(
            charter=saved, changes=changes, actor_id=caller.user_id, was_signed=was_signed, first=current is None
        )
        return Reply(outcome=saved_outcome)

    # ---- signing ----------------------------------------------------------------------------------------------

    def _sign(self, alliance: Alliance, caller: Caller, version: int | None) -> CharterSigned:
        assert alliance.id is not None
        now = self.service.clock.now()
        with self.db.session() as session:
            current = _current(session, alliance.id)
            if current is None:
                raise CharterError("no_charter")
            if version is not None and version != current.version:
                raise CharterError("stale", detail=str(current.version))
            view = charter_view(session, alliance)
            party = next((p for p in view.parties if p.lead_id == caller.user_id), None)
            if party is None or repo.gone(session=session, alliance_id=alliance.id, user_id=caller.user_id):
                raise CharterError("not_a_lead", user_id=next((p.lead_id for p in view.parties if p.lead_id), None))
            if view.missing:
                raise CharterError("incomplete", detail=",".join(view.missing))
            if not repo.add_charter_signature(
                session=session,
                alliance_id=alliance.id,
                version=current.version,
                team_id=party.team_id,
                user_id=caller.user_id,
                at=now,
            ):
                raise CharterError("already_signed", detail=str(current.version))
            signed_teams = set(
                session.exec(
                    select(CharterSignature.team_id).where(
                        CharterSignature.alliance_id == alliance.id, CharterSignature.version == current.version
                    )
                ).all()
            )
            complete = False
            if all(p.team_id in signed_teams for p in view.parties):
                # Whoever's signature completes it, once: two leads signing together cannot both post the charter.
                result = session.connection().execute(
                    update(CharterVersion)
                    .where(col(CharterVersion.id) == current.id, col(CharterVersion.signed_at).is_(None))
                    .values(signed_at=now)
                )
                complete = result.rowcount == 1
                session.expire(current)  # read the signature time back as written
            return CharterSigned(charter=charter_view(session, alliance), signer_id=caller.user_id, complete=complete)

    def pinned(self, channel_id: str, version: int, message_ts: str) -> None:
        """The signed charter's message in the channel, kept with its version."""
        with self.db.session() as session:
            alliance = repo.get_alliance(session=session, platform=self.service.platform, channel_id=channel_id)
            if alliance is None or alliance.id is None:
                return
            row = session.exec(
                select(CharterVersion).where(
                    CharterVersion.alliance_id == alliance.id, CharterVersion.version == version
                )
            ).first()
            if row is not None:
                row.message_ts = message_ts
                session.add(row)


# ---- goals ----------------------------------------------------------------------------------------------------


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


# ---- the stored content ---------------------------------------------------------------------------------------


def charter_view(session: Session, alliance: Alliance, *, content: dict[str, Any] | None = None) -> CharterView:
    """The charter in force (or `content`, not yet saved), with the alliance's parties and their roles."""
    assert alliance.id is not None
    row = _current(session, alliance.id)
    data = content if content is not None else (json.loads(row.content) if row is not None else {})
    parties = [
        CharterParty(team_id=p.team_id, name=p.name, lead_id=p.lead_id, sponsor_id=p.sponsor_id)
        for p in _parties(session, alliance)
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
        signed_by = list(
            session.exec(
                select(CharterSignature.user_id)
                .where(CharterSignature.alliance_id == alliance.id, CharterSignature.version == row.version)
                .order_by(col(CharterSignature.id))
            ).all()
        )
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


def _content(view: CharterView) -> dict[str, Any]:
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


def _current(session: Session, alliance_id: int) -> CharterVersion | None:
    return session.exec(
        select(CharterVersion)
        .where(CharterVersion.alliance_id == alliance_id)
        .order_by(col(CharterVersion.version).desc())
        .limit(1)
    ).first()


def _parties(session: Session, alliance: Alliance) -> list[Party]:
    assert alliance.id is not None
    rows = repo.list_parties(session=session, alliance_id=alliance.id)
    return sorted(rows, key=lambda p: (p.team_id != alliance.host_team_id, p.id or 0))


def _draft_row(session: Session, alliance_id: int, user_id: str) -> CharterDraft | None:
    return session.exec(
        select(CharterDraft).where(CharterDraft.alliance_id == alliance_id, CharterDraft.user_id == user_id)
    ).first()


def _draft_view(session: Session, alliance: Alliance, user_id: str) -> CharterView:
    assert alliance.id is not None
    draft = _draft_row(session, alliance.id, user_id)
    if draft is None:
        return charter_view(session, alliance)
    return charter_view(session, alliance, content=json.loads(draft.content))


def _save_draft(session: Session, alliance_id: int, user_id: str, content: dict[str, Any], now: datetime) -> None:
    row = _draft_row(session, alliance_id, user_id)
    if row is None:
        row = CharterDraft(alliance_id=alliance_id, user_id=user_id, content="{}", updated_at=now)
    row.content, row.updated_at = json.dumps(content), now
    session.add(row)


def _text(value: Any) -> str:
    return str(value or "").strip()[:MAX_TEXT]


# ---- reminders at each check-in -------------------------------------------------------------------------------


def plan_reminders(session: Session, alliance: Alliance, seq: int, now: datetime) -> None:
    """At a check-in: a reminder to each lead who has not signed, while the charter is unwritten, incomplete or
    unsigned. What it says is read when it is sent (a charter signed meanwhile needs no reminder)."""
    assert alliance.id is not None
    view = charter_view(session, alliance)
    if view.signed_at is not None and not view.missing:
        return
    parties = {p.team_id: p for p in _parties(session, alliance)}
    leads = [p.lead_id for p in parties.values() if p.lead_id and p.lead_id not in view.signed_by]
    people = repo.get_people(session=session, user_ids=leads)
    rows = []
    for lead in leads:
        person = people.get(lead)
        if person is None or repo.gone(session=session, alliance_id=alliance.id, user_id=lead):
            continue
        party = parties.get(person.team_id)
        working = working_time_of(person.tz, party.country if party else None)
        rows.append(
            {
                "key": f"{REMINDER_KIND}:{alliance.id}:{seq}:{lead}",
                "alliance_id": alliance.id,
                "kind": REMINDER_KIND,
                "recipient_id": lead,
                "not_before": working.next_working_moment(now),
            }
        )
    repo.plan_deliveries(session=session, rows=rows)


def content(session: Session, delivery: Delivery, now: datetime) -> CharterReminder | None:
    """What a planned charter reminder says now; None when there is nothing left to ask of its recipient."""
    alliance = session.get(Alliance, delivery.alliance_id)
    if alliance is None:
        return None
    view = charter_view(session, alliance)
    if (view.signed_at is not None and not view.missing) or delivery.recipient_id in view.signed_by:
        return None
    if all(p.lead_id != delivery.recipient_id for p in view.parties):
        return None  # no longer a lead
    return CharterReminder(charter=view, recipient_id=delivery.recipient_id)
