"""Carrying out the charter's commands: show, edit in the form's three steps, save a new version, sign."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from typing import Any

from bot.core.alliance import Caller, Role, Work
from bot.core.calendar import zone
from bot.core.charter.commands import EditCharter, ShowCharter, SignCharter, WriteCharter
from bot.core.charter.document import (
    CADENCES,
    FORM_STEPS,
    STEP_WHO,
    charter_view,
    content_of,
    current_version,
    diff,
    draft_row,
    draft_view,
    goal_line,
    parse_goals,
    save_draft,
    text_of,
)
from bot.core.charter.results import (
    DEFAULT_STEPS,
    CharterEditRequested,
    CharterSaved,
    CharterShown,
    CharterSigned,
    CharterView,
    DisputeStep,
)
from bot.core.checkins import handlers as checkin_handlers
from bot.core.dates import parse_due, split_due
from bot.core.errors import CharterError, CommandError, DateProblem, PastDate
from storage import charter as charter_store
from storage import members
from storage import repository as repo
from storage.models import Alliance, CharterVersion


def handle(
    work: Work, command: ShowCharter | EditCharter | SignCharter | WriteCharter, caller: Caller, alliance: Alliance
) -> CharterShown | CharterEditRequested | CharterSigned | CharterSaved:
    match command:
        case ShowCharter():
            return CharterShown(charter=charter_view(work.session, alliance), viewer_id=caller.user_id)
        case EditCharter():
            return CharterEditRequested(channel_id=alliance.channel_id)
        case SignCharter(version=version):
            return sign(work, alliance, caller, version)
        case WriteCharter():
            return write(work, alliance, caller, command)
    raise AssertionError(f"not a charter command: {command!r}")


def alliance_of(work: Work, channel_id: str) -> Alliance:
    alliance, _ = work.ensure_alliance(channel_id)
    return alliance


def start_form(work: Work, channel_id: str, user_id: str) -> CharterView:
    """What the form opens with: the charter in force (a draft left from before is dropped)."""
    alliance = alliance_of(work, channel_id)
    assert alliance.id is not None
    session = work.session
    view = charter_view(session, alliance)
    save_draft(session, alliance.id, user_id, content_of(view), work.now())
    return view


def draft(work: Work, channel_id: str, user_id: str) -> CharterView:
    """The charter as the form's steps have filled it in so far."""
    alliance = alliance_of(work, channel_id)
    session = work.session
    return draft_view(session, alliance, user_id)


def submit_step(work: Work, step: int, fields: dict[str, Any], caller: Caller) -> CharterSaved | None:
    """One step of the form: checked and kept in the draft; the last step saves the charter. A problem raises
    CharterError naming the field, and nothing is kept from this step."""
    alliance = alliance_of(work, caller.channel_id)
    assert alliance.id is not None
    session = work.session
    view = draft_view(session, alliance, caller.user_id)
    match step:
        case 1:
            view = step_alliance(view, fields)
        case 2:
            view = step_people(work, view, fields, caller, alliance)
        case 3:
            view = step_working(view, fields)
        case _:
            raise CharterError("bad_step")
    if step < FORM_STEPS:
        save_draft(session, alliance.id, caller.user_id, content_of(view), work.now())
        return None
    return save(work, alliance, view, caller)


def step_alliance(view: CharterView, fields: dict[str, Any]) -> CharterView:
    name = " ".join(str(fields.get("name") or "").split())[:200] or view.name
    goals = parse_goals(str(fields.get("goals") or ""), view.parties)
    start, end = fields.get("start"), fields.get("end")
    if start is not None and end is not None and end < start:
        raise CharterError("end_before_start", field="end", detail=start.isoformat())
    if (start is None) != (end is None):
        raise CharterError("half_timeframe", field="end" if end is None else "start")
    return replace(view, name=name, goals=goals, start=start, end=end)


def step_people(
    work: Work, view: CharterView, fields: dict[str, Any], caller: Caller, alliance: Alliance
) -> CharterView:
    parties = []
    for party in view.parties:
        lead = fields.get(f"lead:{party.team_id}") or party.lead_id
        sponsor = fields.get(f"sponsor:{party.team_id}") or party.sponsor_id
        parties.append(replace(party, lead_id=lead, sponsor_id=sponsor))
    deciders = [str(u) for u in fields.get("decision_makers") or []]
    for user_id in deciders:
        try:
            work.owner(user_id, alliance)
        except CommandError as e:
            raise CharterError("person", field="decision_makers", cause=e) from e
    new = replace(view, parties=parties, decision_makers=list(dict.fromkeys(deciders)))
    check_roles(work, alliance, new, caller)
    return new


