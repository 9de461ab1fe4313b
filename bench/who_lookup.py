"""`who` over a big alliance: one channel with 10,000 open commitments, asked "who API spec".

Run it with `make bench-who` (`PG=postgresql+psycopg://…/alliance_bench` adds PostgreSQL): that is
`bench/http_latency.py --part who`, which prints the table.

Builds the database (SQLite in a temp dir, or a PostgreSQL database the benchmark creates and drops), then
times ``AllianceService.handle_text("who API spec", caller)`` in-process with the console's directory and a
manual clock, so no chat platform is involved. Also times the two halves of the work on their own (loading
the open titles, and the fuzzy match) to show where the time goes.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import insert, select, update
from sqlalchemy.engine import make_url
from sqlmodel import col

from bench.stats import Summary, summarise
from bot.console.world import CHANNEL, PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.clock import ManualClock
from bot.core.commitments.results import Owners
from bot.core.dates import warm_up
from bot.core.lookup import TitleIndex, best_matches
from bot.core.service import AllianceService
from bot.runtime import settle
from storage import repository as repo
from storage.db import Database, normalise_url
from storage.models import Alliance, Commitment, CommitmentEvent, Status

QUERY = "who API spec"
COMMITMENTS = 10_000
TARGET_MS = 20.0
PG_NAME_PREFIX = "alliance_bench"


def add_pg_argument(parser: argparse.ArgumentParser, default: str, what: str = "the bot on PostgreSQL") -> None:
    """`--pg [URL]`: run on PostgreSQL, at `default` when no URL is given (a scratch database, created and dropped)."""
    parser.add_argument(
        "--pg",
        nargs="?",
        const=default,
        default=None,
        metavar="URL",
        help=f"{what} (default URL {default}; that database is created and dropped)",
    )


_VERBS = [
    "Draft",
    "Review",
    "Finalise",
    "Sign off",
    "Publish",
    "Share",
    "Prepare",
    "Update",
    "Send",
    "Agree",
    "Validate",
    "Deliver",
    "Kick off",
    "Document",
    "Present",
    "Approve",
    "Scope",
    "Test",
    "Translate",
    "Circulate",
]
_OBJECTS = [
    "joint API spec",
    "co-marketing plan",
    "pricing sheet",
    "SSO integration",
    "data processing agreement",
    "security questionnaire",
    "reseller agreement",
    "launch webinar",
    "partner portal access",
    "QBR deck",
    "sandbox credentials",
    "roadmap alignment notes",
    "customer case study",
    "press release",
    "statement of work",
    "referral programme terms",
    "integration test plan",
    "support escalation path",
    "sales enablement training",
    "revenue share model",
    "webhook retry policy",
    "billing sync design",
    "API rate limit proposal",
    "SOC 2 evidence pack",
    "pilot success criteria",
    "shared Jira board",
    "trade show booth plan",
    "joint go-to-market brief",
    "localisation glossary",
    "incident runbook",
    "partner newsletter copy",
    "demo environment",
    "data migration checklist",
    "solution architecture diagram",
    "legal redlines",
    "marketplace listing",
    "executive sponsor update",
    "renewal forecast",
    "FAQ for account managers",
    "usage analytics dashboard",
]
_QUALIFIERS = [
    "",
    "",
    "",
    " for EMEA",
    " for APAC",
    " v2",
    " with legal",
    " for the Q3 launch",
    " for pilot customers",
    " (Globex side)",
    " (Acme side)",
    " before the board meeting",
    " for the healthcare vertical",
    " with procurement",
    " after security review",
]


@dataclass(frozen=True)
class WhoResult:
    label: str
    total: Summary
    cold: Summary
    load_titles: Summary
    fuzzy_match: Summary
    matches: int
    profile: str | None = None


def titles(count: int, *, seed: int = 20240601) -> list[str]:
    """Varied, realistic commitment titles (deterministic for a seed)."""
    rng = random.Random(seed)
    return [f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_QUALIFIERS)}" for _ in range(count)]


def populate(db: Database, *, now: datetime, count: int = COMMITMENTS) -> tuple[AllianceService, Caller]:
    """Migrate, create the alliance through the service, then bulk-insert ``count`` open commitments."""
    db.migrate()
    directory = ConsoleDirectory(list(PEOPLE))
    service = AllianceService(db=db, directory=directory, clock=ManualClock(now))
    alliance_id = alliance_of(service, CHANNEL)
    people = [p for p in PEOPLE if not p.is_bot]
    rng = random.Random(7)
    rows = []
    for ref, title in enumerate(titles(count), start=1):
        owner = rng.choice(people)
        rows.append(
            {
                "alliance_id": alliance_id,
                "ref": ref,
                "title": title,
                "owner_id": owner.user_id,
                "party_team_id": owner.team_id,
                "due_at": now + timedelta(days=rng.randint(-30, 180), hours=rng.randint(0, 23)),
                "milestone": rng.random() < 0.1,
                "status": Status.OPEN.value,
                "slips": 0,
                "created_by": rng.choice(people).user_id,
                "created_at": now - timedelta(days=rng.randint(1, 365)),
            }
        )
    with db.session() as session:
        connection = session.connection()
        connection.execute(insert(Commitment), rows)
        connection.execute(update(Alliance).where(col(Alliance.id) == alliance_id).values(last_ref=count))
        created = connection.execute(
            select(col(Commitment.id), col(Commitment.created_by), col(Commitment.created_at)).where(
                col(Commitment.alliance_id) == alliance_id
            )
        ).all()
        events = [
            {"commitment_id": cid, "at": at, "actor_id": actor, "kind": "created", "detail": ""}
            for cid, actor, at in created
        ]
        connection.execute(insert(CommitmentEvent), events)
    return service, Caller(channel_id=CHANNEL, user_id=people[0].user_id)


def alliance_of(service: AllianceService, channel_id: str) -> int:
    """The channel's alliance id, set up as a first command there would (one unit of work of the service)."""
    with service.work() as work:
        alliance, _ = work.ensure_alliance(channel_id)
        assert alliance.id is not None
        return alliance.id


