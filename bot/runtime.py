"""Wiring: turns settings into a running bot (database, core, Slack app, scheduler) or a console."""

from __future__ import annotations

import gc
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import text

from bot.config import Settings
from bot.core.clock import ManualClock, SystemClock
from bot.core.dates import warm_up
from bot.core.people import People
from bot.core.schedule import Pacer, Scheduler, SweepReport
from bot.core.service import AllianceService
from storage.db import Database

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60


def serve(settings: Settings, *, host: str, port: int) -> int:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.slack.app import build_app, web_client
    from bot.slack.courier import SlackCourier
    from bot.slack.directory import SlackDirectory
    from bot.slack.http import SlackWsgi
    from bot.slack.http import serve as serve_http

    db = Database(settings.database_url)
    db.migrate()
    warm_up()
    clock = SystemClock()
    client = web_client(settings)
    directory = SlackDirectory(client)
    service = AllianceService(db=db, directory=directory, clock=clock)
    people = People(db=db, directory=directory, clock=clock)
    schedule = Scheduler(db, SlackCourier(client))
    scheduler = BackgroundScheduler(timezone=UTC)
    # One sweep a minute; a late run still runs (grace) but missed ones collapse into one (coalesce), and never
    # two at once in this process. The sweep catches up on everything due before its instant, so a pause or a
    # restart loses nothing, and the deliveries' keys keep a repeated run from sending twice.
    job = scheduler.add_job(
        lambda: sweep(people, schedule, clock.now()),
        "interval",
        seconds=SWEEP_SECONDS,
        id="sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=SWEEP_SECONDS * 5,
        next_run_time=datetime.now(UTC),
    )
    app = build_app(
        settings, service, client, people=people, wake_sweeper=lambda: job.modify(next_run_time=datetime.now(UTC))
    )
    settle()
    scheduler.start()
    try:
        if settings.app_token:
            from bot.slack import socket_mode

            socket_mode.run(app, settings.app_token)
        else:
            serve_http(SlackWsgi(app, health=lambda: healthy(db)), host=host, port=port)
    finally:
        scheduler.shutdown(wait=False)
        db.dispose()
    return 0


def sweep_once(settings: Settings, *, now: datetime) -> SweepReport:
    """`alliance-bot sweep --now T`: the scheduled work once, as of T, for cron and tests."""
    from bot.slack.app import web_client
    from bot.slack.courier import SlackCourier
    from bot.slack.directory import SlackDirectory

    db = Database(settings.database_url)
    db.migrate()
    client = web_client(settings)
    try:
        people = People(db=db, directory=SlackDirectory(client), clock=ManualClock(now))
        return sweep(people, Scheduler(db, SlackCourier(client)), now)
    finally:
        db.dispose()


def sweep(people: People, schedule: Scheduler, now: datetime) -> SweepReport:
    """The scheduled work: compare the channels' members (daily, per alliance), then plan and send. Members
    first, so that a departure found now is told in this same sweep."""
    try:
        changes = people.reconcile(now)
    except Exception:
        log.exception("member reconciliation failed; the sweep goes on")
        changes = None
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
    directory = ConsoleDirectory(list(PEOPLE))
    service = AllianceService(db=db, directory=directory, clock=clock)
    chat = Console(service=service, directory=directory, clock=clock, out=out)
    chat.schedule = Scheduler(db, ConsoleCourier(chat), pacer=Pacer(0))
    chat.people = People(db=db, directory=directory, clock=clock)
    chat.say("A channel shared by Acme (alice, bob, erin) and Globex (paul, pia, gus). You are alice. :help for help.")
    if tour:
        chat.say("--- a short tour: what people type, and what the bot answers ---")
        chat.run(TOUR, echo=True)
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
        chat.run(sys.stdin, echo=True)
    db.dispose()
    return 0