def step_working(view: CharterView, fields: dict[str, Any]) -> CharterView:
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
        formality=text_of(fields.get("formality")),
        communication=text_of(fields.get("communication")),
        steps=steps,
        mediator=text_of(fields.get("mediator"))[:500],
        mediator_id=str(mediator_id) if mediator_id else None,
        shared=text_of(fields.get("shared")),
        held_back=text_of(fields.get("held_back")),
    )


def check_roles(work: Work, alliance: Alliance, view: CharterView, caller: Caller) -> None:
    """Leads and sponsors named in the charter, checked as `lead @x` would check them: people of that party,
    still here, and named by someone who may."""
    assert alliance.id is not None
    session = work.session
    rows = {p.team_id: p for p in repo.list_parties(session=session, alliance_id=alliance.id)}
    for party in view.parties:
        row = rows.get(party.team_id)
        if row is None:
            continue
        for role, user_id, holder in (
            (Role.LEAD, party.lead_id, row.lead_id),
            (Role.SPONSOR, party.sponsor_id, row.sponsor_id),
        ):
            if not user_id or user_id == holder:
                continue
            field = f"{role.value}:{party.team_id}"
            try:
                person = work.owner(user_id, alliance)
                if person.team_id != party.team_id:
                    raise CharterError("wrong_party", field=field, user_id=user_id, detail=party.name)
                work.may_name(alliance, row, caller, role)
            except CharterError:
                raise
            except CommandError as e:
                raise CharterError("person", field=field, user_id=user_id, cause=e) from e


def save(work: Work, alliance: Alliance, view: CharterView, caller: Caller) -> CharterSaved:
    assert alliance.id is not None
    check_roles(work, alliance, view, caller)
    now = work.now()
    session = work.session
    before = charter_view(session, alliance)
    # Roles and cadence live on the alliance itself; the charter names them and the alliance follows. Each
    # party's roles were checked against who held them before this save, so a party without any may be given
    # both its lead and its sponsor at once, as it may one at a time by `lead @x` and `sponsor @y`.
    named = {p.team_id: p for p in view.parties}
    leads = {u: work.owner(u, alliance) for p in view.parties for u in (p.lead_id, p.sponsor_id) if u}
    for row in repo.list_parties(session=session, alliance_id=alliance.id):
        party = named.get(row.team_id)
        if party is None:
            continue
        if party.lead_id and party.lead_id != row.lead_id:
            row.lead_id = party.lead_id
            work.follow_host_lead(alliance, row, leads[party.lead_id])
        if party.sponsor_id and party.sponsor_id != row.sponsor_id:
            row.sponsor_id = party.sponsor_id
        session.add(row)
    if view.cadence != before.cadence:
        checkin_handlers.cadence(work, alliance, view.cadence)
    current = current_version(session, alliance.id)
    draft = draft_row(session, alliance.id, caller.user_id)
    if draft is not None:
        session.delete(draft)
    after = charter_view(session, alliance, content=content_of(view))
    changes = diff(before, after) if current is not None else []
    if current is not None and not changes:
        return CharterSaved(charter=before, changes=[], actor_id=caller.user_id, was_signed=False)
    version = (current.version if current else 0) + 1
    session.add(
        CharterVersion(
            alliance_id=alliance.id,
            version=version,
            content=json.dumps(content_of(after)),
            edited_by=caller.user_id,
            edited_at=now,
        )
    )
    session.flush()
    saved = charter_view(session, alliance)
    was_signed = current is not None and current.signed_at is not None
    return CharterSaved(
        charter=saved, changes=changes, actor_id=caller.user_id, was_signed=was_signed, first=current is None
    )


# `charter cadence …` in words people type; the charter keeps the form's keys.
CADENCE_WORDS = {
    "default": "default",
    "weekly": "weekly",
    "every week": "weekly",
    "fortnightly": "fortnightly",
    "biweekly": "fortnightly",
    "every 2 weeks": "fortnightly",
    "every two weeks": "fortnightly",
    "monthly": "monthly",
    "every month": "monthly",
}
TIMEFRAME = re.compile(r"^(?:from\s+)?(.+?)\s+(?:to|until|till|through|-|–)\s+(.+)$", re.IGNORECASE)


