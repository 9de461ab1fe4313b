"""How long one pass of the scheduled work takes when the database is large and little of it is due.

    .venv/bin/python bench/sweep.py [--pg [URL]] [--sizes 10000,100000,1000000] [--runs 5] [--profile]

For each size N: N commitments over N/100 alliances (two parties each, ten people each, N/10 old deliveries
already sent), of which exactly 1,000 have a nudge due (next_nudge_at <= now, an overdue item whose owner is
at work) and the rest are not (next_nudge_at in the future, or NULL for closed ones); no check-in is due.
Rows go in with SQLAlchemy core ``insert`` in batches. Then it times ``Scheduler(db, courier).sweep(now)``:

* with the 1,000 due (the due set is reset before every run: the nudges it planned are deleted and the 1,000
  rows are put back on their stage), and
* with nothing due (the same sweep again right after).

The courier does nothing and the pacer does not wait: the network and Slack's per-channel pacing are not the
sweep's cost, and the 1,000 messages go to 1,000 different people anyway. Every alliance has its scorecard
settings with nothing due (a settled deployment). Targets (issue 13): median 300 ms with 1,000 due up to 100k
commitments, 500 ms at 1M; 20 ms with nothing due. The database is opened, and the heap settled, as
``alliance-bot serve`` does (bot.runtime: on SQLite, commits not synced one by one and the log checkpointed by a
thread of its own). SQLite always (a file in a temp dir); PostgreSQL with
``--pg``, in a database named ``alliance_bench_sweep`` (or the URL's, if it starts with ``alliance_bench``) that is
dropped and recreated (and dropped again at the end).
Exits 0 whether the targets are met or missed (PASS/MISS in the table).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, event, func, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import who_lookup  # noqa: E402
from bench.stats import summarise, table, verdict  # noqa: E402
from bot.core.ports import Outgoing  # noqa: E402
from bot.core.schedule import Pacer, Scheduler, SweepReport  # noqa: E402
from bot.runtime import open_database, settle  # noqa: E402
from storage.db import Database, normalise_url  # noqa: E402
from storage.models import (  # noqa: E402
    Alliance,
    Commitment,
    Delivery,
    Party,
    Person,
    PulseSettings,
    ScorecardSettings,
    SweepState,
)

PG_NAME = "alliance_bench_sweep"
DEFAULT_PG = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_NAME}"
DEFAULT_SIZES = "10000,100000,1000000"
DUE = 1000
PER_ALLIANCE = 100
PEOPLE_PER_ALLIANCE = 10
CHUNK = 10_000
IDLE_TARGET_MS = 20.0


def due_target_ms(size: int) -> float:
    """The issue's target for a sweep with 1,000 due: 300 ms among up to 100k commitments, 500 ms beyond."""
    return 300.0 if size <= 100_000 else 500.0


# Wednesday 14:00 UTC: working time in Berlin (15:00) and New York (09:00), where the owners live.
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
ZONES = ("Europe/Berlin", "America/New_York")


