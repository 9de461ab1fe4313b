"""Wiring: turns settings into a running bot (database, core, Slack app, scheduler) or a console."""

from __future__ import annotations

import gc
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import text

from bot.config import Settings, StartupError
from bot.core.clock import Clock, ManualClock, SystemClock
from bot.core.dates import warm_up
from bot.core.pacing import Pacer
from bot.core.people.departures import People
from bot.core.ports import ByPlatform, Courier, Noticed
from bot.core.schedule import Scheduler, SweepReport
from bot.core.service import AllianceService
from storage import deliveries
from storage.db import Database, at_head, is_sqlite

log = logging.getLogger(__name__)


# How often a serving process checkpoints a SQLite database's log (storage.db.Checkpoints).
CHECKPOINT_SECONDS = 1.0


def open_database(url: str) -> Database:
    """The running bot's database. On SQLite, commits are not synced to the disk one by one (WAL with
    synchronous=NORMAL, as SQLite advises for WAL): a commit survives a killed process at once and a crashed machine
    from the next checkpoint on. Syncing every commit kept each acknowledgement waiting behind the listeners' fsyncs:
    under 100 concurrent commands p99 4.6 s against 1.1 s (bench/load.py, notes of issue 13). And the log is
    checkpointed by a thread of its own every CHECKPOINT_SECONDS, not by whichever commit (an acknowledgement's, the
    sweep's) takes it past SQLite's threshold. On PostgreSQL every commit of the work waits for the disk, as
    PostgreSQL does by default (only the inbox's own writes do not: bot.slack.inbox)."""
    sqlite = is_sqlite(url)
    return Database(url, sync_every_commit=not sqlite, checkpoint_every=CHECKPOINT_SECONDS if sqlite else None)


def migrate_apart(db: Database, url: str) -> None:
    """Bring the schema to the newest revision before serving, in a child process (`alliance-bot migrate`) when
    there is anything to do. alembic, once imported, stays in a process for good: about 10 MB of a serving
    process's memory at idle (issue 13 wants under 100 MB; PostgreSQL's first start measured 101.7 MB, restarts
    92.3). A schema already at head is seen without alembic (storage.db.migrate), and a database that lives only
    in this process (SQLite in memory) can only be migrated here. Replicas starting together are one at a time
    (the migration's lock) whichever process migrates."""
    if at_head(db.engine):
        return
    if db.engine.dialect.name == "sqlite" and db.sqlite_file is None:
        db.migrate()
        return
    log.info("the database schema is behind: migrating it in a child process")
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    level = level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else "ERROR"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--log-level", level, "migrate"],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,  # its one line of success; its errors go to stderr, this process's
        check=False,
    )
    if done.returncode != 0:
        raise StartupError(
            f"migrating the database failed: `alliance-bot migrate` exited with status {done.returncode}, and printed"
            " its error just above"
        )
    if not at_head(db.engine):
        raise StartupError("migrating the database failed: it is still not at the newest revision afterwards")


def serve(settings: Settings, *, host: str, port: int) -> int:
    """Slack (Socket Mode or HTTP on `port`), Teams (HTTP on TEAMS_PORT) or both, with one schedule for all."""
    from apscheduler.schedulers.background import BackgroundScheduler

    db = open_database(settings.database_url)
    migrate_apart(db, settings.database_url)
    warm_up()
    clock = SystemClock()
    couriers: dict[str, Courier] = {}
    slack = _slack(settings, db, clock) if settings.slack else None
    teams = _teams(settings, db, clock) if settings.teams is not None else None
    if slack is not None:
        couriers["slack"] = slack.courier
    if teams is not None:
        couriers["teams"] = teams.courier
    schedule = Scheduler(db, ByPlatform(couriers), pacer=pacer(settings))
    people = slack.service.people if slack is not None else None
    scheduler = BackgroundScheduler(timezone=UTC)
    # One sweep a minute (SWEEP_SECONDS); a late run still runs (grace) but missed ones collapse into one
    # (coalesce), and never two at once in this process. The sweep catches up on everything due before its
    # instant, so a pause or a restart loses nothing, and the deliveries' keys keep a repeated run from sending
    # twice.
    job = scheduler.add_job(
        lambda: sweep(people, schedule, clock.now()),
        "interval",
        seconds=settings.sweep_seconds,
        id="sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=settings.sweep_seconds * 5,
        next_run_time=datetime.now(UTC),
    )

    def wake() -> None:
        job.modify(next_run_time=datetime.now(UTC))

    server = None
    if teams is not None:
        from bot.teams.app import TeamsServer, build_app
        from bot.teams.auth import inbound_auth

        assert settings.teams is not None
        teams.front.wake_sweeper = wake
        app = build_app(teams.front, auth=inbound_auth(settings.teams), health=lambda: healthy(db))
        server = TeamsServer(app, host=host, port=settings.teams.port)
    shutdown = Shutdown()
    settle()
    scheduler.start()
    try:
        with shutdown.on_signals():
            if slack is None:
                assert server is not None
                shutdown.stops.append(server.stop)
                if not shutdown.requested.is_set():
                    server.serve_forever()
            else:
                if server is not None:
                    server.start()
                _serve_slack(settings, slack, db, host=host, port=port, wake=wake, shutdown=shutdown)
    finally:
        if server is not None:
            server.stop()
        scheduler.shutdown(wait=False)
        db.dispose()
    if shutdown.stuck:
        # A listener still running past the bounded wait (its request was handed back to the next start) would
        # keep the interpreter from exiting: its executor's threads are joined at exit.
        logging.shutdown()
        os._exit(0)
    return 0