def write(work: Work, alliance: Alliance, caller: Caller, command: WriteCharter) -> CharterSaved:
    """One field of the charter written by text (`charter goal …`), saved as a new version like the form's save:
    the same checks, the same diff, and the signatures cleared by a change."""
    view = charter_view(work.session, alliance)
    text = " ".join(command.text.split())
    match command.field:
        case "name":
            new = replace(view, name=text[:200])
        case "goal":
            if text.lower() in ("clear", "none", "remove all"):
                new = replace(view, goals=[])
            else:
                lines = [goal_line(g) for g in view.goals]
                lines.append(goal_text(work, caller, text, len(lines) + 1))
                new = replace(view, goals=parse_goals("\n".join(lines), view.parties))
        case "timeframe":
            start, end = timeframe(work, caller, text)
            if end < start:
                raise CharterError("end_before_start", field="end", detail=start.isoformat())
            new = replace(view, start=start, end=end)
        case "decision_makers":
            new = step_people(work, view, {"decision_makers": list(command.people)}, caller, alliance)
        case "mediator":
            if command.people:
                try:
                    work.owner(command.people[0], alliance)
                except CommandError as e:
                    raise CharterError("person", field="mediator", cause=e) from e
            new = replace(view, mediator=text[:500], mediator_id=command.people[0] if command.people else None)
        case "cadence":
            cadence = CADENCE_WORDS.get(text.lower().strip(" ."))
            if cadence is None:
                raise CharterError("bad_cadence", field="cadence", detail=text[:40])
            new = replace(view, cadence=cadence)
        case "formality":
            new = replace(view, formality=text_of(text))
        case "communication":
            new = replace(view, communication=text_of(text))
        case "shared":
            new = replace(view, shared=text_of(text))
        case "held_back":
            new = replace(view, held_back=text_of(text))
        case _:
            raise AssertionError(f"not a charter field: {command.field}")
    return save(work, alliance, new, caller)


def _tz(work: Work, caller: Caller) -> Any:
    person = work.person(caller.user_id)
    return zone(person.tz if person else "UTC")


def goal_text(work: Work, caller: Caller, text: str, number: int) -> str:
    """A goal as the form's line: `text | YYYY-MM-DD | parties` as is, or `text by <date>` read like a due date."""
    if "|" in text:
        return text
    what, phrase = split_due(text)
    if phrase is None:
        raise CharterError("bad_goal_text", field="goals", detail=f"{number}:{text[:60]}")
    try:
        target = parse_due(phrase, now=work.now(), tz=_tz(work, caller)).at.date()
    except DateProblem:
        raise CharterError("bad_goal_date", field="goals", detail=f"{number}:{phrase[:20]}") from None
    return f"{what.strip(' ,;:-')} | {target.isoformat()}"


def timeframe(work: Work, caller: Caller, text: str) -> tuple[date, date]:
    """`2026-12-01 to 2027-11-30`, `today until end of next year`: the start may be past, the end may not."""
    match = TIMEFRAME.match(text)
    if match is None:
        raise CharterError("half_timeframe", field="start")
    days = []
    for part in (match.group(1), match.group(2)):
        try:
            days.append(date.fromisoformat(part.strip()))
            continue
        except ValueError:
            pass
        try:
            days.append(parse_due(part, now=work.now(), tz=_tz(work, caller)).at.date())
        except PastDate as past:
            days.append(past.understood.date())
        except DateProblem:
            raise CharterError("bad_timeframe", field="start", detail=part[:40]) from None
    return days[0], days[1]


def sign(work: Work, alliance: Alliance, caller: Caller, version: int | None) -> CharterSigned:
    assert alliance.id is not None
    now = work.now()
    session = work.session
    current = current_version(session, alliance.id)
    if current is None:
        raise CharterError("no_charter")
    if version is not None and version != current.version:
        raise CharterError("stale", detail=str(current.version))
    view = charter_view(session, alliance)
    party = next((p for p in view.parties if p.lead_id == caller.user_id), None)
    if party is None or members.gone(session=session, alliance_id=alliance.id, user_id=caller.user_id):
        raise CharterError("not_a_lead", user_id=next((p.lead_id for p in view.parties if p.lead_id), None))
    if view.missing:
        raise CharterError("incomplete", detail=",".join(view.missing))
    if not charter_store.add_charter_signature(
        session=session,
        alliance_id=alliance.id,
        version=current.version,
        team_id=party.team_id,
        user_id=caller.user_id,
        at=now,
    ):
        raise CharterError("already_signed", detail=str(current.version))
    signed = charter_store.signers(session=session, alliance_id=alliance.id, version=current.version)
    signed_teams = {s.team_id for s in signed}
    complete = False
    if all(p.team_id in signed_teams for p in view.parties):
        # Whoever's signature completes it, once: two leads signing together cannot both post the charter.
        assert current.id is not None
        complete = charter_store.mark_signed(session=session, version_id=current.id, at=now)
        session.expire(current)  # read the signature time back as written
    return CharterSigned(charter=charter_view(session, alliance), signer_id=caller.user_id, complete=complete)


def pinned(work: Work, channel_id: str, version: int, message_ts: str) -> None:
    """The signed charter's message in the channel, kept with its version."""
    session = work.session
    alliance = repo.get_alliance(session=session, platform=work.platform, channel_id=channel_id)
    if alliance is None or alliance.id is None:
        return
    row = charter_store.get_version(session=session, alliance_id=alliance.id, version=version)
    if row is not None:
        row.message_ts = message_ts
        session.add(row)
