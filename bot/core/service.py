"""The alliance service, a switchboard: each command is parsed, routed to the feature that owns it, and carried
out in one unit of work (one database session) whose outcome goes back to the front end.

Front ends call only this class. It holds no alliance rules of its own: those live in the feature packages
(`commitments`, `checkins`, `people`, `charter`, `scorecard`) and the base they share (`alliance`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from bot.core import announcements, grammar
from bot.core.alliance import Caller, Role, TitleCaches, Work
from bot.core.charter import disputes
from bot.core.charter import handlers as charter
from bot.core.charter.commands import (
    Decide,
    EditCharter,
    ListDecisions,
    ListDisputes,
    OpenDispute,
    ResolveDispute,
    ShowCharter,
    SignCharter,
    WriteCharter,
)
from bot.core.charter.results import CharterView
from bot.core.checkins import handlers as checkins
from bot.core.checkins.commands import CheckinNow, Escalation, Report, SetCadence, ShowCadence, Snooze
from bot.core.clock import Clock
from bot.core.commitments import handlers as commitments
from bot.core.commitments import prefill
from bot.core.commitments.commands import (
    Commit,
    Complete,
    Drop,
    FormEntry,
    ListCommitments,
    MoveDue,
    OpenForm,
    OwnedBy,
    Reassign,
    Show,
    WhoOwns,
)
from bot.core.commitments.edits import amend
from bot.core.commitments.prefill import Prefill
from bot.core.commitments.results import FormRequested
from bot.core.errors import AlreadyCarriedOut, CommandError
from bot.core.home import board
from bot.core.home.board import Home
from bot.core.outcomes import Outcome, Reply, Usage, announced
from bot.core.people import handlers as people
from bot.core.people import links
from bot.core.people.commands import Away, Back, Handover, Link, NameRole, ReassignAll, Roster, SetHolidays
from bot.core.people.departures import People
from bot.core.ports import Directory
from bot.core.pulse import handlers as pulse
from bot.core.pulse.commands import PULSE_COMMANDS, PulseQuestions, ShowPulse
from bot.core.pulse.results import PulseThanks
from bot.core.sanitize import clean, cleaned
from bot.core.scorecard import digest
from bot.core.scorecard import handlers as scorecard
from bot.core.scorecard.commands import (
    SCORECARD_COMMANDS,
    Export,
    ListContributions,
    ListMetrics,
    SetBalance,
    SetDigest,
    ShowScorecard,
    Verdict,
)
from bot.core.scorecard.results import ReviewAnswered
from bot.core.views import AllianceView, CommitmentView
from bot.core.visibility import SHARED, private_to
from storage import repository as repo
from storage.db import Database
from storage.models import Alliance, Commitment, Person


class AllianceService:
    def __init__(self, *, db: Database, directory: Directory, clock: Clock, platform: str = "slack") -> None:
        self.db = db
        self.directory = directory
        self.clock = clock
        self.platform = platform
        self.titles = TitleCaches()
        # Comings and goings arrive as platform events rather than commands; the same storage and directory.
        self.people = People(db=db, directory=directory, clock=clock, platform=platform)
        # Told the channel of each alliance in which something changed (after it is saved): the Home tab refreshes.
        self.watchers: list[Callable[[str], object]] = []

    @contextmanager
    def work(self) -> Iterator[Work]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        with self.db.session() as session:
            yield Work(
                session=session, directory=self.directory, clock=self.clock, platform=self.platform, titles=self.titles
            )

    # ---- commands -----------------------------------------------------------------------------------------------

    def handle_text(self, text: str, caller: Caller) -> Reply:
        """Parse and carry out one command. Raises CommandError subclasses for the user to fix."""
        return self.handle(grammar.parse(clean(text)), caller)

    def handle(self, command: grammar.Command, caller: Caller) -> Reply:
        """Carry out a command, typed or a button's or a form's; every string in it loses its control characters
        first, whichever front end built it."""
        command = cleaned(command)
        if isinstance(command, Link):
            return self._link(command, caller)  # linking never creates an alliance, wherever it is typed
        return self._in_alliance(
            caller,
            lambda work, caller, alliance: route(work, command, caller, alliance),
            changes=not reads(command),
        )

    def handle_message(self, text: str, caller: Caller, *, message_ts: str, edited: bool) -> Reply:
        """A command typed in a chat message that the platform sends again when its author edits it (Slack re-sends
        an edited mention with the same ts). A message that changed something is remembered with what it did;
        an edit of it amends the commitment it created (`commit …` again), or is refused saying what it did. An
        edit of a message that changed nothing (a look-up, a refused command) is carried out as new."""
        command = cleaned(grammar.parse(clean(text)))
        if isinstance(command, Link):
            return self._link(command, caller)

        def act(work: Work, caller: Caller, alliance: Alliance) -> Outcome:
            return _from_message(work, command, caller, alliance, message_ts=message_ts, edited=edited)

        return self._in_alliance(caller, act, changes=not reads(command))

    def submit_form(self, entry: FormEntry, caller: Caller) -> Reply:
        """Record a commitment from the form, whose date picker gives a day without a time."""
        entry = cleaned(entry)
        return self._in_alliance(
            caller, lambda work, caller, alliance: commitments.submit_form(work, alliance, entry, caller), changes=True
        )

    def _in_alliance(self, caller: Caller, act: Callable[[Work, Caller, Alliance], Outcome], *, changes: bool) -> Reply:
        """Carry out `act` in the caller's alliance, in one unit of work. A refused command changes nothing, but a
        channel's first use still sets up its alliance, which deserves its introduction even then. Who may read
        and who may change anything is decided here, once for every path (`Work.may_read`, `Work.may_act`)."""
        with self.work() as work:
            caller, here = work.resolve(caller)
            alliance, new = work.ensure_alliance(caller.channel_id)
            attempt = work.session.begin_nested()
            try:
                work.may_read(alliance, caller)
                if changes:
                    work.may_act(alliance, caller)
                outcome = act(work, caller, alliance)
            except CommandError as e:
                attempt.rollback()
                if new:
                    e.new_alliance = work.alliance_view(alliance)
                work.session.commit()
                raise
            attempt.commit()
            reply = Reply(
                outcome=outcome,
                new_alliance=work.alliance_view(alliance) if new else None,
                here=here,
                viewer=caller.viewer,
                party_channel_id=work.party_channel(alliance, caller.team_id),
            )
        if changes:
            self.changed(alliance.channel_id)
        return reply

    def _link(self, command: Link, caller: Caller) -> Reply:
        with self.work() as work:
            team_id = work.team_of(caller.user_id)
            linked = links.link(work, command, channel_id=caller.channel_id, user_id=caller.user_id, team_id=team_id)
        here = private_to(team_id) if caller.channel_id in (command.channel_id, linked.previous_id) else SHARED
        return Reply(outcome=linked, here=here, viewer=private_to(team_id), party_channel_id=command.channel_id)

    # ---- what front ends ask besides commands -------------------------------------------------------------------

    def changed(self, channel_id: str) -> None:
        """Something of the alliance of `channel_id` changed and is saved (a command, a delivery): tell the
        watchers. A watcher's failure is theirs to log; it never undoes or hides what was done."""
        for watch in self.watchers:
            watch(channel_id)

    def home(self, user_id: str) -> Home:
        """A person's own page across all their alliances, in their zone, private to their organisation."""
        with self.work() as work:
            who = work.known(user_id)
            return board.home_of(
                work.session, platform=self.platform, user_id=user_id, team_id=who.team_id, tz=who.tz, now=work.now()
            )

    def home_people(self, channel_id: str) -> dict[str, str]:
        """Whose page shows something of the alliance of `channel_id`, each with their organisation (team id)."""
        with self.work() as work:
            alliance = work.alliance(channel_id)
            if alliance is None or alliance.id is None:
                return {}
            people = board.people_of(work.session, alliance_id=alliance.id)
            return {p.user_id: p.team_id for p in repo.get_people(session=work.session, user_ids=people).values()}

    def start(self, channel_id: str) -> AllianceView | None:
        """Make sure the channel's alliance exists; its view when this call created it, else None. A party's linked
        private channel belongs to its alliance already and never becomes one of its own."""
        with self.work() as work:
            if work.linked_alliance(channel_id):
                return None
            alliance, new = work.ensure_alliance(channel_id)
            return work.alliance_view(alliance) if new else None

    def prefill(self, message_text: str, asker_id: str) -> Prefill:
        """A commitment form's suggestions from a chat message: readable title, the person named, the date."""
        with self.work() as work:
            return prefill.from_message(work, message_text, asker_id=asker_id)

    def owe_announcement(
        self, channel_id: str, text: str, body: list[dict[str, Any]], *, thread_ts: str | None = None
    ) -> bool:
        """The platform would not take an announcement of a change already saved: the sweep makes it instead (and
        retries until it goes). False when the conversation belongs to no alliance (nothing to owe it to)."""
        with self.work() as work:
            alliance = work.alliance(channel_id)
            linked = (
                None
                if alliance is not None
                else repo.get_party_channel(session=work.session, platform=self.platform, channel_id=channel_id)
            )
            alliance_id = alliance.id if alliance is not None else linked.alliance_id if linked is not None else None
            if alliance_id is None:
                return False
            announcements.plan(
                work.session,
                alliance_id=alliance_id,
                channel_id=channel_id,
                text=text,
                body=body,
                thread_ts=thread_ts,
                now=work.now(),
            )
            return True

    def form_due(self) -> date:
        """The due date a commitment form suggests: a week from today."""
        with self.work() as work:
            return commitments.form_due(work)

    def check_due(self, *, phrase: str, owner_id: str) -> datetime:
        """Parse a due phrase for an owner without recording anything (used by forms to validate)."""
        with self.work() as work:
            return commitments.check_due(work, phrase=phrase, owner_id=owner_id)

    def checkin_thread(self, channel_id: str) -> str | None:
        """The thread of the channel's open check-in, where answers are summed up; None when none is open."""
        with self.work() as work:
            return checkins.open_thread(work, channel_id)

    def recheck_party_channel(self, channel_id: str) -> bool:
        """A channel's audience changed (`channel_shared`): a party's linked channel no longer private to it is
        unlinked at once. True when it was."""
        with self.work() as work:
            return links.recheck(work, channel_id)

    def first_delivery(self, event_id: str) -> bool:
        """True the first time an event id is seen; False for a retry of an event already handled."""
        with self.work() as work:
            return work.first_delivery(event_id)

    def person(self, user_id: str) -> Person | None:
        """What we know of a person, refreshed from the platform once a day."""
        with self.work() as work:
            return work.person(user_id)

    def refresh_person(self, user_id: str) -> Person | None:
        """Re-read a person from the platform now, because it told us something changed (they left, say)."""
        with self.work() as work:
            return work.refresh_person(user_id)

    # ---- the charter's form, and answers to review prompts ------------------------------------------------------

    def charter_form(self, channel_id: str, user_id: str) -> CharterView:
        """What the charter form opens with: the charter in force (a draft left from before is dropped)."""
        with self.work() as work:
            return charter.start_form(work, channel_id, user_id)

    def charter_draft(self, channel_id: str, user_id: str) -> CharterView:
        """The charter as the form's steps have filled it in so far."""
        with self.work() as work:
            return charter.draft(work, channel_id, user_id)

    def charter_step(self, step: int, fields: dict[str, Any], caller: Caller) -> Reply | None:
        """One step of the charter form; None until the last step, whose save is the reply. A problem raises
        CharterError naming the field, and nothing of the step is kept."""
        fields = cleaned(fields)
        with self.work() as work:
            caller, _ = work.resolve(caller)
            alliance = work.alliance(caller.channel_id)
            if alliance is not None:
                work.may_act(alliance, caller)
            saved = charter.submit_step(work, step, fields, caller)
        return Reply(outcome=saved) if saved is not None else None

    def charter_pinned(self, channel_id: str, version: int, message_ts: str) -> None:
        """The signed charter's message in the channel, kept with its version."""
        with self.work() as work:
            charter.pinned(work, channel_id, version, message_ts)

    def answer_review(
        self, *, channel_id: str, review_key: str, about: str, user_id: str, verdict: Verdict
    ) -> ReviewAnswered:
        """A lead's continue / adjust / wind down to a review prompt; a second click changes their answer."""
        with self.work() as work:
            caller, _ = work.resolve(Caller(channel_id=channel_id, user_id=user_id))
            alliance = work.alliance(caller.channel_id)
            if alliance is not None:
                work.may_act(alliance, caller)
            return digest.answer_review(
                work, channel_id=channel_id, review_key=review_key, about=about, user_id=user_id, verdict=verdict
            )

    # ---- the health pulse's answers ---------------------------------------------------------------------------

    def answer_pulse(self, *, round_id: int, user_id: str, ratings: dict[int, int], remark: str) -> PulseThanks:
        """One person's answers to a pulse, from its private message (a form, buttons, the console). Counted
        anonymously; a second answer is refused (PulseError), as is one after the pulse closed."""
        remark = clean(remark)
        with self.work() as work:
            return pulse.answer(work, round_id, user_id, ratings, remark)

    def pulse_open(self, channel_id: str) -> int | None:
        """The id of the pulse open in the channel's alliance, if one is."""
        with self.work() as work:
            return pulse.open_round_id(work, channel_id)

    def pulse_statements(self, round_id: int) -> tuple[str, ...]:
        """What a pulse asks, for the form that answers it."""
        with self.work() as work:
            return pulse.statements(work, round_id)

    def pulse_commitment(self, *, channel_id: str, user_id: str, round_id: int, number: int) -> str:
        """The title a "Make it a commitment" button fills in; PulseError when the clicker is not a lead."""
        with self.work() as work:
            return pulse.commitment_title(work, channel_id, user_id, round_id, number)


