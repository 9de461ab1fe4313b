"""The whole bot on real sockets: Bolt behind waitress, talking to FakeSlack, on a SQLite file.

`bot.post(payloads.slash_command(...))` sends a signed request exactly as Slack would and answers
`(status, body)`; what the bot then said is in `bot.fake` (see `said`/`whispered` below).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import waitress
from slack_bolt import App
from sqlmodel import select
from waitress import wasyncore

from bot import runtime
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.people.departures import People
from bot.core.ports import Noticed
from bot.core.schedule import Pacer, Scheduler, SweepReport
from bot.core.service import AllianceService
from bot.runtime import healthy
from bot.slack.app import build_app
from bot.slack.courier import SlackCourier
from bot.slack.directory import SlackDirectory
from bot.slack.home import HomeTab
from bot.slack.http import MAX_BODY, SlackWsgi
from storage.db import Database
from tests.fake_time import PretendTimers
from tests.slack import payloads
from tests.slack.fakes.web_api import Call, FakeSlack

START = datetime(2026, 11, 24, 10, tzinfo=UTC)  # a Tuesday


class _Server:
    """One Bolt app behind waitress on 127.0.0.1, served from a background thread."""

    def __init__(self, settings: Settings, db: Database, clock: ManualClock) -> None:
        self.installations = runtime.slack_installations(settings, db)
        self.client = self.installations.client
        self.service = AllianceService(db=db, directory=SlackDirectory(self.client), clock=clock)
        # Home tabs refresh on pretend timers: a test moves them on (`Bot.home_timers.advance`), nothing sleeps.
        self.home_timers = PretendTimers()
        self.home_tab = HomeTab(
            self.service,
            lambda team_id: self.installations.client_for_team(team_id) or self.client,
            timer=self.home_timers.timer,
            monotonic=self.home_timers.monotonic,
        )
        self.app: App = build_app(
            settings, self.service, self.client, installations=self.installations, home_tab=self.home_tab
        )
        self.listener_runs: list[Future[Any]] = []
        executor = self.app.listener_runner.listener_executor
        submit = executor.submit

        def record(fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            future = submit(fn, *args, **kwargs)
            self.listener_runs.append(future)
            return future

        # Bolt runs listeners (and their error handler) on this executor after the ack; whatever escapes
        # there is silently kept in a Future. Keep the futures so tests can see such escapes.
        executor.submit = record  # type: ignore[method-assign]
        wsgi = SlackWsgi(self.app, health=lambda: healthy(db), signing_secret=settings.signing_secret or "")
        # As bot.slack.http.serve runs it, except that a short loop timeout lets close() take effect at once.
        self.server: Any = waitress.create_server(
            wsgi, host="127.0.0.1", port=0, threads=8, max_request_body_size=MAX_BODY, asyncore_loop_timeout=0.05
        )
        self.port: int = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, name="bot-waitress", daemon=True)
        self.thread.start()

    def close(self) -> None:
        # Close from the server's own loop thread (closing a socket under a running select() breaks it):
        # the trigger runs the thunk there; with no sockets left, run() returns.
        try:
            self.server.trigger.pull_trigger(self._close_in_loop)
        except OSError:  # the loop has ended and closed its trigger already: nothing runs there to race with
            self._close_in_loop()
        self.thread.join(timeout=5)
        self.server.task_dispatcher.shutdown()

    def _close_in_loop(self) -> None:
        self.server.close()
        wasyncore.close_all(self.server._map)


@dataclass
class Bot:
    """The running bot as Slack sees it, plus the test's handles on its world."""

    fake: FakeSlack
    settings: Settings
    clock: ManualClock
    db_url: str
    db: Database
    _server: _Server

    @property
    def service(self) -> AllianceService:
        return self._server.service

    @property
    def home_timers(self) -> PretendTimers:
        return self._server.home_timers

    @property
    def port(self) -> int:
        return self._server.port

    def listener_crashes(self) -> list[BaseException]:
        """Exceptions that escaped Bolt's listener threads (including its error handler) so far."""
        runs = list(self._server.listener_runs)
        return [e for e in (f.exception(timeout=5) for f in runs) if e is not None]

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8")
        finally:
            connection.close()

    def post(self, signed: payloads.SignedRequest, path: str = "/slack/events") -> tuple[int, str]:
        return self.request("POST", path, signed.body, signed.headers)

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def restart(self) -> None:
        """A new process, in effect: fresh engine, service, app and server on the same database file."""
        self._server.close()
        self.db.dispose()
        self.db = Database(self.db_url)
        self.db.migrate()
        self._server = _Server(self.settings, self.db, self.clock)
        self.fake.clear()  # forget the new app's start-up auth.test

    def rows(self, model: type[Any]) -> list[Any]:
        with self.db.session() as session:
            return list(session.exec(select(model)).all())

    def sweep(self, at: datetime | None = None) -> SweepReport:
        """The scheduled work once, as of `at` (default: the bot's clock), as production runs it: the daily
        member reconciliation, then the scheduler's sweep, through a real WebClient to the fake."""
        at = at or self.clock.now()
        installations = runtime.slack_installations(self.settings, self.db)
        client = installations.client
        directory = SlackDirectory(client, lister=installations.listing_client)  # as bot.runtime wires it
        people = People(db=self.db, directory=directory, clock=ManualClock(at))
        courier = Noticed(SlackCourier(client, installations), self.service.changed)  # as bot.runtime wires it
        return runtime.sweep(people, Scheduler(self.db, courier, pacer=Pacer(0)), at)

    def quiet(self, *, for_seconds: float = 0.2, timeout: float = 5.0) -> list[Call]:
        """Wait until the fake has seen no new call for `for_seconds` (the bot answers after its ack)."""
        deadline = time.monotonic() + timeout
        seen, since = len(self.fake.calls), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.02)
            now = len(self.fake.calls)
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since >= for_seconds:
                break
        return list(self.fake.calls)

    def close(self) -> None:
        self._server.close()
        self.db.dispose()


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    with FakeSlack() as fake:
        url = f"sqlite:///{tmp_path}/bot.db"
        settings = Settings(
            bot_token="xoxb-test",
            signing_secret=payloads.SIGNING_SECRET,
            app_token=None,
            database_url=url,
            api_url=fake.url,
        )
        yield from running_bot(fake, settings)


def running_bot(fake: FakeSlack, settings: Settings) -> Iterator[Bot]:
    """The bot on `settings` against `fake`, its database migrated, until the generator is closed."""
    url = settings.database_url
    db = Database(url)
    db.migrate()
    clock = ManualClock(START)
    server = _Server(settings, db, clock)
    fake.clear()  # Bolt's start-up auth.test is not part of any conversation
    running = Bot(fake=fake, settings=settings, clock=clock, db_url=url, db=db, _server=server)
    try:
        yield running
    finally:
        running.close()
