"""The daily member comparison at scale: conversations.members for each alliance, users.info only for whom it
must (the new, the changed, and those not heard of for a week), each person once however many alliances they
are in, several at a time, within the workspace's rate limits; the host's own workspace listed (users.list) once
a week in place of its people's look-ups where that costs fewer calls. Both databases; Slack is the fake Web API."""

from __future__ import annotations

import itertools
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlmodel import delete, select

from bot.core.clock import ManualClock
from bot.core.people.departures import People
from bot.core.ports import Profile
from bot.slack.directory import RATE_LIMITED, SlackDirectory
from bot.slack.installations import OneWorkspace
from bot.slack.ratelimit import Budget
from storage import members
from storage.db import Database
from storage.models import Member, Person, WorkspaceListing
from tests.fake_time import FakeTime
from tests.slack.fakes.alliances import Alliances, seed
from tests.slack.fakes.web_api import ACME, BOT, FakeSlack

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


def test_the_directory_keeps_users_info_users_list_and_conversations_members_within_their_tier() -> None:
    assert RATE_LIMITED == ("users.info", "conversations.members", "users.list")
    budgets = SlackDirectory(WebClient(token="xoxb-test")).budgets
    # Tier 4 ("100+ per minute") for users.info and conversations.members, Tier 2 ("20+ per minute") for users.list.
    assert {m: b.per_minute for m, b in budgets.items()} == {
        "users.info": 100,
        "conversations.members": 100,
        "users.list": 20,
    }


# ---- a workspace of our own listed once a week (users.list) in place of its people's turns ----------------------


def listing(fake: FakeSlack) -> SlackDirectory:
    """The directory as production builds it with one token: users.list lists that token's workspace (Acme)."""
    client = WebClient(token="xoxb-test", base_url=fake.url)
    return SlackDirectory(client, lister=OneWorkspace(client).listing_client)


def reconcile_listing(fake: FakeSlack, db: Database, at: datetime, *, limit: int = 100) -> None:
    People(db=db, directory=listing(fake), clock=ManualClock(at)).reconcile(at, limit=limit)


def listed_pages(fake: FakeSlack) -> list[str]:
    """The cursor each users.list call was made with ("" for a first page)."""
    return [str(c.args.get("cursor") or "") for c in fake.calls_to("users.list")]