def _from_message(
    work: Work, command: grammar.Command, caller: Caller, alliance: Alliance, *, message_ts: str, edited: bool
) -> Outcome:
    """Carry out a message's command once; an edit amends what it created (see `handle_message`)."""
    assert alliance.id is not None
    session = work.session
    where = {"platform": work.platform, "channel_id": caller.channel_id, "message_ts": message_ts}
    done = repo.command_message(session=session, **where) if edited else None
    if done is not None:
        if done.kind == Commit.__name__ and done.commitment_id is not None and isinstance(command, Commit):
            return amend(work, alliance, caller, done.commitment_id, command)
        about = session.get(Commitment, done.commitment_id) if done.commitment_id is not None else None
        raise AlreadyCarriedOut(done.kind, about.ref if about else None)
    outcome = route(work, command, caller, alliance)
    if announced(outcome):
        # The commitment it created or changed, so an edit can amend it or say which it was.
        item = getattr(outcome, "commitment", None)
        rows = (
            repo.get_commitments_by_ref(session=session, alliance_id=alliance.id, refs=[item.ref])
            if isinstance(item, CommitmentView)
            else []
        )
        kind = type(command).__name__
        made_id = rows[0].id if rows else None
        repo.add_command_message(
            session=session, **where, alliance_id=alliance.id, kind=kind, commitment_id=made_id, at=work.now()
        )
    return outcome


