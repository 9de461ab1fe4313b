"""Several replicas on one PostgreSQL (issue 13): three real `alliance-bot serve` processes in HTTP mode, behind
no balancer but each taking a share of the signed requests, each sweeping every second, one fake Web API.

- Every delivery the sweeps owe goes out exactly once, though three sweepers race for it (`SKIP LOCKED`).
- `who` on one replica sees a title changed through another at once (each process has its own title cache).
- A replica killed (SIGKILL) right after acknowledging commands: another one carries them out, once each,
  when the dead one's inbox leases run out.

The database is a scratch one next to TEST_DATABASE_URL's (its name plus `_replicas`), created and dropped here;
`alliance-bot migrate` prepares it once, as compose does, before the replicas start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text, update
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from storage.db import Database, normalise_url
from storage.models import Commitment, Delivery, InboxEntry
from tests.conftest import PG_URL, SKIP_PG
from tests.process import local_http
from tests.slack import payloads
from tests.slack.fakes.web_api import FakeSlack, _Scripted, _tz_fields, default_world

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason=SKIP_PG)]

ROOT = Path(__file__).resolve().parents[2]
SECRET = secrets.token_hex(16)
REPLICAS = ("a", "b", "c")
# Slack's round trip on a good day; long enough that the killed replica is still working when the signal comes.
LATENCY = 0.05
HEALTHY_WITHIN = 30.0


def working_zone(now: datetime) -> str:
    """A fixed-offset zone where it is late morning on a weekday right now, so that the owners' nudges go out at
    once instead of waiting for their working hours (the test runs at any hour)."""
    for hours in sorted(range(-12, 15), key=abs):
        local = now + timedelta(hours=hours)
        if local.weekday() < 5 and 10 <= local.hour <= 14:
            return "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"  # the Etc/ names' sign is inverted
    raise AssertionError(f"no zone has a working late morning at {now}")  # never: some zone always has


class RecordingSlack(FakeSlack):
    """The fake Web API, answering after a delay, everyone in one working zone, and every post's ts kept."""

    def __init__(self) -> None:
        world = default_world()
        zone = working_zone(datetime.now(UTC))
        for user in world["users"].values():
            user.update(_tz_fields(zone))
        super().__init__(**world)
        self.posted: list[tuple[str, str, str]] = []  # (channel, ts, text) of every chat.postMessage answered ok

    def _dispatch(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> _Scripted:
        if method != "auth.test":
            time.sleep(LATENCY)
        answer = super()._dispatch(method, args, headers)
        if method == "chat.postMessage" and answer.body.get("ok"):
            with self._lock:
                self.posted.append((str(answer.body["channel"]), str(answer.body["ts"]), str(args.get("text", ""))))
        return answer

    def posts(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return list(self.posted)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(fake: FakeSlack, db_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "SLACK_BOT_TOKEN": "xoxb-replicas-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": db_url,
        "SWEEP_SECONDS": "1",
    }


class Replica:
    """One `alliance-bot serve` process."""

    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.port = _free_port()
        self.log_path = logs / f"serve-{name}.log"
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "--log-level",
                    "WARNING",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=logs,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTHY_WITHIN
        while True:
            assert self.process.poll() is None, self.log()
            with contextlib.suppress(OSError):
                if self.request("GET", "/healthz")[0] == 200:
                    return
            assert time.monotonic() < deadline, f"replica {self.name} not healthy in {HEALTHY_WITHIN} s:\n{self.log()}"
            time.sleep(0.1)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        return local_http.request(self.port, method, path, body, headers)

    def post(self, signed: payloads.SignedRequest) -> int:
        return int(self.request("POST", "/slack/events", signed.body, signed.headers)[0])

    def log(self) -> str:
        return f"--- {self.name} ---\n" + self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Cluster:
    def __init__(self, fake: RecordingSlack, db: Database, replicas: dict[str, Replica]) -> None:
        self.fake = fake
        self.db = db
        self.replicas = replicas

    def logs(self) -> str:
        return "\n".join(r.log() for r in self.replicas.values())

    def commit_spread(self, titles: list[str], *, over: list[str]) -> list[int]:
        """One slash command per title, sent at once, round-robin over the named replicas."""

        def send(job: tuple[int, str]) -> int:
            i, title = job
            signed = payloads.slash_command(
                f"commit <@{payloads.PAUL}|paul> {title} by next Friday", signing_secret=SECRET
            )
            return self.replicas[over[i % len(over)]].post(signed)

        with ThreadPoolExecutor(max_workers=len(titles)) as pool:
            return list(pool.map(send, enumerate(titles)))

    def rows(self, query: Any) -> list[Any]:
        with self.db.session() as session:
            return list(session.exec(query).all())

    def titles(self) -> list[str]:
        return sorted(c.title for c in self.rows(select(Commitment)))

    def unfinished(self) -> int:
        return len(self.rows(select(InboxEntry).where(col(InboxEntry.done_at).is_(None))))


def wait_until(check: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what()
        time.sleep(0.1)


def announced(fake: RecordingSlack, title: str) -> int:
    """How many times the channel was told that a commitment with this title was recorded."""
    return sum(1 for channel, _, said in fake.posts() if channel == payloads.CHANNEL and f"*{title}*" in said)


@pytest.fixture(scope="module")
def scratch_url() -> Iterator[str]:
    """A database of our own beside TEST_DATABASE_URL's, dropped afterwards (the fixture `db` empties the other
    between tests, which three long-running processes must not see)."""
    base = make_url(normalise_url(PG_URL))
    name = f"{base.database}_replicas"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def cluster(scratch_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("replicas")
    fake = RecordingSlack()
    with fake:
        env = _env(fake, scratch_url)
        migrate = subprocess.run(
            [sys.executable, "-m", "bot.cli", "migrate"], cwd=logs, env=env, capture_output=True, timeout=60
        )
        assert migrate.returncode == 0, migrate.stdout.decode() + migrate.stderr.decode()
        replicas = {name: Replica(name, env, logs) for name in REPLICAS}  # all start together
        db = Database(scratch_url)
        try:
            for replica in replicas.values():
                replica.wait_healthy()
            yield Cluster(fake, db, replicas)
        finally:
            for replica in replicas.values():
                replica.stop()
            db.dispose()


def test_every_delivery_goes_out_exactly_once_though_three_replicas_sweep(cluster: Cluster) -> None:
    titles = [f"Deliverable {n}" for n in range(1, 10)]
    assert cluster.commit_spread(titles, over=list(REPLICAS)) == [200] * len(titles)
    wait_until(
        lambda: all(announced(cluster.fake, t) == 1 for t in titles),
        20,
        lambda: "not every commitment was announced once:\n" + cluster.logs(),
    )
    assert cluster.titles() == sorted(titles)

    # The promises slip: each was due an hour ago, so each owner's overdue reminder is due now (and the due-soon
    # ones of the day before, if today is that day for them). Three sweepers, once a second each, race to plan
    # and send them.
    now = datetime.now(UTC)
    with cluster.db.session() as session:
        session.connection().execute(
            update(Commitment).values(due_at=now - timedelta(hours=1), nudge_stage=0, next_nudge_at=now)
        )

    def state() -> str:
        owed = [(d.key, d.status, d.not_before, d.last_error) for d in cluster.rows(select(Delivery))]
        items = [(c.ref, c.due_at, c.nudge_stage, c.next_nudge_at) for c in cluster.rows(select(Commitment))]
        return f"the sweeps did not settle the deliveries: {owed}\n{items}\n" + cluster.logs()

    def settled() -> bool:
        owed = cluster.rows(select(Delivery).where(col(Delivery.not_before) <= datetime.now(UTC)))
        overdue = [d for d in owed if d.key.startswith("nudge:") and d.key.split(":")[2] == "1"]
        return len(overdue) == len(titles) and all(d.status not in ("pending", "claimed") for d in owed)

    wait_until(settled, 25, state)
    time.sleep(2.5)  # two more sweeps by each replica: nothing more may go out
    sent = cluster.rows(select(Delivery).where(col(Delivery.status) == "sent"))
    # A "due soon" reminder a replica planned before the items were made overdue is moot now: settled as skipped
    # (which replica swept first decides whether any was); every other delivery went out.
    unsent = [d for d in cluster.rows(select(Delivery)) if d.status != "sent"]
    assert all(d.status == "skipped" and d.key.split(":")[2] == "0" for d in unsent), state()
    posts = cluster.fake.posts()
    # Every message to a person carries sent reminders (a person's reminders of one sweep share one message), every
    # sent reminder is in exactly one message, and each item is named as often as it has reminders: nothing doubled
    # by the three sweepers, nothing lost.
    reminders = [d for d in sent if d.key.startswith("nudge:")]
    dms = [(ts, said) for channel, ts, said in posts if channel.startswith("D")]
    listing = "\n".join(
        [f"post {ts} {channel} {said.splitlines()[:2]}" for channel, ts, said in posts]
        + [f"sent {d.message_ts} {d.key} {d.claimed_by}" for d in sent]
    )
    assert len({ts for ts, _ in dms}) == len(dms), listing
    assert {ts for ts, _ in dms} == {d.message_ts for d in reminders}, listing
    title = {c.id: c.title for c in cluster.rows(select(Commitment))}
    for item in {int(d.key.split(":")[1]) for d in reminders}:
        named = sum(said.count(f"*{title[item]}*") for _, said in dms)
        assert named == sum(1 for d in reminders if int(d.key.split(":")[1]) == item), listing
    assert {d.message_ts for d in sent} <= {ts for _, ts, _ in posts}  # channel deliveries too, once each
    assert len({(channel, said) for channel, _, said in posts}) == len(posts)
    assert all(d.claimed_by for d in sent), "a sent delivery records which sweeper sent it"


def test_who_on_one_replica_sees_a_title_changed_through_another_at_once(cluster: Cluster) -> None:
    a, b = cluster.replicas["a"], cluster.replicas["b"]

    def ask_b(question: str) -> str:
        asked = payloads.app_mention(question, user=payloads.PAUL, signing_secret=SECRET)
        ts = asked.decoded()["event"]["ts"]
        assert b.post(asked) == 200
        [answer] = cluster.fake.wait_for(
            "chat.postMessage", predicate=lambda c: c.args.get("thread_ts") == ts, timeout=10
        )
        return str(answer.args.get("text", ""))

    typo = payloads.app_mention("commit <@U0PIA0001> reseller contrct by next Friday", signing_secret=SECRET)
    ts = typo.decoded()["event"]["ts"]
    assert a.post(typo) == 200
    wait_until(lambda: "reseller contrct" in cluster.titles(), 10, cluster.logs)
    assert "*reseller contrct*" in ask_b("who reseller contrct")  # B's cache now holds the old title

    fixed = payloads.app_mention(
        "commit <@U0PIA0001> partner onboarding kit by next Friday",
        ts=ts,
        edited_by=payloads.PAUL,
        signing_secret=SECRET,
    )
    assert a.post(fixed) == 200
    wait_until(lambda: "partner onboarding kit" in cluster.titles(), 10, cluster.logs)
    answer = ask_b("who partner onboarding kit")
    assert "*partner onboarding kit*" in answer, answer
    assert "contrct" not in answer


def test_a_replica_killed_after_acking_has_its_commands_carried_out_once_by_another(cluster: Cluster) -> None:
    c = cluster.replicas["c"]
    titles = [f"Handover item {n}" for n in range(1, 6)]
    # A burst to C alone, while the Web API is slow: C acks them all (each is in the inbox first), then dies.
    slow = threading.Event()
    original = cluster.fake._dispatch

    def slower(method: str, args: dict[str, Any], headers: dict[str, str]) -> _Scripted:
        if slow.is_set() and method != "auth.test":
            time.sleep(0.3)
        return original(method, args, headers)

    cluster.fake._dispatch = slower  # type: ignore[method-assign]
    slow.set()
    try:
        assert cluster.commit_spread(titles, over=["c"]) == [200] * len(titles)
        c.process.send_signal(signal.SIGKILL)
        assert c.process.wait(timeout=10) == -signal.SIGKILL
    finally:
        slow.clear()
    done_by_c = [t for t in titles if t in cluster.titles()]
    assert len(done_by_c) < len(titles), "the kill came too late to test anything"

    # A and B find C's rows once their leases run out, and carry them out.
    wait_until(
        lambda: all(t in cluster.titles() for t in titles) and cluster.unfinished() == 0,
        40,
        lambda: f"C's acknowledged commands were not all carried out: {cluster.titles()}\n" + cluster.logs(),
    )
    assert sorted(t for t in cluster.titles() if t.startswith("Handover item")) == titles  # none twice
    time.sleep(1)
    assert all(announced(cluster.fake, t) <= 1 for t in titles), cluster.logs()
    with cluster.db.session() as session:
        claimed = session.connection().execute(text("SELECT count(*) FROM inbox WHERE done_at IS NULL")).scalar_one()
    assert claimed == 0
