"""How fast a sweep sends many messages due at once, within Slack's limits.

    .venv/bin/python bench/fanout.py [--pg [URL]] [--alliances 20] [--items 10] [--per-person 1] [--latency 0.1]
                                     [--workers 16] [--rate 100]

N alliances × M items, all overdue at one moment, each owner with `--per-person` of them (1: 200 nudges to 200
people). The sweep sends them through the real Slack courier to the fake Web API (tests/slack/fakes/web_api.py),
which answers every call after `--latency` seconds and, as Slack does, answers 429 with `Retry-After: 1` to a
second message in one channel within a second. Prints messages/s, 429s met, duplicates (a person told twice),
lost (a delivery not sent), and the time against the floor the limits allow: the larger of the workspace budget
(messages / rate) and the round trips (messages / workers × latency). Goal: ≥ 50 messages/s for 200 nudges to
200 people at 100 ms, none lost or doubled. SQLite always; PostgreSQL with `--pg` (a scratch database).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from sqlmodel import select  # noqa: E402

from bench.sweep import _bulk, postgres_database  # noqa: E402
from bot.core.pacing import Pacer  # noqa: E402
from bot.core.schedule import Scheduler  # noqa: E402
from bot.slack.courier import SlackCourier  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Alliance, Commitment, Delivery, Party, Person  # noqa: E402
from tests.slack.fakes.web_api import FakeSlack, _Scripted  # noqa: E402

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # Wednesday: working time in Berlin, where everyone is
GOAL = 50.0  # messages a second


class ChannelLimitedSlack(FakeSlack):
    """The fake Web API with Slack's per-channel limit: a second chat.postMessage to one channel (a DM counts by
    its person) within a second is answered 429 with Retry-After: 1. Anyone's user id opens a DM."""

    def __init__(self, latency: float) -> None:
        super().__init__(users={}, teams={}, channels={}, latency=latency)
        self.last: dict[str, float] = {}
        self.limited = 0
        self.posted: Counter[str] = Counter()
        self._limit_lock = threading.Lock()

    def _resolve_channel(self, channel: Any) -> str | None:
        if isinstance(channel, str) and channel.startswith("U"):
            return self._open_im(channel)
        return channel if isinstance(channel, str) and channel.startswith("C") else None

    def _dispatch(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> _Scripted:
        if method == "chat.postMessage":
            channel = str(args.get("channel"))
            with self._limit_lock:
                now = time.monotonic()
                if now - self.last.get(channel, float("-inf")) < 1.0:
                    self.limited += 1
                    return _Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                self.last[channel] = now
                self.posted[channel] += 1
        return super()._dispatch(method, args, headers)


def build(db: Database, alliances: int, items: int, per_person: int) -> int:
    """Alliances, each with `items` overdue commitments, every owner holding `per_person`; returns the count."""
    started = NOW - timedelta(days=100)
    owners = -(-items // per_person)
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
                "last_ref": items,
                "home_tz": "Europe/Berlin",
                "cadence": "default",
                "next_checkin_at": NOW + timedelta(days=3),
                "checkins_held": 5,
                "lead_after_days": 2,
                "sponsor_after_days": 5,
            }
            for a in range(alliances)
        ),
    )
    people = [(a, k) for a in range(alliances) for k in range(owners + 2)]
    _bulk(
        db,
        Person,
        (
            {
                "user_id": f"U{a}X{k}",
                "team_id": "TA",
                "name": f"person {a}/{k}",
                "tz": "Europe/Berlin",
                "is_bot": False,
                "deleted": False,
                "refreshed_at": NOW,
            }
            for a, k in people
        ),
    )
    _bulk(
        db,
        Party,
        (
            {"alliance_id": a + 1, "team_id": "TA", "name": f"Org {a}", "lead_id": f"U{a}XL", "sponsor_id": f"U{a}XS"}
            for a in range(alliances)
        ),
    )
    _bulk(
        db,
        Commitment,
        (
            {
                "id": a * items + k + 1,
                "alliance_id": a + 1,
                "ref": k + 1,
                "title": f"Deliverable {k} of alliance {a}",
                "owner_id": f"U{a}X{k // per_person}",
                "party_team_id": "TA",
                "milestone": False,
                "slips": 0,
                "created_by": f"U{a}X0",
                "created_at": NOW - timedelta(days=30),
                "closed_at": None,
                "snoozed_until": None,
                "status": "open",
                "due_at": NOW - timedelta(days=1),
                "nudge_stage": 1,
                "next_nudge_at": NOW - timedelta(minutes=5),
            }
            for a in range(alliances)
            for k in range(items)
        ),
    )
    return alliances * items


