"""How long the bot takes to answer Slack over HTTP, against a bare Bolt app; and `who` at 10,000 commitments.

    .venv/bin/python bench/http_latency.py [--requests N] [--pg [URL]] [--part all|http|who] [--profile]

Part 1 (HTTP). Starts the fake Slack Web API in this process, ``alliance-bot serve`` (the installed console
script, SQLite in a temp dir, HTTP mode) and ``bench/bare_bolt.py`` (Bolt that only acks ``/alliance``,
same WSGI adapter, waitress server and thread count) as subprocesses on 127.0.0.1, then replays the same freshly
signed ``/alliance commit <@U0PAUL001|paul> Task N by next Friday`` and ``/alliance who Task N`` requests
against both, interleaved round by round, over one keep-alive connection per server, and reports the time
to the HTTP response (Slack's 3-second clock). By default each bot request also waits for the bot's
answer to reach the fake Web API before the next one goes out (a person reads the answer, then types
again), so one request's after-ack work does not land in the next one's timing; that time is reported too.
``--no-settle`` sends back to back instead.

The bot's HTTP response includes its durable inbox (bot.slack.inbox): each request is written to the database
before Slack gets its ack, and the ack is sent as soon as the listener gives it (Bolt alone polls for it every
10 ms); the run ends by counting the inbox's rows.

Part 2 (who at scale). One alliance with 10,000 open commitments (SQLite in a temp dir; PostgreSQL too
with ``--pg``), timing ``AllianceService.handle_text("who API spec", caller)`` in-process.

Targets: bot/bare ratio of medians <= 1.5 and bot p99 < 100 ms; who median and p99 < 20 ms. The benchmark
reports PASS/MISS and exits 0 either way; it exits 1 when a request failed (a non-200 answer, no answer
from the bot within 10 s, or an unexpected error in the bot's log).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import inspect
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import who_lookup  # noqa: E402
from bench.stats import Summary, summarise, table, verdict  # noqa: E402
from bot.slack import http as bot_http  # noqa: E402
from tests.slack import payloads  # noqa: E402
from tests.slack.fakes.web_api import Call, FakeSlack  # noqa: E402

DEFAULT_REQUESTS = 1000
WARMUP_ROUNDS = 20
RATIO_TARGET = 1.5
P99_TARGET_MS = 100.0
START_TIMEOUT = 60.0
REPLY_TIMEOUT = 10.0
DEFAULT_PG = f"postgresql+psycopg://postgres@127.0.0.1:5432/{who_lookup.PG_NAME_PREFIX}"
KINDS = ("commit", "who")
# payloads.SIGNING_SECRET is Slack's documentation example, which is not hexadecimal, and the bot's settings
# (rightly) refuse it; so both servers get a fresh hex secret and every request is signed with it.
SIGNING_SECRET = secrets.token_hex(16)
REPLY_METHODS = ("chat.postMessage", "chat.postEphemeral")
# Waitress worker threads of `alliance-bot serve`, read from the bot so the baseline always matches it.
BOT_THREADS: int = inspect.signature(bot_http.serve).parameters["threads"].default


def command_text(kind: str, n: int) -> str:
    if kind == "commit":
        return f"commit <@{payloads.PAUL}|paul> Task {n} by next Friday"
    return f"who Task {n}"


# ---- processes -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The parent's environment without any Slack or database settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextlib.contextmanager
def running(name: str, argv: list[str], *, port: int, env: dict[str, str], cwd: Path) -> Iterator[Server]:
    """A server subprocess in its own session (a Ctrl-C here does not reach it); stopped on the way out."""
    log = cwd / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name=name, process=process, port=port, log=log)
    try:
        wait_healthy(server)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            connection.request("GET", bot_http.HEALTH_PATH)
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} was not healthy within {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


class TimedFake(FakeSlack):
    """The fake Web API, also noting when (``perf_counter``) each answer from the bot reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: list[float] = []

    def _record(self, call: Call) -> None:
        super()._record(call)
        if call.method in REPLY_METHODS:
            self.answered.append(time.perf_counter())  # list.append is atomic; only this hook appends


# ---- requests --------------------------------------------------------------------------------------------


