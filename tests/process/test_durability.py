"""Acknowledged work survives the process: `alliance-bot serve` stopped (SIGTERM) or killed (SIGKILL) right after
acknowledging commands carries each of them out exactly once, by itself or after a restart (issue 11, item 12).

The bot runs as a real subprocess against the fake Web API, which answers slowly, so that the commands are still
being carried out when the signal arrives: a channel's first use looks up the channel and its members inside the
first command's transaction, and the other commands wait for it.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import Commitment, InboxEntry
from tests.process import local_http
from tests.slack import payloads
from tests.slack.fakes.web_api import FakeSlack, _Scripted

ROOT = Path(__file__).resolve().parents[2]
SECRET = secrets.token_hex(16)
N = 5
# Slow enough that a channel's first use (about ten look-ups, inside the first command's transaction) is still
# running when the acknowledgements are back; fast enough that on SQLite the other commands' inbox writes, which
# wait for that transaction's lock, get it within the inbox's 2 s (bot.slack.inbox.INTAKE_WAIT).
SLOW_SECONDS = 0.1


class SlowSlack(FakeSlack):
    """The fake Web API, taking its time over every answer (as Slack does on a bad day)."""

    def _dispatch(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> _Scripted:
        if method != "auth.test":
            time.sleep(SLOW_SECONDS)
        return super()._dispatch(method, args, headers)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bot:
    def __init__(self, fake: FakeSlack, tmp_path: Path) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.db_url = f"sqlite:///{tmp_path / 'bot.db'}"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        self.port = _free_port()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "SLACK_BOT_TOKEN": "xoxb-process-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.fake.url,
            "DATABASE_URL": self.db_url,
        }
        log = (self.tmp_path / f"serve-{self.runs}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, self.log()
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, "serve was not healthy within 30 s:\n" + self.log()
            time.sleep(0.1)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp_path.glob("serve-*.log")))

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        return local_http.request(self.port, method, path, body, headers)

    def commit_all(self, titles: list[str]) -> list[int]:
        """Send the commands at once, as several people typing; the acknowledgements' statuses."""

        def send(title: str) -> int:
            signed = payloads.slash_command(
                f"commit <@{payloads.PAUL}|paul> {title} by next Friday", signing_secret=SECRET
            )
            return self.request("POST", "/slack/events", signed.body, signed.headers)[0]

        with ThreadPoolExecutor(max_workers=len(titles)) as pool:
            return list(pool.map(send, titles))

    def signal(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=25)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def titles(self) -> list[str]:
        db = Database(self.db_url)
        try:
            with db.session() as session:
                return sorted(c.title for c in session.exec(select(Commitment)).all())
        finally:
            db.dispose()

    def unfinished(self) -> int:
        db = Database(self.db_url)
        try:
            with db.session() as session:
                return sum(1 for e in session.exec(select(InboxEntry)).all() if e.done_at is None)
        finally:
            db.dispose()

    def wait_for_titles(self, count: int, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            titles = self.titles()
            if (len(titles) >= count and self.unfinished() == 0) or time.monotonic() > deadline:
                return titles
            time.sleep(0.2)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    with SlowSlack() as fake:
        running = Bot(fake, tmp_path)
        try:
            yield running
        finally:
            running.stop()


def announced(fake: FakeSlack, title: str) -> int:
    """How many times the channel was told of a commitment with this title. Only the channel's posts: a DM that
    lists it (the sweep's "due soon" reminder, when "next Friday" is tomorrow) is not an announcement."""
    posts = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == payloads.CHANNEL]
    return sum(1 for c in posts if title in str(c.args.get("text", "")) + str(c.args.get("blocks", "")))


def wait_announced(fake: FakeSlack, titles: list[str], timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while any(announced(fake, t) == 0 for t in titles) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # and nothing more comes
    return [announced(fake, t) for t in titles]


def test_sigterm_right_after_the_acks_finishes_every_command_once(bot: Bot) -> None:
    bot.start()
    titles = [f"Task {n}" for n in range(1, N + 1)]
    assert bot.commit_all(titles) == [200] * N
    assert bot.signal(signal.SIGTERM) == 0, bot.log()

    bot.start()  # whatever the stop handed back is carried out now
    assert bot.wait_for_titles(N, timeout=20) == titles, bot.log()
    assert wait_announced(bot.fake, titles) == [1] * N, bot.log()
    assert bot.signal(signal.SIGTERM) == 0


def test_sigkill_right_after_the_acks_loses_nothing_and_doubles_nothing(bot: Bot) -> None:
    bot.start()
    titles = [f"Task {n}" for n in range(1, N + 1)]
    assert bot.commit_all(titles) == [200] * N
    assert bot.signal(signal.SIGKILL) == -signal.SIGKILL
    before = bot.titles()
    assert len(before) < N, "the kill came too late to test anything"

    bot.start()  # the dead process's leases run out; this one claims its rows and carries them out
    assert bot.wait_for_titles(N, timeout=25) == titles, bot.log()
    assert all(n <= 1 for n in wait_announced(bot.fake, titles)), bot.log()
    assert bot.signal(signal.SIGTERM) == 0