def run(db: Database, args: argparse.Namespace) -> dict[str, Any]:
    due = build(db, args.alliances, args.items, args.per_person)  # deliveries: one per overdue item
    with ChannelLimitedSlack(args.latency) as fake:
        courier = SlackCourier(WebClient(token="xoxb-bench", base_url=fake.url))
        pacer = Pacer(workers=args.workers, workspace_rate=args.rate)
        scheduler = Scheduler(db, courier, pacer=pacer, worker="bench")
        started = time.monotonic()
        report = scheduler.sweep(NOW)
        elapsed = time.monotonic() - started
        with db.session() as session:
            deliveries = list(session.exec(select(Delivery)))
        # The overdue reminders are what is measured; the same sweep may send others (check-ins, say): counted as
        # messages, not as reminders.
        statuses = Counter(d.status for d in deliveries if d.key.startswith("nudge:"))
        others = Counter(d.key.split(":")[0] for d in deliveries if not d.key.startswith("nudge:"))
        messages = sum(fake.posted.values())
        duplicates = sum(n - 1 for n in fake.posted.values() if n > 1)
    # The workspace budget allows a burst of one second's worth, then `rate` a second; the workers a round trip each.
    floor = max((messages - max(1.0, args.rate)) / args.rate, -(-messages // args.workers) * args.latency)
    return {
        "due": due,
        "messages": messages,
        "sent": report.sent,
        "seconds": elapsed,
        "rate": messages / elapsed if elapsed else 0.0,
        "429s": fake.limited,
        "honoured": pacer.stats.rate_limited,
        "duplicates": duplicates,
        "lost": due - statuses.get("sent", 0),
        "others": dict(others),
        "floor": floor,
    }


@contextlib.contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as directory:
        db = Database(f"sqlite:///{Path(directory) / 'fanout.db'}")
        db.migrate()
        try:
            yield db
        finally:
            db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", nargs="?", const="postgresql+psycopg://postgres@127.0.0.1:5432/postgres", default=None)
    parser.add_argument("--alliances", type=int, default=20)
    parser.add_argument("--items", type=int, default=10, help="overdue items per alliance")
    parser.add_argument("--per-person", type=int, default=1, help="items each owner holds (more: grouped DMs)")
    parser.add_argument("--latency", type=float, default=0.1, help="the fake Web API's answer time, seconds")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100.0, help="messages a second per workspace")
    args = parser.parse_args(argv)
    databases: list[tuple[str, contextlib.AbstractContextManager[Database]]] = [("sqlite", sqlite_database())]
    if args.pg:
        databases.append(("postgresql", postgres_database(args.pg)))
    print(
        f"{args.alliances} alliances × {args.items} overdue items, {args.per_person} per owner; RTT "
        f"{args.latency * 1000:.0f} ms, {args.workers} workers, {args.rate:g} messages/s per workspace"
    )
    head = ("database", "msgs", "secs", "msg/s", "429s", "dups", "lost", "floor s")
    print(f"{head[0]:<11} " + " ".join(f"{h:>{w}}" for h, w in zip(head[1:], (5, 6, 7, 5, 5, 5, 8), strict=True)))
    for name, manager in databases:
        with manager as db:
            if name == "postgresql":
                db.migrate()
            r = run(db, args)
        verdict = "PASS" if r["rate"] >= GOAL and not r["lost"] and not r["duplicates"] else "MISS"
        print(
            f"{name:<11} {r['messages']:>5} {r['seconds']:>6.2f} {r['rate']:>7.1f} {r['429s']:>5} "
            f"{r['duplicates']:>5} {r['lost']:>5} {r['floor']:>8.2f}  "
            f"{verdict} (≥ {GOAL:g} msg/s, none lost or doubled)"
        )
        if r["others"]:
            print(f"{'':<11} besides the reminders, the same sweep sent: {r['others']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