def test_the_fake_lists_a_workspace_s_own_people_in_pages_deactivated_included_as_slack_does(fake: FakeSlack) -> None:
    world = seed_only(fake)
    fake.users[world.people[world.channels[0]][0]]["deleted"] = True
    acme = sorted(u for u, user in fake.users.items() if user["team_id"] == ACME)
    client = WebClient(token="xoxb-test", base_url=fake.url)
    seen: list[dict[str, object]] = []
    cursor = None
    while True:
        page = client.users_list(limit=2, cursor=cursor, team_id="T00000000")  # a workspace token ignores team_id
        assert len(page["members"]) <= 2
        seen += page["members"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    # Acme's people and its bot, the deactivated one too; never a partner's, met in a Slack Connect channel.
    assert sorted(str(u["id"]) for u in seen) == acme
    assert [u["deleted"] for u in seen].count(True) == 1
    assert len(client.users_list()["members"]) == len(acme)  # no limit: everything at once (legacy)
    with pytest.raises(SlackApiError) as bad:
        client.users_list(limit=2, cursor="bm90LWEtY3Vyc29y")
    assert bad.value.response["error"] == "invalid_cursor"


def seed_only(fake: FakeSlack) -> Alliances:
    """Three alliances in the fake alone (the listing's own test needs no tables)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/seed.db")
        db.migrate()
        world = seed(fake, db, alliances=3, people=4, host_people=2, host_pool=6, heard_at=SEEDED)
        db.dispose()
    return world


def test_the_host_s_workspace_is_listed_instead_of_its_people_s_turns_and_the_partners_are_looked_up(
    fake: FakeSlack, db: Database
) -> None:
    # Four alliances, nobody shared: Acme's 12 people (and the bot) in one page of users.list; 12 partners' people.
    world = seed(fake, db, alliances=4, people=6, host_people=3, host_pool=12, heard_at=SEEDED)
    acme = {u for ids in world.people.values() for u in ids if fake.users[u]["team_id"] == ACME}
    partners = {u for ids in world.people.values() for u in ids} - acme
    listed_on: list[int] = []
    asked: dict[int, list[str]] = {}
    for day in range(1, 20):
        fake.clear()
        reconcile_listing(fake, db, SEEDED + day * DAY)
        if fake.calls_to("users.list"):
            listed_on.append(day)
            assert listed_pages(fake) == [""]  # one page
        asked[day] = looked_up(fake)
    # Listed when an Acme person's turn first comes (the sixth or seventh day), then once in six or seven days
    # (when one of them has a turn again): none of their turns is paid with a look-up.
    assert len(listed_on) >= 2 and listed_on[0] <= 7
    assert all(6 <= b - a <= 7 for a, b in itertools.pairwise(listed_on))
    everyone_asked = {u for day in asked.values() for u in day}
    assert not acme & everyone_asked and BOT not in everyone_asked
    # The partners' people, whom users.list with Acme's installation never lists, each once a week on their turn.
    assert sorted(u for day in range(6, 13) for u in asked[day]) == sorted(partners)
    assert sorted(u for day in range(13, 20) for u in asked[day]) == sorted(partners)


def test_a_host_person_deactivated_and_still_in_the_channel_is_found_by_the_next_listing(
    fake: FakeSlack, db: Database
) -> None:
    world = seed(fake, db, alliances=3, people=4, host_people=2, host_pool=3, heard_at=SEEDED)
    shared = world.people[world.channels[0]][0]  # Acme's, in two of the alliances
    assert sum(shared in ids for ids in world.people.values()) == 2
    for day in range(1, 8):
        reconcile_listing(fake, db, SEEDED + day * DAY)
    fake.users[shared]["deleted"] = True  # no user_change reached us, and the channels still list them
    gone_on = None
    for day in range(8, 16):
        fake.clear()
        reconcile_listing(fake, db, SEEDED + day * DAY)
        assert shared not in looked_up(fake)
        if members_by_user(db)[shared].left_at is not None:
            gone_on = gone_on or day
    with db.session() as session:
        left = {m.alliance_id for m in session.exec(select(Member).where(Member.user_id == shared)) if m.left_at}
        reasons = {m.left_reason for m in session.exec(select(Member).where(Member.user_id == shared))}
    assert gone_on is not None and gone_on <= 14  # deactivated just after the seventh day's comparison: in a week
    assert len(left) == 2 and reasons == {"deactivated"}


def test_a_workspace_too_large_to_be_worth_listing_is_paged_through_once_then_its_people_have_turns(
    fake: FakeSlack, db: Database
) -> None:
    # Acme's four people in alliances cost four look-ups a week; listing them would spare those of six days (3.4):
    # it may take three pages at most, and Acme has 1,000 people more (six pages of 200).
    world = seed(fake, db, alliances=2, people=4, host_people=2, host_pool=4, heard_at=SEEDED)
    for _ in range(1000):
        world.new_user(fake, ACME)
    acme = {u for ids in world.people.values() for u in ids if fake.users[u]["team_id"] == ACME}
    pages: list[tuple[int, int]] = []
    asked: set[str] = set()
    for day in range(1, 27):
        fake.clear()
        reconcile_listing(fake, db, SEEDED + day * DAY)
        if fake.calls_to("users.list"):
            pages.append((day, len(fake.calls_to("users.list"))))
        asked |= set(looked_up(fake))
    assert [n for _, n in pages] == [3] and pages[0][0] <= 7  # three pages once, when turns first came; never again
    with db.session() as session:
        (row,) = session.exec(select(WorkspaceListing)).all()
    assert (row.team_id, row.pages, row.complete) == (ACME, 3, False)
    assert acme <= asked  # looked up on their turns instead


def test_a_listing_that_fails_leaves_the_turns_to_look_ups(fake: FakeSlack, db: Database) -> None:
    world = seed(fake, db, alliances=2, people=4, host_people=2, host_pool=4, heard_at=SEEDED)
    acme = {u for ids in world.people.values() for u in ids if fake.users[u]["team_id"] == ACME}
    fake.fail_next("users.list", status=200, error="internal_error", times=20)
    for day in range(1, 14):
        reconcile_listing(fake, db, SEEDED + day * DAY)
    assert fake.calls_to("users.list")  # tried on the days turns came, and failed each time
    assert acme | {BOT} <= set(looked_up(fake))  # nobody's turn was lost to the failures
    with db.session() as session:
        assert session.exec(select(WorkspaceListing)).all() == []


def test_a_deactivation_a_look_up_finds_is_acted_on_in_every_alliance_not_only_those_compared(
    fake: FakeSlack, db: Database
) -> None:
    # One Acme person in both alliances; only the first alliance is compared in this pass (a batch of one).
    world = seed(fake, db, alliances=2, people=3, host_people=1, host_pool=1, heard_at=SEEDED)
    person = world.people[world.channels[0]][0]
    fake.users[person]["deleted"] = True  # still listed in both channels
    at = SEEDED + 14 * DAY  # two weeks unheard of: looked up whatever their turn
    People(db=db, directory=directory(fake), clock=ManualClock(at)).reconcile(at, limit=1)
    assert looked_up(fake).count(person) == 1
    assert len(fake.calls_to("conversations.members")) == 1
    with db.session() as session:
        rows = session.exec(select(Member).where(Member.user_id == person)).all()
    assert [(m.left_at, m.left_reason) for m in rows] == [(at, "deactivated")] * 2


def test_a_workspace_listed_lately_is_claimed_by_one_process_only(db: Database) -> None:
    at = SEEDED + 6 * DAY
    with db.session() as session:
        assert not members.claim_listing(session=session, platform="slack", team_id=ACME, before=at, at=at)
        members.record_listing(session=session, platform="slack", team_id=ACME, pages=2, complete=True, at=SEEDED)
    later = at + timedelta(days=6)
    with db.session() as session:
        assert members.claim_listing(session=session, platform="slack", team_id=ACME, before=at, at=later)
    with db.session() as session:
        assert not members.claim_listing(session=session, platform="slack", team_id=ACME, before=at, at=later)
        members.record_listing(session=session, platform="slack", team_id=ACME, pages=3, complete=False, at=later)
    with db.session() as session:
        row = session.get(WorkspaceListing, ("slack", ACME))
        assert row is not None and (row.pages, row.complete, row.listed_at) == (3, False, later)
