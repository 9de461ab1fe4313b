"""Carrying out the commitment commands: record, look up, list, close, move, reassign, drop, show."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.core.alliance import Caller, Work, overdue_first, seen, utc
from bot.core.calendar import zone
from bot.core.checkins.handlers import note_answer
from bot.core.commitments.commands import Commit, FormEntry, ListCommitments, ListFilter
from bot.core.commitments.grammar import USAGE
from bot.core.commitments.results import Changed, Details, DueReading, Listing, OwnedBy, Owners, Recorded
from bot.core.dates import END_OF_WORKING_DAY, Due, follow_owner, horizon, parse_due
from bot.core.errors import (
    DateProblem,
    DueProblem,
    FarDate,
    GrammarError,
    MissingDate,
    NotAllowed,
    PastDate,
    SameDue,
)
from bot.core.lookup import TitleIndex, best_matches
from bot.core.parsing import MAX_TITLE, REF
from bot.core.views import HistoryLine
from storage import repository as repo
from storage.models import Alliance, Person, Status

FORM_DUE_IN = timedelta(days=7)
LIST_LIMIT = 50


def owned_by(work: Work, alliance: Alliance, caller: Caller, user_id: str) -> OwnedBy:
    work.known(user_id)
    rows = seen(work.find(alliance, owner_id=user_id), caller.reads)
    return OwnedBy(user_id=user_id, commitments=overdue_first(work.commitment_views(rows)))


def commit(work: Work, command: Commit, caller: Caller, alliance: Alliance) -> Recorded:
    owner = work.owner(command.owner_id or caller.user_id, alliance)
    if command.due_phrase is None:
        raise DueProblem(MissingDate(), title=command.title, owner_id=owner.user_id)
    try:
        due, reading = read_due(work, command.due_phrase, owner.tz, caller)
    except DateProblem as problem:
        raise DueProblem(problem, title=command.title, owner_id=owner.user_id) from problem
    recorded = record(
        work, alliance, caller, owner, command.title, due.at, command.milestone, command.internal, not due.has_time
    )
    return replace(recorded, due_reading=reading)


def read_due(work: Work, phrase: str, owner_tz: str, caller: Caller) -> tuple[Due, DueReading | None]:
    """A due phrase for an owner, as written by the caller.

    A date alone means the end of the owner's working day on that date, in the owner's zone. A time of day is
    read in the WRITER's zone ("tomorrow 3pm" typed in New York for someone in Berlin is 3pm New York time,
    21:00 in Berlin): people type times as their own clock shows them. The answer says so when the zones differ.
    """
    tz = zone(owner_tz)
    due = parse_due(phrase, now=work.now(), tz=tz)
    typed_zone = None
    writer = work.person(caller.user_id)
    if due.has_time and writer is not None and writer.tz and str(zone(writer.tz)) != str(tz):
        typed = parse_due(phrase, now=work.now(), tz=zone(writer.tz))
        due = replace(typed, at=typed.at.astimezone(tz), reading=due.reading)
        typed_zone = writer.tz
    if due.reading is None and typed_zone is None:
        return due, None
    return due, DueReading(phrase=due.phrase, reading=due.reading, typed_zone=typed_zone)


def record(
    work: Work,
    alliance: Alliance,
    caller: Caller,
    owner: Person,
    title: str,
    due: datetime,
    milestone: bool,
    internal: bool = False,
    date_only: bool = False,
) -> Recorded:
    assert alliance.id is not None
    if internal and (not caller.team_id or caller.team_id != owner.team_id):
        # An internal item is its owner's party's own business: only that party's people may start one.
        raise NotAllowed("internal_other_party", holder_id=owner.user_id)
    now = work.now()
    work.ensure_party(alliance, owner.team_id)
    session = work.session
    commitment = repo.add_commitment(
        session=session,
        alliance_id=alliance.id,
        title=title,
        owner_id=owner.user_id,
        party_team_id=owner.team_id,
        due_at=due,
        milestone=milestone,
        created_by=caller.user_id,
        now=now,
        internal=internal,
    )
    commitment.due_date_only = date_only  # a reassignment moves it to the end of that day in the new owner's zone
    commitment.next_nudge_at = now  # the sweep places it on the escalation ladder
    view = work.commitment_view(commitment)
    return Recorded(commitment=view, actor_id=caller.user_id)


def submit_form(work: Work, alliance: Alliance, entry: FormEntry, caller: Caller) -> Recorded:
    owner = work.owner(entry.owner_id, alliance)
    tz = zone(owner.tz)
    due = datetime.combine(entry.due_date, END_OF_WORKING_DAY, tzinfo=tz)
    if due < work.now():
        problem = PastDate(entry.due_date.isoformat(), due)
        raise DueProblem(problem, title=entry.title, owner_id=owner.user_id)
    if due > horizon(work.now()):  # a date picker offers any year
        far = FarDate(entry.due_date.isoformat(), horizon(work.now()).astimezone(tz))
        raise DueProblem(far, title=entry.title, owner_id=owner.user_id)
    title = " ".join(entry.title.split())
    if not title:
        raise GrammarError("A commitment needs a short title.", USAGE["commit"])
    if len(title) > MAX_TITLE:
        raise GrammarError(f"Keep the title under {MAX_TITLE} characters.", USAGE["commit"])
    return record(work, alliance, caller, owner, title, due, entry.milestone, entry.internal, date_only=True)


def form_due(work: Work) -> date:
    """The due date a commitment form suggests: a week from today."""
    return (work.now() + FORM_DUE_IN).date()


def check_due(work: Work, *, phrase: str, owner_id: str) -> datetime:
    """Parse a due phrase for an owner without recording anything (used by forms to validate)."""
    owner = work.owner(owner_id)
    try:
        return parse_due(phrase, now=work.now(), tz=zone(owner.tz)).at
    except DateProblem as problem:
        raise DueProblem(problem, title=None, owner_id=owner_id) from problem


def who(work: Work, query: str, alliance: Alliance, caller: Caller) -> Owners:
    assert alliance.id is not None
    named = REF.match(query)
    if named:
        # `who owns #1`: the item itself, open or closed (NoSuchCommitment if the caller may not see it).
        item = work.commitment(alliance, int(named.group(1)), caller)
        return Owners(query=query, matches=[work.commitment_view(item)])
    team_id = caller.reads.team_id
    titles = work.titles.for_team(team_id)
    session = work.session
    fingerprint = repo.open_fingerprint(session=session, alliance_id=alliance.id)
    index = titles.get(alliance.id, fingerprint)
    if index is None:
        pairs = repo.visible_open_titles(session=session, alliance_id=alliance.id, team_id=team_id)
        index = TitleIndex.build(pairs)
        titles.put(alliance.id, fingerprint, index)
    matches = best_matches(query, index)
    rows = repo.get_commitments_by_ref(session=session, alliance_id=alliance.id, refs=[m.ref for m in matches])
    views = work.commitment_views(rows)
    return Owners(query=query, matches=views)


def listing(work: Work, command: ListCommitments, caller: Caller, alliance: Alliance) -> Listing:
    now = work.now()
    match command.filter:
        case ListFilter.MINE:
            rows = work.find(alliance, owner_id=caller.user_id)
        case ListFilter.PERSON:
            assert command.user_id is not None
            work.known(command.user_id)
            rows = work.find(alliance, owner_id=command.user_id)
        case ListFilter.OVERDUE:
            rows = work.find(alliance, due_before=now)
        case ListFilter.DONE:
            done = work.find(alliance, statuses=(Status.DONE,))
            rows = sorted(done, key=lambda c: c.closed_at or c.created_at, reverse=True)
        case _:
            rows = work.find(alliance)
    views = work.commitment_views(seen(rows, caller.reads))
    if command.filter is not ListFilter.DONE:
        views = overdue_first(views)
    shown, hidden = views[:LIST_LIMIT], max(0, len(views) - LIST_LIMIT)
    parties = work.parties(alliance)
    groups = [(p, [v for v in shown if v.party.team_id == p.team_id]) for p in parties]
    return Listing(
        filter=command.filter,
        user_id=caller.user_id if command.filter is ListFilter.MINE else command.user_id,
        groups=[(p, items) for p, items in groups if items],
        hidden=hidden,
    )


def complete(work: Work, alliance: Alliance, caller: Caller, ref: int) -> Changed:
    now = work.now()
    commitment = work.open_commitment(alliance, ref, caller)
    work.may_change(alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
    commitment.status = Status.DONE.value
    commitment.closed_at = now
    commitment.next_nudge_at = None
    note_answer(work, alliance, commitment, caller.user_id, "done", "")
    work.history(commitment, actor_id=caller.user_id, kind="done")
    return Changed(kind="done", commitment=work.commitment_view(commitment), actor_id=caller.user_id)


def move_due(work: Work, alliance: Alliance, caller: Caller, ref: int, phrase: str) -> Changed:
    now = work.now()
    commitment = work.open_commitment(alliance, ref, caller)
    work.may_change(alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
    owner_id, title = commitment.owner_id, commitment.title
    owner = work.person(owner_id)
    try:
        typed, reading = read_due(work, phrase, owner.tz if owner else "UTC", caller)
    except DateProblem as problem:
        raise DueProblem(problem, title=title, owner_id=owner_id, verb="due", ref=ref) from problem
    due = typed.at
    previous = commitment.due_at
    if due == previous:
        raise SameDue(ref, due)
    commitment.due_at = due
    commitment.due_date_only = not typed.has_time
    commitment.nudge_stage, commitment.next_nudge_at = 0, now  # a new deadline starts a new ladder
    if due > previous:
        commitment.slips += 1
    note_answer(work, alliance, commitment, caller.user_id, "new_date", "")
    work.history(
        commitment,
        actor_id=caller.user_id,
        kind="due_moved",
        data={"from": utc(previous), "to": utc(due), "slip": due > previous},
    )
    view = work.commitment_view(commitment)
    return Changed(
        kind="due_moved", commitment=view, actor_id=caller.user_id, previous_due=previous, due_reading=reading
    )


def reassign(work: Work, alliance: Alliance, caller: Caller, ref: int, user_id: str) -> Changed:
    now = work.now()
    new_owner = work.owner(user_id, alliance)
    work.ensure_party(alliance, new_owner.team_id)
    commitment = work.open_commitment(alliance, ref, caller)
    work.may_change(alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
    previous = commitment.owner_id
    if previous == new_owner.user_id:
        raise NotAllowed("already_owner", holder_id=previous)
    if commitment.internal and new_owner.team_id != commitment.party_team_id:
        raise NotAllowed("internal_across_parties", holder_id=new_owner.user_id)
    old_owner = work.person(previous)
    commitment.owner_id = new_owner.user_id
    commitment.party_team_id = new_owner.team_id
    commitment.due_at = follow_owner(commitment, old_owner.tz if old_owner else None, new_owner.tz, now)
    commitment.next_nudge_at = now  # the new owner hears of it from here on
    work.history(
        commitment,
        actor_id=caller.user_id,
        kind="reassigned",
        data={"from": previous, "to": new_owner.user_id},
    )
    view = work.commitment_view(commitment)
    return Changed(kind="reassigned", commitment=view, actor_id=caller.user_id, previous_owner_id=previous)


def drop(work: Work, alliance: Alliance, caller: Caller, ref: int, reason: str) -> Changed:
    now = work.now()
    commitment = work.open_commitment(alliance, ref, caller)
    work.may_change(alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
    commitment.status = Status.DROPPED.value
    commitment.closed_at = now
    commitment.drop_reason = reason
    commitment.next_nudge_at = None
    work.history(commitment, actor_id=caller.user_id, kind="dropped", data={"reason": reason})
    view = work.commitment_view(commitment)
    return Changed(kind="dropped", commitment=view, actor_id=caller.user_id)


def show(work: Work, alliance: Alliance, ref: int, caller: Caller) -> Details:
    commitment = work.commitment(alliance, ref, caller)
    assert commitment.id is not None
    events = repo.history(session=work.session, commitment_id=commitment.id)
    lines = [
        HistoryLine(at=e.at, actor_id=e.actor_id, kind=e.kind, data=json.loads(e.detail) if e.detail else {})
        for e in events
    ]
    return Details(commitment=work.commitment_view(commitment), history=lines)
