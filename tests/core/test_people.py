"""People coming and going (bot.core.people): departures orphan items once, however often they are signalled;
leads who leave are replaced; returners are recognised; newcomers are welcomed. On SQLite, and on PostgreSQL
when TEST_DATABASE_URL is set.

The console's cast plays both organisations: Acme (alice lead, erin sponsor, bob) and Globex (pia lead, gus
sponsor, paul). A `ConsoleDirectory` stands in for the platform; taking someone out of its channel, or
deactivating them there, without telling the bot is what the daily reconciliation has to notice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.console.world import ACME, GLOBEX, PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.checkins.results import CheckinAsk, CheckinOpened, Nudge
from bot.core.errors import DepartedPerson, NotAllowed
from bot.core.people.departures import People
from bot.core.people.results import HandedOver, LeadWanted, Orphaned, Welcome
from bot.core.ports import Profile
from storage.db import Database
from storage.models import Commitment, CommitmentEvent, Member
from tests.core.test_schedule import DAY, NOW, World

ALICE = Caller(channel_id="C1", user_id="UALICE")
BOB = Caller(channel_id="C1", user_id="UBOB")
PIA = Caller(channel_id="C1", user_id="UPIA")
PAUL = Caller(channel_id="C1", user_id="UPAUL")


class CountingDirectory(ConsoleDirectory):
    """The console's directory, counting the look-ups the reconciliation makes."""

    profiles_asked: int = 0

    def profile(self, user_id: str) -> Profile | None:
        self.profiles_asked += 1
        return super().profile(user_id)


class PeopleWorld(World):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.directory = CountingDirectory(list(PEOPLE))
        self.service.directory = self.directory
        self.people = People(db=db, directory=self.directory, clock=self.clock)
        # Roles: each party's lead and sponsor, named by themselves while the party has none.
        self.say("lead <@UALICE>", ALICE)
        self.say("sponsor <@UERIN>", ALICE)
        self.say("lead <@UPIA>", PIA)
        self.say("sponsor <@UGUS>", PIA)
        self.say("commit <@UPAUL> Draft joint API spec by Dec 4", PIA)
        self.say("commit <@UPAUL> Security review by Dec 11", PIA)
        self.say("commit <@UBOB> Pricing sheet by Dec 11", ALICE)

    def deactivate(self, user_id: str) -> Profile:
        """Deactivated in their organisation; the new profile, as a `user_change` event would carry it."""
        return self.directory.set_deleted(user_id, True)

    def profile(self, user_id: str) -> Profile:
        found = self.directory.profile(user_id)
        assert found is not None
        return found

    def sweep_all(self) -> None:
        """The production sweep: members first, then plan and send."""
        now = self.clock.now()
        self.people.reconcile(now)
        self.sweep(now)

    def settle(self) -> None:
        """Sweep hourly for a day: private notices wait for each recipient's working hours."""
        self.sweep()
        self.run_until(self.clock.now() + DAY)

    def notices(self) -> list[tuple[str | None, list[int], tuple[str, ...]]]:
        """(recipient, refs, who left) of every orphan notice sent."""
        return [
            (s.message.recipient_id, [i.ref for i in s.message.content.items], tuple(s.message.content.departed_ids))
            for s in self.courier.of(Orphaned)
        ]

    def members(self) -> list[Member]:
        with self.db.session() as session:
            return list(session.exec(select(Member)).all())


@pytest.fixture
def world(db: Database) -> PeopleWorld:
    return PeopleWorld(db)


def test_a_deactivated_owner_orphans_their_items_to_their_lead_and_the_channel(world: PeopleWorld) -> None:
    changes = world.people.profile_changed(world.deactivate("UPAUL"))
    assert [u for _, u in changes.departures] == ["UPAUL"]
    world.sweep()
    assert sorted(world.notices(), key=str) == sorted(
        [("UPIA", [1, 2], ("UPAUL",)), (None, [1, 2], ("UPAUL",))], key=str
    )
    note = world.courier.of(Orphaned)[0].message.content
    assert note.reason == "deactivated" and note.party.name == "Globex" and not note.lead_left