DRAIN_SECONDS = 10.0  # how long a stop waits for acknowledged work to finish before handing it back


class Shutdown:
    """SIGTERM (a deploy, `docker stop`) and SIGINT: stop taking requests, finish what is in flight, exit 0."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.stops: list[Callable[[], None]] = []
        self.stuck = False

    @contextmanager
    def on_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signal handlers belong to the main thread (tests may serve from another)
            return
        previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: object) -> None:
        if self.requested.is_set():
            return
        log.info("%s: no new requests; finishing those in hand, then exiting", signal.Signals(signum).name)
        self.request()

    def request(self) -> None:
        self.requested.set()
        for stop in self.stops:
            stop()


@dataclass
class SlackParts:
    client: Any  # slack_sdk.WebClient
    service: AllianceService
    courier: Courier
    installations: Any  # bot.slack.installations.Installations


def _slack(settings: Settings, db: Database, clock: Clock) -> SlackParts:
    from bot.slack.courier import SlackCourier
    from bot.slack.directory import SlackDirectory

    installations = slack_installations(settings, db)
    client = installations.client
    directory = SlackDirectory(client, lister=installations.listing_client)
    service = AllianceService(db=db, directory=directory, clock=clock)
    # Each delivery may change what someone's Home tab shows (bot.slack.home): the service tells its watchers.
    courier = Noticed(SlackCourier(client, installations), service.changed)
    return SlackParts(client=client, service=service, courier=courier, installations=installations)


def slack_installations(settings: Settings, db: Database) -> Any:
    """One workspace on SLACK_BOT_TOKEN, or each workspace's installation (SLACK_CLIENT_ID/SECRET)."""
    from bot.slack.app import web_client
    from bot.slack.installations import ManyWorkspaces, OneWorkspace

    if settings.oauth is None:
        return OneWorkspace(web_client(settings))
    return ManyWorkspaces(
        db,
        client_id=settings.oauth.client_id,
        client_secret=settings.oauth.client_secret,
        make_client=lambda token: web_client(settings, token),
        rotate=settings.oauth.token_rotation,
    )


def _serve_slack(
    settings: Settings,
    slack: SlackParts,
    db: Database,
    *,
    host: str,
    port: int,
    wake: Callable[[], None],
    shutdown: Shutdown,
) -> None:
    from bot.slack.app import build_app
    from bot.slack.http import HttpServer, SlackWsgi
    from bot.slack.inbox import Inbox

    secret = settings.signing_secret or ""
    inbox = Inbox(db, signing_secret=secret)
    app = build_app(
        settings, slack.service, slack.client, wake_sweeper=wake, inbox=inbox, installations=slack.installations
    )
    inbox.start(app)  # and at once carry out what a stopped process left in the inbox
    try:
        if settings.app_token:
            from bot.slack import socket_mode

            socket_mode.run(app, settings.app_token, stop=shutdown.requested)
        else:
            http = HttpServer(SlackWsgi(app, health=lambda: healthy(db), signing_secret=secret), host=host, port=port)
            shutdown.stops.append(http.stop)
            if not shutdown.requested.is_set():
                http.run()
    finally:
        inbox.stop(drain_seconds=DRAIN_SECONDS)
        shutdown.stuck = inbox.in_flight() > 0


def _teams(settings: Settings, db: Database, clock: Clock) -> TeamsParts:
    from bot.teams.auth import EntraTokens

    assert settings.teams is not None
    return teams_parts(db, clock, EntraTokens(settings.teams))


@dataclass
class TeamsParts:
    front: Any  # bot.teams.front.TeamsFrontEnd
    courier: Courier