def _time_ms(fn: object, runs: int) -> list[float]:
    assert callable(fn)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure(
    db: Database, *, label: str, runs: int, warmup: int = 20, profile: bool = False, now: datetime | None = None
) -> WhoResult:
    service, caller = populate(db, now=now or datetime.now(UTC).replace(microsecond=0))
    alliance_id = alliance_of(service, caller.channel_id)

    def who() -> Owners:
        outcome = service.handle_text(QUERY, caller).outcome
        assert isinstance(outcome, Owners)
        return outcome

    def who_cold() -> None:
        # A fresh service has an empty title cache: the cost of the first question after any change.
        fresh = AllianceService(db=db, directory=service.directory, clock=service.clock)
        outcome = fresh.handle_text(QUERY, caller).outcome
        assert isinstance(outcome, Owners)

    def load() -> None:
        with db.session() as session:
            repo.open_titles(session=session, alliance_id=alliance_id)

    with db.session() as session:
        loaded = repo.open_titles(session=session, alliance_id=alliance_id)
    assert len(loaded) == COMMITMENTS, f"expected {COMMITMENTS} open titles, found {len(loaded)}"
    query = QUERY.removeprefix("who ")

    settle()  # as `alliance-bot serve` does once start-up is over
    for _ in range(warmup):
        who()
    matches = len(who().matches)
    total = _time_ms(who, runs)
    cold = _time_ms(who_cold, runs)
    load_titles = _time_ms(load, runs)
    index = TitleIndex.build(loaded)
    fuzzy = _time_ms(lambda: best_matches(query, index), runs)

    text: str | None = None
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(min(runs, 50)):
            who()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        text = out.getvalue()
    return WhoResult(
        label=label,
        total=summarise(total),
        cold=summarise(cold),
        load_titles=summarise(load_titles),
        fuzzy_match=summarise(fuzzy),
        matches=matches,
        profile=text,
    )


def sqlite_database(directory: Path) -> Database:
    return Database(f"sqlite:///{directory / 'who.db'}")


@contextlib.contextmanager
def postgres_database(url: str) -> Iterator[Database]:
    """A fresh PostgreSQL database for the run, dropped afterwards.

    Its name must start with ``alliance_bench``: the database is dropped and recreated, so the benchmark
    refuses to touch any other.
    """
    parsed = make_url(normalise_url(url))
    name = parsed.database or ""
    if not name.startswith(PG_NAME_PREFIX):
        raise SystemExit(f"--pg: the database name must start with {PG_NAME_PREFIX!r} (it is dropped and recreated)")
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    db = Database(parsed.render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def database_url(pg: str | None, work: Path) -> Iterator[tuple[str, str]]:
    """(label, URL) for a bot process under benchmark: SQLite in ``work``, or a scratch PostgreSQL database
    created and dropped around the run (``postgres_database``)."""
    if pg is None:
        yield "sqlite", f"sqlite:///{work / 'bot.db'}"
        return
    with postgres_database(pg) as db:
        url = db.engine.url.render_as_string(hide_password=False)
        db.dispose()
        yield "postgresql", url


def prepare() -> None:
    """Load what the bot loads at start (dateparser's data) so the first timed run is not a cold one."""
    warm_up()