def test_no_nudge_and_no_checkin_question_ever_goes_to_someone_who_left(world: PeopleWorld) -> None:
    world.directory.absent.add("UPAUL")
    world.people.left_channel("C1", "UPAUL")
    world.run_until(NOW + 30 * DAY, step=timedelta(hours=6))
    to_paul = [s for s in world.courier.sent if s.message.recipient_id == "UPAUL"]
    assert to_paul == []
    opened = world.courier.of(CheckinOpened)
    assert opened, "check-ins went on"
    # Orphaned items are raised at every check-in until reassigned.
    assert all([v.ref for v in s.message.content.orphaned] == [1, 2] for s in opened)
    assert {s.message.recipient_id for s in world.courier.of(CheckinAsk)} == {"UBOB"}
    # Nudges about Bob's item still go out: only the departed are spared.
    assert {s.message.recipient_id for s in world.courier.of(Nudge)} >= {"UBOB"}


def test_one_departure_signalled_four_times_is_handled_once(world: PeopleWorld) -> None:
    profile = world.deactivate("UPAUL")
    first = world.people.profile_changed(profile)
    again = world.people.profile_changed(profile)  # a retried event with a new id, say
    left = world.people.left_channel("C1", "UPAUL")
    world.directory.absent.add("UPAUL")
    found = world.people.reconcile(world.clock.now())
    assert (len(first.departures), bool(again), bool(left), bool(found)) == (1, False, False, False)
    world.sweep()
    world.sweep(world.clock.now() + DAY)
    assert len(world.notices()) == 2  # one to the lead, one to the channel
    assert [m.user_id for m in world.members()].count("UPAUL") == 1


def test_the_reconciliation_finds_a_deactivation_no_event_announced(world: PeopleWorld) -> None:
    world.deactivate("UGUS")  # Globex's sponsor, in the partner organisation: no user_change reaches us
    world.say("commit <@UGUS> Budget approval by Dec 11", PIA)
    world.sweep_all()
    assert ("UPIA", [4], ("UGUS",)) in world.notices()
    asked = world.directory.profiles_asked
    world.clock.advance(timedelta(hours=3))
    world.sweep_all()
    assert world.directory.profiles_asked == asked  # once a day, not at every sweep
    world.clock.advance(DAY)
    world.sweep_all()
    # The next day's comparison finds everyone where we hold them, heard of lately: nobody is looked up again
    # (Gus's deactivation is known), and the departure is not announced again.
    assert world.directory.profiles_asked == asked
    assert len(world.notices()) == 2


def test_the_reconciliation_finds_someone_who_left_the_channel(world: PeopleWorld) -> None:
    world.people.reconcile(world.clock.now())  # the first pass records who is there
    world.clock.advance(DAY + timedelta(minutes=1))
    world.directory.absent.add("UBOB")
    changes = world.people.reconcile(world.clock.now())
    assert [u for _, u in changes.departures] == ["UBOB"]
    world.settle()
    assert ("UALICE", [3], ("UBOB",)) in world.notices()
    assert world.courier.of(Orphaned)[0].message.content.reason == "left_channel"


