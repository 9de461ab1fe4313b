"""The Teams front end on real sockets: the aiohttp app on a free port, talking to FakeConnector.

`teams.post(activities.message(...))` posts an activity to /api/messages as Teams would (the Bot Framework's
JWT check is off: the app is built with `auth=None`, which only tests do) and answers `(status, body)`; the
bot has finished with the activity when the answer comes, and what it said is in `teams.fake`.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.ports import ByPlatform
from bot.core.schedule import Pacer, Scheduler, SweepReport
from bot.runtime import TeamsParts, healthy, teams_parts
from bot.teams.app import TeamsServer, build_app
from storage.db import Database
from tests.teams.fakes.connector import TOKEN, FakeConnector

START = datetime(2026, 11, 24, 10, tzinfo=UTC)  # a Tuesday


@dataclass
class TeamsBot:
    fake: FakeConnector
    clock: ManualClock
    db: Database
    parts: TeamsParts
    server: TeamsServer

    @property
    def url(self) -> str:
        """The serviceUrl activities carry: the fake connector."""
        return self.fake.url

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8")
        finally:
            connection.close()

    def post(self, activity: dict[str, Any]) -> tuple[int, str]:
        return self.request(
            "POST", "/api/messages", json.dumps(activity).encode(), {"Content-Type": "application/json"}
        )

    def sweep(self, now: datetime | None = None) -> SweepReport:
        schedule = Scheduler(self.db, ByPlatform({"teams": self.parts.courier}), pacer=Pacer(0))
        return schedule.sweep(now or self.clock.now())

    def rows(self, model: type[Any]) -> list[Any]:
        with self.db.session() as session:
            return list(session.exec(select(model)).all())


@pytest.fixture
def teams(db: Database) -> Iterator[TeamsBot]:
    with FakeConnector() as fake:
        clock = ManualClock(START)
        parts = teams_parts(db, clock, lambda: TOKEN)
        app = build_app(parts.front, auth=None, health=lambda: healthy(db))
        server = TeamsServer(app, host="127.0.0.1", port=0)
        server.start()
        try:
            yield TeamsBot(fake=fake, clock=clock, db=db, parts=parts, server=server)
        finally:
            server.stop()
