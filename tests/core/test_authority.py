"""Who may do what, as one policy (`Work.may_act`, `Work.may_change`, `Work.owner`) seen through the service.

The table it enforces (also in bot/core/alliance.py): anyone in the channel reads; a third organisation's people
and people who left change nothing; each party governs its own items (the owner, or the owner's party's lead:
never the other party's lead); owners and role holders are people of the two parties, in the channel.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.console.world import ACME, GLOBEX, PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.clock import ManualClock
from bot.core.commitments.results import Listing
from bot.core.errors import DepartedPerson, NotAllowed
from bot.core.ports import Profile
from bot.core.service import AllianceService
from storage import members
from storage import repository as repo
from storage.db import Database
from storage.models import Commitment

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
THIRD = "TINITECH"
EVE = Profile(user_id="UEVE", team_id=THIRD, name="eve", tz="Europe/London")
OTTO = Profile(user_id="UOTTO", team_id=ACME, name="otto", tz="America/New_York")  # of Acme, not in the channel


def at(user_id: str, *, private: bool = False) -> Caller:
    return Caller(channel_id="C1", user_id=user_id, private=private)


@pytest.fixture
def directory() -> ConsoleDirectory:
    found = ConsoleDirectory([*PEOPLE, EVE, OTTO])
    found.absent.add("UOTTO")
    return found


@pytest.fixture
def service(db: Database, directory: ConsoleDirectory) -> AllianceService:
    """Alice leads Acme, Paul leads Globex; #1 is Bob's (Acme), #2 Pia's (Globex)."""
    found = AllianceService(db=db, directory=directory, clock=ManualClock(NOW))
    found.handle_text("lead <@UALICE>", at("UALICE"))
    found.handle_text("lead <@UPAUL>", at("UPAUL"))
    found.handle_text("commit <@UBOB> Joint launch plan by Dec 10", at("UALICE"))
    found.handle_text("commit <@UPIA> Security review by Dec 10", at("UPAUL"))
    return found


def refused(service: AllianceService, text: str, caller: Caller) -> str:
    with pytest.raises((NotAllowed, DepartedPerson)) as raised:
        service.handle_text(text, caller)
    return str(getattr(raised.value, "reason", type(raised.value).__name__))


def state(db: Database) -> list[tuple[int, str, str]]:
    with db.session() as session:
        return sorted((c.ref, c.status, c.owner_id) for c in repo.commitments_of(session=session, alliance_id=1))


def test_a_third_organisation_reads_but_changes_nothing_and_is_never_a_party(
    service: AllianceService, db: Database
) -> None:
    before = state(db)
    for text in ("commit Take over by Friday", "lead <@UEVE>", "done #1", "drop #2 mine now", "cadence monthly"):
        assert refused(service, text, at("UEVE")) == "third_team", text
    assert refused(service, "commit <@UEVE> Intro by Friday", at("UALICE")) == "owner_third_team"
    assert refused(service, "reassign #1 <@UEVE>", at("UALICE")) == "owner_third_team"
    listing = service.handle_text("list", at("UEVE")).outcome
    assert isinstance(listing, Listing) and [i.ref for _, items in listing.groups for i in items] == [1, 2]
    assert state(db) == before
    with db.session() as session:
        assert sorted(p.team_id for p in repo.list_parties(session=session, alliance_id=1)) == [ACME, GLOBEX]


def test_each_party_governs_its_own_items(service: AllianceService, db: Database) -> None:
    # Paul leads Globex: not Acme's items, whatever the command.
    for text in ("drop #1 no", "done #1", "due #1 Dec 20", "reassign #1 <@UERIN>", "snooze #1 3d", "status #1 at risk"):
        assert refused(service, text, at("UPAUL")) == "not_owner_or_lead", text
    # Nor may Erin (Acme, no role) speak for Bob's item.
    assert refused(service, "status #1 at risk", at("UERIN")) == "not_owner_or_lead"
    # Acme's lead and the owner may.
    service.handle_text("due #1 Dec 20", at("UALICE"))
    service.handle_text("status #1 at risk", at("UBOB"))
    with db.session() as session:
        row = session.get(Commitment, 1)
        assert row is not None and row.reported == "at_risk"


def test_someone_who_left_changes_and_reads_nothing(service: AllianceService, db: Database) -> None:
    with db.session() as session:
        members.mark_left(session=session, alliance_id=1, user_id="UBOB", team_id=ACME, at=NOW, reason="left_channel")
    for text in ("done #1", "due #1 Dec 20", "status #1 at risk", "list", "commit Something by Friday"):
        assert refused(service, text, at("UBOB")) == "left_alliance", text
    assert refused(service, "commit <@UBOB> Something by Friday", at("UALICE")) == "DepartedPerson"
    assert state(db)[0] == (1, "open", "UBOB")


def test_owners_must_be_in_the_channel(service: AllianceService) -> None:
    assert refused(service, "commit <@UOTTO> Something by Friday", at("UALICE")) == "owner_not_in_channel"
    assert refused(service, "sponsor <@UOTTO>", at("UALICE")) == "owner_not_in_channel"


def test_control_characters_never_reach_the_database(service: AllianceService, db: Database) -> None:
    service.handle_text("commit <@UBOB> Price\x00 list\x1b[31m v2 by Dec 10", at("UALICE"))
    with db.session() as session:
        titles = [c.title for c in repo.commitments_of(session=session, alliance_id=1)]
    assert "Price list[31m v2" in titles


def test_need_help_is_planned_for_the_owners_lead(service: AllianceService, db: Database) -> None:
    reply = service.handle_text("status #1 need help blocked on legal", at("UBOB"))
    assert getattr(reply.outcome, "helper_id", None) == "UALICE"