def test_members_the_platform_would_not_list_are_not_taken_for_everyone_leaving(
    world: PeopleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(world.directory, "members", lambda channel_id: None)
    assert not world.people.reconcile(world.clock.now())
    world.sweep()
    assert world.notices() == []


def test_a_lead_who_leaves_is_replaced_at_the_word_of_the_other_lead_or_the_sponsor(world: PeopleWorld) -> None:
    world.directory.absent.add("UPIA")
    world.people.left_channel("C1", "UPIA")
    world.settle()
    asked = sorted(s.message.recipient_id for s in world.courier.of(LeadWanted))
    assert asked == ["UALICE", "UGUS"]
    assert {s.message.content.departed_id for s in world.courier.of(LeadWanted)} == {"UPIA"}
    # The channel hears the party needs a lead, even though Pia owned nothing.
    (note,) = [s.message.content for s in world.courier.of(Orphaned)]
    assert note.lead_left and note.items == [] and note.recipient_id is None
    # Bob, an Acme contact, may not name Globex's lead; Alice, Acme's lead, may, as she was asked to.
    with pytest.raises(NotAllowed):
        world.service.handle_text("lead <@UPAUL>", BOB)
    named = world.service.handle_text("lead <@UPAUL>", ALICE).outcome
    assert named.party.lead_id == "UPAUL"
    # With a lead again, the other party's lead is back to having no say in Globex's roles.
    with pytest.raises(NotAllowed):
        world.service.handle_text("sponsor <@UPAUL>", ALICE)


def test_a_lead_already_replaced_is_not_asked_for(world: PeopleWorld) -> None:
    world.directory.absent.add("UPIA")
    world.people.left_channel("C1", "UPIA")
    world.service.handle_text("lead <@UPAUL>", Caller(channel_id="C1", user_id="UGUS"))  # the sponsor, at once
    world.sweep()
    assert world.courier.of(LeadWanted) == []


def test_a_returner_is_recognised_and_nothing_is_duplicated(world: PeopleWorld) -> None:
    world.directory.absent.add("UPAUL")
    world.people.left_channel("C1", "UPAUL")
    world.sweep()
    world.directory.absent.discard("UPAUL")
    changes = world.people.joined_channel("C1", "UPAUL")
    assert [u for _, u in changes.returns] == ["UPAUL"]
    world.sweep(world.clock.now() + timedelta(minutes=5))
    (welcome,) = [s.message.content for s in world.courier.of(Welcome)]
    assert welcome.returning and [v.ref for v in welcome.open_items] == [1, 2]
    assert [m.user_id for m in world.members()].count("UPAUL") == 1
    listing = world.service.handle_text("list", ALICE).outcome
    assert not any(v.owner_departed for _, items in listing.groups for v in items)
    with world.db.session() as session:
        assert len(session.exec(select(Commitment)).all()) == 3
    # Joining again while present is no news.
    assert not world.people.joined_channel("C1", "UPAUL")


def test_a_notice_not_yet_sent_is_dropped_when_the_person_returns_first(world: PeopleWorld) -> None:
    world.people.left_channel("C1", "UPAUL")
    world.people.joined_channel("C1", "UPAUL")
    world.sweep()
    assert world.notices() == []


def test_a_reactivated_account_is_back(world: PeopleWorld) -> None:
    world.people.profile_changed(replace(world.profile("UPAUL"), deleted=True))
    changes = world.people.profile_changed(replace(world.profile("UPAUL"), deleted=False))
    assert [u for _, u in changes.returns] == ["UPAUL"]
    assert world.service.handle_text("commit <@UPAUL> Launch plan by Dec 18", PIA).outcome.commitment.ref == 4


def test_someone_who_left_the_channel_stays_gone_when_their_account_changes(world: PeopleWorld) -> None:
    world.people.left_channel("C1", "UPAUL")
    assert not world.people.profile_changed(world.profile("UPAUL"))  # a new time zone, say: not a return
    [paul] = [m for m in world.members() if m.user_id == "UPAUL"]
    assert paul.left_at is not None


def test_an_organisation_disconnecting_orphans_all_its_items_to_the_other_lead(world: PeopleWorld) -> None:
    world.say("commit <@UGUS> Budget approval by Dec 11", PIA)
    changes = world.people.org_disconnected("C1", GLOBEX)
    assert sorted(u for _, u in changes.departures) == ["UGUS", "UPAUL", "UPIA"]
    world.settle()
    notices = world.notices()
    assert sorted(r or "" for r, _, _ in notices) == ["", "UALICE"]
    assert all(sorted(refs) == [1, 2, 4] for _, refs, _ in notices)
    assert world.courier.of(LeadWanted) == []  # the organisation is gone: nobody of it to name
    assert not world.people.org_disconnected("C1", GLOBEX)  # the same event again


def test_a_newcomer_is_welcomed_once(world: PeopleWorld) -> None:
    newcomer = Profile(user_id="UNINA", team_id=GLOBEX, name="nina", tz="Europe/Berlin")
    world.directory.people.append(newcomer)
    assert world.people.joined_channel("C1", "UNINA")
    assert not world.people.joined_channel("C1", "UNINA")
    world.sweep()
    (welcome,) = [s for s in world.courier.of(Welcome)]
    assert welcome.message.recipient_id == "UNINA"
    assert not welcome.message.content.returning and welcome.message.content.recipient_team_id == GLOBEX
    assert [p.lead_id for p in welcome.message.content.alliance.parties] == ["UALICE", "UPIA"]


def test_bots_are_not_welcomed_and_unknown_channels_are_ignored(world: PeopleWorld) -> None:
    assert not world.people.joined_channel("C1", "UALLIANCEBOT")
    assert not world.people.joined_channel("C-elsewhere", "UPAUL")
    assert not world.people.left_channel("C-elsewhere", "UPAUL")


def test_work_cannot_go_to_someone_who_left_the_channel(world: PeopleWorld) -> None:
    world.people.left_channel("C1", "UPAUL")
    with pytest.raises(DepartedPerson) as refused:
        world.service.handle_text("commit <@UPAUL> Launch plan by Dec 18", PIA)
    assert refused.value.left_channel
    with pytest.raises(DepartedPerson):
        world.service.handle_text("reassign #3 <@UPAUL>", ALICE)


def test_reassign_all_moves_every_open_item_with_history(world: PeopleWorld) -> None:
    world.people.left_channel("C1", "UPAUL")
    moved = world.service.handle_text("reassign all <@UPAUL> to <@UGUS>", PIA).outcome
    assert isinstance(moved, HandedOver) and moved.refs == [1, 2] and not moved.handover and moved.roles == []
    with world.db.session() as session:
        owners = {c.ref: c.owner_id for c in session.exec(select(Commitment)).all()}
        events = session.exec(select(CommitmentEvent).where(CommitmentEvent.kind == "reassigned")).all()
    assert owners == {1: "UGUS", 2: "UGUS", 3: "UBOB"}
    assert len(events) == 2 and all('"from": "UPAUL"' in e.detail for e in events)
    with pytest.raises(NotAllowed) as refused:
        world.service.handle_text("reassign all <@UPAUL> to <@UGUS>", PIA)
    assert refused.value.reason == "nothing_open"
    world.sweep()
    assert world.notices() == []  # nothing left to say: the items found a new owner before the notice went


def test_the_first_use_of_a_channel_records_its_members(world: PeopleWorld) -> None:
    team_of = {m.user_id: m.team_id for m in world.members()}
    assert team_of == {
        "UALICE": ACME,
        "UBOB": ACME,
        "UERIN": ACME,
        "UPAUL": GLOBEX,
        "UPIA": GLOBEX,
        "UGUS": GLOBEX,
    }


def test_private_notices_wait_for_working_hours_and_the_channel_hears_at_once(world: PeopleWorld) -> None:
    # 03:00 in Berlin the next night: Pia, Globex's lead, is asleep.
    world.go_to(NOW.replace(hour=2) + DAY)
    world.people.left_channel("C1", "UPAUL")
    world.sweep()
    assert [r for r, _, _ in world.notices()] == [None]
    world.run_until(NOW.replace(hour=9) + DAY)
    sent = [s for s in world.courier.of(Orphaned) if s.message.recipient_id == "UPIA"]
    assert [s.at.hour for s in sent] == [8]  # 09:00 in Berlin
