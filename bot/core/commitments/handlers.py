"""Carrying out the commitment commands: record, look up, list, close, move, reassign, drop, show."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from bot.core.alliance import Caller, Work, overdue_first, seen, utc
from bot.core.calendar import zone
from bot.core.checkins.handlers import note_answer
from bot.core.commitments.commands import Commit, FormEntry, ListCommitments, ListFilter
from bot.core.commitments.grammar import USAGE
from bot.core.commitments.results import Changed, Details, Listing, OwnedBy, Owners, Recorded
from bot.core.dates import END_OF_WORKING_DAY, horizon, parse_due
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
from bot.core.parsing import MAX_TITLE
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
        due = parse_due(command.due_phrase, now=work.now(), tz=zone(owner.tz))
    except DateProblem as problem:
        raise DueProblem(problem, title=command.title, owner_id=owner.user_id, command="commit") from problem
    return record(work, alliance, caller, owner, command.title, due.at, command.milestone, command.internal)


def record(
    work: Work,
    alliance: Alliance,
    caller: Caller,
    owner: Person,
    title: str,
    due: datetime,
    milestone: bool,
    internal: bool = False,
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
    return record(work, alliance, caller, owner, title, due, entry.milestone, entry.internal)


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
    tz = zone(owner.tz if owner else "UTC")
    try:
        due = parse_due(phrase, now=now, tz=tz).at
    except DateProblem as problem:
        raise DueProblem(problem, title=title, owner_id=owner_id, command=f"due #{ref}") from problem
    previous = commitment.due_at
    if due == previous:
        raise SameDue(ref, due)
    commitment.due_at = due
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
    return Changed(kind="due_moved", commitment=view, actor_id=caller.user_id, previous_due=previous)


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
    commitment.owner_id = new_owner.user_id
    commitment.party_team_id = new_owner.team_id
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
