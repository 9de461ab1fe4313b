"""The alliance service end to end through the core, on SQLite and PostgreSQL, with a fixed clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.console.world import ACME, GLOBEX, PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller, Role
from bot.core.checkins.results import CadenceView, EscalationView, Reported, Snoozed
from bot.core.clock import ManualClock
from bot.core.commitments.commands import FormEntry, ListFilter
from bot.core.commitments.results import Changed, Details, FormRequested, Listing, OwnedBy, Owners, Recorded
from bot.core.errors import (
    AlreadyClosed,
    DepartedPerson,
    DueProblem,
    GrammarError,
    MissingDate,
    NoSuchCommitment,
    NotAllowed,
    NotAPerson,
    PastDate,
    SameDue,
    UnknownDate,
    UnknownName,
    UnknownPerson,
)
from bot.core.outcomes import Usage
from bot.core.people.results import HandedOver, HolidaysSet, Presence, RoleNamed, RosterView
from bot.core.ports import Profile
from bot.core.service import AllianceService
from storage.db import Database

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ALICE = Caller(channel_id="C1", user_id="UALICE")
PAUL = Caller(channel_id="C1", user_id="UPAUL")
PIA = Caller(channel_id="C1", user_id="UPIA")
BOB = Caller(channel_id="C1", user_id="UBOB")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def service(db: Database, clock: ManualClock) -> AllianceService:
    people = [
        *PEOPLE,
        Profile(user_id="UGONE", team_id=ACME, name="gone", tz="UTC", deleted=True),
    ]
    return AllianceService(db=db, directory=ConsoleDirectory(people), clock=clock)


def commit(service: AllianceService, text: str, caller: Caller = ALICE) -> Recorded:
    outcome = service.handle_text(text, caller).outcome
    assert isinstance(outcome, Recorded)
    return outcome


def test_first_use_creates_the_alliance_with_both_parties(service: AllianceService) -> None:
    first = service.handle_text("help", ALICE)
    second = service.handle_text("help", PAUL)
    assert first.new_alliance is not None
    assert [(p.team_id, p.name) for p in first.new_alliance.parties] == [(ACME, "Acme"), (GLOBEX, "Globex")]
    assert first.new_alliance.started_at == NOW
    assert second.new_alliance is None
    assert isinstance(second.outcome, Usage)


def test_commit_for_someone_else_records_owner_party_and_due(service: AllianceService) -> None:
    outcome = commit(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    item = outcome.commitment
    assert (item.ref, item.title, item.owner_id, item.party.name) == (1, "Draft joint API spec", "UPAUL", "Globex")
    assert item.due_at == datetime(2026, 11, 27, 18, 0, tzinfo=BERLIN)
    assert outcome.actor_id == "UALICE"


def test_commit_without_a_mention_belongs_to_the_caller_in_their_zone(service: AllianceService) -> None:
    item = commit(service, "commit Pricing sheet by tomorrow").commitment
    assert (item.owner_id, item.party.name) == ("UALICE", "Acme")
    assert item.due_at == datetime(2026, 11, 25, 18, 0, tzinfo=NEW_YORK)


def test_partnership_phrases(service: AllianceService) -> None:
    assert commit(service, "commit <@UPIA> pricing sheet by end of month").commitment.due_at == datetime(
        2026, 11, 30, 18, 0, tzinfo=BERLIN
    )
    assert commit(service, "commit Plan by end of Q1").commitment.due_at == datetime(2027, 3, 31, 18, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("commit Draft spec", MissingDate),
        ("commit Draft spec by yesterday", PastDate),
        ("commit Draft spec by 2026-01-01", PastDate),
        ("commit Draft spec by someday", UnknownDate),
    ],
)
def test_bad_dates_say_what_was_understood_and_record_nothing(
    service: AllianceService, text: str, problem: type[Exception]
) -> None:
    with pytest.raises(DueProblem) as caught:
        service.handle_text(text, ALICE)
    assert isinstance(caught.value.problem, problem)
    assert (caught.value.title, caught.value.owner_id) == ("Draft spec", "UALICE")
    listing = service.handle_text("list", ALICE).outcome
    assert isinstance(listing, Listing)
    assert listing.groups == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("commit <@UALLIANCEBOT> Do it by tomorrow", NotAPerson),
        ("commit <@UGONE> Do it by tomorrow", DepartedPerson),
        ("commit <@UNOBODY1> Do it by tomorrow", UnknownPerson),
        ("commit @nobody Do it by tomorrow", UnknownName),
        ("done #7", NoSuchCommitment),
    ],
)
def test_people_and_refs_that_do_not_work(service: AllianceService, text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        service.handle_text(text, ALICE)


def test_who_owns_finds_the_best_match_and_lists_close_ones(service: AllianceService) -> None:
    commit(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    commit(service, "commit <@UPIA> Pricing sheet for resellers by end of month")
    commit(service, "commit Joint press release by Dec 10")
    commit(service, "commit Security review of the API gateway by Dec 12")
    answer = service.handle_text("who owns the API spec?", PAUL).outcome
    assert isinstance(answer, Owners)
    assert answer.matches[0].ref == 1
    assert answer.matches[0].owner_id == "UPAUL"
    single = service.handle_text("who pricing sheet", PAUL).outcome
    assert isinstance(single, Owners)
    assert [(m.ref, m.owner_id) for m in single.matches] == [(2, "UPIA")]
    none = service.handle_text("who quantum teleporter", PAUL).outcome
    assert isinstance(none, Owners)
    assert none.matches == []


def test_who_sees_a_title_edited_through_another_process_at_once(
    service: AllianceService, db: Database, clock: ManualClock
) -> None:
    """Each process has its own title cache (here: a second service on the same database). An edited `commit`
    message changes a title in place; the other process's next `who` answers with the new title, not its cache."""
    other = AllianceService(db=db, directory=service.directory, clock=clock)
    service.handle_message("commit <@UPAUL> Draft joint API spec by next Friday", PAUL, message_ts="1.1", edited=False)
    before = other.handle_text("who API spec", PIA).outcome  # fills the other process's cache
    assert isinstance(before, Owners)
    assert [m.title for m in before.matches] == ["Draft joint API spec"]
    service.handle_message("commit <@UPAUL> Draft pricing sheet by next Friday", PAUL, message_ts="1.1", edited=True)
    after = other.handle_text("who pricing sheet", PIA).outcome
    assert isinstance(after, Owners)
    assert [(m.ref, m.title) for m in after.matches] == [(1, "Draft pricing sheet")]
    gone = other.handle_text("who API spec", PIA).outcome
    assert isinstance(gone, Owners)
    assert [m.title for m in gone.matches] == []