class NullCourier:
    """Takes every message and does nothing: the sweep's own cost, without the network."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, message: Outgoing) -> str | None:
        self.count += 1
        return None


# ---- building the data ------------------------------------------------------------------------------------


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bulk(db: Database, model: Any, rows: Iterator[dict[str, Any]]) -> None:
    table_ = model.__table__
    with db.engine.begin() as connection:
        for chunk in _chunks(rows):
            connection.execute(insert(table_), chunk)


def due_indexes(size: int) -> range:
    """Which commitments (0-based) are due: 1,000 spread evenly, so in as many alliances as possible."""
    return range(0, size, size // DUE)


def build(db: Database, size: int) -> list[int]:
    """The alliances, parties, people, commitments and old deliveries of one size; returns the due ids."""
    alliances = max(1, size // PER_ALLIANCE)
    started = NOW - timedelta(days=400)
    _bulk(
        db,
        Alliance,
        (
            {
                "id": a + 1,
                "platform": "slack",
                "channel_id": f"C{a:08d}",
                "name": f"Alliance {a}",
                "host_team_id": "TA",
                "started_at": started,
                "last_ref": PER_ALLIANCE,
                "home_tz": ZONES[a % 2],
                "cadence": "default",
                "next_checkin_at": NOW + timedelta(days=1 + a % 27, hours=a % 7),
                "checkins_held": 20,
                "lead_after_days": 2,
                "sponsor_after_days": 5,
                "scorecard_planned": True,  # a settled deployment: the scorecard and the pulse have planned for it
                "pulse_planned": True,
            }
            for a in range(alliances)
        ),
    )

    def people() -> Iterator[dict[str, Any]]:
        for a in range(alliances):
            for k in range(PEOPLE_PER_ALLIANCE):
                yield {
                    "user_id": f"U{a}x{k}",
                    "team_id": "TA" if k < PEOPLE_PER_ALLIANCE // 2 else "TB",
                    "name": f"person {a}/{k}",
                    "tz": ZONES[k % 2],
                    "is_bot": False,
                    "deleted": False,
                    "refreshed_at": NOW,
                }

    def parties() -> Iterator[dict[str, Any]]:
        half = PEOPLE_PER_ALLIANCE // 2
        for a in range(alliances):
            for team, first in (("TA", 0), ("TB", half)):
                yield {
                    "alliance_id": a + 1,
                    "team_id": team,
                    "name": f"Org {team} {a}",
                    "lead_id": f"U{a}x{first}",
                    "sponsor_id": f"U{a}x{first + 1}",
                }

    _bulk(db, Person, people())
    _bulk(db, Party, parties())
    # A settled deployment: every alliance has its scorecard settings, its digest and review check ahead,
    _bulk(
        db,
        ScorecardSettings,
        (
            {
                "alliance_id": a + 1,
                "balance_threshold": 25,
                "balance_dirty": False,
                "imbalance_episode": 0,
                "digest": "monthly",
                "next_digest_at": NOW + timedelta(days=5),
                "reviews_checked_at": NOW,
            }
            for a in range(alliances)
        ),
    )
    # ... and its next health pulse ahead (a first sweep would otherwise open 100-day-old alliances' pulses at once).
    _bulk(
        db,
        PulseSettings,
        (
            {"alliance_id": a + 1, "every_months": 3, "off": False, "next_at": NOW + timedelta(days=40)}
            for a in range(alliances)
        ),
    )
    due = set(due_indexes(size))

    def commitments() -> Iterator[dict[str, Any]]:
        for j in range(size):
            a, k = divmod(j, PER_ALLIANCE)
            person = (j // (size // DUE)) % PEOPLE_PER_ALLIANCE if j in due else k % PEOPLE_PER_ALLIANCE
            row = {
                "id": j + 1,
                "alliance_id": a + 1,
                "ref": k + 1,
                "title": f"Deliverable {j} of the joint plan",
                "owner_id": f"U{a}x{person}",
                "party_team_id": "TA" if person < PEOPLE_PER_ALLIANCE // 2 else "TB",
                "milestone": False,
                "slips": 0,
                "created_by": f"U{a}x0",
                "created_at": NOW - timedelta(days=30),
                "closed_at": None,
                "snoozed_until": None,
                "status": "open",
            }
            if j in due:  # overdue since yesterday, waiting for the "overdue" nudge
                row.update(due_at=NOW - timedelta(days=1), nudge_stage=1, next_nudge_at=NOW - timedelta(hours=1))
            elif j % 5 == 0:  # closed: off the ladder
                row.update(
                    status="done", due_at=NOW - timedelta(days=j % 90), closed_at=NOW, nudge_stage=4, next_nudge_at=None
                )
            else:  # open, its next nudge still ahead
                ahead = timedelta(hours=1 + j % (60 * 24))
                row.update(due_at=NOW + ahead + timedelta(days=1), nudge_stage=0, next_nudge_at=NOW + ahead)
            yield row

    def deliveries() -> Iterator[dict[str, Any]]:
        for i in range(size // 10):
            a = (i * 10) // PER_ALLIANCE
            yield {
                "key": f"nudge:{i * 10 + 1}:0:old:{i}",
                "alliance_id": a + 1,
                "kind": "due_soon",
                "recipient_id": f"U{a}x{i % PEOPLE_PER_ALLIANCE}",
                "commitment_id": i * 10 + 1,
                "data": "{}",
                "not_before": NOW - timedelta(days=2 + i % 300),
                "status": "sent",
                "attempts": 1,
                "sent_at": NOW - timedelta(days=2 + i % 300),
            }

    _bulk(db, Commitment, commitments())
    _bulk(db, Delivery, deliveries())
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            for name in ("alliance", "commitment", "delivery", "party"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"))
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    return [j + 1 for j in due]


def reset(db: Database, due_ids: list[int], baseline: int) -> None:
    """Put the due set back: the nudges a sweep planned are forgotten, the rows are on their stage again."""
    with db.engine.begin() as connection:
        connection.execute(delete(Delivery).where(Delivery.id > baseline))  # type: ignore[arg-type]
        connection.execute(delete(SweepState))
        connection.execute(
            update(Commitment)
            .where(Commitment.id.in_(due_ids))  # type: ignore[union-attr]
            .values(nudge_stage=1, next_nudge_at=NOW - timedelta(hours=1))
        )


# ---- measuring --------------------------------------------------------------------------------------------


class StatementCounter:
    """Counts the statements the engine sends (each is a round trip to a server database, where they dominate)."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