@dataclass
class Client:
    """One keep-alive HTTP/1.1 connection to a server, reopened if the server closes it."""

    server: Server
    connection: http.client.HTTPConnection | None = None

    def post(self, request: payloads.SignedRequest) -> tuple[int, float]:
        """POST a signed request to /slack/events; (status, milliseconds to the whole response)."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=REPLY_TIMEOUT)
            self.connection.connect()
        start = time.perf_counter()
        try:
            self.connection.request("POST", bot_http.EVENTS_PATH, body=request.body, headers=request.headers)
            response = self.connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        elapsed = (time.perf_counter() - start) * 1000
        if response.will_close:
            self.close()
        return response.status, elapsed

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Samples:
    ack: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    reply: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})


@dataclass
class Replay:
    fake: TimedFake
    settle: bool
    failures: list[str] = field(default_factory=list)

    def replies(self) -> int:
        return len(self.fake.answered)

    def wait_reply(self, seen: int, start: float) -> float | None:
        """Milliseconds from ``start`` until the bot's next answer (number ``seen``) reached the fake.

        The answer can arrive before the HTTP response does: Bolt acks from the listener's thread and the
        request thread only notices on its next 10 ms poll, by which time the listener may be done.
        """
        deadline = start + REPLY_TIMEOUT
        while time.perf_counter() < deadline:
            if len(self.fake.answered) > seen:
                return (self.fake.answered[seen] - start) * 1000
            time.sleep(0.0005)
        return None

    def send(self, client: Client, kind: str, n: int, samples: Samples | None, *, bot: bool) -> None:
        request = payloads.slash_command(
            command_text(kind, n), user=payloads.ALICE, channel=payloads.CHANNEL, signing_secret=SIGNING_SECRET
        )
        seen = self.replies() if bot and self.settle else 0
        start = time.perf_counter()
        try:
            status, elapsed = client.post(request)
        except (OSError, http.client.HTTPException) as e:
            self.failures.append(f"{client.server.name} {kind} #{n}: {e!r}")
            return
        if status != 200:
            self.failures.append(f"{client.server.name} {kind} #{n}: HTTP {status}")
            return
        reply = self.wait_reply(seen, start) if bot and self.settle else None
        if bot and self.settle and reply is None:
            self.failures.append(f"{client.server.name} {kind} #{n}: no answer reached Slack in {REPLY_TIMEOUT:.0f} s")
        if samples is not None:
            samples.ack[kind].append(elapsed)
            if reply is not None:
                samples.reply[kind].append(reply)

    def rounds(self, bot: Client, bare: Client, first: int, count: int, results: dict[str, Samples] | None) -> None:
        """``count`` rounds; each sends commit then who for task N to both servers, alternating who goes first."""
        for i in range(count):
            n = first + i
            order = [(bot, True), (bare, False)] if i % 2 == 0 else [(bare, False), (bot, True)]
            for kind in KINDS:
                for client, is_bot in order:
                    target = results[client.server.name] if results is not None else None
                    self.send(client, kind, n, target, bot=is_bot)

    def quiesce(self, timeout: float = 5.0) -> None:
        """Wait until the bot has stopped posting (the warm-up's first request also announces the alliance)."""
        deadline = time.monotonic() + timeout
        last = self.replies()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.replies()
            if now == last:
                return
            last = now


LOG_RECORD = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def unexpected_errors(server: Server) -> list[str]:
    """Log records at ERROR or above, or with a traceback, each with its traceback (one string per record)."""
    try:
        text = server.log.read_text(errors="replace")
    except OSError:
        return []
    records: list[list[str]] = []
    for line in text.splitlines():
        if LOG_RECORD.match(line) or not records:
            records.append([line])
        else:
            records[-1].append(line)
    return [
        "\n    ".join(record)
        for record in records
        if re.search(r" (ERROR|CRITICAL) ", record[0]) or any(line.startswith("Traceback") for line in record)
    ]


# ---- part 1: HTTP ------------------------------------------------------------------------------------------


def http_part(requests: int, *, settle: bool, work: Path) -> list[str]:
    """Run the HTTP comparison and print it; returns the failures."""
    print(f"== HTTP: /alliance over POST {bot_http.EVENTS_PATH}, bot vs bare Bolt ==")
    with contextlib.ExitStack() as stack:
        fake = TimedFake()
        stack.enter_context(fake)
        env = child_env(
            {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.url,
                "DATABASE_URL": f"sqlite:///{work / 'bot.db'}",
            }
        )
        bot_cwd, bare_cwd = work / "bot", work / "bare"
        bot_cwd.mkdir()
        bare_cwd.mkdir()
        console_script = Path(sys.executable).with_name("alliance-bot")
        bot_cmd = [str(console_script)] if console_script.exists() else [sys.executable, "-m", "bot.cli"]
        bot_port, bare_port = free_port(), free_port()
        bot_argv = [*bot_cmd, "serve", "--host", "127.0.0.1", "--port", str(bot_port)]
        bare_argv = [sys.executable, str(ROOT / "bench" / "bare_bolt.py"), "--port", str(bare_port)]
        bare_argv += ["--threads", str(BOT_THREADS)]
        bot = stack.enter_context(running("bot", bot_argv, port=bot_port, env=env, cwd=bot_cwd))
        bare = stack.enter_context(running("bare", bare_argv, port=bare_port, env=env, cwd=bare_cwd))
        bot_client, bare_client = Client(bot), Client(bare)
        stack.callback(bot_client.close)
        stack.callback(bare_client.close)

        replay = Replay(fake=fake, settle=settle)
        replay.rounds(bot_client, bare_client, 1, WARMUP_ROUNDS, None)
        replay.quiesce()
        results = {"bot": Samples(), "bare": Samples()}
        started = time.monotonic()
        replay.rounds(bot_client, bare_client, WARMUP_ROUNDS + 1, requests, results)
        took = time.monotonic() - started
        replay.quiesce()
        failures = replay.failures + [f"bot log: {line}" for line in unexpected_errors(bot)]
        failures += [f"bare log: {line}" for line in unexpected_errors(bare)]

    mode = "each bot request waits for its answer to reach Slack" if settle else "back to back (--no-settle)"
    print(
        f"{requests} requests per server and command after {WARMUP_ROUNDS} warm-up rounds; sequential, keep-alive; "
        f"{mode}; waitress threads={BOT_THREADS}; {took:.1f} s"
    )
    print_http(results)
    print(inbox_line(work / "bot.db"))
    return failures


def inbox_line(path: Path) -> str:
    """What the bot's durable inbox holds after the run: every request written before its ack, and done."""
    from sqlmodel import func, select

    from storage.db import Database
    from storage.models import InboxEntry

    db = Database(f"sqlite:///{path}")
    try:
        with db.session() as session:
            total = session.exec(select(func.count()).select_from(InboxEntry)).one()
            done = session.exec(
                select(func.count()).select_from(InboxEntry).where(InboxEntry.done_at.is_not(None))  # type: ignore[union-attr]
            ).one()
    finally:
        db.dispose()
    return f"bot inbox: {total} requests stored before their ack, {done} marked done"


def fmt(value: float) -> str:
    return f"{value:.2f}"


def print_http(results: dict[str, Samples]) -> None:
    rows: list[list[str]] = []
    for name in ("bot", "bare"):
        for kind in KINDS:
            s = summarise(results[name].ack[kind])
            rows.append([name, kind, "HTTP response", str(s.n), fmt(s.median), fmt(s.p99)])
    for kind in KINDS:
        if results["bot"].reply[kind]:
            s = summarise(results["bot"].reply[kind])
            rows.append(["bot", kind, "answer posted", str(s.n), fmt(s.median), fmt(s.p99)])
    print(table(["server", "command", "until", "n", "median ms", "p99 ms"], rows))
    print()
    checks: list[list[str]] = []
    for kind in (*KINDS, "all"):
        bot_s = summarise(_samples(results["bot"], kind))
        bare_s = summarise(_samples(results["bare"], kind))
        ratio = bot_s.median / bare_s.median if bare_s.median else float("nan")
        checks.append(
            [
                kind,
                f"{ratio:.2f}",
                f"<= {RATIO_TARGET}",
                verdict(ratio <= RATIO_TARGET),
                fmt(bot_s.p99),
                f"< {P99_TARGET_MS:.0f}",
                verdict(bot_s.p99 < P99_TARGET_MS),
            ]
        )
    print(table(["command", "bot/bare median", "target", "", "bot p99 ms", "target", ""], checks))


def _samples(samples: Samples, kind: str) -> list[float]:
    if kind == "all":
        return [x for k in KINDS for x in samples.ack[k]]
    return samples.ack[kind]


# ---- part 2: who over 10,000 commitments -------------------------------------------------------------------


def who_part(*, runs: int, work: Path, pg_url: str | None, profile: bool) -> None:
    print(f'== who over an alliance with {who_lookup.COMMITMENTS:,} open commitments: "{who_lookup.QUERY}" ==')
    who_lookup.prepare()
    results: list[who_lookup.WhoResult] = []
    db = who_lookup.sqlite_database(work)
    try:
        results.append(who_lookup.measure(db, label="sqlite", runs=runs, profile=profile))
    finally:
        db.dispose()
    if pg_url:
        with who_lookup.postgres_database(pg_url) as pg:
            results.append(who_lookup.measure(pg, label="postgresql", runs=runs, profile=profile))
    print(
        f"{runs} runs after warm-up; in-process AllianceService.handle_text; answers with {results[0].matches} matches"
    )
    rows = []
    for r in results:
        rows.append(_who_row(r.label, "handle_text (repeat asks)", r.total))
        rows.append(_who_row(r.label, "  first after a change", r.cold))
        rows.append(_who_row(r.label, "  load open titles", r.load_titles))
        rows.append(_who_row(r.label, "  fuzzy match only", r.fuzzy_match))
    print(table(["database", "what", "n", "median ms", "p99 ms"], rows))
    print()
    checks = [
        [
            r.label,
            fmt(r.total.median),
            fmt(r.total.p99),
            f"< {who_lookup.TARGET_MS:.0f}",
            verdict(r.total.median < who_lookup.TARGET_MS),
            verdict(r.total.p99 < who_lookup.TARGET_MS),
        ]
        for r in results
    ]
    print(table(["database", "median ms", "p99 ms", "target", "median", "p99"], checks))
    for r in results:
        if r.profile:
            print(f"\n-- cProfile of who on {r.label} (50 runs, by cumulative time) --\n{r.profile}")


def _who_row(label: str, what: str, s: Summary) -> list[str]:
    return [label, what, str(s.n), fmt(s.median), fmt(s.p99)]


# ---- entry point -------------------------------------------------------------------------------------------


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--requests",
        type=int,
        default=DEFAULT_REQUESTS,
        metavar="N",
        help=f"timed requests per server and command (default {DEFAULT_REQUESTS})",
    )
    parser.add_argument("--who-runs", type=int, default=200, metavar="N", help="timed who runs (default 200)")
    who_lookup.add_pg_argument(parser, DEFAULT_PG, "also time who on PostgreSQL")
    parser.add_argument("--part", choices=["all", "http", "who"], default="all")
    parser.add_argument("--no-settle", action="store_true", help="send bot requests back to back")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the who runs")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.who_runs < 1:
        parser.error("--requests and --who-runs must be positive")

    # A `kill` from outside gets the same clean-up as Ctrl-C: subprocesses stopped, temp dirs removed.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    failures: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="alliance-bench-") as tmp:
            work = Path(tmp)
            steps: list[Callable[[], None]] = []
            if args.part in ("all", "http"):
                http_dir = work / "http"
                http_dir.mkdir()
                steps.append(
                    lambda: failures.extend(http_part(args.requests, settle=not args.no_settle, work=http_dir))
                )
            if args.part in ("all", "who"):
                who_dir = work / "who"
                who_dir.mkdir()
                steps.append(lambda: who_part(runs=args.who_runs, work=who_dir, pg_url=args.pg, profile=args.profile))
            for i, step in enumerate(steps):
                if i:
                    print()
                step()
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped and temporary files removed", file=sys.stderr)
        return 130
    if failures:
        print(f"\n{len(failures)} failed request(s):", file=sys.stderr)
        for failure in failures[:10]:
            print(f"  {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
