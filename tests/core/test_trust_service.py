"""Internal commitments, who may change what, and a party's linked private channel, through the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.console.world import ACME, ACME_INTERNAL, GLOBEX, PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.clock import ManualClock
from bot.core.commitments.commands import FormEntry
from bot.core.commitments.results import Changed, Details, Listing, OwnedBy, Owners, Recorded
from bot.core.errors import NoSuchCommitment, NotAllowed
from bot.core.people.departures import People
from bot.core.people.results import HandedOver, Linked, RosterView
from bot.core.service import AllianceService
from bot.core.visibility import SHARED, private_to
from storage.db import Database

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def at(user_id: str, *, private: bool = False, channel: str = "C1") -> Caller:
    return Caller(channel_id=channel, user_id=user_id, private=private)


ALICE, BOB, ERIN, PAUL, PIA = (at(u) for u in ("UALICE", "UBOB", "UERIN", "UPAUL", "UPIA"))


@pytest.fixture
def directory() -> ConsoleDirectory:
    found = ConsoleDirectory(list(PEOPLE))
    found.private["GSHAREDPRIV"] = ("acme-and-globex-private", [ACME, GLOBEX])
    found.private["GGLOBEXINTERNAL"] = ("globex-internal", [GLOBEX])
    return found


@pytest.fixture
def service(db: Database, directory: ConsoleDirectory) -> AllianceService:
    return AllianceService(db=db, directory=directory, clock=ManualClock(NOW))


def say(service: AllianceService, text: str, caller: Caller) -> object:
    return service.handle_text(text, caller).outcome


def refs(outcome: object) -> list[int]:
    if isinstance(outcome, Listing):
        return [i.ref for _, items in outcome.groups for i in items]
    if isinstance(outcome, OwnedBy):
        return [i.ref for i in outcome.commitments]
    if isinstance(outcome, Owners):
        return [i.ref for i in outcome.matches]
    raise AssertionError(outcome)


@pytest.fixture
def world(service: AllianceService) -> AllianceService:
    """#1 shared of Acme (Bob's), #2 internal of Acme (Bob's), #3 shared of Globex (Pia's), #4 internal of Globex."""
    say(service, "commit <@UBOB> Joint launch plan by Dec 10", ALICE)
    secret = say(service, "commit --internal <@UBOB> Pricing floor by Dec 10", ALICE)
    say(service, "commit <@UPIA> Security review by Dec 10", PAUL)
    say(service, "commit --internal Margin model by Dec 10", PIA)
    assert isinstance(secret, Recorded) and secret.commitment.internal and secret.commitment.party.team_id == ACME
    return service


def test_internal_items_are_listed_only_for_their_own_party(world: AllianceService) -> None:
    assert refs(say(world, "list", at("UALICE", private=True))) == [1, 2, 3]
    assert refs(say(world, "list", at("UPAUL", private=True))) == [1, 3, 4]
    assert refs(say(world, "list", ALICE)) == [1, 3]  # a mention's thread: both organisations read it
    assert refs(say(world, "who <@UBOB>", at("UPIA", private=True))) == [1]
    assert refs(say(world, "who <@UBOB>", at("UERIN", private=True))) == [1, 2]
    assert refs(say(world, "list <@UBOB>", PAUL)) == [1]
    assert refs(say(world, "who pricing floor", at("UPAUL", private=True))) == []
    assert refs(say(world, "who pricing floor", at("UBOB", private=True))) == [2]
    assert refs(say(world, "who pricing floor", BOB)) == []  # the thread may not read it
    roster = say(world, "roster", ALICE)
    assert isinstance(roster, RosterView)
    bob = next(e for _, entries in roster.parties for e in entries if e.user_id == "UBOB")
    assert bob.open_items == 1  # not even the count of internal items in the shared channel


@pytest.mark.parametrize(
    "text", ["show #2", "done #2", "due #2 next Friday", "drop #2 gone", "reassign #2 <@UPIA>", "snooze #2 3d"]
)
def test_the_other_partys_internal_item_does_not_exist_for_them(world: AllianceService, text: str) -> None:
    say(world, "lead <@UPAUL>", PAUL)  # even a lead of the other party
    with pytest.raises(NoSuchCommitment) as missing:
        world.handle_text(text, at("UPAUL", private=True))
    assert missing.value.ref == 2
    assert refs(say(world, "list", at("UALICE", private=True))) == [1, 2, 3]  # nothing changed


def test_only_its_own_party_may_make_an_item_internal(world: AllianceService) -> None:
    with pytest.raises(NotAllowed) as refused:
        world.handle_text("commit --internal <@UBOB> Their floor by Dec 10", PAUL)
    assert (refused.value.reason, refused.value.holder_id) == ("internal_other_party", "UBOB")
    form = FormEntry(title="Their floor", owner_id="UBOB", due_date=NOW.date() + timedelta(days=5), milestone=False)
    with pytest.raises(NotAllowed):
        world.submit_form(FormEntry(**{**form.__dict__, "internal": True}), PAUL)
    mine = world.submit_form(FormEntry(**{**form.__dict__, "internal": True}), ERIN).outcome
    assert isinstance(mine, Recorded) and mine.commitment.internal


