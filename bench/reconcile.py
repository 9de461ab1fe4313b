"""What the daily member comparison costs: Web API calls and seconds per alliance per day.

    .venv/bin/python bench/reconcile.py [--alliances 20] [--people 11] [--host-people 5] [--workspace 1000]
        [--latency 0.1] [--weeks 4] [--workers 8] [--no-listing]

The fake Web API (tests/slack/fakes/web_api.py) answers every call after `--latency` seconds (Slack's round trip
from a hosted server is 100-300 ms). Each alliance is a Slack Connect channel of `--people` people and the bot:
`--host-people` of them the host's (Acme, where the bot is installed), the rest the partner's, a workspace of its
own per alliance. In a Slack Connect alliance roughly half of the people are the host's; 5 of 11 rounds that half
towards the partner, whose people cost more: users.list with the host's installation lists the host's workspace
only, so each partner person is looked up (users.info) on their weekly turn. The host's workspace holds
`--workspace` people in all (those in no alliance too, whom users.list pages through as well): 1,000, five pages
of 200. Every Web API call the comparison makes is counted, users.list and auth.test included.
`--no-listing`: no workspace is listed, everyone is looked up on their turn (the comparison before users.list).

The bot's tables start as a previous comparison left them, everyone looked up the same day (the worst case for
spreading the weekly look-ups). Two weeks go by unmeasured (latency 0), then `--weeks` weeks are measured, one
comparison per alliance per day, each day with a fresh rate budget (a day refills Slack's).

Two models of the people, each with nothing changing and with 5% changing:

* worst: nobody is shared between alliances, and nobody is heard of otherwise (no command, no `user_change`):
  the weekly look-up of everyone is paid in full.
* realistic: the host's side comes from one team of 10 alliance managers, each in several of the alliances (with
  5 host people in each of 20 alliances, in 10); each person is heard of (a command, whose handling reads their
  profile anyway, or a `user_change` event) on a given day with probability 0.1.

"5% changed": each measured day of the first half, 5% of the alliances (at least one) see one change, in turn: a
partner's person leaves the channel; one is deactivated and drops out of the member list; one is deactivated and
stays listed (the case only the weekly look-up finds); a newcomer joins; one of the host's people is deactivated
and stays listed (Slack would send a `user_change` for that one, but an event can be missed: the listing finds it).
No event tells the bot of any of them. Departures expected and found are counted at the end (the second half of
the run leaves time to find them), with the longest delay in days.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from sqlmodel import select  # noqa: E402

from bot.core.clock import ManualClock  # noqa: E402
from bot.core.people.departures import People  # noqa: E402
from bot.slack.directory import SlackDirectory  # noqa: E402
from bot.slack.installations import OneWorkspace  # noqa: E402
from storage import repository as repo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Member  # noqa: E402
from tests.slack.fakes.alliances import Alliances, seed  # noqa: E402
from tests.slack.fakes.web_api import ACME, FakeSlack  # noqa: E402

SEEDED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1, minutes=1)  # a comparison is due a day after the last
WARM_UP_DAYS = 14
KINDS = (
    "leaves",
    "deactivated, dropped from the list",
    "deactivated, still listed",
    "joins",
    "host's person deactivated, still listed",
)


@dataclass(frozen=True)
class Model:
    name: str
    host_people: int
    host_pool: int | None  # None: nobody shared
    heard_per_day: float


@dataclass
class Result:
    calls: int = 0
    members_calls: int = 0
    listing_calls: int = 0
    seconds: float = 0.0
    expected: int = 0
    found: int = 0
    longest_delay: float = 0.0


def run(
    model: Model,
    *,
    changing: float,
    alliances: int,
    people: int,
    workspace: int,
    latency: float,
    weeks: int,
    workers: int,
    listing: bool,
) -> Result:
    rng = random.Random(13)
    result = Result()
    with tempfile.TemporaryDirectory() as tmp, FakeSlack(users={}, teams={}, channels={}) as fake:
        db = Database(f"sqlite:///{tmp}/bench.db")
        db.migrate()
        pool = model.host_pool or alliances * model.host_people
        world = seed(
            fake, db, alliances=alliances, people=people, host_people=model.host_people, host_pool=pool, heard_at=SEEDED
        )
        while sum(u["team_id"] == ACME for u in fake.users.values()) < workspace:
            world.new_user(fake, ACME)  # the host's people in no alliance, listed all the same
        humans = sorted({u for ids in world.people.values() for u in ids})
        client = WebClient(token="xoxb-bench", base_url=fake.url)
        # One installation for the whole run, as a process has: its workspace is asked once (auth.test).
        lister = OneWorkspace(client).listing_client if listing else None
        departures: dict[tuple[str, str], datetime] = {}  # (channel, user) -> when
        changes = 0
        days = WARM_UP_DAYS + 7 * weeks
        for day in range(1, days + 1):
            at = SEEDED + day * DAY
            measured = day > WARM_UP_DAYS
            fake.latency = latency if measured else 0.0
            directory = SlackDirectory(client, lister=lister)  # a day refills Slack's rate budgets
            people_ = People(db=db, directory=directory, clock=ManualClock(at), workers=workers)
            for user_id in humans:
                if rng.random() < model.heard_per_day and not fake.users[user_id].get("deleted"):
                    people_.profile_changed(world.profile(fake, user_id))  # an event, or a command of theirs
            if measured and changing and day - WARM_UP_DAYS <= 7 * weeks // 2:
                for _ in range(max(1, round(changing * alliances))):
                    change(fake, world, rng, at, departures, KINDS[changes % len(KINDS)])
                    changes += 1
            fake.clear()
            started = time.monotonic()
            people_.reconcile(at)
            took = time.monotonic() - started
            if measured:
                result.seconds += took
                result.calls += len(fake.calls)
                result.members_calls += len(fake.calls_to("conversations.members"))
                result.listing_calls += len(fake.calls_to("users.list"))
        result.expected = len(departures)
        with db.session() as session:
            ids = {c: repo.get_alliance(session=session, platform="slack", channel_id=c) for c in world.channels}
            left = {
                (m.alliance_id, m.user_id): m.left_at
                for m in session.exec(select(Member)).all()
                if m.left_at is not None
            }
        for (channel, user_id), when in departures.items():
            alliance = ids[channel]
            assert alliance is not None
            gone = left.get((alliance.id or 0, user_id))
            if gone is not None:
                result.found += 1
                result.longest_delay = max(result.longest_delay, (gone - when).total_seconds() / 86400)
        db.dispose()
    return result


def change(
    fake: FakeSlack,
    world: Alliances,
    rng: random.Random,
    at: datetime,
    departures: dict[tuple[str, str], datetime],
    kind: str,
) -> None:
    """One change in a random alliance, of which no event tells the bot."""
    channel = rng.choice(world.channels)
    listed: list[str] = fake.channels[channel]["members"]
    partner = f"T{world.channels.index(channel):08d}"
    side = ACME if kind.startswith("host") else partner
    theirs = [u for u in listed if fake.users[u]["team_id"] == side and not fake.users[u].get("deleted")]
    if kind == "joins" or not theirs:
        listed.insert(0, world.new_user(fake, partner))
        return
    user_id = rng.choice(theirs)
    if kind != "leaves":
        fake.users[user_id]["deleted"] = True
    if not kind.endswith("still listed"):
        listed.remove(user_id)
    if kind == "leaves":
        departures[(channel, user_id)] = at
    else:
        for other, ids in world.people.items():  # a deactivated account is gone from every alliance it was in
            if user_id in ids:
                departures[(other, user_id)] = at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alliances", type=int, default=20)
    parser.add_argument("--people", type=int, default=11)
    parser.add_argument("--host-people", type=int, default=5)
    parser.add_argument("--workspace", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--no-listing", action="store_true")
    args = parser.parse_args()
    models = [
        Model("worst", host_people=args.host_people, host_pool=None, heard_per_day=0.0),
        Model("realistic", host_people=args.host_people, host_pool=10, heard_per_day=0.1),
    ]
    alliance_days = args.alliances * 7 * args.weeks
    print(
        f"{args.alliances} alliances of {args.people} people ({args.host_people} the host's), host workspace of"
        f" {args.workspace}, RTT {args.latency * 1000:.0f} ms, {args.workers} workers, {args.weeks} weeks measured,"
        f" {'no workspace listed' if args.no_listing else 'workspaces listed where cheaper'}"
        " (goal: <= 2 calls per alliance per day when nothing changed)"
    )
    print(
        f"{'model':<10} {'changed':>7} {'calls/alliance/day':>19} {'of which members':>17} {'users.list':>11}"
        f" {'s/alliance/day':>15} {'departures found':>17} {'longest delay':>14}"
    )
    for model in models:
        for changing in (0.0, 0.05):
            r = run(
                model,
                changing=changing,
                alliances=args.alliances,
                people=args.people,
                workspace=args.workspace,
                latency=args.latency,
                weeks=args.weeks,
                workers=args.workers,
                listing=not args.no_listing,
            )
            found = f"{r.found}/{r.expected}" if r.expected else "-"
            delay = f"{r.longest_delay:.1f} days" if r.expected else "-"
            print(
                f"{model.name:<10} {changing:>7.0%} {r.calls / alliance_days:>19.2f}"
                f" {r.members_calls / alliance_days:>17.2f} {r.listing_calls / alliance_days:>11.2f}"
                f" {r.seconds / alliance_days:>15.3f} {found:>17} {delay:>14}"
            )


if __name__ == "__main__":
    main()
