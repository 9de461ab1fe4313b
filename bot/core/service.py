"""The alliance service: carries out commands against storage, asking the platform only what it must."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core import authority, charter, disputes, views
from bot.core import grammar as g
from bot.core import scorecard_types as sc
from bot.core.cadence import Cadence, first_checkin, interval, next_checkin
from bot.core.calendar import WorkingTime, is_country_code, zone
from bot.core.clock import Clock
from bot.core.dates import END_OF_WORKING_DAY, DateProblem, MissingDate, PastDate, parse_due
from bot.core.errors import (
    AlreadyClosed,
    CommandError,
    DepartedPerson,
    NoSuchCommitment,
    NotAllowed,
    NotAPerson,
    SameDue,
    UnknownPerson,
)
from bot.core.lookup import TitleCache, TitleIndex, best_matches
from bot.core.outcomes import (
    AllianceView,
    CadenceView,
    Changed,
    CheckinCalled,
    CommitmentView,
    Details,
    EscalationView,
    FormRequested,
    HandedOver,
    HistoryLine,
    HolidaysSet,
    Listing,
    Outcome,
    OwnedBy,
    Owners,
    PartyView,
    Presence,
    Recorded,
    Reply,
    Reported,
    RoleNamed,
    RosterEntry,
    RosterView,
    Snoozed,
    Usage,
)
from bot.core.ports import Directory, Profile
from bot.core.scorecard import ScorecardDesk
from bot.core.visibility import SHARED, Audience, may_see, private_to
from storage import repository as repo
from storage.db import Database
from storage.models import Alliance, Checkin, CheckinAnswer, Commitment, Party, Person, Status

log = logging.getLogger(__name__)

PROFILE_TTL = timedelta(hours=24)
FORM_DUE_IN = timedelta(days=7)
LIST_LIMIT = 50
# A first use in a huge channel should not cost thousands of users.info calls; the party list also comes
# from the channel's shared team ids, so sampling members loses no organisation that matters.
MEMBERS_SAMPLED = 200


class DueProblem(CommandError):
    """A date that could not be used, with what was understood so the answer can show it."""

    def __init__(self, problem: DateProblem, *, title: str | None, owner_id: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.title = title
        self.owner_id = owner_id


@dataclass(frozen=True)
class Caller:
    """Who is asking, and in which alliance channel (or a party's linked private channel).

    `private`: the front end answers look-ups to the caller alone (a slash command's ephemeral answer, a DM), so
    their own party's internal items may be in them. `audience` and `team_id` are filled in by the service: who
    reads the answer to a look-up, and the caller's organisation.
    """

    channel_id: str
    user_id: str
    private: bool = False
    audience: Audience | None = None
    team_id: str = ""

    @property
    def viewer(self) -> Audience:
        """The caller's own organisation: whose internal items they may see and change."""
        return private_to(self.team_id)

    @property
    def reads(self) -> Audience:
        return self.audience if self.audience is not None else SHARED


@dataclass(frozen=True)
class FormEntry:
    """What the commitment form (a Slack modal, a Teams card) submits."""

    title: str
    owner_id: str
    due_date: date
    milestone: bool
    internal: bool = False


class AllianceService:
    def __init__(self, *, db: Database, directory: Directory, clock: Clock, platform: str = "slack") -> None:
        self.db = db
        self.directory = directory
        self.clock = clock
        self.platform = platform
        self._titles = TitleCache()  # what both organisations may read
        self._private_titles: dict[str, TitleCache] = {}  # per organisation, with its internal items
        self.scorecard = ScorecardDesk(self)

    # ---- entry points -------------------------------------------------------------------------------

    def handle_text(self, text: str, caller: Caller) -> Reply:
        """Parse and carry out one command. Raises CommandError subclasses for the user to fix."""
        return self.handle(g.parse(text), caller)

    def handle(self, command: g.Command, caller: Caller) -> Reply:
        if isinstance(command, g.Link):
            return self._link(command, caller)  # linking never creates an alliance, wherever it is typed
        caller, here = self._resolve(caller)
        alliance, new = self.ensure_alliance(caller.channel_id)
        with self._introducing(alliance, new):
            outcome = self._dispatch(command, caller, alliance)
        return self._reply(outcome, alliance, new, caller, here)

    def _reply(self, outcome: Outcome, alliance: Alliance, new: bool, caller: Caller, here: Audience) -> Reply:
        return Reply(
            outcome=outcome,
            new_alliance=self._alliance_view(alliance) if new else None,
            here=here,
            viewer=caller.viewer,
            party_channel_id=self.party_channel(alliance, caller.team_id),
        )

    def _resolve(self, caller: Caller) -> tuple[Caller, Audience]:
        """Who reads the answers: a command typed in a party's linked channel acts on its alliance, for that party's
        eyes only; elsewhere, look-ups answered privately are the caller's party's, the rest both organisations'."""
        person = self.person(caller.user_id)
        team_id = person.team_id if person is not None and not person.is_bot else ""
        channel_id, here = caller.channel_id, SHARED
        with self.db.session() as session:
            link = repo.get_party_channel(session=session, platform=self.platform, channel_id=caller.channel_id)
            alliance = session.get(Alliance, link.alliance_id) if link is not None else None
        if link is not None and alliance is not None:
            if team_id != link.team_id:
                raise NotAllowed("not_your_channel")
            channel_id, here = alliance.channel_id, private_to(link.team_id)
        audience = private_to(team_id) if caller.private else here
        return replace(caller, channel_id=channel_id, audience=audience, team_id=team_id), here

    def party_channel(self, alliance: Alliance, team_id: str) -> str | None:
        """The private channel a party linked to this alliance, if any."""
        if alliance.id is None or not team_id:
            return None
        with self.db.session() as session:
            link = repo.party_channel_of(session=session, alliance_id=alliance.id, team_id=team_id)
            return link.channel_id if link is not None else None

    def start(self, channel_id: str) -> AllianceView | None:
        """Make sure the channel's alliance exists; its view when this call created it, else None. A party's linked
        private channel belongs to its alliance already and never becomes one of its own."""
        with self.db.session() as session:
            if repo.get_party_channel(session=session, platform=self.platform, channel_id=channel_id) is not None:
                return None
        alliance, new = self.ensure_alliance(channel_id)
        return self._alliance_view(alliance) if new else None

    @contextmanager
    def _introducing(self, alliance: Alliance, new: bool) -> Iterator[None]:
        try:
            yield
        except CommandError as e:
            if new:
                e.new_alliance = self._alliance_view(alliance)
            raise

    def submit_form(self, entry: FormEntry, caller: Caller) -> Reply:
        """Record a commitment from the form, whose date picker gives a day without a time."""
        caller, here = self._resolve(caller)
        alliance, new = self.ensure_alliance(caller.channel_id)
        with self._introducing(alliance, new):
            outcome = self._submit_form(alliance, entry, caller)
        return self._reply(outcome, alliance, new, caller, here)

    def _submit_form(self, alliance: Alliance, entry: FormEntry, caller: Caller) -> Recorded:
        owner = self._owner(entry.owner_id, alliance)
        tz = zone(owner.tz)
        due = datetime.combine(entry.due_date, END_OF_WORKING_DAY, tzinfo=tz)
        if due < self.clock.now():
            problem = PastDate(entry.due_date.isoformat(), due)
            raise DueProblem(problem, title=entry.title, owner_id=owner.user_id)
        title = " ".join(entry.title.split())
        if not title:
            raise g.GrammarError("A commitment needs a short title.", g.USAGE["commit"])
        if len(title) > g.MAX_TITLE:
            raise g.GrammarError(f"Keep the title under {g.MAX_TITLE} characters.", g.USAGE["commit"])
        return self._record(alliance, caller, owner, title, due, entry.milestone, entry.internal)

    def form_due(self) -> date:
        """The due date a commitment form suggests: a week from today."""
        return (self.clock.now() + FORM_DUE_IN).date()

    def check_due(self, *, phrase: str, owner_id: str) -> datetime:
        """Parse a due phrase for an owner without recording anything (used by forms to validate)."""
        owner = self._owner(owner_id)
        try:
            return parse_due(phrase, now=self.clock.now(), tz=zone(owner.tz)).at
        except DateProblem as problem:
            raise DueProblem(problem, title=None, owner_id=owner_id) from problem

    def checkin_thread(self, channel_id: str) -> str | None:
        """The thread of the channel's open check-in, where answers are summed up; None when none is open."""
        with self.db.session() as session:
            alliance = repo.get_alliance(session=session, platform=self.platform, channel_id=channel_id)
            if alliance is None or alliance.id is None:
                return None
            checkin = repo.open_checkin(session=session, alliance_id=alliance.id)
            return checkin.thread_ts if checkin else None

    def first_delivery(self, event_id: str) -> bool:
        """True the first time an event id is seen; False for a retry of an event already handled."""
        with self.db.session() as session:
            return repo.claim_event(session=session, event_id=event_id, at=self.clock.now())

    # ---- alliances and people -----------------------------------------------------------------------

    def ensure_alliance(self, channel_id: str) -> tuple[Alliance, bool]:
        with self.db.session() as session:
            existing = repo.get_alliance(session=session, platform=self.platform, channel_id=channel_id)
        if existing is not None:
            return existing, False
        facts = self.directory.channel(channel_id)
        team_ids = list(dict.fromkeys([facts.host_team_id, *facts.team_ids]))
        home_tz = ""
        present: list[tuple[str, str]] = []
        for member_id in facts.member_ids[:MEMBERS_SAMPLED]:
            person = self.person(member_id)
            if person is None or person.is_bot or person.deleted or not person.team_id:
                continue
            present.append((person.user_id, person.team_id))
            if person.team_id not in team_ids:
                team_ids.append(person.team_id)
            if not home_tz and person.team_id == facts.host_team_id:
                home_tz = person.tz  # until the host names its lead, whose zone then becomes home
        parties = [(team_id, self.directory.team_name(team_id)) for team_id in team_ids if team_id]
        name = " & ".join(name for _, name in parties) or facts.name
        now = self.clock.now()
        with self.db.session() as session:
            alliance, created = repo.add_alliance(
                session=session,
                platform=self.platform,
                channel_id=channel_id,
                name=name,
                host_team_id=facts.host_team_id,
                started_at=now,
                parties=parties,
            )
            if created:
                assert alliance.id is not None
                repo.add_members(session=session, alliance_id=alliance.id, people=present, at=now)
                alliance.home_tz = home_tz or "UTC"
                alliance.next_checkin_at = first_checkin(started_at=now, working=WorkingTime.of(alliance.home_tz))
                session.add(alliance)
            return alliance, created

    def person(self, user_id: str) -> Person | None:
        """What we know of a person, refreshed from the platform once a day."""
        now = self.clock.now()
        with self.db.session() as session:
            known = repo.get_person(session=session, user_id=user_id)
        if known is not None and now - known.refreshed_at < PROFILE_TTL:
            return known
        profile = self.directory.profile(user_id)
        if profile is None:
            return known
        with self.db.session() as session:
            return repo.save_person(session=session, person=_person(profile, now))

    def refresh_person(self, user_id: str) -> Person | None:
        """Re-read a person from the platform now, because it told us something changed (they left, say)."""
        profile = self.directory.profile(user_id)
        if profile is None:
            return None
        with self.db.session() as session:
            return repo.save_person(session=session, person=_person(profile, self.clock.now()))

    def _owner(self, user_id: str, alliance: Alliance | None = None) -> Person:
        """A person who can be accountable: known, human, not deactivated, and (given the alliance) not gone
        from its channel."""
        person = self.person(user_id)
        if person is None:
            raise UnknownPerson(user_id)
        if person.is_bot:
            raise NotAPerson(user_id)
        if person.deleted:
            raise DepartedPerson(user_id)
        if alliance is not None and self._left(alliance, user_id):
            raise DepartedPerson(user_id, left_channel=True)
        return person

    def _left(self, alliance: Alliance, user_id: str) -> bool:
        assert alliance.id is not None
        with self.db.session() as session:
            return repo.has_left(session=session, alliance_id=alliance.id, user_id=user_id)

    # ---- commands -----------------------------------------------------------------------------------

    def _dispatch(self, command: g.Command, caller: Caller, alliance: Alliance) -> Outcome:
        assert alliance.id is not None
        match command:
            case g.Help(unknown=unknown):
                return Usage(unknown=unknown)
            case g.OpenForm(prefill=prefill):
                return FormRequested(prefill=prefill)
            case g.Commit():
                return self._commit(command, caller, alliance)
            case g.WhoOwns(query=query):
                return self._who(query, alliance, caller)
            case g.OwnedBy(user_id=user_id):
                self._known(user_id)
                rows = _seen(self._find(alliance, owner_id=user_id), caller.reads)
                return OwnedBy(user_id=user_id, commitments=_overdue_first(self._views(alliance, rows)))
            case g.ListCommitments():
                return self._list(command, caller, alliance)
            case g.Complete(ref=ref):
                return self._complete(alliance, caller, ref)
            case g.MoveDue(ref=ref, due_phrase=phrase):
                return self._move_due(alliance, caller, ref, phrase)
            case g.Reassign(ref=ref, user_id=user_id):
                return self._reassign(alliance, caller, ref, user_id)
            case g.ReassignAll(from_id=from_id, to_id=to_id):
                return self._reassign_all(alliance, caller, from_id, to_id)
            case g.Drop(ref=ref, reason=reason):
                return self._drop(alliance, caller, ref, reason)
            case g.Show(ref=ref):
                return self._show(alliance, ref, caller)
            case g.NameRole(role=role, user_id=user_id, team_id=team_id):
                return self._name_role(alliance, caller, role, user_id, team_id)
            case g.Report(ref=ref, answer=answer, note=note):
                return self._report(alliance, caller, ref, answer.value, note)
            case g.ShowCadence():
                return self._cadence(alliance, None)
            case g.SetCadence(cadence=cadence):
                return self._cadence(alliance, cadence)
            case g.CheckinNow():
                return self._checkin_now(alliance)
            case g.Snooze(ref=ref, days=days):
                return self._snooze(alliance, caller, ref, days)
            case g.Away(until_phrase=phrase):
                return self._away(caller, phrase)
            case g.Back():
                return self._back(caller)
            case g.SetHolidays(country=country):
                return self._holidays(alliance, caller, country)
            case g.Roster():
                return self._roster(alliance, caller)
            case g.Handover(from_id=from_id, to_id=to_id):
                return self._handover(alliance, caller, from_id, to_id)
            case g.Escalation(lead_after=lead_after, sponsor_after=sponsor_after):
                return self._escalation(alliance, lead_after, sponsor_after)
            case g.ShowCharter() | g.EditCharter() | g.SignCharter():
                return charter.Charters(self).handle(command, caller, alliance)
            case g.Decide() | g.ListDecisions() | g.OpenDispute() | g.ListDisputes() | g.ResolveDispute():
                return disputes.Disputes(self).handle(command, caller, alliance)
            case _ if isinstance(command, sc.SCORECARD_COMMANDS):
                return self.scorecard.run(command, caller, alliance)
        raise AssertionError(f"unhandled command {command!r}")

    def _commit(self, command: g.Commit, caller: Caller, alliance: Alliance) -> Recorded:
        owner = self._owner(command.owner_id or caller.user_id, alliance)
        if command.due_phrase is None:
            raise DueProblem(MissingDate(), title=command.title, owner_id=owner.user_id)
        try:
            due = parse_due(command.due_phrase, now=self.clock.now(), tz=zone(owner.tz))
        except DateProblem as problem:
            raise DueProblem(problem, title=command.title, owner_id=owner.user_id) from problem
        return self._record(alliance, caller, owner, command.title, due.at, command.milestone, command.internal)

    def _record(
        self,
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
        now = self.clock.now()
        self._ensure_party(alliance, owner.team_id)
        with self.db.session() as session:
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
            view = self._view(session, alliance, commitment)
        return Recorded(commitment=view, actor_id=caller.user_id)

    def _who(self, query: str, alliance: Alliance, caller: Caller) -> Owners:
        assert alliance.id is not None
        team_id = caller.reads.team_id
        titles = self._titles if team_id is None else self._private_titles.setdefault(team_id, TitleCache())
        with self.db.session() as session:
            fingerprint = repo.open_fingerprint(session=session, alliance_id=alliance.id)
            index = titles.get(alliance.id, fingerprint)
            if index is None:
                pairs = repo.visible_open_titles(session=session, alliance_id=alliance.id, team_id=team_id)
                index = TitleIndex.build(pairs)
                titles.put(alliance.id, fingerprint, index)
            matches = best_matches(query, index)
            rows = repo.get_commitments_by_ref(session=session, alliance_id=alliance.id, refs=[m.ref for m in matches])
            views = self._render(session, alliance, rows)
        return Owners(query=query, matches=views)

    def _list(self, command: g.ListCommitments, caller: Caller, alliance: Alliance) -> Listing:
        now = self.clock.now()
        match command.filter:
            case g.ListFilter.MINE:
                rows = self._find(alliance, owner_id=caller.user_id)
            case g.ListFilter.PERSON:
                assert command.user_id is not None
                self._known(command.user_id)
                rows = self._find(alliance, owner_id=command.user_id)
            case g.ListFilter.OVERDUE:
                rows = self._find(alliance, due_before=now)
            case g.ListFilter.DONE:
                done = self._find(alliance, statuses=(Status.DONE,))
                rows = sorted(done, key=lambda c: c.closed_at or c.created_at, reverse=True)
            case _:
                rows = self._find(alliance)
        views = self._views(alliance, _seen(rows, caller.reads))
        if command.filter is not g.ListFilter.DONE:
            views = _overdue_first(views)
        shown, hidden = views[:LIST_LIMIT], max(0, len(views) - LIST_LIMIT)
        parties = self._parties(alliance)
        groups = [(p, [v for v in shown if v.party.team_id == p.team_id]) for p in parties]
        return Listing(
            filter=command.filter,
            user_id=caller.user_id if command.filter is g.ListFilter.MINE else command.user_id,
            groups=[(p, items) for p, items in groups if items],
            hidden=hidden,
        )

    def _complete(self, alliance: Alliance, caller: Caller, ref: int) -> Changed:
        now = self.clock.now()
        with self.db.session() as session:
            commitment = self._open(session, alliance, ref, caller)
            self._may_change(session, alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
            commitment.status = Status.DONE.value
            commitment.closed_at = now
            commitment.next_nudge_at = None
            self._note_answer(session, alliance, commitment, caller.user_id, "done", "")
            _history(session, commitment, at=now, actor_id=caller.user_id, kind="done")
            return Changed(kind="done", commitment=self._view(session, alliance, commitment), actor_id=caller.user_id)

    def _move_due(self, alliance: Alliance, caller: Caller, ref: int, phrase: str) -> Changed:
        now = self.clock.now()
        with self.db.session() as session:
            commitment = self._open(session, alliance, ref, caller)
            self._may_change(session, alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
            owner_id, title = commitment.owner_id, commitment.title
        owner = self.person(owner_id)
        tz = zone(owner.tz if owner else "UTC")
        try:
            due = parse_due(phrase, now=now, tz=tz).at
        except DateProblem as problem:
            raise DueProblem(problem, title=title, owner_id=owner_id) from problem
        with self.db.session() as session:
            commitment = self._open(session, alliance, ref, caller)
            previous = commitment.due_at
            if due == previous:
                raise SameDue(ref, due)
            commitment.due_at = due
            commitment.nudge_stage, commitment.next_nudge_at = 0, now  # a new deadline starts a new ladder
            if due > previous:
                commitment.slips += 1
            self._note_answer(session, alliance, commitment, caller.user_id, "new_date", "")
            _history(
                session,
                commitment,
                at=now,
                actor_id=caller.user_id,
                kind="due_moved",
                data={"from": _utc(previous), "to": _utc(due), "slip": due > previous},
            )
            view = self._view(session, alliance, commitment)
        return Changed(kind="due_moved", commitment=view, actor_id=caller.user_id, previous_due=previous)

    def _reassign(self, alliance: Alliance, caller: Caller, ref: int, user_id: str) -> Changed:
        now = self.clock.now()
        new_owner = self._owner(user_id, alliance)
        self._ensure_party(alliance, new_owner.team_id)
        with self.db.session() as session:
            commitment = self._open(session, alliance, ref, caller)
            self._may_change(session, alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
            previous = commitment.owner_id
            if previous == new_owner.user_id:
                raise NotAllowed("already_owner", holder_id=previous)
            if commitment.internal and new_owner.team_id != commitment.party_team_id:
                raise NotAllowed("internal_across_parties", holder_id=new_owner.user_id)
            commitment.owner_id = new_owner.user_id
            commitment.party_team_id = new_owner.team_id
            commitment.next_nudge_at = now  # the new owner hears of it from here on
            _history(
                session,
                commitment,
                at=now,
                actor_id=caller.user_id,
                kind="reassigned",
                data={"from": previous, "to": new_owner.user_id},
            )
            view = self._view(session, alliance, commitment)
        return Changed(kind="reassigned", commitment=view, actor_id=caller.user_id, previous_owner_id=previous)

    def _reassign_all(self, alliance: Alliance, caller: Caller, from_id: str, to_id: str) -> HandedOver:
        """Every open item of one person to another in one step (the orphan notice's "Reassign all to…")."""
        assert alliance.id is not None
        self._known(from_id)
        taker = self._owner(to_id, alliance)
        if taker.user_id == from_id:
            raise NotAllowed("already_owner", holder_id=from_id)
        self._ensure_party(alliance, taker.team_id)
        now = self.clock.now()
        with self.db.session() as session:
            moved = self._movable(session, alliance, caller, from_id, taker)
            if not moved:
                raise NotAllowed("nothing_open", holder_id=from_id)
            self._move_items(session, moved, caller, taker, now, handover=False)
        return HandedOver(
            from_id=from_id,
            to_id=taker.user_id,
            refs=[c.ref for c in moved],
            roles=[],
            actor_id=caller.user_id,
            handover=False,
            internal=_internal_refs(moved),
        )

    def _movable(
        self, session: Session, alliance: Alliance, caller: Caller, from_id: str, taker: Person
    ) -> list[Commitment]:
        """Someone's open items that the caller may move to `taker`: none of another party's internal items (the
        caller may not see them) and no internal item out of its party. Only the owner or a lead may move them."""
        assert alliance.id is not None
        rows = repo.find_commitments(session=session, alliance_id=alliance.id, owner_id=from_id)
        moved = [c for c in _seen(rows, caller.viewer) if not (c.internal and c.party_team_id != taker.team_id)]
        if moved:
            self._may_change(session, alliance, caller, from_id, moved[0].party_team_id, None)
        return moved

    def _move_items(
        self,
        session: Session,
        moved: Sequence[Commitment],
        caller: Caller,
        taker: Person,
        now: datetime,
        *,
        handover: bool,
    ) -> None:
        for commitment in moved:
            previous = commitment.owner_id
            commitment.owner_id, commitment.party_team_id = taker.user_id, taker.team_id
            commitment.next_nudge_at = now
            data: dict[str, Any] = {"from": previous, "to": taker.user_id}
            if handover:
                data["handover"] = True
            _history(session, commitment, at=now, actor_id=caller.user_id, kind="reassigned", data=data)

    def _drop(self, alliance: Alliance, caller: Caller, ref: int, reason: str) -> Changed:
        now = self.clock.now()
        with self.db.session() as session:
            commitment = self._open(session, alliance, ref, caller)
            self._may_change(session, alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
            commitment.status = Status.DROPPED.value
            commitment.closed_at = now
            commitment.drop_reason = reason
            commitment.next_nudge_at = None
            _history(session, commitment, at=now, actor_id=caller.user_id, kind="dropped", data={"reason": reason})
            view = self._view(session, alliance, commitment)
        return Changed(kind="dropped", commitment=view, actor_id=caller.user_id)

    def _show(self, alliance: Alliance, ref: int, caller: Caller) -> Details:
        assert alliance.id is not None
        with self.db.session() as session:
            commitment = repo.get_commitment(session=session, alliance_id=alliance.id, ref=ref)
            if commitment is None or commitment.id is None or not _sees(caller.viewer, commitment):
                raise NoSuchCommitment(ref)
            events = repo.history(session=session, commitment_id=commitment.id)
            lines = [
                HistoryLine(at=e.at, actor_id=e.actor_id, kind=e.kind, data=json.loads(e.detail) if e.detail else {})
                for e in events
            ]
            return Details(commitment=self._view(session, alliance, commitment), history=lines)

    def _name_role(
        self, alliance: Alliance, caller: Caller, role: g.Role, user_id: str, team_id: str | None = None
    ) -> RoleNamed:
        assert alliance.id is not None
        person = self._owner(user_id, alliance)
        if team_id is not None and person.team_id != team_id:
            raise NotAllowed("wrong_party", holder_id=person.user_id)
        self._ensure_party(alliance, person.team_id)
        with self.db.session() as session:
            party = repo.get_party(session=session, alliance_id=alliance.id, team_id=person.team_id)
            assert party is not None  # made sure of just above
            self._may_name(session, alliance, party, caller, role)
            previous = party.lead_id if role is g.Role.LEAD else party.sponsor_id
            if role is g.Role.LEAD:
                party.lead_id = person.user_id
                if party.team_id == alliance.host_team_id:
                    row = session.get(Alliance, alliance.id)
                    if row is not None:
                        row.home_tz = person.tz  # check-ins follow the host lead's working day
            else:
                party.sponsor_id = person.user_id
            session.add(party)
            session.flush()
            return RoleNamed(
                role=role,
                user_id=person.user_id,
                party=views.party_view(party),
                previous_id=previous,
                actor_id=caller.user_id,
            )

    def _may_name(self, session: Session, alliance: Alliance, party: Party, caller: Caller, role: g.Role) -> None:
        """A party names its own people: while it has neither lead nor sponsor (still here) anyone may start it
        off; after that only its lead or sponsor may change them. When its lead has left, the other party's
        lead may name the new lead too, since they are the ones asked to."""
        assert alliance.id is not None
        gone = {u for _, u in repo.departed(session=session, alliance_ids=[alliance.id])}
        people = repo.get_people(session=session, user_ids=[h for h in (party.lead_id, party.sponsor_id) if h])
        gone |= {u for u, p in people.items() if p.deleted}
        holders = {h for h in (party.lead_id, party.sponsor_id) if h and h not in gone}
        if not holders or caller.user_id in holders:
            return
        lead_left = party.lead_id is not None and party.lead_id in gone
        other_leads = {
            p.lead_id
            for p in repo.list_parties(session=session, alliance_id=alliance.id)
            if p.team_id != party.team_id and p.lead_id and p.lead_id not in gone
        }
        if role is g.Role.LEAD and lead_left and caller.user_id in other_leads:
            return
        present_lead = party.lead_id if party.lead_id not in gone else None
        raise NotAllowed("not_lead_or_sponsor", holder_id=present_lead or party.sponsor_id)

    def _may_change(
        self,
        session: Session,
        alliance: Alliance,
        caller: Caller,
        owner_id: str,
        party_team_id: str,
        ref: int | None,
    ) -> None:
        assert alliance.id is not None
        authority.may_change(
            session,
            alliance_id=alliance.id,
            user_id=caller.user_id,
            team_id=caller.team_id,
            owner_id=owner_id,
            party_team_id=party_team_id,
            ref=ref,
        )

    def _link(self, command: g.Link, caller: Caller) -> Reply:
        person = self.person(caller.user_id)
        team_id = person.team_id if person is not None and not person.is_bot else ""
        linked = authority.link(
            self.db,
            self.directory,
            command,
            platform=self.platform,
            channel_id=caller.channel_id,
            user_id=caller.user_id,
            team_id=team_id,
            now=self.clock.now(),
        )
        here = private_to(team_id) if caller.channel_id in (command.channel_id, linked.previous_id) else SHARED
        return Reply(outcome=linked, here=here, viewer=private_to(team_id), party_channel_id=command.channel_id)

    def _report(self, alliance: Alliance, caller: Caller, ref: int, answer: str, note: str) -> Reported:
        with self.db.session() as session:
            commitment = self._open(session, alliance, ref, caller)
            commitment.reported, commitment.reported_note = answer, note or None
            checkin = self._note_answer(session, alliance, commitment, caller.user_id, answer, note)
            view = self._view(session, alliance, commitment)
            return Reported(
                commitment=view,
                answer=g.Answer(answer),
                note=note,
                actor_id=caller.user_id,
                checkin_seq=checkin.seq if checkin else None,
                thread_ts=checkin.thread_ts if checkin else None,
            )

    def _note_answer(
        self, session: Session, alliance: Alliance, commitment: Commitment, user_id: str, answer: str, note: str
    ) -> Checkin | None:
        """Count what an owner says as their answer to the check-in that is open, if one is."""
        assert alliance.id is not None and commitment.id is not None
        checkin = repo.open_checkin(session=session, alliance_id=alliance.id)
        if checkin is not None and checkin.id is not None:
            session.add(
                CheckinAnswer(
                    checkin_id=checkin.id,
                    commitment_id=commitment.id,
                    user_id=user_id,
                    answer=answer,
                    note=note,
                    at=self.clock.now(),
                )
            )
        return checkin

    def _cadence(self, alliance: Alliance, setting: str | None) -> CadenceView:
        assert alliance.id is not None
        now = self.clock.now()
        with self.db.session() as session:
            row = session.get(Alliance, alliance.id)
            assert row is not None
            overdue = repo.count_overdue(session=session, alliance_id=alliance.id, now=now)
            if setting is not None:
                row.cadence = setting
                host = next(
                    (
                        p
                        for p in repo.list_parties(session=session, alliance_id=alliance.id)
                        if p.team_id == row.host_team_id
                    ),
                    None,
                )
                working = WorkingTime.of(row.home_tz, host.country if host else None)
                last = repo.last_checkin(session=session, alliance_id=alliance.id)
                every = interval(Cadence(setting), started_at=row.started_at, now=now, overdue=overdue)
                after = last.opened_at if last else row.started_at
                candidate = next_checkin(after=after, every=every, working=working)
                # A cadence shortened past its due date checks in on the next working morning, not in the past.
                row.next_checkin_at = candidate if candidate > now else first_checkin(started_at=now, working=working)
            every = interval(Cadence(row.cadence), started_at=row.started_at, now=now, overdue=overdue)
            return CadenceView(
                cadence=row.cadence,
                every_days=every.days,
                tightened=every < interval(Cadence(row.cadence), started_at=row.started_at, now=now, overdue=0),
                next_checkin_at=row.next_checkin_at,
                home_tz=row.home_tz,
                changed=setting is not None,
            )

    def _checkin_now(self, alliance: Alliance) -> CheckinCalled:
        now = self.clock.now()
        with self.db.session() as session:
            row = session.get(Alliance, alliance.id)
            assert row is not None
            row.next_checkin_at = now
        return CheckinCalled(at=now)

    def _snooze(self, alliance: Alliance, caller: Caller, ref: int, days: int) -> Snoozed:
        now = self.clock.now()
        until = now + timedelta(days=days)
        with self.db.session() as session:
            commitment = self._open(session, alliance, ref, caller)
            commitment.snoozed_until = until
            commitment.next_nudge_at = until
            _history(session, commitment, at=now, actor_id=caller.user_id, kind="snoozed", data={"until": _utc(until)})
            return Snoozed(commitment=self._view(session, alliance, commitment), until=until, actor_id=caller.user_id)

    def _away(self, caller: Caller, phrase: str) -> Presence:
        person = self._owner(caller.user_id)
        tz = zone(person.tz)
        try:
            last_day = parse_due(phrase, now=self.clock.now(), tz=tz).at
        except DateProblem as problem:
            raise DueProblem(problem, title=None, owner_id=caller.user_id) from problem
        # "away until Jan 6": back on the morning of the 6th.
        until = datetime.combine(last_day.date(), datetime.min.time(), tzinfo=tz)
        if until <= self.clock.now():
            until = last_day
        with self.db.session() as session:
            row = repo.get_person(session=session, user_id=caller.user_id)
            assert row is not None
            row.away_until = until
        return Presence(user_id=caller.user_id, until=until, tz=person.tz)

    def _back(self, caller: Caller) -> Presence:
        person = self._owner(caller.user_id)
        with self.db.session() as session:
            row = repo.get_person(session=session, user_id=caller.user_id)
            assert row is not None
            row.away_until = None
        return Presence(user_id=caller.user_id, until=None, tz=person.tz)

    def _roster(self, alliance: Alliance, caller: Caller) -> RosterView:
        """Who is in the channel, by party: role, time zone and open commitments."""
        assert alliance.id is not None
        facts = self.directory.channel(alliance.channel_id)
        people = [p for p in (self.person(uid) for uid in facts.member_ids[:MEMBERS_SAMPLED]) if p]
        with self.db.session() as session:
            open_rows = _seen(repo.find_commitments(session=session, alliance_id=alliance.id), caller.reads)
            parties = views.parties(session, alliance)
        counts: dict[str, int] = {}
        for c in open_rows:
            counts[c.owner_id] = counts.get(c.owner_id, 0) + 1
        groups = []
        for party in parties:
            entries = [
                RosterEntry(
                    user_id=p.user_id,
                    role=_role(p.user_id, party),
                    tz=p.tz,
                    open_items=counts.get(p.user_id, 0),
                )
                for p in people
                if p.team_id == party.team_id and not p.is_bot and not p.deleted
            ]
            order = {"lead": 0, "sponsor": 1, "contact": 2}
            groups.append((party, sorted(entries, key=lambda e: (order[e.role], e.user_id))))
        return RosterView(parties=groups)

    def _handover(self, alliance: Alliance, caller: Caller, from_id: str, to_id: str) -> HandedOver:
        """Everything Bob holds in this alliance, open commitments and roles, to Alice in one step."""
        assert alliance.id is not None
        self._known(from_id)
        taker = self._owner(to_id, alliance)
        self._ensure_party(alliance, taker.team_id)
        now = self.clock.now()
        with self.db.session() as session:
            moved = self._movable(session, alliance, caller, from_id, taker)
            self._move_items(session, moved, caller, taker, now, handover=True)
            roles = []
            for party in repo.list_parties(session=session, alliance_id=alliance.id):
                for role in ("lead", "sponsor"):
                    if getattr(party, f"{role}_id") == from_id:
                        if party.team_id != taker.team_id:
                            raise NotAllowed("role_across_parties", holder_id=from_id)
                        # Roles move only at the word of those who may name them, as with `lead @name`.
                        self._may_name(session, alliance, party, caller, g.Role(role))
                        setattr(party, f"{role}_id", taker.user_id)
                        roles.append(role)
                        if role == "lead" and party.team_id == alliance.host_team_id:
                            row = session.get(Alliance, alliance.id)
                            if row is not None:
                                row.home_tz = taker.tz  # check-ins follow the host lead's working day
            return HandedOver(
                from_id=from_id,
                to_id=taker.user_id,
                refs=[c.ref for c in moved],
                roles=roles,
                actor_id=caller.user_id,
                internal=_internal_refs(moved),
            )

    def _escalation(self, alliance: Alliance, lead_after: int | None, sponsor_after: int | None) -> EscalationView:
        with self.db.session() as session:
            row = session.get(Alliance, alliance.id)
            assert row is not None
            if lead_after is not None and sponsor_after is not None:
                row.lead_after_days, row.sponsor_after_days = lead_after, sponsor_after
            return EscalationView(
                lead_after=row.lead_after_days, sponsor_after=row.sponsor_after_days, changed=lead_after is not None
            )

    def _holidays(self, alliance: Alliance, caller: Caller, country: str) -> HolidaysSet:
        assert alliance.id is not None
        if not is_country_code(country):
            raise g.GrammarError(
                f"I don't know the country code “{country}”; use two letters, like DE or US.", g.USAGE["holidays"]
            )
        person = self._owner(caller.user_id)
        self._ensure_party(alliance, person.team_id)
        with self.db.session() as session:
            party = repo.get_party(session=session, alliance_id=alliance.id, team_id=person.team_id)
            assert party is not None  # made sure of just above
            party.country = country
            session.add(party)
            return HolidaysSet(party=views.party_view(party), country=country)

    # ---- helpers ------------------------------------------------------------------------------------

    def _known(self, user_id: str) -> Person:
        person = self.person(user_id)
        if person is None:
            raise UnknownPerson(user_id)
        return person

    def _open(self, session: Session, alliance: Alliance, ref: int, caller: Caller) -> Commitment:
        """An open commitment the caller may see: another party's internal item is, to them, no commitment at all."""
        assert alliance.id is not None
        commitment = repo.get_commitment(session=session, alliance_id=alliance.id, ref=ref)
        if commitment is None or not _sees(caller.viewer, commitment):
            raise NoSuchCommitment(ref)
        if commitment.status != Status.OPEN.value:
            raise AlreadyClosed(ref, commitment.status)
        return commitment

    def _find(
        self,
        alliance: Alliance,
        *,
        statuses: Sequence[Status] = (Status.OPEN,),
        owner_id: str | None = None,
        due_before: datetime | None = None,
    ) -> Sequence[Commitment]:
        assert alliance.id is not None
        with self.db.session() as session:
            return repo.find_commitments(
                session=session, alliance_id=alliance.id, statuses=statuses, owner_id=owner_id, due_before=due_before
            )

    def _ensure_party(self, alliance: Alliance, team_id: str) -> None:
        assert alliance.id is not None
        with self.db.session() as session:
            if any(p.team_id == team_id for p in repo.list_parties(session=session, alliance_id=alliance.id)):
                return
        name = self.directory.team_name(team_id)
        with self.db.session() as session:
            repo.add_party(session=session, alliance_id=alliance.id, team_id=team_id, name=name)

    def _parties(self, alliance: Alliance) -> list[PartyView]:
        with self.db.session() as session:
            return views.parties(session, alliance)

    def _alliance_view(self, alliance: Alliance) -> AllianceView:
        with self.db.session() as session:
            return views.alliance_view(session, alliance)

    def _views(self, alliance: Alliance, rows: Sequence[Commitment]) -> list[CommitmentView]:
        with self.db.session() as session:
            return self._render(session, alliance, rows)

    def _view(self, session: Session, alliance: Alliance, commitment: Commitment) -> CommitmentView:
        return self._render(session, alliance, [commitment])[0]

    def _render(self, session: Session, alliance: Alliance, rows: Sequence[Commitment]) -> list[CommitmentView]:
        return views.commitments(session, rows, now=self.clock.now())


def _sees(audience: Audience, commitment: Commitment) -> bool:
    return may_see(audience, internal=commitment.internal, party_team_id=commitment.party_team_id)


def _seen(rows: Sequence[Commitment], audience: Audience) -> list[Commitment]:
    return [c for c in rows if _sees(audience, c)]


def _internal_refs(rows: Sequence[Commitment]) -> dict[int, str]:
    return {c.ref: c.party_team_id for c in rows if c.internal}


def _role(user_id: str, party: PartyView) -> str:
    if user_id == party.lead_id:
        return "lead"
    return "sponsor" if user_id == party.sponsor_id else "contact"


def _overdue_first(views: list[CommitmentView]) -> list[CommitmentView]:
    return sorted(views, key=lambda v: (not v.overdue, v.due_at, v.ref))


def _person(profile: Profile, now: datetime) -> Person:
    return Person(
        user_id=profile.user_id,
        team_id=profile.team_id,
        name=profile.name,
        tz=profile.tz or "UTC",
        is_bot=profile.is_bot,
        deleted=profile.deleted,
        refreshed_at=now,
    )


def _history(
    session: Session,
    commitment: Commitment,
    *,
    at: datetime,
    actor_id: str,
    kind: str,
    data: dict[str, Any] | None = None,
) -> None:
    """One line of a commitment's history; `data` is kept as JSON for whoever renders it."""
    detail = json.dumps(data) if data else ""
    repo.add_event(session=session, commitment=commitment, at=at, actor_id=actor_id, kind=kind, detail=detail)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()
