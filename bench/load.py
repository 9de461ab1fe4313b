"""Acknowledgements under load: 100 concurrent clients against `alliance-bot serve` and a bare Bolt app.

    .venv/bin/python bench/load.py [--clients 100] [--requests 5] [--rounds 2] [--pg [URL]]

Starts the fake Slack Web API in this process, ``alliance-bot serve`` (HTTP mode; SQLite in a temp dir, or a
scratch PostgreSQL database with ``--pg``) and ``bench/bare_bolt.py`` (Bolt that only acknowledges
``/alliance``, same WSGI adapter, waitress and threads) as subprocesses, as ``bench/http_latency.py`` does.
Then, in the same run, alternating phases (bot, bare, bot, bare, …: a machine that gets busier part-way
through weighs on both): ``--clients`` threads, each with its own keep-alive connection, all released at
once, each sending ``--requests`` freshly signed slash commands back to back (``commit`` and ``who``
alternately). What is timed is the HTTP response, Slack's 3-second clock.

Prints p50 and p99 of each server, their ratios, the time until the bot's last answer reached the fake Web
API, what its durable inbox holds, and the bot's resident memory (VmRSS): idle after start, and the peak
while busy. Targets (issue 13): bot p99 < 1 s, and bot p99 ≤ 1.5 × bare Bolt's. Reports PASS/MISS and exits
0 either way; exits 1 when a request failed (not 200, no answer, an error in the bot's log).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import who_lookup  # noqa: E402
from bench.http_latency import (  # noqa: E402
    BOT_THREADS,
    REPLY_TIMEOUT,
    SIGNING_SECRET,
    Server,
    TimedFake,
    child_env,
    command_text,
    fmt,
    free_port,
    running,
    unexpected_errors,
)
from bench.memory import rss_mb  # noqa: E402
from bench.stats import Summary, summarise, table, verdict  # noqa: E402
from bot.slack import http as bot_http  # noqa: E402
from tests.slack import payloads  # noqa: E402

CLIENTS = 100
REQUESTS = 5
ROUNDS = 2
P99_TARGET_MS = 1000.0
RATIO_TARGET = 1.5
DEFAULT_PG = f"postgresql+psycopg://postgres@127.0.0.1:5432/{who_lookup.PG_NAME_PREFIX}_load"
RSS_EVERY = 0.05  # seconds between two readings of the bot's memory while it is busy


@dataclass
class Phase:
    """One burst against one server: latencies (ms) of the requests that were answered 200, and the failures."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def burst(server: Server, *, clients: int, requests: int, first: int) -> Phase:
    """``clients`` threads released together, each sending ``requests`` signed commands over one connection."""
    phase = Phase()
    lock = threading.Lock()
    # Signed before the start, so the clients spend the burst sending, not hashing.
    plans = [
        [
            payloads.slash_command(
                command_text("commit" if i % 2 == 0 else "who", first + c * requests + i),
                user=payloads.ALICE,
                channel=payloads.CHANNEL,
                signing_secret=SIGNING_SECRET,
            )
            for i in range(requests)
        ]
        for c in range(clients)
    ]
    start = threading.Barrier(clients + 1)

    def client(plan: list[payloads.SignedRequest]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REPLY_TIMEOUT)
        mine: list[float] = []
        failed: list[str] = []
        start.wait()
        for request in plan:
            began = time.perf_counter()
            try:
                connection.request("POST", bot_http.EVENTS_PATH, body=request.body, headers=request.headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as e:
                failed.append(f"{server.name}: {e!r}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REPLY_TIMEOUT)
                continue
            elapsed = (time.perf_counter() - began) * 1000
            if response.status == 200:
                mine.append(elapsed)
            else:
                failed.append(f"{server.name}: HTTP {response.status} {body[:200]!r}")
            if response.will_close:
                connection.close()
        connection.close()
        with lock:
            phase.latencies.extend(mine)
            phase.failures.extend(failed)

    threads = [threading.Thread(target=client, args=(plan,), daemon=True) for plan in plans]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - began
    return phase


class PeakRss:
    """The highest resident set of a process while the block runs, read every RSS_EVERY seconds."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        thread = threading.Thread(target=self._watch, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join()
            self._stop.clear()

    def _watch(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, RuntimeError):
                self.peak = max(self.peak, rss_mb(self.pid))
            self._stop.wait(RSS_EVERY)


def drained(fake: TimedFake, expected: int, since: float) -> tuple[int, float]:
    """Wait until the bot's answers stop coming (or ``expected`` arrived); (answers, seconds since ``since``)."""
    deadline = time.perf_counter() + 60
    last, quiet_since = -1, time.perf_counter()
    while time.perf_counter() < deadline:
        count = len(fake.answered)
        if count >= expected:
            break
        if count != last:
            last, quiet_since = count, time.perf_counter()
        elif time.perf_counter() - quiet_since > REPLY_TIMEOUT:
            break
        time.sleep(0.05)
    answered = list(fake.answered)
    return len(answered), (max(answered) - since if answered else 0.0)


def inbox_counts(url: str) -> tuple[int, int]:
    from sqlmodel import col, func, select

    from storage.db import Database
    from storage.models import InboxEntry

    db = Database(url)
    try:
        with db.session() as session:
            total = session.exec(select(func.count()).select_from(InboxEntry)).one()
            done = session.exec(
                select(func.count()).select_from(InboxEntry).where(col(InboxEntry.done_at).is_not(None))
            ).one()
    finally:
        db.dispose()
    return int(total), int(done)


def run(*, clients: int, requests: int, rounds: int, pg: str | None, work: Path) -> int:
    with contextlib.ExitStack() as stack:
        label, url = stack.enter_context(who_lookup.database_url(pg, work))
        fake = TimedFake()
        stack.enter_context(fake)
        env = child_env(
            {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.url,
                "DATABASE_URL": url,
            }
        )
        for name in ("bot", "bare"):
            (work / name).mkdir()
        console_script = Path(sys.executable).with_name("alliance-bot")
        bot_cmd = [str(console_script)] if console_script.exists() else [sys.executable, "-m", "bot.cli"]
        bot_port, bare_port = free_port(), free_port()
        bot_argv = [*bot_cmd, "--log-level", "WARNING", "serve", "--host", "127.0.0.1", "--port", str(bot_port)]
        bare_argv = [sys.executable, str(ROOT / "bench" / "bare_bolt.py"), "--port", str(bare_port)]
        bare_argv += ["--threads", str(BOT_THREADS)]
        bot = stack.enter_context(running("bot", bot_argv, port=bot_port, env=env, cwd=work / "bot"))
        bare = stack.enter_context(running("bare", bare_argv, port=bare_port, env=env, cwd=work / "bare"))
        time.sleep(1.0)  # start-up's last work (the first sweep) is over
        idle = rss_mb(bot.process.pid)

        # A channel's first use sets the alliance up (a dozen Web API calls): once, before anything is timed.
        for server in (bot, bare):
            warm = burst(server, clients=4, requests=2, first=1)
            if warm.failures:
                raise SystemExit(f"warm-up failed: {warm.failures[:3]}\n{bot.log_tail()}")
        time.sleep(2.0)
        fake.answered.clear()

        results: dict[str, list[Phase]] = {"bot": [], "bare": []}
        peak = PeakRss(bot.process.pid)
        first = 1000
        began = time.perf_counter()
        for r in range(rounds):
            order = [bot, bare] if r % 2 == 0 else [bare, bot]
            for server in order:
                if server is bot:
                    with peak.watching():
                        results["bot"].append(burst(server, clients=clients, requests=requests, first=first))
                else:
                    results["bare"].append(burst(server, clients=clients, requests=requests, first=first))
                first += clients * requests
        sent = clients * requests * rounds
        with peak.watching():
            answers, last_answer = drained(fake, sent, began)
        total, done = inbox_counts(url)
        errors = unexpected_errors(bot) + unexpected_errors(bare)

    bot_s = summarise([x for p in results["bot"] for x in p.latencies])
    bare_s = summarise([x for p in results["bare"] for x in p.latencies])
    print(
        f"== {clients} concurrent clients x {requests} signed /alliance commands each (commit, who), "
        f"{rounds} round(s) per server, alternating; bot on {label}; waitress threads={BOT_THREADS} =="
    )
    rows = [
        [name, str(s.n), fmt(s.median), fmt(s.p99), " ".join(f"{p.seconds:.1f}" for p in results[name])]
        for name, s in (("bot", bot_s), ("bare", bare_s))
    ]
    print(table(["server", "n", "p50 ms", "p99 ms", "burst seconds"], rows))
    print(
        f"bot answers that reached the Web API: {answers} of {sent}, the last {last_answer:.1f} s after the first "
        f"burst began; inbox: {total} requests stored before their ack, {done} done"
    )
    print()
    print(
        table(
            ["process", "RSS MB"], [["bot, idle after start", f"{idle:.0f}"], ["bot, busy (peak)", f"{peak.peak:.0f}"]]
        )
    )
    print()
    print(checks(bot_s, bare_s))
    failures = [f for phases in results.values() for p in phases for f in p.failures]
    if answers < sent:
        failures.append(f"only {answers} of {sent} answers reached the Web API")
    failures += [f"log: {line}" for line in errors]
    if failures:
        print(f"\n{len(failures)} failure(s):", file=sys.stderr)
        for failure in failures[:10]:
            print(f"  {failure}", file=sys.stderr)
        return 1
    return 0


def checks(bot: Summary, bare: Summary) -> str:
    p50_ratio = bot.median / bare.median if bare.median else float("nan")
    p99_ratio = bot.p99 / bare.p99 if bare.p99 else float("nan")
    return table(
        ["check", "measured", "target", ""],
        [
            ["bot p99 ms", fmt(bot.p99), f"< {P99_TARGET_MS:.0f}", verdict(bot.p99 < P99_TARGET_MS)],
            ["bot/bare p99", f"{p99_ratio:.2f}", f"<= {RATIO_TARGET}", verdict(p99_ratio <= RATIO_TARGET)],
            ["bot/bare p50", f"{p50_ratio:.2f}", f"<= {RATIO_TARGET}", verdict(p50_ratio <= RATIO_TARGET)],
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"concurrent clients (default {CLIENTS})")
    parser.add_argument("--requests", type=int, default=REQUESTS, help=f"per client and burst (default {REQUESTS})")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"bursts per server (default {ROUNDS})")
    who_lookup.add_pg_argument(parser, DEFAULT_PG)
    args = parser.parse_args(argv)
    if min(args.clients, args.requests, args.rounds) < 1:
        parser.error("--clients, --requests and --rounds must be positive")
    try:
        with tempfile.TemporaryDirectory(prefix="alliance-load-") as tmp:
            return run(clients=args.clients, requests=args.requests, rounds=args.rounds, pg=args.pg, work=Path(tmp))
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped and temporary files removed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
