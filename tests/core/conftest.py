"""Fixtures over the console's alliance (tests/core/roles.py); a test module may define its own instead."""

from __future__ import annotations

import pytest

from bot.console.world import PEOPLE, ConsoleDirectory
from bot.core.clock import ManualClock
from bot.core.schedule import Pacer, Scheduler
from bot.core.service import AllianceService
from storage.db import Database
from tests.core.roles import NOW, Courier


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def service(db: Database, clock: ManualClock) -> AllianceService:
    return AllianceService(db=db, directory=ConsoleDirectory(PEOPLE), clock=clock)


@pytest.fixture
def courier() -> Courier:
    return Courier()


@pytest.fixture
def scheduler(db: Database, courier: Courier) -> Scheduler:
    return Scheduler(db, courier, pacer=Pacer(0), worker="w1")