def reads(command: grammar.Command) -> bool:
    """Whether a command only reads the alliance (anyone in its channel may), rather than changing it (only the
    people of its two organisations still in the channel may: `Work.may_act`)."""
    match command:
        case Escalation(lead_after=None) | SetBalance(threshold=None) | SetDigest(frequency=None):
            return True
        case PulseQuestions(number=None, reset=False):
            return True
    return isinstance(command, READS)


READS = (
    grammar.Help,
    WhoOwns,
    OwnedBy,
    ListCommitments,
    Show,
    ShowCadence,
    Roster,
    ShowCharter,
    ListDecisions,
    ListDisputes,
    ListMetrics,
    ListContributions,
    ShowScorecard,
    Export,
    ShowPulse,
)


def route(work: Work, command: grammar.Command, caller: Caller, alliance: Alliance) -> Outcome:
    """The feature that carries out each command."""
    assert alliance.id is not None
    match command:
        case grammar.Help():
            return Usage(
                unknown=command.unknown,
                verb=command.verb,
                form=command.form,
                words=command.words,
                retyped=command.retyped,
            )
        case OpenForm(prefill=prefill):
            return FormRequested(prefill=prefill)
        case Commit():
            return commitments.commit(work, command, caller, alliance)
        case WhoOwns(query=query):
            return commitments.who(work, query, alliance, caller)
        case OwnedBy(user_id=user_id):
            return commitments.owned_by(work, alliance, caller, user_id)
        case ListCommitments():
            return commitments.listing(work, command, caller, alliance)
        case Complete(ref=ref):
            return commitments.complete(work, alliance, caller, ref)
        case MoveDue(ref=ref, due_phrase=phrase):
            return commitments.move_due(work, alliance, caller, ref, phrase)
        case Reassign(ref=ref, user_id=user_id):
            return commitments.reassign(work, alliance, caller, ref, user_id)
        case Drop(ref=ref, reason=reason):
            return commitments.drop(work, alliance, caller, ref, reason)
        case Show(ref=ref):
            return commitments.show(work, alliance, ref, caller)
        case Report(ref=ref, answer=answer, note=note):
            return checkins.report(work, alliance, caller, ref, answer.value, note)
        case ShowCadence():
            return checkins.cadence(work, alliance, None)
        case SetCadence(cadence=cadence):
            return checkins.cadence(work, alliance, cadence)
        case CheckinNow():
            return checkins.checkin_now(work, alliance)
        case Snooze(ref=ref, days=days):
            return checkins.snooze(work, alliance, caller, ref, days)
        case Escalation(lead_after=lead_after, sponsor_after=sponsor_after):
            return checkins.escalation(work, alliance, lead_after, sponsor_after)
        case NameRole(role=role, user_id=user_id, team_id=team_id):
            return people.name_role(work, alliance, caller, Role(role), user_id, team_id)
        case ReassignAll(from_id=from_id, to_id=to_id):
            return people.reassign_all(work, alliance, caller, from_id, to_id)
        case Away(until_phrase=phrase):
            return people.away(work, caller, phrase)
        case Back():
            return people.back(work, caller)
        case SetHolidays(country=country):
            return people.holidays(work, alliance, caller, country)
        case Roster():
            return people.roster(work, alliance, caller)
        case Handover(from_id=from_id, to_id=to_id):
            return people.handover(work, alliance, caller, from_id, to_id)
        case ShowCharter() | EditCharter() | SignCharter() | WriteCharter():
            return charter.handle(work, command, caller, alliance)
        case Decide() | ListDecisions() | OpenDispute() | ListDisputes() | ResolveDispute():
            return disputes.handle(work, command, caller, alliance)
        case _ if isinstance(command, SCORECARD_COMMANDS):
            return scorecard.run(work, command, caller, alliance)
        case _ if isinstance(command, PULSE_COMMANDS):
            return pulse.run(work, command, caller, alliance)
    raise AssertionError(f"unhandled command {command!r}")