def test_only_the_owner_or_a_lead_may_change_a_commitment(world: AllianceService) -> None:
    say(world, "lead <@UALICE>", ALICE)
    say(world, "lead <@UPAUL>", PAUL)
    with pytest.raises(NotAllowed) as refused:
        world.handle_text("due #3 next Friday", BOB)  # Bob: neither Pia nor a lead
    assert (refused.value.reason, refused.value.holder_id, refused.value.ref) == ("not_owner_or_lead", "UPIA", 3)
    with pytest.raises(NotAllowed):
        world.handle_text("drop #1 not needed", ERIN)  # Acme's sponsor, while Acme has a lead
    assert isinstance(say(world, "due #3 next Friday", PIA), Changed)  # the owner
    with pytest.raises(NotAllowed):
        world.handle_text("due #3 next Monday", ALICE)  # a lead, of the other party: each party governs its own
    assert isinstance(say(world, "due #3 next Monday", PAUL), Changed)  # Globex's lead, Globex's item
    assert isinstance(say(world, "done #2", ALICE), Changed)  # Acme's lead, Acme's internal item
    with pytest.raises(NotAllowed):
        world.handle_text("reassign all <@UBOB> to <@UERIN>", PIA)


def test_stand_ins_while_a_party_has_no_lead(world: AllianceService, directory: ConsoleDirectory) -> None:
    # Globex has neither lead nor sponsor: its own people may change its items, Acme's may not.
    assert isinstance(say(world, "due #3 next Friday", PAUL), Changed)
    with pytest.raises(NotAllowed):
        world.handle_text("due #3 next Monday", BOB)
    # Acme's lead leaves: its sponsor stands in.
    say(world, "lead <@UALICE>", ALICE)
    say(world, "sponsor <@UERIN>", ALICE)
    with pytest.raises(NotAllowed):
        world.handle_text("due #1 next Friday", ERIN)
    People(db=world.db, directory=directory, clock=world.clock).left_channel("C1", "UALICE")
    assert isinstance(say(world, "due #1 next Friday", ERIN), Changed)


def test_an_internal_item_stays_within_its_party(world: AllianceService) -> None:
    say(world, "lead <@UALICE>", ALICE)
    with pytest.raises(NotAllowed) as refused:
        world.handle_text("reassign #2 <@UPAUL>", ALICE)
    assert refused.value.reason == "internal_across_parties"
    moved = say(world, "reassign all <@UBOB> to <@UPAUL>", ALICE)
    assert isinstance(moved, HandedOver) and moved.refs == [1] and moved.internal == {}
    within = say(world, "reassign all <@UBOB> to <@UERIN>", ALICE)
    assert isinstance(within, HandedOver) and within.refs == [2] and within.internal == {2: ACME}


def test_a_lead_links_their_partys_private_channel(world: AllianceService) -> None:
    with pytest.raises(NotAllowed) as refused:
        world.handle_text(f"link <#{ACME_INTERNAL}>", BOB)
    assert refused.value.reason == "link_not_lead"
    say(world, "lead <@UALICE>", ALICE)
    for channel, reason in [
        ("GNOTHERE", "link_not_member"),
        ("GSHAREDPRIV", "link_not_private"),
        ("GGLOBEXINTERNAL", "link_not_private"),  # not Acme's own people
        ("C1", "link_shared_channel"),
    ]:
        with pytest.raises(NotAllowed) as refused:
            world.handle_text(f"link <#{channel}>", ALICE)
        assert refused.value.reason == reason, channel
    reply = world.handle_text(f"link <#{ACME_INTERNAL}|acme-internal>", ALICE)
    assert isinstance(reply.outcome, Linked) and reply.outcome.alliance_channel_id == "C1"
    assert (reply.here, reply.viewer, reply.party_channel_id) == (SHARED, private_to(ACME), ACME_INTERNAL)

    # Typed in the linked channel: acts on the alliance, for Acme's eyes.
    inside = at("UBOB", channel=ACME_INTERNAL)
    listed = world.handle_text("list", inside)
    assert (refs(listed.outcome), listed.here) == ([1, 2, 3], private_to(ACME))
    assert isinstance(say(world, "show #2", inside), Details)
    assert world.handle_text("list", ALICE).party_channel_id == ACME_INTERNAL
    with pytest.raises(NotAllowed) as refused:
        world.handle_text("list", at("UPAUL", channel=ACME_INTERNAL))
    assert refused.value.reason == "not_your_channel"


def test_link_typed_in_the_private_channel_finds_the_alliance_its_caller_leads(world: AllianceService) -> None:
    with pytest.raises(NotAllowed) as refused:
        world.handle_text(f"link <#{ACME_INTERNAL}>", at("UALICE", channel=ACME_INTERNAL))
    assert refused.value.reason == "link_where"  # Alice leads nothing yet
    say(world, "lead <@UALICE>", ALICE)
    linked = say(world, f"link <#{ACME_INTERNAL}>", at("UALICE", channel=ACME_INTERNAL))
    assert isinstance(linked, Linked) and linked.alliance_channel_id == "C1"
    # Linking another channel replaces the link; the first is an ordinary channel again.
    world.directory.private["GACMEOTHER"] = ("acme-other", [ACME])  # type: ignore[attr-defined]
    again = say(world, "link <#GACMEOTHER>", ALICE)
    assert isinstance(again, Linked) and again.previous_id == ACME_INTERNAL
    assert world.handle_text("list", ALICE).party_channel_id == "GACMEOTHER"


def test_a_linked_channel_never_becomes_an_alliance_of_its_own(world: AllianceService) -> None:
    say(world, "lead <@UALICE>", ALICE)
    say(world, f"link <#{ACME_INTERNAL}>", ALICE)
    assert world.start(ACME_INTERNAL) is None  # the form or the shortcut opened there
    created = world.handle_text("commit internal <@UBOB> Board memo by Dec 10", at("UBOB", channel=ACME_INTERNAL))
    assert isinstance(created.outcome, Recorded) and created.outcome.commitment.ref == 5
    assert created.new_alliance is None