def test_who_with_a_person_lists_what_they_own(service: AllianceService) -> None:
    commit(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    commit(service, "commit <@UPIA> Pricing sheet by end of month")
    answer = service.handle_text("who <@UPAUL>", ALICE).outcome
    assert isinstance(answer, OwnedBy)
    assert [c.title for c in answer.commitments] == ["Draft joint API spec"]


def test_lists_group_by_party_overdue_first(service: AllianceService, clock: ManualClock) -> None:
    commit(service, "commit <@UPAUL> Spec by next Friday")  # 1, Globex, due 27 Nov
    commit(service, "commit <@UPIA> Pricing by Dec 15")  # 2, Globex
    commit(service, "commit Launch plan by Dec 1")  # 3, Acme (alice)
    commit(service, "commit <@UPIA> Logo files by Nov 25")  # 4, Globex, overdue soon
    clock.advance(timedelta(days=3))  # Friday 27 Nov 10:00 UTC: #4 is overdue
    listing = service.handle_text("list", ALICE).outcome
    assert isinstance(listing, Listing)
    assert [(p.name, [c.ref for c in items]) for p, items in listing.groups] == [("Acme", [3]), ("Globex", [4, 1, 2])]
    overdue = service.handle_text("list overdue", ALICE).outcome
    assert isinstance(overdue, Listing)
    assert [[c.ref for c in items] for _, items in overdue.groups] == [[4]]
    mine = service.handle_text("list mine", PIA).outcome
    assert isinstance(mine, Listing)
    assert (mine.filter, [[c.ref for c in items] for _, items in mine.groups]) == (ListFilter.MINE, [[4, 2]])
    someone = service.handle_text("list <@UPAUL>", PIA).outcome
    assert isinstance(someone, Listing)
    assert [[c.ref for c in items] for _, items in someone.groups] == [[1]]


def test_done_due_reassign_drop_and_show(service: AllianceService, clock: ManualClock) -> None:
    commit(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    commit(service, "commit <@UPIA> Pricing sheet by end of month")
    commit(service, "commit Press release by Dec 10")
    service.handle_text("lead <@UALICE>", ALICE)  # Alice reassigns Pia's item below: only the owner or a lead may
    clock.advance(timedelta(hours=1))

    moved = service.handle_text("due #1 next Tuesday", PAUL).outcome
    assert isinstance(moved, Changed)
    assert moved.commitment.due_at == datetime(2026, 12, 1, 18, 0, tzinfo=BERLIN)
    assert (moved.commitment.slips, moved.previous_due) == (1, datetime(2026, 11, 27, 18, 0, tzinfo=BERLIN))
    earlier = service.handle_text("due #1 tomorrow", PAUL).outcome
    assert isinstance(earlier, Changed)
    assert earlier.commitment.slips == 1  # moving a deadline earlier is not a slip
    with pytest.raises(SameDue):
        service.handle_text("due #1 tomorrow", PAUL)

    # Globex has no lead: its own people stand in (each party governs its own items; Alice leads Acme only)
    handed = service.handle_text("reassign #2 to <@UPAUL>", PAUL).outcome
    assert isinstance(handed, Changed)
    assert (handed.commitment.owner_id, handed.previous_owner_id, handed.commitment.party.name) == (
        "UPAUL",
        "UPIA",
        "Globex",
    )
    across = service.handle_text("reassign #2 <@UBOB>", PAUL).outcome  # the owner
    assert isinstance(across, Changed)
    assert across.commitment.party.name == "Acme"
    with pytest.raises(NotAllowed):
        service.handle_text("reassign #2 <@UBOB>", ALICE)

    done = service.handle_text("done #1", PAUL).outcome
    assert isinstance(done, Changed)
    assert (done.commitment.status, done.commitment.closed_at) == ("done", NOW + timedelta(hours=1))
    with pytest.raises(AlreadyClosed):
        service.handle_text("done #1", PAUL)

    dropped = service.handle_text("drop #3 the partner does its own", ALICE).outcome
    assert isinstance(dropped, Changed)
    assert (dropped.commitment.status, dropped.commitment.drop_reason) == ("dropped", "the partner does its own")

    shown = service.handle_text("show #1", PIA).outcome
    assert isinstance(shown, Details)
    assert [(h.kind, h.actor_id) for h in shown.history] == [
        ("created", "UALICE"),
        ("due_moved", "UPAUL"),
        ("due_moved", "UPAUL"),
        ("done", "UPAUL"),
    ]
    assert shown.history[1].data["to"] == datetime(2026, 12, 1, 17, 0, tzinfo=UTC).isoformat()
    assert json.dumps(shown.history[1].data)  # history data stays plain JSON

    done_list = service.handle_text("list done", ALICE).outcome
    assert isinstance(done_list, Listing)
    assert [[c.ref for c in items] for _, items in done_list.groups] == [[1]]


def test_form_entries_are_recorded_at_the_end_of_the_owners_day(service: AllianceService) -> None:
    reply = service.submit_form(
        FormEntry(title="  Joint  webinar ", owner_id="UPIA", due_date=date(2026, 12, 9), milestone=True), ALICE
    )
    assert isinstance(reply.outcome, Recorded)
    item = reply.outcome.commitment
    assert (item.title, item.milestone, item.due_at) == (
        "Joint webinar",
        True,
        datetime(2026, 12, 9, 18, tzinfo=BERLIN),
    )
    with pytest.raises(DueProblem):
        service.submit_form(FormEntry(title="x", owner_id="UPIA", due_date=date(2026, 11, 1), milestone=False), ALICE)


def test_commit_without_text_asks_for_the_form(service: AllianceService) -> None:
    assert isinstance(service.handle_text("commit", ALICE).outcome, FormRequested)


def test_roles_are_named_by_the_party_itself(service: AllianceService) -> None:
    named = service.handle_text("lead <@UPIA>", PAUL).outcome
    assert isinstance(named, RoleNamed)
    assert (named.role, named.user_id, named.party.name, named.previous_id) == (Role.LEAD, "UPIA", "Globex", None)
    with pytest.raises(NotAllowed) as refused:
        service.handle_text("sponsor <@UPAUL>", ALICE)  # Alice is not Globex's lead or sponsor
    assert refused.value.holder_id == "UPIA"
    sponsor = service.handle_text("sponsor <@UPAUL>", PIA).outcome
    assert isinstance(sponsor, RoleNamed)
    assert sponsor.party.sponsor_id == "UPAUL"
    first_acme = service.handle_text("lead <@UALICE>", PAUL).outcome  # Acme has none yet: anyone may start it
    assert isinstance(first_acme, RoleNamed)


def test_retried_events_are_handled_once(service: AllianceService) -> None:
    assert service.first_delivery("Ev123") is True
    assert service.first_delivery("Ev123") is False


def test_who_sees_every_change_to_the_open_commitments(service: AllianceService) -> None:
    def owners_of(query: str) -> list[int]:
        answer = service.handle_text(f"who {query}", PAUL).outcome
        assert isinstance(answer, Owners)
        return [m.ref for m in answer.matches]

    commit(service, "commit Joint press release by Dec 10")
    assert owners_of("press release") == [1]
    service.handle_text("done #1", ALICE)
    assert owners_of("press release") == []
    commit(service, "commit Second press release by Dec 11")
    assert owners_of("press release") == [2]
    service.handle_text("drop #2 merged into the launch", ALICE)
    commit(service, "commit Pricing sheet by Dec 12")
    assert owners_of("press release") == []
    assert owners_of("pricing") == [3]


def test_escalation_is_set_per_alliance(service: AllianceService) -> None:
    shown = service.handle_text("escalation", ALICE).outcome
    assert shown == EscalationView(lead_after=2, sponsor_after=5, changed=False)
    changed = service.handle_text("escalation 3 8", PAUL).outcome
    assert changed == EscalationView(lead_after=3, sponsor_after=8, changed=True)
    assert service.handle_text("escalation", ALICE).outcome == EscalationView(3, 8, changed=False)


def test_checkin_answers_snooze_away_and_holidays(service: AllianceService, clock: ManualClock) -> None:
    commit(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    reported = service.handle_text("status #1 at risk: waiting on legal", PAUL).outcome
    assert isinstance(reported, Reported)
    assert (reported.answer.value, reported.note, reported.checkin_seq) == ("at_risk", "waiting on legal", None)
    snoozed = service.handle_text("snooze #1 3d", PAUL).outcome
    assert isinstance(snoozed, Snoozed)
    assert snoozed.until == NOW + timedelta(days=3)
    away = service.handle_text("away until Dec 7", PAUL).outcome
    assert isinstance(away, Presence)
    assert away.until == datetime(2026, 12, 7, 0, 0, tzinfo=BERLIN)  # back on the morning of the 7th
    assert service.handle_text("back", PAUL).outcome == Presence(user_id="UPAUL", until=None, tz="Europe/Berlin")
    holidays = service.handle_text("holidays de", PAUL).outcome
    assert isinstance(holidays, HolidaysSet)
    assert (holidays.party.name, holidays.country) == ("Globex", "DE")
    with pytest.raises(GrammarError):
        service.handle_text("holidays XQ", PAUL)


def test_cadence_can_be_shown_and_set(service: AllianceService) -> None:
    shown = service.handle_text("cadence", ALICE).outcome
    assert isinstance(shown, CadenceView)
    # Created Tuesday 10:00 UTC by Acme (New York): the first check-in is Wednesday 10:00 New York time.
    assert (shown.cadence, shown.every_days, shown.changed) == ("default", 7, False)
    assert shown.next_checkin_at == datetime(2026, 11, 25, 10, tzinfo=NEW_YORK)
    monthly = service.handle_text("cadence monthly", ALICE).outcome
    assert isinstance(monthly, CadenceView)
    assert (monthly.cadence, monthly.every_days, monthly.changed) == ("monthly", 28, True)
    assert monthly.next_checkin_at == datetime(2026, 12, 22, 10, tzinfo=NEW_YORK)


def test_roster_lists_each_party_with_roles_zones_and_open_items(service: AllianceService) -> None:
    service.handle_text("lead <@UPIA>", PAUL)
    service.handle_text("sponsor <@UERIN>", ALICE)
    commit(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    commit(service, "commit <@UPAUL> Pricing sheet by end of month")
    roster = service.handle_text("roster", PAUL).outcome
    assert isinstance(roster, RosterView)
    assert [
        (party.name, [(e.user_id, e.role, e.tz, e.open_items) for e in entries]) for party, entries in roster.parties
    ] == [
        (
            "Acme",
            [
                ("UERIN", "sponsor", "America/New_York", 0),
                ("UALICE", "contact", "America/New_York", 0),
                ("UBOB", "contact", "America/Chicago", 0),
            ],
        ),
        (
            "Globex",
            [
                ("UPIA", "lead", "Europe/Berlin", 0),
                ("UGUS", "contact", "Asia/Tokyo", 0),
                ("UPAUL", "contact", "Europe/Berlin", 2),
            ],
        ),
    ]


def test_handover_moves_open_items_and_roles_in_one_step(service: AllianceService) -> None:
    service.handle_text("lead <@UPAUL>", PAUL)
    commit(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    commit(service, "commit <@UPAUL> Pricing sheet by end of month")
    commit(service, "commit <@UPIA> Logo files by Dec 4")
    service.handle_text("done #2", PAUL)
    handed = service.handle_text("handover <@UPAUL> to <@UGUS>", PAUL).outcome
    assert handed == HandedOver(from_id="UPAUL", to_id="UGUS", refs=[1], roles=["lead"], actor_id="UPAUL")
    shown = service.handle_text("show #1", ALICE).outcome
    assert isinstance(shown, Details)
    assert (shown.commitment.owner_id, shown.history[-1].kind, shown.history[-1].data["handover"]) == (
        "UGUS",
        "reassigned",
        True,
    )
    assert service.handle_text("who <@UPAUL>", ALICE).outcome == OwnedBy(user_id="UPAUL", commitments=[])


def test_a_role_does_not_cross_to_the_other_organisation(service: AllianceService) -> None:
    service.handle_text("lead <@UPAUL>", PAUL)
    commit(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    with pytest.raises(NotAllowed):
        service.handle_text("handover <@UPAUL> to <@UBOB>", PAUL)
    owner = service.handle_text("who <@UPAUL>", ALICE).outcome
    assert isinstance(owner, OwnedBy)
    assert [c.ref for c in owner.commitments] == [1]  # nothing changed


def test_handover_of_a_role_needs_that_partys_lead_or_sponsor(service: AllianceService) -> None:
    service.handle_text("lead <@UBOB>", ALICE)  # Acme has none yet: anyone may start it
    with pytest.raises(NotAllowed) as refused:
        service.handle_text("handover <@UBOB> to <@UERIN>", ALICE)
    assert refused.value.holder_id == "UBOB"
    handed = service.handle_text("handover <@UBOB> to <@UERIN>", BOB).outcome
    assert isinstance(handed, HandedOver)
    assert handed.roles == ["lead"]
    cadence = service.handle_text("cadence", ALICE).outcome
    assert isinstance(cadence, CadenceView)
    assert cadence.home_tz == "America/New_York"  # check-ins follow the new host lead (Bob was in Chicago)