@dataclass
class Timing:
    wall_ms: float
    cpu_ms: float
    statements: int


def one_sweep(scheduler: Scheduler, counter: StatementCounter) -> tuple[Timing, SweepReport, int]:
    courier = scheduler.courier
    assert isinstance(courier, NullCourier)
    courier.count = 0
    before = counter.count
    started, cpu = time.perf_counter(), time.process_time()
    report = scheduler.sweep(NOW)
    timing = Timing((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, counter.count - before)
    return timing, report, courier.count


def baseline(db: Database, size: int) -> int:
    """The last delivery id of the built data: everything after it was planned by a timed sweep."""
    with db.engine.begin() as connection:
        count = int(connection.execute(select(func.count()).select_from(Delivery)).scalar_one())
    assert count >= size // 10
    return size // 10


def sweeper(db: Database) -> Scheduler:
    """One scheduler for all the sweeps of a run, as `serve` has one for its life."""
    return Scheduler(db, NullCourier(), pacer=Pacer(0), worker="bench")


def measure(db: Database, due_ids: list[int], runs: int, baseline: int) -> tuple[list[Timing], list[Timing]]:
    counter = StatementCounter(db)
    scheduler = sweeper(db)
    due: list[Timing] = []
    idle: list[Timing] = []
    for run in range(runs + 1):  # the first run warms the caches (zones, holidays, statements) and is not counted
        reset(db, due_ids, baseline)
        timing, report, sent = one_sweep(scheduler, counter)
        if sent != DUE or report.sent != DUE:
            raise SystemExit(f"expected {DUE} messages, the sweep sent {sent}: {report}")
        quiet, report, sent = one_sweep(scheduler, counter)
        if sent or report.nudges_planned or report.checkins_opened:
            raise SystemExit(f"expected nothing due, got {report}")
        if run:
            due.append(timing)
            idle.append(quiet)
    return due, idle


def profile(db: Database, due_ids: list[int], label: str, baseline: int) -> None:
    reset(db, due_ids, baseline)
    counter = StatementCounter(db)
    scheduler = sweeper(db)
    for title in ("1,000 due", "nothing due"):
        profiler = cProfile.Profile()
        profiler.enable()
        one_sweep(scheduler, counter)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(f"\n---- cProfile, {label}, sweep with {title} (cumulative) ----")
        print("\n".join(out.getvalue().splitlines()[:60]))


# ---- databases --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as directory:
        db = open_database(f"sqlite:///{Path(directory) / 'sweep.db'}")  # as `serve` opens it
        try:
            yield db
        finally:
            db.dispose()


def postgres_database(url: str) -> contextlib.AbstractContextManager[Database]:
    """A scratch PostgreSQL database on the server `url` names, dropped afterwards: the database `url` names when
    that starts with ``alliance_bench`` (so that two people benchmarking on one server do not drop each other's),
    else PG_NAME."""
    parsed = make_url(normalise_url(url))
    name = parsed.database if (parsed.database or "").startswith(who_lookup.PG_NAME_PREFIX) else PG_NAME
    target = parsed.set(database=name).render_as_string(hide_password=False)
    return who_lookup.postgres_database(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", nargs="?", const=DEFAULT_PG, default=None, help=f"PostgreSQL server (db {PG_NAME})")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="commitment counts, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="timed sweeps per size and database")
    parser.add_argument("--profile", action="store_true", help="cProfile one sweep of each (size, database)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if any(s < DUE * 10 or s % DUE for s in sizes):
        raise SystemExit(f"sizes must be multiples of {DUE} and at least {DUE * 10}")
    print(
        "The courier does nothing and the pacer does not wait: what is timed is the sweep itself (reading the "
        "due rows, planning, claiming, rendering, marking), not the network or Slack's per-channel pacing."
    )
    databases: list[tuple[str, Any]] = [("sqlite", sqlite_database)]
    if args.pg:
        databases.append(("postgresql", lambda: postgres_database(args.pg)))
    rows: list[list[str]] = []
    for size in sizes:
        for name, scratch_database in databases:
            with scratch_database() as db:
                started = time.perf_counter()
                db.migrate()
                due_ids = build(db, size)
                built = time.perf_counter() - started
                print(f"{name:10} {size:>9,} commitments, {size // PER_ALLIANCE:,} alliances: built in {built:.1f} s")
                last = baseline(db, size)
                settle()  # as `serve` does once started: what is loaded now is out of the collector's way
                due_runs, idle_runs = measure(db, due_ids, args.runs, last)
                due, idle = summarise([t.wall_ms for t in due_runs]), summarise([t.wall_ms for t in idle_runs])
                due_cpu = summarise([t.cpu_ms for t in due_runs]).median
                idle_cpu = summarise([t.cpu_ms for t in idle_runs]).median
                statements = (due_runs[-1].statements, idle_runs[-1].statements)
                print(f"{'':10} sweep with {DUE:,} due: {due.median:.0f} ms; nothing due: {idle.median:.1f} ms")
                rows.append(
                    [
                        f"{size:,}",
                        name,
                        f"{built:.1f}",
                        f"{due.median:.0f}",
                        f"{due_cpu:.0f}",
                        str(statements[0]),
                        verdict(due.median <= due_target_ms(size)),
                        f"{idle.median:.1f}",
                        f"{idle_cpu:.1f}",
                        str(statements[1]),
                        verdict(idle.median <= IDLE_TARGET_MS),
                    ]
                )
                if args.profile:
                    profile(db, due_ids, f"{name} at {size:,}", last)
    print()
    header = ["size", "database", "build s", "1,000 due ms", "cpu ms", "statements", "target"]
    header += ["nothing due ms", "cpu ms", "statements", f"<= {IDLE_TARGET_MS:.0f}"]
    print(table(header, rows))
    print(
        f"\nmedians of {args.runs} sweeps each (after one warm-up); the targets are medians of wall time; cpu is this"
        " process's; statements are those one sweep sent to the database."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
