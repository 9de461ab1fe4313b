"""A person's own page (bot.core.home) through the service, on SQLite and PostgreSQL: their items across
alliances overdue first, in their zone; what the party they lead let slip; each alliance's health; never the
other organisation's internal items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.console.world import PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.clock import ManualClock
from bot.core.errors import CommandError, UnknownPerson
from bot.core.home.board import Home
from bot.core.service import AllianceService
from bot.texts import home as home_texts
from storage.db import Database

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday


def caller(user: str, channel: str = "C1") -> Caller:
    return Caller(channel_id=channel, user_id=user)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def service(db: Database, clock: ManualClock) -> AllianceService:
    return AllianceService(db=db, directory=ConsoleDirectory(list(PEOPLE)), clock=clock)


def items(home: Home) -> list[tuple[str, int, str, bool]]:
    return [(h.channel_id, h.item.ref, h.item.title, h.item.overdue) for h in home.mine]


def test_a_persons_items_across_alliances_overdue_first(service: AllianceService, clock: ManualClock) -> None:
    service.handle_text("commit <@UPAUL> API spec by Dec 4", caller("UALICE", "C1"))
    service.handle_text("commit <@UPAUL> Price list by Nov 30", caller("UALICE", "C2"))
    service.handle_text("commit <@UPIA> Partner deck by Nov 26", caller("UALICE", "C2"))
    clock.advance(timedelta(days=7))  # Tue 1 Dec: the price list is overdue, the spec not yet

    home = service.home("UPAUL")

    assert home.tz == "Europe/Berlin"
    assert items(home) == [("C2", 1, "Price list", True), ("C1", 1, "API spec", False)]
    assert [(a.channel_id, a.overdue) for a in home.alliances] == [("C1", 0), ("C2", 2)]
    # Dates are shown in the reader's zone (Slack's date token falls back to it).
    assert "CET" in home_texts.item_line(home.mine[0], home.tz)


def test_the_other_organisations_internal_items_never_appear(service: AllianceService, clock: ManualClock) -> None:
    service.handle_text("lead <@UALICE>", caller("UALICE"))
    service.handle_text("lead <@UPAUL>", caller("UPAUL"))
    service.handle_text("commit --internal <@UBOB> Our pricing floor by Nov 25", caller("UALICE"))
    service.handle_text("commit <@UPIA> Partner deck by Nov 25", caller("UPAUL"))
    service.handle_text("commit --internal <@UGUS> Globex margin model by Nov 25", caller("UPAUL"))
    clock.advance(timedelta(days=3))

    alice, paul = service.home("UALICE"), service.home("UPAUL")

    assert [h.item.title for h in alice.slipped] == ["Our pricing floor"]  # her party's, internal or not
    assert sorted(h.item.title for h in paul.slipped) == ["Globex margin model", "Partner deck"]
    assert [a.overdue for a in paul.alliances] == [2]  # Acme's internal item counts nowhere on Paul's page
    assert [a.overdue for a in alice.alliances] == [2]  # nor Globex's on Alice's
    assert "pricing floor" not in home_texts.page(paul)
    assert "margin model" not in home_texts.page(alice)


def test_health_counts_items_done_on_time_and_open_disputes(service: AllianceService, clock: ManualClock) -> None:
    service.handle_text("commit <@UPAUL> API spec by Nov 26", caller("UALICE"))
    service.handle_text("commit <@UPAUL> Price list by Nov 25", caller("UALICE"))
    service.handle_text("done #1", caller("UPAUL"))
    clock.advance(timedelta(days=3))
    service.handle_text("done #2", caller("UPAUL"))  # late
    service.handle_text("dispute Who pays for the pilot", caller("UPAUL"))

    [health] = service.home("UALICE").alliances

    assert (health.on_time, health.open_disputes) == (0.5, 1)
    assert "50% on time" in home_texts.health_line(health, "UTC")
    assert "1 open dispute" in home_texts.health_line(health, "UTC")
    assert service.home("UPAUL").mine == []


def test_someone_in_no_alliance_gets_a_page_that_says_so(service: AllianceService) -> None:
    home = service.home("UGUS")

    assert home.empty
    assert home_texts.page(home) == home_texts.NOTHING


def test_a_person_the_platform_does_not_know_is_refused(service: AllianceService) -> None:
    with pytest.raises(UnknownPerson):
        service.home("UNOBODY")


def test_a_saved_change_tells_the_watchers_which_alliance(service: AllianceService) -> None:
    heard: list[str] = []
    service.watchers.append(heard.append)

    service.handle_text("commit <@UPAUL> API spec by Dec 4", caller("UALICE", "C1"))
    service.handle_text("list", caller("UALICE", "C1"))  # a look-up changes nothing
    with pytest.raises(CommandError):
        service.handle_text("done #9", caller("UALICE", "C1"))  # refused: nothing changed

    assert heard == ["C1"]
    assert set(service.home_people("C1")) == {p.user_id for p in PEOPLE if not p.is_bot}