def teams_parts(db: Database, clock: Clock, tokens: Callable[[], str]) -> TeamsParts:
    """The Teams front end and courier over one connector client (tests pass their own tokens)."""
    from bot.teams.connector import Connector
    from bot.teams.courier import TeamsCourier
    from bot.teams.directory import TeamsDirectory
    from bot.teams.front import TeamsFrontEnd

    connector = Connector(tokens)
    directory = TeamsDirectory(db, connector, clock)
    service = AllianceService(db=db, directory=directory, clock=clock, platform="teams")
    front = TeamsFrontEnd(service=service, directory=directory, connector=connector)
    courier = TeamsCourier(db, connector, directory)
    front.chat_privately = courier.tell  # private answers go to the caller's one-to-one chat with the bot
    return TeamsParts(front=front, courier=courier)


def sweep_once(settings: Settings, *, now: datetime) -> SweepReport:
    """`alliance-bot sweep --now T`: the scheduled work once, as of T, for cron and tests."""
    db = Database(settings.database_url)
    db.migrate()
    clock = ManualClock(now)
    couriers: dict[str, Courier] = {}
    people = None
    if settings.slack:
        slack = _slack(settings, db, clock)
        couriers["slack"], people = slack.courier, slack.service.people
    if settings.teams is not None:
        couriers["teams"] = _teams(settings, db, clock).courier
    try:
        return sweep(people, Scheduler(db, ByPlatform(couriers), pacer=pacer(settings)), now)
    finally:
        db.dispose()


def pacer(settings: Settings) -> Pacer:
    """How the scheduled sweep sends: several messages in flight, within Slack's limits (see bot.core.pacing)."""
    return Pacer(workers=settings.delivery.workers, workspace_rate=settings.delivery.workspace_rate)


def sweep(people: People | None, schedule: Scheduler, now: datetime) -> SweepReport:
    """The scheduled work: compare the Slack channels' members (daily, per alliance), then plan and send.
    Members first, so that a departure found now is told in this same sweep."""
    changes = None
    if people is not None:
        try:
            changes = people.reconcile(now)
        except Exception:
            log.exception("member reconciliation failed; the sweep goes on")
    report = schedule.sweep(now)
    if changes:
        report.lines.append(
            f"members: {len(changes.departures)} left, {len(changes.returns)} returned, {len(changes.joined)} new"
        )
    return report


def settle() -> None:
    """Call once start-up has loaded everything (dateparser's tables are large).

    Moving what exists now out of the garbage collector's reach keeps full collections from walking those
    long-lived objects again and again: without it a look-up over 10,000 titles spends most of its time in
    the collector.
    """
    gc.collect()
    gc.freeze()


def healthy(db: Database) -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        log.exception("health check: database unavailable")
        return False


def console(db_path: Path, *, fresh: bool, tour: bool, start: datetime | None, out: TextIO) -> int:
    from bot.console.chat import PROMPT_HELP, TOUR, Console, ConsoleCourier
    from bot.console.world import PEOPLE, ConsoleDirectory

    if fresh and db_path.exists():
        db_path.unlink()
    db = Database(f"sqlite:///{db_path}")
    db.migrate()
    warm_up()
    clock = ManualClock(start or datetime.now(UTC).replace(microsecond=0))
    # The clock is kept with the data: the sweep records the instant it ran at, and time never goes back over a
    # database (items due in between would be overdue at once). An earlier start resumes from there.
    with db.session() as session:
        kept = deliveries.last_sweep(session=session)
    resumed = kept is not None and kept > clock.now()
    if kept is not None and resumed:
        clock = ManualClock(kept)
    directory = ConsoleDirectory(list(PEOPLE))
    service = AllianceService(db=db, directory=directory, clock=clock)
    chart = db_path.with_name(f"{db_path.stem}-scorecard.png")
    chat = Console(service=service, directory=directory, clock=clock, out=out, chart_path=chart)
    chat.schedule = Scheduler(db, ConsoleCourier(chat), pacer=Pacer(0))
    chat.say("A channel shared by Acme (alice, bob, erin) and Globex (paul, pia, gus). You are alice. :help for help.")
    if resumed:
        chat.say(f"(this database's clock is at {clock.now():%a %d %b %Y, %H:%M} UTC; it never goes back)")
    chat.sweep()  # as the running bot does when it starts; it also records this instant as the data's clock
    if tour:
        chat.say("--- a short tour: what people type, and what the bot answers ---")
        chat.play(TOUR, echo=True)
        chat.say("--- your turn ---")
    interactive = sys.stdin.isatty()
    if interactive:
        chat.say(PROMPT_HELP)
        while True:
            try:
                line = input(f"{chat.speaker}> ")
            except EOFError:
                break
            if not chat.handle(line.strip()):
                break
    else:
        chat.play(sys.stdin, echo=True)
    db.dispose()
    return 0
