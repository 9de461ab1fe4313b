"""The daily member comparison at scale: conversations.members for each alliance, users.info only for whom it
must (the new, the changed, and those not heard of for a week), each person once however many alliances they
are in, several at a time, within the workspace's rate limits. Both databases; Slack is the fake Web API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlmodel import delete, select

from bot.core.clock import ManualClock
from bot.core.people.departures import People
from bot.core.ports import Profile
from bot.slack.directory import RATE_LIMITED, SlackDirectory
from bot.slack.ratelimit import Budget
from storage.db import Database
from storage.models import Member, Person
from tests.fake_time import FakeTime
from tests.slack.fakes.alliances import seed
from tests.slack.fakes.web_api import BOT, FakeSlack

SEEDED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # everyone looked up, every alliance compared
DAY = timedelta(days=1, minutes=1)  # a comparison is due a day after the last


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(users={}, teams={}, channels={}) as fake:
        yield fake


def directory(fake: FakeSlack) -> SlackDirectory:
    return SlackDirectory(WebClient(token="xoxb-test", base_url=fake.url))


def reconcile(fake: FakeSlack, db: Database, at: datetime, *, workers: int = 8) -> None:
    People(db=db, directory=directory(fake), clock=ManualClock(at), workers=workers).reconcile(at)


def looked_up(fake: FakeSlack) -> list[str]:
    return sorted(str(c.args["user"]) for c in fake.calls_to("users.info"))


def members_by_user(db: Database) -> dict[str, Member]:
    with db.session() as session:
        return {m.user_id: m for m in session.exec(select(Member)).all()}


def forget_everyone(db: Database) -> None:
    """Nobody known yet: everyone in the channels is new to us."""
    with db.session() as session:
        session.exec(delete(Person))


def test_nothing_changed_and_everyone_heard_of_lately_costs_one_call_per_alliance(
    fake: FakeSlack, db: Database
) -> None:
    world = seed(fake, db, alliances=3, people=5, host_people=2, host_pool=6, heard_at=SEEDED)
    reconcile(fake, db, SEEDED + DAY)
    assert sorted(c.args["channel"] for c in fake.calls_to("conversations.members")) == world.channels
    assert looked_up(fake) == []


def test_the_new_the_departed_and_the_returned_are_looked_up_and_acted_on(fake: FakeSlack, db: Database) -> None:
    world = seed(fake, db, alliances=2, people=5, host_people=2, host_pool=4, heard_at=SEEDED)
    channel = world.channels[0]
    gone = world.people[channel][-1]
    newcomer = world.new_user(fake, fake.users[gone]["team_id"])
    fake.channels[channel]["members"].remove(gone)
    fake.channels[channel]["members"].append(newcomer)

    reconcile(fake, db, SEEDED + DAY)

    assert looked_up(fake) == sorted([gone, newcomer])
    rows = members_by_user(db)
    assert rows[gone].left_reason == "left_channel" and rows[newcomer].left_at is None

    fake.clear()
    fake.channels[channel]["members"].append(gone)  # back, and no event told us
    reconcile(fake, db, SEEDED + 2 * DAY)
    assert looked_up(fake) == [gone]
    assert members_by_user(db)[gone].left_at is None


def test_everyone_is_looked_up_once_a_week_on_their_own_turn_a_shared_person_once(
    fake: FakeSlack, db: Database
) -> None:
    # Ten alliances share a pool of four Acme people, and all twenty-five people arrived on the same day.
    world = seed(fake, db, alliances=10, people=4, host_people=2, host_pool=4, heard_at=SEEDED)
    everyone = sorted({u for ids in world.people.values() for u in ids} | {BOT})
    deactivated = world.people[world.channels[3]][-1]
    fake.users[deactivated]["deleted"] = True  # of the partner organisation: no event reaches us
    per_day: list[list[str]] = []
    for day in range(1, 20):
        fake.clear()
        reconcile(fake, db, SEEDED + day * DAY)
        per_day.append(looked_up(fake))
    assert per_day[:5] == [[]] * 5  # everyone was heard of less than a week ago
    assert sorted(u for day in per_day[5:12] for u in day) == everyone  # then each once, whatever their alliances
    assert sorted(u for day in per_day[12:19] for u in day) == everyone  # and a week later, again
    assert max(len(day) for day in per_day) < len(everyone) / 2  # spread over the week: no day's spike
    assert members_by_user(db)[deactivated].left_reason == "deactivated"


def test_someone_heard_of_since_their_last_turn_is_not_looked_up(fake: FakeSlack, db: Database) -> None:
    world = seed(fake, db, alliances=2, people=5, host_people=1, host_pool=2, heard_at=SEEDED)
    heard, unheard = world.people[world.channels[0]], world.people[world.channels[1]]
    # Six and a half days on, a user_change (or a command of theirs, which reads their profile) for one alliance.
    at = SEEDED + timedelta(days=6, hours=12)
    people = People(db=db, directory=directory(fake), clock=ManualClock(at))
    for user_id in heard:
        people.profile_changed(world.profile(fake, user_id))
    asked: list[str] = []
    for day in range(7, 14):  # every turn comes once
        fake.clear()
        reconcile(fake, db, SEEDED + day * DAY)
        asked += looked_up(fake)
    assert sorted(asked) == sorted([*unheard, BOT])


class CountingDirectory(SlackDirectory):
    """Counts the look-ups in flight at once."""

    def __init__(self, client: WebClient) -> None:
        super().__init__(client)
        self.busy = self.peak = 0
        self.lock = threading.Lock()

    def profile(self, user_id: str) -> Profile | None:
        with self.lock:
            self.busy += 1
            self.peak = max(self.peak, self.busy)
        try:
            return super().profile(user_id)
        finally:
            with self.lock:
                self.busy -= 1


def test_look_ups_run_several_at_a_time_and_never_more_than_the_workers(fake: FakeSlack, db: Database) -> None:
    seed(fake, db, alliances=6, people=4, host_people=2, host_pool=12, heard_at=SEEDED)
    forget_everyone(db)
    fake.latency = 0.1
    counting = CountingDirectory(WebClient(token="xoxb-test", base_url=fake.url))
    People(db=db, directory=counting, clock=ManualClock(SEEDED + DAY), workers=4).reconcile(SEEDED + DAY)
    assert len(fake.calls_to("users.info")) == 6 * 4 + 1  # everyone new, and the bot
    assert counting.peak == 4  # several at once (each answer takes 0.1 s), never more than the workers
    assert sum(m.left_at is None for m in members_by_user(db).values()) == 24


def test_a_429_pauses_every_worker_for_its_retry_after(fake: FakeSlack, db: Database) -> None:
    seed(fake, db, alliances=8, people=4, host_people=1, host_pool=8, heard_at=SEEDED)
    forget_everyone(db)  # 33 look-ups: without a pause, 8 workers are done in about 0.4 s
    fake.latency = 0.1
    fake.fail_next("users.info", retry_after=1)
    # The client as production builds it, whose own rate-limit retries would pause only the thread that met it.
    client = WebClient(
        token="xoxb-test", base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    People(db=db, directory=SlackDirectory(client), clock=ManualClock(SEEDED + DAY)).reconcile(SEEDED + DAY)

    calls = fake.calls_to("users.info")
    assert len(calls) == 8 * 4 + 1 + 1  # everyone, the bot, and the call that met the 429 once more
    met = calls[0].at
    # Calls sent before the 429's answer came back are answered; none starts while Slack asked to wait.
    assert [c for c in calls if met + 0.3 < c.at < met + 1.0] == []
    assert calls[-1].at >= met + 1.0
    assert len(members_by_user(db)) == 32


def test_the_budget_allows_so_many_calls_in_any_minute_and_waits_out_a_pause() -> None:
    clock = FakeTime()
    budget = Budget(per_minute=3, clock=clock.clock, sleep=clock.sleep)
    for _ in range(3):
        budget.take()  # a burst is fine
        clock.now += 10
    assert clock.now == 30
    budget.take()  # the fourth waits until the first is a minute old
    assert clock.now == pytest.approx(60)
    budget.pause(10)
    budget.take()
    assert clock.now == pytest.approx(70)


def test_the_directory_keeps_users_info_and_conversations_members_within_their_tier() -> None:
    assert RATE_LIMITED == ("users.info", "conversations.members")
    budgets = SlackDirectory(WebClient(token="xoxb-test")).budgets
    assert {m: b.per_minute for m, b in budgets.items()} == {m: 100 for m in RATE_LIMITED}
